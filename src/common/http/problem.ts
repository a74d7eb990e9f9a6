import { STATUS_CODES } from 'node:http';
import { HttpException } from '@nestjs/common';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface FieldError {
  /** JSON pointer into the request body, e.g. "#/start". */
  pointer: string;
  detail: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export function problemType(slug: string): string {
  return `urn:riptrunk:problem:${slug}`;
}

const SLUGS: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  409: 'conflict',
  412: 'precondition-failed',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  422: 'unprocessable-content',
  428: 'precondition-required',
  429: 'too-many-requests',
  500: 'internal-error',
  503: 'service-unavailable',
};

export function problem(status: number, detail?: string, extra: Partial<Problem> = {}): Problem {
  return {
    type: problemType(SLUGS[status] ?? `http-${status}`),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail ? { detail } : {}),
    ...extra,
  };
}

/** An error that is answered as exactly this problem document. */
export class ProblemException extends HttpException {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem, problem.status);
  }

  static of(
    status: number,
    slug: string,
    detail: string,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    return new ProblemException(problem(status, detail, { type: problemType(slug), ...extra }), headers);
  }

  static validation(errors: FieldError[]): ProblemException {
    return new ProblemException(
      problem(
        400,
        `${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => e.detail).join('; ')}`,
        {
          type: problemType('validation'),
          title: 'Invalid request',
          errors,
        },
      ),
    );
  }
}
