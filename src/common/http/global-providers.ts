import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ProblemFilter } from './problem-filter.js';
import { createValidationPipe } from './validation.js';

/** Global pipe and filter are APP_* providers of each root module, so a test app behaves exactly like production. */
export const GLOBAL_PROVIDERS = [
  { provide: APP_PIPE, useFactory: createValidationPipe },
  { provide: APP_FILTER, useClass: ProblemFilter },
];
