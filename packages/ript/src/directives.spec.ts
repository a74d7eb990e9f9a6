import { parseAdvertisement } from './advertisement.js';
import {
  computeDirectives,
  DirectiveError,
  formatDirective,
  formatDirectives,
  mergeParams,
  NoCommonCodecError,
  parseDirectives,
  type Directive,
} from './directives.js';

const ad = parseAdvertisement;
const TG = ad('1 in: opus; PCMU; PCMA; 1 out: opus; PCMU; PCMA;');

function noCommon(fn: () => unknown): NoCommonCodecError {
  try {
    fn();
  } catch (e) {
    if (e instanceof NoCommonCodecError) return e;
    throw e;
  }
  throw new Error('no NoCommonCodecError');
}

describe('computeDirectives', () => {
  it('computes the profile example', () => {
    const d = computeDirectives(ad('1 in: opus; PCMU; 1 out: opus; PCMU;'), TG);
    expect(d.clientDirectives).toBe('1 to 1: opus,ptime=20;');
    expect(d.serverDirectives).toBe('1 to 1: opus,ptime=20;');
    expect(d.client).toEqual<Directive[]>([
      { source: 1, sink: 1, codec: 'opus', codecNumber: 111, params: { ptime: 20 } },
    ]);
    expect(d.server).toEqual(d.client);
  });

  it("follows the handler's codec order", () => {
    const d = computeDirectives(ad('1 in: PCMA; opus; 1 out: PCMU; opus;'), TG);
    expect(d.serverDirectives).toBe('1 to 1: PCMA,ptime=20;');
    expect(d.clientDirectives).toBe('1 to 1: PCMU,ptime=20;');
    expect(d.server[0].codecNumber).toBe(8);
    expect(d.client[0].codecNumber).toBe(0);
  });

  it('skips codecs the TG does not allow', () => {
    const d = computeDirectives(ad('1 in: G722; PCMU; 1 out: G722; PCMA;'), TG);
    expect(d.serverDirectives).toBe('1 to 1: PCMU,ptime=20;');
    expect(d.clientDirectives).toBe('1 to 1: PCMA,ptime=20;');
  });

  it('uses each direction from the right side', () => {
    const tg = ad('5 in: PCMU; 9 out: PCMA;');
    const d = computeDirectives(ad('2 in: PCMU; PCMA; 3 out: PCMA; PCMU;'), tg);
    // client: handler source 3 -> server sink 5 (TG "in"), codec allowed by TG in = PCMU
    expect(d.clientDirectives).toBe('3 to 5: PCMU,ptime=20;');
    // server: server source 9 (TG "out") -> handler sink 2, codec allowed by TG out = PCMA
    expect(d.serverDirectives).toBe('9 to 2: PCMA,ptime=20;');
  });

  it('takes the min of both maxima and keeps one-sided params', () => {
    const handler = ad('1 in: opus,sr=48000,ch=2,br=64000; 1 out: opus,sr=16000,ptime=60,cbr;');
    const tg = ad('1 in: opus,sr=24000,ptime=40; 1 out: opus,sr=24000,ch=1,x=5;');
    const d = computeDirectives(handler, tg);
    expect(d.server[0].params).toEqual({ sr: 24000, ch: 1, br: 64000, x: 5, ptime: 20 });
    expect(d.client[0].params).toEqual({ sr: 16000, ptime: 40, cbr: 1 });
    expect(d.serverDirectives).toBe('1 to 1: opus,sr=24000,ch=1,br=64000,x=5,ptime=20;');
    expect(d.clientDirectives).toBe('1 to 1: opus,sr=16000,ptime=40,cbr=1;');
  });

  it('takes the one-sided ptime, defaulting to 20 only when neither side gives one', () => {
    expect(computeDirectives(ad('1 in: PCMU,ptime=60;'), ['PCMU']).server[0].params).toEqual({ ptime: 60 });
    expect(computeDirectives(ad('1 in: PCMU;'), [{ name: 'PCMU', params: { ptime: 30 } }]).server[0].params).toEqual({
      ptime: 30,
    });
    expect(computeDirectives(ad('1 in: PCMU,ptime=60;'), ad('1 out: PCMU,ptime=10;')).server[0].params).toEqual({
      ptime: 10,
    });
  });

  it('accepts a codec list for the TG', () => {
    const d = computeDirectives(ad('1 in: opus; PCMU; 1 out: PCMA; PCMU;'), ['PCMU', 'PCMA']);
    expect(d.serverDirectives).toBe('1 to 1: PCMU,ptime=20;');
    expect(d.clientDirectives).toBe('1 to 1: PCMA,ptime=20;');
  });

  it('leaves a direction empty when the handler has no entry for it', () => {
    const d = computeDirectives(ad('1 in: PCMU;'), TG);
    expect(d.serverDirectives).toBe('1 to 1: PCMU,ptime=20;');
    expect(d.clientDirectives).toBe('');
    expect(d.client).toEqual([]);
  });

  it('never chooses telephone-event or CN as the primary codec', () => {
    const tg = ad('1 in: telephone-event; CN; PCMU; 1 out: telephone-event; CN; PCMU;');
    const d = computeDirectives(ad('1 in: telephone-event; CN; PCMU; 1 out: CN; PCMU;'), tg);
    expect(d.serverDirectives).toBe('1 to 1: PCMU,ptime=20;');
    expect(d.clientDirectives).toBe('1 to 1: PCMU,ptime=20;');
  });

  it('never chooses a codec without a frame codec number', () => {
    const tg = ad('1 in: x-codec; PCMU; 1 out: x-codec; PCMU;');
    const d = computeDirectives(ad('1 in: x-codec; PCMU; 1 out: x-codec; PCMU;'), tg);
    expect(d.serverDirectives).toBe('1 to 1: PCMU,ptime=20;');
  });

  it('matches codec names case-sensitively', () => {
    const e = noCommon(() => computeDirectives(ad('1 in: pcmu;'), ['PCMU']));
    expect(e.entry).toEqual({ id: 1, dir: 'in' });
  });

  it('adds secondary codecs on request when both sides list them', () => {
    const tg = ad('1 in: PCMU; telephone-event; 1 out: PCMU; telephone-event; CN;');
    const handler = ad('1 in: PCMU; CN; telephone-event,x=1; 1 out: telephone-event; PCMU; CN;');
    const d = computeDirectives(handler, tg, { secondaryCodecs: true });
    expect(d.serverDirectives).toBe('1 to 1: PCMU,ptime=20; 1 to 1: CN; 1 to 1: telephone-event,x=1;');
    expect(d.clientDirectives).toBe('1 to 1: PCMU,ptime=20; 1 to 1: telephone-event;');
    expect(d.server.map((x) => x.codecNumber)).toEqual([0, 13, 101]);
    expect(computeDirectives(handler, tg).serverDirectives).toBe('1 to 1: PCMU,ptime=20;');
  });

  it('pairs several entries by importance, each TG entry used once', () => {
    const handler = ad('2 in: PCMU; 1 in: opus; 3 in: PCMA;');
    const tg = ad('7 out: PCMU; PCMA; 4 out: opus; PCMU;');
    const d = computeDirectives(handler, tg);
    // handler sink 1 (opus) <- TG source 4; sink 2 (PCMU) <- TG source 7; sink 3 left without a source
    expect(d.serverDirectives).toBe('4 to 1: opus,ptime=20; 7 to 2: PCMU,ptime=20;');
  });

  it('skips a handler entry with no partner when another one is served', () => {
    const d = computeDirectives(ad('1 in: G722; 2 in: PCMU;'), TG);
    expect(d.serverDirectives).toBe('1 to 2: PCMU,ptime=20;');
  });

  it('throws NoCommonCodecError naming the most important entry', () => {
    const e = noCommon(() =>
      computeDirectives(ad('2 out: PCMU; 1 out: G722; 1 in: PCMU;'), ad('1 in: PCMA; 1 out: PCMU;')),
    );
    expect(e.entry).toEqual({ id: 1, dir: 'out' });
    expect(e.message).toBe("no common codec for handler entry '1 out' (handler: G722; trunk: PCMA)");
    expect(e.name).toBe('NoCommonCodecError');
  });

  it('throws NoCommonCodecError when the TG has no entry for a direction', () => {
    const e = noCommon(() => computeDirectives(ad('1 in: PCMU;'), ad('1 in: PCMU;')));
    expect(e.entry).toEqual({ id: 1, dir: 'in' });
    expect(e.message).toContain('trunk: none');
  });

  it('throws NoCommonCodecError for an empty codec list', () => {
    expect(() => computeDirectives(ad('1 in: PCMU;'), [])).toThrow(NoCommonCodecError);
  });

  it('does not mutate its inputs', () => {
    const handler = ad('2 in: PCMU,ptime=40; 1 in: opus;');
    const tg = ad('1 out: PCMU; opus,sr=16000;');
    const before = JSON.stringify([handler, tg]);
    const d = computeDirectives(handler, tg);
    d.server[0].params.sr = 1;
    expect(JSON.stringify([handler, tg])).toBe(before);
  });
});

