import { writeFileSync } from 'node:fs';
import { writeWav, type ToneGenerator } from '../audio/index.js';
import { placeAndPlay, type DialSummary } from '../dial.js';
import { loadProfile } from '../profile.js';
import { RiptTrunkClient } from '../riptrunk-client.js';
import { audioSource, checkOneAudioSource } from './files.js';
import { e164Argument, positiveIntOption, printResult, UsageError } from './kit.js';
import { profilePath, type CliValues } from './options.js';

export interface CallOptions {
  number: string;
  from?: string;
  source: ToneGenerator | Int16Array;
  seconds: number;
  record?: string;
  profile: string;
  json?: boolean;
}

export function callOptions(values: CliValues, [number]: string[]): CallOptions {
  if (!number) throw new UsageError('call needs <number>');
  e164Argument(number, '<number>');
  if (values.from) e164Argument(values.from, '--from');
  checkOneAudioSource(values);
  const seconds = values.seconds ? positiveIntOption(values, 'seconds') : 5;
  return {
    number,
    from: values.from,
    seconds,
    source: audioSource(values),
    record: values.record,
    profile: profilePath(values),
    json: values.json,
  };
}

function report(o: CallOptions, summary: DialSummary): string {
  const s = summary.stats;
  return [
    `call to ${o.number}: ${summary.outcome}`,
    `  setup time     ${s.setupTimeMs?.toFixed(0) ?? '-'} ms`,
    `  frames         ${s.framesSent} sent, ${s.framesReceived} received`,
    `  loss           ${(s.lossRatio * 100).toFixed(2)} %`,
    `  jitter         ${s.jitterMs.toFixed(2)} ms`,
    `  round trip     ${s.rttP50Ms === null ? '-' : `${s.rttP50Ms.toFixed(1)} ms (p50)`}`,
    ...(o.record ? [`  recorded       ${o.record}`] : []),
  ].join('\n');
}

/** `riptrunk call`: places a call through the first trunk, plays the source, records the answer; exit 1 unless answered. */
export async function call(o: CallOptions): Promise<void> {
  const client = await RiptTrunkClient.fromProfile(loadProfile(o.profile));
  try {
    const summary = await placeAndPlay(client, o.number, o.from, o.source, o.seconds, (line) => {
      if (!o.json) process.stderr.write(`${line}\n`);
    });
    if (o.record) writeFileSync(o.record, writeWav(summary.recorded, { sampleRate: 8000 }));
    if (summary.outcome !== 'answered') process.exitCode = 1;
    printResult(o.json, { outcome: summary.outcome, call: summary.uri, ...summary.stats }, report(o, summary));
  } finally {
    await client.close();
  }
}
