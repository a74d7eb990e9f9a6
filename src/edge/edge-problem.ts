import type { ProblemSlug } from '@riptrunk/ript';
import { ProblemException } from '../common/http/problem.js';

/** A problem answer of the edge: a registered kind, with the registry's status and title. */
export function edgeProblem(
  slug: ProblemSlug,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): ProblemException {
  return ProblemException.of(slug, detail, extra, headers);
}
