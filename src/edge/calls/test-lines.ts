import { encodeAlaw, encodeUlaw, ToneGenerator } from '@riptrunk/sdk';
import { CODEC_NUMBERS } from '@riptrunk/ript';

/**
 * The provider's test lines (profile §6): numbers +1555010xxxx. `...0001` echoes media back, `...0002` plays a
 * 1 kHz tone, `...0003` declines. The rest of the test range is unassigned.
 */
export type { TestLine, CallRoute } from '../../contracts/call-record.js';
import type { TestLine } from '../../contracts/call-record.js';

export const TEST_RANGE_PREFIX = '+1555010';
export const TEST_LINES: Readonly<Record<string, TestLine>> = {
  '+15550100001': 'echo',
  '+15550100002': 'tone',
  '+15550100003': 'declined',
};

/** The test line at `destination`; 'unassigned' inside the test range; null outside it. */
export function testLineFor(destination: string): TestLine | 'unassigned' | null {
  const line = TEST_LINES[destination];
  if (line) return line;
  return destination.length === 12 && destination.startsWith(TEST_RANGE_PREFIX) ? 'unassigned' : null;
}

/** Codecs the tone line can play, in its preference order. */
export const TONE_CODECS = ['PCMU', 'PCMA'] as const;
export const TONE_FREQUENCY_HZ = 1000;
export const TONE_FRAME_MS = 20;
const SAMPLE_RATE = 8000;

/**
 * One 20 ms frame of the 1 kHz tone. 160 samples hold exactly 20 periods of 1 kHz at 8 kHz, so every frame of the
 * tone is the same and the payload is computed once per codec.
 */
const tonePayloads = new Map<number, Buffer>();
export function tonePayload(codecNumber: number): Buffer {
  let payload = tonePayloads.get(codecNumber);
  if (!payload) {
    const pcm = new ToneGenerator({ frequency: TONE_FREQUENCY_HZ, amplitude: 0.5, sampleRate: SAMPLE_RATE }).next(
      (SAMPLE_RATE * TONE_FRAME_MS) / 1000,
    );
    if (codecNumber === CODEC_NUMBERS.PCMU) payload = encodeUlaw(pcm);
    else if (codecNumber === CODEC_NUMBERS.PCMA) payload = encodeAlaw(pcm);
    else throw new Error(`the tone line cannot play codec ${codecNumber}`);
    tonePayloads.set(codecNumber, payload);
  }
  return payload;
}
