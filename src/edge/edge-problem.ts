import type { ProblemSlug } from '@riptrunk/ript';
import { ProblemException } from '../common/http/problem.js';

/** A problem answer of the edge, its slug one of the registry's (a typo does not compile). */
export function edgeProblem(
  status: number,
  slug: ProblemSlug,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): ProblemException {
  return ProblemException.of(status, slug, detail, extra, headers);
}
