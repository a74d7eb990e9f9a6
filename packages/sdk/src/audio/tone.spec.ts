import { DEFAULT_SAMPLE_RATE, ToneGenerator, detectTone, frameSamples, generateTone } from './tone.js';

function concat(frames: Int16Array[]): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let pos = 0;
  for (const f of frames) {
    out.set(f, pos);
    pos += f.length;
  }
  return out;
}

// Deterministic pseudo-random noise (LCG).
function noise(samples: number, amplitude: number): Int16Array {
  let state = 12345;
  return Int16Array.from({ length: samples }, () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return Math.round((state / 0xffffffff - 0.5) * 2 * amplitude);
  });
}

describe('frameSamples', () => {
  it('computes frame lengths', () => {
    expect(DEFAULT_SAMPLE_RATE).toBe(8000);
    expect(frameSamples()).toBe(160);
    expect(frameSamples(16000, 10)).toBe(160);
    expect(frameSamples(48000)).toBe(960);
  });
});

describe('ToneGenerator', () => {
  it('produces 20 ms frames at 8 kHz by default with the requested peak', () => {
    const gen = new ToneGenerator({ frequency: 1000, amplitude: 0.5 });
    const frame = gen.next();
    expect(frame).toBeInstanceOf(Int16Array);
    expect(frame.length).toBe(160);
    expect(Math.max(...frame)).toBe(Math.round(0.5 * 32767));
    expect(Math.min(...frame)).toBe(-Math.round(0.5 * 32767));
    expect(frame[0]).toBe(0);
    expect(frame[2]).toBe(Math.round(0.5 * 32767)); // 1 kHz at 8 kHz: peak after a quarter cycle
  });

  it('keeps phase continuous across frames', () => {
    const framed = new ToneGenerator({ frequency: 440, amplitude: 0.8 });
    const frames = Array.from({ length: 50 }, () => framed.next());
    const whole = new ToneGenerator({ frequency: 440, amplitude: 0.8 }).next(8000);
    expect(concat(frames)).toEqual(whole);

    // Matches the closed form within rounding over a full second.
    const peak = 0.8 * 32767;
    for (let n = 0; n < whole.length; n++) {
      const expected = peak * Math.sin((2 * Math.PI * 440 * n) / 8000);
      if (Math.abs(whole[n] - expected) > 0.51) throw new Error(`sample ${n}: ${whole[n]} vs ${expected}`);
    }
  });

  it('has no jump at frame boundaries, including odd frame sizes', () => {
    const gen = new ToneGenerator({ frequency: 1234, amplitude: 1 });
    const signal = concat([gen.next(7), gen.next(160), gen.next(1), gen.next(0), gen.next(333)]);
    const maxStep = 32767 * ((2 * Math.PI * 1234) / 8000) + 2;
    for (let i = 1; i < signal.length; i++) expect(Math.abs(signal[i] - signal[i - 1])).toBeLessThanOrEqual(maxStep);
  });

  it('honours the start phase and reset()', () => {
    const gen = new ToneGenerator({
      frequency: 1000,
      amplitude: 1,
      phase: Math.PI / 2,
    });
    const first = gen.next();
    expect(first[0]).toBe(32767);
    gen.next();
    gen.reset();
    expect(gen.next()).toEqual(first);
  });

  it('supports other sample rates', () => {
    const gen = new ToneGenerator({ frequency: 1000, sampleRate: 16000 });
    expect(gen.next().length).toBe(320);
    expect(detectTone(gen.next(), 16000, 1000)).toBeGreaterThan(0.99);
  });

  it('rejects invalid parameters', () => {
    expect(() => new ToneGenerator({ frequency: 4001 })).toThrow(RangeError);
    expect(() => new ToneGenerator({ frequency: -1 })).toThrow(RangeError);
    expect(() => new ToneGenerator({ frequency: 1000, amplitude: 1.5 })).toThrow(/amplitude/);
    expect(() => new ToneGenerator({ frequency: 1000, sampleRate: 0 })).toThrow(/sampleRate/);
    expect(() => new ToneGenerator({ frequency: NaN })).toThrow(RangeError);
    expect(() => new ToneGenerator({ frequency: 1000 }).next(-1)).toThrow(RangeError);
    expect(() => new ToneGenerator({ frequency: 1000 }).next(1.5)).toThrow(RangeError);
  });

  it('generateTone is a one-shot block', () => {
    expect(generateTone({ frequency: 1000 }, 160)).toEqual(new ToneGenerator({ frequency: 1000 }).next());
    expect(generateTone({ frequency: 1000, amplitude: 0 }, 160)).toEqual(new Int16Array(160));
  });
});

describe('detectTone', () => {
  const tone1k = new ToneGenerator({ frequency: 1000, amplitude: 0.5 }).next();

  it('reports ~1 for the tone present and ~0 for others', () => {
    expect(detectTone(tone1k, 8000, 1000)).toBeGreaterThan(0.99);
    expect(detectTone(tone1k, 8000, 1000)).toBeLessThan(1.01);
    expect(detectTone(tone1k, 8000, 1500)).toBeLessThan(0.01);
    expect(detectTone(tone1k, 8000, 400)).toBeLessThan(0.01);
  });

  it('is independent of level', () => {
    const quiet = new ToneGenerator({
      frequency: 1000,
      amplitude: 0.01,
    }).next();
    expect(detectTone(quiet, 8000, 1000)).toBeGreaterThan(0.98);
  });

  it('splits power between the two tones of a DTMF digit', () => {
    const low = new ToneGenerator({ frequency: 697, amplitude: 0.3 }).next(8000);
    const high = new ToneGenerator({ frequency: 1209, amplitude: 0.3 }).next(8000);
    const digit1 = low.map((x, i) => x + high[i]);
    expect(detectTone(digit1, 8000, 697)).toBeCloseTo(0.5, 2);
    expect(detectTone(digit1, 8000, 1209)).toBeCloseTo(0.5, 2);
    expect(detectTone(digit1, 8000, 1000)).toBeLessThan(0.01);
  });

  it('finds the tone under moderate noise and little in noise alone', () => {
    const n = noise(1600, 3000);
    const tone = new ToneGenerator({ frequency: 1000, amplitude: 0.3 }).next(1600);
    expect(
      detectTone(
        tone.map((x, i) => x + n[i]),
        8000,
        1000,
      ),
    ).toBeGreaterThan(0.8);
    expect(detectTone(n, 8000, 1000)).toBeLessThan(0.02);
  });

  it('returns 0 for silence and empty input', () => {
    expect(detectTone(new Int16Array(160), 8000, 1000)).toBe(0);
    expect(detectTone(new Int16Array(0), 8000, 1000)).toBe(0);
  });
});
