import { codecNameOf, codecNumberOf, isKnownCodec, isMediaCodec, isSecondaryCodec, KNOWN_CODECS } from './codecs.js';
import * as ript from './index.js';

describe('codecs', () => {
  it('maps names to the frame codec numbers of profile §7', () => {
    expect(KNOWN_CODECS.map((n) => [n, codecNumberOf(n)])).toEqual([
      ['PCMU', 0],
      ['PCMA', 8],
      ['G722', 9],
      ['CN', 13],
      ['telephone-event', 101],
      ['opus', 111],
    ]);
    for (const n of KNOWN_CODECS) expect(codecNameOf(codecNumberOf(n)!)).toBe(n);
  });

  it('knows nothing else, case-sensitively, and ignores Object.prototype names', () => {
    for (const name of ['pcmu', 'OPUS', 'AMR', 'constructor', 'toString', '__proto__']) {
      expect(isKnownCodec(name)).toBe(false);
      expect(codecNumberOf(name)).toBeUndefined();
    }
    expect(codecNameOf(1)).toBeUndefined();
  });

  it('separates media codecs from secondary ones', () => {
    expect(KNOWN_CODECS.filter(isMediaCodec)).toEqual(['PCMU', 'PCMA', 'G722', 'opus']);
    expect(KNOWN_CODECS.filter(isSecondaryCodec)).toEqual(['CN', 'telephone-event']);
    expect(isMediaCodec('x')).toBe(false);
  });
});

describe('index', () => {
  it('re-exports every module', () => {
    for (const name of [
      'parseAdvertisement',
      'formatAdvertisement',
      'AdvertisementError',
      'computeDirectives',
      'parseDirectives',
      'NoCommonCodecError',
      'encodeMediaFrame',
      'decodeFrame',
      'FrameParser',
      'StreamStats',
      'EventStreamWriter',
      'EventStreamParser',
      'validateEvent',
      'parseNumberPattern',
      'matches',
      'isE164',
      'codecNumberOf',
    ]) {
      expect(typeof (ript as Record<string, unknown>)[name]).toBe('function');
    }
  });
});
