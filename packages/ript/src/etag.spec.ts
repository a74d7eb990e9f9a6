import { etagOfDocument, etagOfVersion, ifMatchHolds, ifNoneMatchHits } from './etag.js';

describe('ETags', () => {
  it('tags equal documents equally and different ones differently', () => {
    expect(etagOfDocument({ a: 1 })).toBe(etagOfDocument({ a: 1 }));
    expect(etagOfDocument({ a: 1 })).not.toBe(etagOfDocument({ a: 2 }));
    expect(etagOfDocument({ a: 1 })).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(etagOfVersion(3)).toBe('"3"');
  });

  it('If-None-Match hits on the tag, a weak form of it, a list holding it, or *', () => {
    const tag = etagOfVersion(7);
    expect(ifNoneMatchHits(undefined, tag)).toBe(false);
    expect(ifNoneMatchHits('"7"', tag)).toBe(true);
    expect(ifNoneMatchHits('W/"7"', tag)).toBe(true);
    expect(ifNoneMatchHits('"1", "7"', tag)).toBe(true);
    expect(ifNoneMatchHits(' * ', tag)).toBe(true);
    expect(ifNoneMatchHits('"8"', tag)).toBe(false);
  });

  it('If-Match holds when absent, *, or naming the tag', () => {
    const tag = etagOfVersion(7);
    expect(ifMatchHolds(undefined, tag)).toBe(true);
    expect(ifMatchHolds('*', tag)).toBe(true);
    expect(ifMatchHolds('"6", W/"7"', tag)).toBe(true);
    expect(ifMatchHolds('"6"', tag)).toBe(false);
  });
});
