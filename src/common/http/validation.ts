import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ProblemException, type FieldError } from './problem.js';

function fieldErrors(errors: ValidationError[], prefix = '#'): FieldError[] {
  return errors.flatMap((e) => {
    const pointer = `${prefix}/${e.property}`;
    const own = Object.entries(e.constraints ?? {}).map(([rule, message]) => ({
      pointer,
      detail: rule === 'whitelistValidation' ? `${e.property} is not a known field` : message,
    }));
    return [...own, ...fieldErrors(e.children ?? [], pointer)];
  });
}

/** Every field error at once; unknown fields rejected; payloads transformed into their DTO classes. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => ProblemException.validation(fieldErrors(errors)),
  });
}
