// Sine tone generation and Goertzel single-frequency detection on 16-bit PCM.

export const DEFAULT_SAMPLE_RATE = 8000;
/** Default frame duration for `ToneGenerator.next()`. */
export const DEFAULT_FRAME_MS = 20;

const TWO_PI = 2 * Math.PI;

/** Number of samples in a frame of `frameMs` at `sampleRate` (160 for 20 ms at 8 kHz). */
export function frameSamples(sampleRate = DEFAULT_SAMPLE_RATE, frameMs = DEFAULT_FRAME_MS): number {
  return Math.round((sampleRate * frameMs) / 1000);
}

export interface ToneOptions {
  /** Tone frequency in Hz, 0 <= f <= sampleRate / 2. */
  frequency: number;
  /** Peak amplitude as a fraction of full scale, 0..1 (default 0.5). */
  amplitude?: number;
  /** Samples per second (default 8000). */
  sampleRate?: number;
  /** Starting phase in radians (default 0). */
  phase?: number;
}

/** Produces a sine tone as successive PCM frames with continuous phase. */
export class ToneGenerator {
  readonly frequency: number;
  readonly amplitude: number;
  readonly sampleRate: number;
  private readonly startPhase: number;
  private readonly phaseStep: number;
  private readonly peak: number;
  private phase: number;

  constructor(options: ToneOptions) {
    const { frequency, amplitude = 0.5, sampleRate = DEFAULT_SAMPLE_RATE, phase = 0 } = options;
    if (!Number.isFinite(sampleRate) || sampleRate <= 0) {
      throw new RangeError(`sampleRate must be a positive number, got ${sampleRate}`);
    }
    if (!Number.isFinite(frequency) || frequency < 0 || frequency > sampleRate / 2) {
      throw new RangeError(`frequency must be within 0..${sampleRate / 2} Hz, got ${frequency}`);
    }
    if (!Number.isFinite(amplitude) || amplitude < 0 || amplitude > 1) {
      throw new RangeError(`amplitude must be within 0..1, got ${amplitude}`);
    }
    if (!Number.isFinite(phase)) throw new RangeError(`phase must be finite, got ${phase}`);
    this.frequency = frequency;
    this.amplitude = amplitude;
    this.sampleRate = sampleRate;
    this.peak = amplitude * 32767;
    this.phaseStep = (TWO_PI * frequency) / sampleRate;
    this.startPhase = wrapPhase(phase);
    this.phase = this.startPhase;
  }

  /** Returns the next `samples` samples (default one 20 ms frame); phase carries over. */
  next(samples = frameSamples(this.sampleRate)): Int16Array {
    if (!Number.isInteger(samples) || samples < 0) {
      throw new RangeError(`samples must be a non-negative integer, got ${samples}`);
    }
    const out = new Int16Array(samples);
    let phase = this.phase;
    for (let i = 0; i < samples; i++) {
      const value = this.peak * Math.sin(phase);
      out[i] = value < 0 ? -Math.round(-value) : Math.round(value); // symmetric rounding
      phase += this.phaseStep;
      if (phase >= TWO_PI) phase -= TWO_PI;
    }
    this.phase = phase;
    return out;
  }

  /** Restarts at the initial phase. */
  reset(): void {
    this.phase = this.startPhase;
  }
}

function wrapPhase(phase: number): number {
  const wrapped = phase % TWO_PI;
  return wrapped < 0 ? wrapped + TWO_PI : wrapped;
}

/** Convenience: one block of `samples` tone samples starting at phase 0. */
export function generateTone(options: ToneOptions, samples: number): Int16Array {
  return new ToneGenerator(options).next(samples);
}

/**
 * Goertzel power at `frequency` relative to the signal's total power.
 * About 1 for a pure tone at that frequency (when the block holds a whole
 * number of cycles), near 0 when absent; 0 for silence or an empty block.
 * (At 0 Hz and at Nyquist a full-scale match reads 2.)
 */
export function detectTone(pcm: ArrayLike<number>, sampleRate: number, frequency: number): number {
  const n = pcm.length;
  if (n === 0) return 0;
  const coeff = 2 * Math.cos((TWO_PI * frequency) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const x = pcm[i];
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += x * x;
  }
  if (energy === 0) return 0;
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2; // |X(f)|^2
  // A sine of peak A gives |X|^2 ~ (A n / 2)^2 and energy ~ A^2 n / 2.
  return (2 * power) / (n * energy);
}
