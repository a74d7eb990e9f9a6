import { createHash } from 'node:crypto';

/** A strong ETag for a JSON document: its SHA-256, so that equal documents get equal tags on every server. */
export function etagOfDocument(doc: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(doc)).digest('base64url').slice(0, 27)}"`;
}

/** A strong ETag for a version counter. */
export function etagOfVersion(version: number): string {
  return `"${version}"`;
}

/** The entity tags of an If-Match or If-None-Match header, weak tags compared by their opaque part (RFC 9110 §13.1). */
function tagsOf(header: string): string[] {
  return header.split(',').map((t) => t.trim().replace(/^W\//, ''));
}

/** If-None-Match names the current representation (or `*`): answer 304. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.trim() === '*' || tagsOf(header).includes(etag);
}

/** If-Match is absent, `*`, or names the current tag: the change may go ahead (else 412). */
export function ifMatchHolds(header: string | undefined, etag: string): boolean {
  if (header === undefined || header.trim() === '*') return true;
  return tagsOf(header).includes(etag);
}
