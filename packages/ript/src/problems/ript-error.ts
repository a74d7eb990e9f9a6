import { problemDocument, PROBLEMS, type ProblemDocument, type ProblemSlug } from './registry.js';

/**
 * The base of riptrunk's errors: a registered problem code, the detail for people, extension members and response
 * headers (Retry-After). Servers answer it as its problem document; the SDK throws it for a peer's problem.
 */
export class RiptError extends Error {
  constructor(
    readonly code: ProblemSlug,
    detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }

  get status(): number {
    return PROBLEMS[this.code].status;
  }

  toProblem(): ProblemDocument {
    return problemDocument(this.code, this.message, this.extra);
  }
}