describe('mergeParams', () => {
  it('merges', () => {
    expect(mergeParams({ a: 5, b: 1 }, { b: 3, c: 0 })).toEqual({ a: 5, b: 1, c: 0 });
    expect(mergeParams({}, {})).toEqual({});
  });
});

describe('formatDirectives / parseDirectives', () => {
  const sample: Directive[] = [
    { source: 1, sink: 2, codec: 'opus', codecNumber: 111, params: { sr: 48000, ptime: 20 } },
    { source: 255, sink: 1, codec: 'telephone-event', codecNumber: 101, params: {} },
    { source: 3, sink: 3, codec: 'G722', codecNumber: 9, params: { ptime: 30 } },
  ];

  it('formats', () => {
    expect(formatDirective(sample[0])).toBe('1 to 2: opus,sr=48000,ptime=20;');
    expect(formatDirectives(sample)).toBe(
      '1 to 2: opus,sr=48000,ptime=20; 255 to 1: telephone-event; 3 to 3: G722,ptime=30;',
    );
    expect(formatDirectives([])).toBe('');
  });

  it('round-trips', () => {
    expect(parseDirectives(formatDirectives(sample))).toEqual(sample);
  });

  it('round-trips computed directives', () => {
    const d = computeDirectives(ad('1 in: opus,sr=16000; 2 out: PCMA,ptime=40; 1 out: PCMU;'), TG);
    expect(parseDirectives(d.clientDirectives)).toEqual(d.client);
    expect(parseDirectives(d.serverDirectives)).toEqual(d.server);
  });

  it('is whitespace-insensitive and accepts bare params', () => {
    expect(parseDirectives(' 1to2:PCMU , ptime = 20 , cbr ;\n3 to 4 : CN;')).toEqual([
      { source: 1, sink: 2, codec: 'PCMU', codecNumber: 0, params: { ptime: 20, cbr: 1 } },
      { source: 3, sink: 4, codec: 'CN', codecNumber: 13, params: {} },
    ]);
  });

  it('parses empty and blank strings as no directives', () => {
    expect(parseDirectives('')).toEqual([]);
    expect(parseDirectives('  \n')).toEqual([]);
  });

  it.each<[string, number, RegExp]>([
    ['to 1: PCMU;', 0, /expected source id/],
    ['0 to 1: PCMU;', 0, /source id must be 1\.\.255/],
    ['1 2: PCMU;', 2, /expected 'to', found '2'/],
    ['1 too 2: PCMU;', 2, /expected 'to', found 'too'/],
    ['1 tox 2: PCMU;', 2, /expected 'to', found 'tox'/],
    ['1 to_2: PCMU;', 4, /expected sink id, found '_'/],
    ['1 to 256: PCMU;', 5, /sink id must be 1\.\.255/],
    ['1 to 2 PCMU;', 7, /expected ':', found 'P'/],
    ['1 to 2: ;', 8, /expected codec name/],
    ['1 to 2: AMR;', 8, /unknown codec 'AMR'/],
    ['1 to 2: pcmu;', 8, /unknown codec 'pcmu'/],
    ['1 to 2: PCMU', 12, /expected ',' or ';', found end of input/],
    ['1 to 2: PCMU,ptime=x;', 19, /expected value of 'ptime'/],
    ['1 to 2: PCMU; x', 14, /expected source id, found 'x'/],
  ])('rejects %j at %i', (input, position, message) => {
    let error: unknown;
    try {
      parseDirectives(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DirectiveError);
    expect((error as DirectiveError).message).toMatch(message);
    expect((error as DirectiveError).position).toBe(position);
  });
});
