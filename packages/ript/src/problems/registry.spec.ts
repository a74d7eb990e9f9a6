import { PROBLEMS, problemDocument, problemSlugOf, problemType, slugForStatus, type ProblemSlug } from './registry.js';
import { RiptError } from './ript-error.js';

describe('problem registry', () => {
  it('gives every kind a lower-case slug, a title and an error status', () => {
    for (const [slug, kind] of Object.entries(PROBLEMS)) {
      expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(kind.title.length).toBeGreaterThan(0);
      expect(kind.status).toBeGreaterThanOrEqual(400);
      expect(kind.status).toBeLessThan(600);
    }
  });

  it('builds documents with the registered type, title and status', () => {
    expect(problemDocument('tg-disabled', 'TG off', { retry: 1 })).toEqual({
      type: 'urn:riptrunk:problem:tg-disabled',
      title: 'Trunk group disabled',
      status: 403,
      detail: 'TG off',
      retry: 1,
    });
    expect(problemDocument('not-found')).not.toHaveProperty('detail');
  });

  it('reads slugs back only from registered riptrunk types', () => {
    expect(problemSlugOf(problemType('cps-limit'))).toBe('cps-limit');
    expect(problemSlugOf('urn:riptrunk:problem:no-such-thing')).toBeNull();
    expect(problemSlugOf('about:blank')).toBeNull();
    expect(problemSlugOf(42)).toBeNull();
  });

  it('maps bare statuses to the generic kinds', () => {
    expect(slugForStatus(404)).toBe('not-found');
    expect(slugForStatus(415)).toBe('unsupported-media-type');
    expect(slugForStatus(418)).toBe('bad-request');
    expect(slugForStatus(502)).toBe('internal-error');
  });

  it('RiptError carries its code, status, extensions and headers', () => {
    class LimitError extends RiptError {}
    const err = new LimitError(
      'concurrency-limit' satisfies ProblemSlug,
      'at 10 calls',
      { limit: 10 },
      { 'retry-after': '1' },
    );
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('LimitError');
    expect(err.status).toBe(429);
    expect(err.headers).toEqual({ 'retry-after': '1' });
    expect(err.toProblem()).toMatchObject({ type: problemType('concurrency-limit'), status: 429, limit: 10 });
  });
});
