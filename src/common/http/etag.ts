import { ProblemException } from './problem.js';

export function etagOf(version: number): string {
  return `"${version}"`;
}

/** 412 when If-Match is present and names none of the current version's tags. */
export function assertIfMatch(ifMatch: string | undefined, version: number): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (!tags.includes(etagOf(version))) {
    throw ProblemException.of(
      412,
      'precondition-failed',
      `The resource has changed (current ETag ${etagOf(version)}); fetch it again and retry`,
    );
  }
}
