import {
  ALAW_SILENCE,
  ULAW_SILENCE,
  alawToLinear,
  decodeAlaw,
  decodeG711,
  decodeUlaw,
  encodeAlaw,
  encodeG711,
  encodeUlaw,
  g711Silence,
  linearToAlaw,
  linearToUlaw,
  ulawToLinear,
} from './g711.js';
import { ToneGenerator, detectTone } from './tone.js';

// Independent formulas (classic Sun g711.c) used to cross-check the tables.
function sunUlawToLinear(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

function sunAlawToLinear(code: number): number {
  const a = code ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

function sunLinearToUlaw(sample: number): number {
  let pcm = sample >> 2;
  let mask = 0xff;
  if (pcm < 0) {
    pcm = -pcm;
    mask = 0x7f;
  }
  if (pcm > 8159) pcm = 8159;
  pcm += 0x21;
  const ends = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
  const seg = ends.findIndex((end) => pcm <= end);
  if (seg < 0) return 0x7f ^ mask;
  return ((seg << 4) | ((pcm >> (seg + 1)) & 0x0f)) ^ mask;
}

function sunLinearToAlaw(sample: number): number {
  let pcm = sample >> 3;
  let mask = 0xd5;
  if (pcm < 0) {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  const ends = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
  const seg = ends.findIndex((end) => pcm <= end);
  const mantissa = seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f;
  return ((seg << 4) | mantissa) ^ mask;
}

const ALL_SAMPLES = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);

describe('G.711 µ-law', () => {
  it('decodes reference codes', () => {
    expect(ulawToLinear(0xff)).toBe(0);
    expect(ulawToLinear(0x7f)).toBe(0);
    expect(ulawToLinear(0x00)).toBe(-32124);
    expect(ulawToLinear(0x80)).toBe(32124);
    expect(ulawToLinear(0xfe)).toBe(8);
    expect(ulawToLinear(0x7e)).toBe(-8);
    expect(ulawToLinear(0xef)).toBe(132);
  });

  it('decode table matches the Sun reference for all 256 codes', () => {
    for (let code = 0; code < 256; code++) expect(ulawToLinear(code)).toBe(sunUlawToLinear(code));
  });

  it('encodes reference samples', () => {
    expect(linearToUlaw(0)).toBe(ULAW_SILENCE);
    expect(ULAW_SILENCE).toBe(0xff);
    expect(linearToUlaw(32767)).toBe(0x80);
    expect(linearToUlaw(-32768)).toBe(0x00);
    expect(linearToUlaw(8)).toBe(0xfe);
    expect(linearToUlaw(-8)).toBe(0x7e);
    expect(linearToUlaw(-1)).toBe(0x7f); // one's complement: tiny negatives are negative zero
  });

  it('encoder matches the Sun reference for every non-negative sample', () => {
    for (let x = 0; x < 32768; x++) {
      if (linearToUlaw(x) !== sunLinearToUlaw(x)) throw new Error(`mismatch at ${x}`);
    }
  });

  it('re-encodes every decoded level to the same code (except negative zero)', () => {
    const decoded = decodeUlaw(ALL_CODES);
    const again = encodeUlaw(decoded);
    for (let code = 0; code < 256; code++) expect(again[code]).toBe(code === 0x7f ? 0xff : code);
  });

  it('keeps round-trip error within G.711 quantisation bounds across the full range', () => {
    const back = decodeUlaw(encodeUlaw(ALL_SAMPLES));
    let maxError = 0;
    for (let i = 0; i < ALL_SAMPLES.length; i++) {
      const x = ALL_SAMPLES[i];
      const error = Math.abs(back[i] - x);
      maxError = Math.max(maxError, error);
      if (Math.abs(x) < 256 && error > 8) throw new Error(`error ${error} at ${x}`);
      if (Math.abs(x) >= 256 && Math.abs(x) <= 32124 && error > Math.abs(x) * 0.045) {
        throw new Error(`error ${error} at ${x}`);
      }
      if (i > 0 && back[i] < back[i - 1]) throw new Error(`not monotonic at ${x}`);
    }
    expect(maxError).toBe(644); // clipping at -32768 -> -32124
  });
});

describe('G.711 A-law', () => {
  it('decodes reference codes', () => {
    expect(alawToLinear(0xd5)).toBe(8);
    expect(alawToLinear(0x55)).toBe(-8);
    expect(alawToLinear(0xaa)).toBe(32256);
    expect(alawToLinear(0x2a)).toBe(-32256);
  });

  it('decode table matches the Sun reference for all 256 codes', () => {
    for (let code = 0; code < 256; code++) expect(alawToLinear(code)).toBe(sunAlawToLinear(code));
  });

  it('encodes reference samples', () => {
    expect(linearToAlaw(0)).toBe(ALAW_SILENCE);
    expect(ALAW_SILENCE).toBe(0xd5);
    expect(linearToAlaw(-1)).toBe(0x55);
    expect(linearToAlaw(32767)).toBe(0xaa);
    expect(linearToAlaw(-32768)).toBe(0x2a);
  });

  it('encoder matches the Sun reference for every sample', () => {
    for (const x of ALL_SAMPLES) {
      if (linearToAlaw(x) !== sunLinearToAlaw(x)) throw new Error(`mismatch at ${x}`);
    }
  });

  it('re-encodes every decoded level to the same code', () => {
    expect(encodeAlaw(decodeAlaw(ALL_CODES))).toEqual(Buffer.from(ALL_CODES));
  });

  it('keeps round-trip error within G.711 quantisation bounds across the full range', () => {
    const back = decodeAlaw(encodeAlaw(ALL_SAMPLES));
    let maxError = 0;
    for (let i = 0; i < ALL_SAMPLES.length; i++) {
      const x = ALL_SAMPLES[i];
      const error = Math.abs(back[i] - x);
      maxError = Math.max(maxError, error);
      if (Math.abs(x) < 256 && error > 8) throw new Error(`error ${error} at ${x}`);
      if (Math.abs(x) >= 256 && Math.abs(x) <= 32256 && error > Math.abs(x) / 32) {
        throw new Error(`error ${error} at ${x}`);
      }
      if (i > 0 && back[i] < back[i - 1]) throw new Error(`not monotonic at ${x}`);
    }
    expect(maxError).toBe(512); // clipping at -32768 -> -32256
  });
});

describe('G.711 helpers', () => {
  it('clamps, truncates and treats NaN as zero in scalar encoders', () => {
    expect(linearToUlaw(1e9)).toBe(0x80);
    expect(linearToUlaw(-1e9)).toBe(0x00);
    expect(linearToAlaw(Infinity)).toBe(0xaa);
    expect(linearToUlaw(NaN)).toBe(ULAW_SILENCE);
    expect(linearToAlaw(NaN)).toBe(ALAW_SILENCE);
    expect(linearToUlaw(7.9)).toBe(linearToUlaw(7));
  });

  it('uses the low 8 bits of a code', () => {
    expect(ulawToLinear(0x1ff)).toBe(0);
    expect(alawToLinear(0x1d5)).toBe(8);
  });

  it('encodes arrays to Buffers of one byte per sample and decodes back to Int16Array', () => {
    const pcm = Int16Array.of(0, 1000, -1000, 32767, -32768);
    for (const law of ['ulaw', 'alaw'] as const) {
      const bytes = encodeG711(law, pcm);
      expect(Buffer.isBuffer(bytes)).toBe(true);
      expect(bytes.length).toBe(pcm.length);
      const back = decodeG711(law, bytes);
      expect(back).toBeInstanceOf(Int16Array);
      expect(back.length).toBe(pcm.length);
    }
    expect(encodeUlaw(new Int16Array(0)).length).toBe(0);
    expect(decodeAlaw(new Uint8Array(0)).length).toBe(0);
  });

  it('dispatches by law', () => {
    const pcm = Int16Array.of(-5000, 0, 5000);
    expect(encodeG711('ulaw', pcm)).toEqual(encodeUlaw(pcm));
    expect(encodeG711('alaw', pcm)).toEqual(encodeAlaw(pcm));
    expect(g711Silence('ulaw')).toBe(0xff);
    expect(g711Silence('alaw')).toBe(0xd5);
    expect(decodeG711('ulaw', Buffer.alloc(3, g711Silence('ulaw')))).toEqual(new Int16Array(3));
  });

  it.each(['ulaw', 'alaw'] as const)('carries a 1 kHz tone through %s above 33 dB SNR', (law) => {
    const tone = new ToneGenerator({ frequency: 1000, amplitude: 0.3 }).next(800);
    const back = decodeG711(law, encodeG711(law, tone));
    let signal = 0;
    let noise = 0;
    for (let i = 0; i < tone.length; i++) {
      signal += tone[i] ** 2;
      noise += (back[i] - tone[i]) ** 2;
    }
    expect(10 * Math.log10(signal / noise)).toBeGreaterThan(33);
    expect(detectTone(back, 8000, 1000)).toBeGreaterThan(0.95);
  });
});
