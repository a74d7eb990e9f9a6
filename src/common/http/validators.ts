import { applyDecorators } from '@nestjs/common';
import { IsString, Matches, MaxLength } from 'class-validator';

/** A single-line human text: no control characters, at most `max` characters. */
export function IsPlainText(max: number) {
  return applyDecorators(
    IsString(),
    MaxLength(max),
    Matches(/^[^\p{Cc}]*$/u, { message: ({ property }) => `${property} must not contain control characters` }),
  );
}
