import {
  AdvertisementError,
  entriesOf,
  formatAdvertisement,
  formatCodecSpec,
  parseAdvertisement,
  type Advertisement,
} from './advertisement.js';

function errorOf(input: string): AdvertisementError {
  try {
    parseAdvertisement(input);
  } catch (e) {
    if (e instanceof AdvertisementError) return e;
    throw e;
  }
  throw new Error(`no error for ${JSON.stringify(input)}`);
}

describe('parseAdvertisement', () => {
  it('parses the profile example', () => {
    expect(parseAdvertisement('1 in: opus; PCMU; 1 out: opus,sr=48000,ch=2; PCMU;')).toEqual({
      entries: [
        {
          id: 1,
          dir: 'in',
          codecs: [
            { name: 'opus', params: {} },
            { name: 'PCMU', params: {} },
          ],
        },
        {
          id: 1,
          dir: 'out',
          codecs: [
            { name: 'opus', params: { sr: 48000, ch: 2 } },
            { name: 'PCMU', params: {} },
          ],
        },
      ],
    });
  });

  it('parses the TG example with three codecs each way', () => {
    const ad = parseAdvertisement('1 in: opus; PCMU; PCMA; 1 out: opus; PCMU; PCMA;');
    expect(ad.entries.map((e) => [e.id, e.dir, e.codecs.map((c) => c.name)])).toEqual([
      [1, 'in', ['opus', 'PCMU', 'PCMA']],
      [1, 'out', ['opus', 'PCMU', 'PCMA']],
    ]);
  });

  it('is whitespace-insensitive', () => {
    const canonical = parseAdvertisement('1 in: opus,sr=48000,cbr; PCMU; 2 out: G722;');
    for (const variant of [
      '1in:opus,sr=48000,cbr;PCMU;2out:G722;',
      '  1   in  :  opus , sr = 48000 , cbr ; PCMU ;\n2\tout:\r\nG722 ;  ',
      '\n1 in:\n  opus,sr=48000,cbr;\n  PCMU;\n2 out:\n  G722;\n',
    ]) {
      expect(parseAdvertisement(variant)).toEqual(canonical);
    }
  });

  it('gives a bare param the value 1', () => {
    const ad = parseAdvertisement('1 out: opus,cbr,ch;');
    expect(ad.entries[0].codecs[0].params).toEqual({ cbr: 1, ch: 1 });
  });

  it('accepts every known codec and param', () => {
    const ad = parseAdvertisement(
      '1 in: opus,sr=48000,ch=2,ptime=60,br=64000,cbr=0; PCMU; PCMA; G722; telephone-event; CN;',
    );
    expect(ad.entries[0].codecs.map((c) => c.name)).toEqual(['opus', 'PCMU', 'PCMA', 'G722', 'telephone-event', 'CN']);
    expect(ad.entries[0].codecs[0].params).toEqual({ sr: 48000, ch: 2, ptime: 60, br: 64000, cbr: 0 });
  });

  it('accepts unknown codec and param tokens with digit values', () => {
    const ad = parseAdvertisement('3 in: x-codec.v2,fancy=7,flag; AMR-WB;');
    expect(ad.entries[0].codecs).toEqual([
      { name: 'x-codec.v2', params: { fancy: 7, flag: 1 } },
      { name: 'AMR-WB', params: {} },
    ]);
  });

  it('keeps codec names case-sensitive', () => {
    expect(parseAdvertisement('1 in: pcmu;').entries[0].codecs[0].name).toBe('pcmu');
  });

  it('keeps param names that shadow Object.prototype as plain data', () => {
    const ad = parseAdvertisement('1 in: opus,constructor=3,toString,hasOwnProperty=2;');
    expect(ad.entries[0].codecs[0].params).toEqual({ constructor: 3, toString: 1, hasOwnProperty: 2 });
  });

  it('accepts ids 1..255 in any order, keeping input order', () => {
    const ad = parseAdvertisement('255 in: PCMU; 1 out: PCMU; 7 in: PCMA; 007 out: PCMA;');
    expect(ad.entries.map((e) => `${e.id} ${e.dir}`)).toEqual(['255 in', '1 out', '7 in', '7 out']);
  });

  it('accepts large param values up to 2^53-1', () => {
    expect(parseAdvertisement('1 in: x,v=9007199254740991;').entries[0].codecs[0].params.v).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it.each<[string, number, RegExp]>([
    ['', 0, /expected entry id, found end of input/],
    ['   ', 3, /expected entry id/],
    ['in: opus;', 0, /expected entry id, found 'i'/],
    ['0 in: opus;', 0, /entry id must be 1\.\.255, got 0/],
    ['256 in: opus;', 0, /entry id must be 1\.\.255, got 256/],
    ['1000 in: opus;', 0, /more than 3 digits/],
    ['0001 in: opus;', 0, /more than 3 digits/],
    ['1 inn: opus;', 2, /expected 'in' or 'out', found 'inn'/],
    ['1 IN: opus;', 2, /expected 'in' or 'out', found 'IN'/],
    ['1 : opus;', 2, /expected 'in' or 'out', found ':'/],
    ['1', 1, /expected 'in' or 'out', found end of input/],
    ['1 in opus;', 5, /expected ':', found 'o'/],
    ['1 in', 4, /expected ':', found end of input/],
    ['1 in:', 5, /expected codec name, found end of input/],
    ['1 in: ;', 6, /expected codec name, found ';'/],
    ['1 in: opus', 10, /expected ',' or ';', found end of input/],
    ['1 in: opus PCMU;', 11, /expected ',' or ';', found 'P'/],
    ['1 in: opus,;', 11, /expected parameter name, found ';'/],
    ['1 in: opus,sr=;', 14, /expected value of 'sr', found ';'/],
    ['1 in: opus,sr=abc;', 14, /expected value of 'sr', found 'a'/],
    ['1 in: opus,sr=-1;', 14, /expected value of 'sr', found '-'/],
    ['1 in: opus,sr=4.8;', 15, /expected ',' or ';', found '\.'/],
    ['1 in: opus,x=0x10;', 14, /expected ',' or ';', found 'x'/],
    ['1 in: opus,sr=0;', 14, /'sr' must be at least 1/],
    ['1 in: opus,ch=0;', 14, /'ch' must be at least 1/],
    ['1 in: opus,ptime=0;', 17, /'ptime' must be at least 1/],
    ['1 in: opus,br=0;', 14, /'br' must be at least 1/],
    ['1 in: opus,v=9007199254740992;', 13, /too large/],
    ['1 in: opus,v=12345678901234567;', 13, /more than 16 digits/],
    ['1 in: opus,sr=8000,sr=16000;', 19, /duplicate parameter 'sr'/],
    ['1 in: opus; opus;', 12, /duplicate codec 'opus' in entry '1 in'/],
    ['1 in: opus; 1 in: PCMU;', 12, /duplicate entry '1 in'/],
    ['1 in: opus; 01 in: PCMU;', 12, /duplicate entry '1 in'/],
    ['1 in: opus; ?', 12, /expected codec name or entry id, found '\?'/],
    ['1 in: 9codec;', 6, /expected codec name, found '9'/],
    ['1 in: -opus;', 6, /expected codec name, found '-'/],
    ['1 in: op us;', 9, /expected ',' or ';', found 'u'/],
    ['1 in: opus;;', 11, /expected codec name or entry id, found ';'/],
    ['1 in: opus; 2', 13, /expected 'in' or 'out', found end of input/],
    ['1 in: opus,=1;', 11, /expected parameter name, found '='/],
    ['1 in: opus,sr=1 2;', 16, /expected ',' or ';', found '2'/],
    ['1 in: opüs;', 8, /expected ',' or ';', found 'ü'/],
    [`1 in: ${'a'.repeat(65)};`, 6, /longer than 64/],
  ])('rejects %j at %i', (input, position, message) => {
    const e = errorOf(input);
    expect(e.message).toMatch(message);
    expect(e.position).toBe(position);
    expect(e.message).toMatch(new RegExp(` at ${position}$`));
    expect(e.name).toBe('AdvertisementError');
  });

  it('rejects a non-string', () => {
    expect(() => parseAdvertisement(undefined as unknown as string)).toThrow(AdvertisementError);
  });

  it('reports the first error for every truncation of a valid advertisement', () => {
    const full = '1 in: opus,sr=48000; PCMU; 2 out: PCMA,ptime=40;';
    for (let cut = 0; cut < full.length; cut++) {
      const prefix = full.slice(0, cut);
      let error: unknown = null;
      try {
        parseAdvertisement(prefix);
      } catch (e) {
        error = e;
      }
      const complete = /;\s*$/.test(prefix) && prefix.includes(':');
      if (complete) {
        expect(error).toBeNull();
      } else {
        expect(error).toBeInstanceOf(AdvertisementError);
        expect((error as AdvertisementError).position).toBeLessThanOrEqual(cut);
      }
    }
  });
});

describe('formatAdvertisement', () => {
  it('writes the canonical form', () => {
    const ad = parseAdvertisement(' 1in:opus , sr=48000,ch=2;PCMU;\n 1 out : PCMU,cbr ; ');
    expect(formatAdvertisement(ad)).toBe('1 in: opus,sr=48000,ch=2; PCMU; 1 out: PCMU,cbr=1;');
  });

  it.each([
    '1 in: opus; PCMU; 1 out: opus,sr=48000,ch=2; PCMU;',
    '1 in: opus; PCMU; PCMA; 1 out: opus; PCMU; PCMA;',
    '2 out: G722,ptime=30; telephone-event; CN; 1 out: x-y,z=0;',
    '255 in: PCMA;',
  ])('round-trips %j', (text) => {
    const ad = parseAdvertisement(text);
    expect(formatAdvertisement(ad)).toBe(text);
    expect(parseAdvertisement(formatAdvertisement(ad))).toEqual(ad);
  });

  it('round-trips a built structure', () => {
    const ad: Advertisement = {
      entries: [
        { id: 3, dir: 'out', codecs: [{ name: 'opus', params: { br: 32000, ptime: 40 } }] },
        {
          id: 1,
          dir: 'in',
          codecs: [
            { name: 'PCMU', params: {} },
            { name: 'CN', params: {} },
          ],
        },
      ],
    };
    expect(parseAdvertisement(formatAdvertisement(ad))).toEqual(ad);
  });

  it('formatCodecSpec', () => {
    expect(formatCodecSpec({ name: 'opus', params: { sr: 16000 } })).toBe('opus,sr=16000;');
  });
});

describe('entriesOf', () => {
  it('returns one direction sorted by importance', () => {
    const ad = parseAdvertisement('3 in: PCMU; 1 out: PCMU; 2 in: PCMA; 1 in: opus;');
    expect(entriesOf(ad, 'in').map((e) => e.id)).toEqual([1, 2, 3]);
    expect(entriesOf(ad, 'out').map((e) => e.id)).toEqual([1]);
    expect(ad.entries.map((e) => e.id)).toEqual([3, 1, 2, 1]); // input untouched
  });
});
