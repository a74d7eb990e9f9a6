import { STATUS_CODES } from 'node:http';
import { HttpException } from '@nestjs/common';
import {
  PROBLEMS,
  problemDocument,
  RiptError,
  slugForStatus,
  type FieldError,
  type ProblemDocument,
  type ProblemSlug,
} from '@riptrunk/ript';

export { PROBLEM_CONTENT_TYPE, type FieldError } from '@riptrunk/ript';
export type Problem = ProblemDocument;

/** The problem for a bare HTTP status (framework errors, unknown routes): its generic kind when one is registered. */
export function problem(status: number, detail?: string, extra: Partial<Problem> = {}): Problem {
  const slug = slugForStatus(status);
  if (PROBLEMS[slug].status === status) return problemDocument(slug, detail, extra);
  return {
    type: `urn:riptrunk:problem:http-${status}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail ? { detail } : {}),
    ...extra,
  };
}

/** An error that is answered as exactly this problem document (or this RiptError's). */
export class ProblemException extends HttpException {
  readonly problem: Problem;
  readonly headers: Record<string, string>;

  constructor(problemOrError: Problem | RiptError, headers: Record<string, string> = {}) {
    const body = problemOrError instanceof RiptError ? problemOrError.toProblem() : problemOrError;
    super(body, body.status);
    this.problem = body;
    this.headers = problemOrError instanceof RiptError ? { ...problemOrError.headers, ...headers } : headers;
  }

  /** A registered kind of problem: its status and title come from the registry. */
  static of(
    slug: ProblemSlug,
    detail: string,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): ProblemException {
    return new ProblemException(problemDocument(slug, detail, extra), headers);
  }

  static validation(errors: FieldError[]): ProblemException {
    return ProblemException.of(
      'validation',
      `${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => e.detail).join('; ')}`,
      { errors },
    );
  }
}
