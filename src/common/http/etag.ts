import { etagOfVersion, ifMatchHolds } from '@riptrunk/ript';
import { ProblemException } from './problem.js';

export const etagOf = etagOfVersion;

/** 412 when If-Match is present and names none of the current version's tags. */
export function assertIfMatch(ifMatch: string | undefined, version: number): void {
  const etag = etagOf(version);
  if (!ifMatchHolds(ifMatch, etag)) {
    throw ProblemException.of(
      'precondition-failed',
      `The resource has changed (current ETag ${etag}); fetch it again and retry`,
    );
  }
}
