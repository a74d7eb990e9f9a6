import { readFileSync } from 'node:fs';
import { readWav, toTelephonyPcm, ToneGenerator, WavFormatError } from '../audio/index.js';
import { ClientError } from '../http.js';
import { UsageError } from './kit.js';
import type { CliValues } from './options.js';

export function readFileChecked(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ClientError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`, 'file');
  }
}

function readWavFile(path: string) {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new ClientError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`, 'wav');
  }
  try {
    return readWav(bytes);
  } catch (err) {
    if (err instanceof WavFormatError) throw new ClientError(`${path}: ${err.message}`, 'wav');
    throw err;
  }
}

export function checkOneAudioSource(values: CliValues): void {
  if (values.tone && values.play) throw new UsageError('use --tone or --play, not both');
}

/** What a call plays: the --play WAV as 8 kHz mono PCM, or a --tone HZ sine (440 Hz by default). */
export function audioSource(values: CliValues): Int16Array | ToneGenerator {
  return values.play
    ? toTelephonyPcm(readWavFile(values.play))
    : new ToneGenerator({ frequency: values.tone ? Number(values.tone) : 440 });
}
