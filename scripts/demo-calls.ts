import {
  decodeUlaw,
  detectTone,
  encodeUlaw,
  type RiptTrunkClient,
  type TgDescriptionDoc,
  ToneGenerator,
} from '@riptrunk/sdk';
import type { RiptCall } from '@riptrunk/sdk';

/** What `npm run demo` prints and the calls it places (shared by scripts/demo.ts and scripts/demo-pstn.ts). */
export const step = (text: string) => process.stdout.write(`\n▸ ${text}\n`);
export const detail = (text: string) => process.stdout.write(`  ${text}\n`);

/** One row of the demo's table. */
export interface CallResult {
  call: string;
  setupMs: number;
  sent: number;
  received: number;
  lossPct: number;
  rttP50Ms: number | null;
  note: string;
}

export async function retry<T>(fn: () => Promise<T>, attempts = 40): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function answered(call: RiptCall): Promise<string> {
  for await (const event of call.events()) {
    if (event.type === 'answered') return 'answered';
    if (event.type === 'declined' || event.type === 'failed' || event.type === 'end') return event.type;
  }
  return 'closed';
}

/** Calls `destination` and sends 2 s of a 440 Hz tone in µ-law, counting what comes back (an echo). */
export async function echoCall(
  client: RiptTrunkClient,
  tg: TgDescriptionDoc,
  handler: string,
  destination = '+15550100001',
  label = 'echo line',
): Promise<CallResult> {
  const call = await client.placeCall(tg, { handler, destination, from: '+14085550100' });
  const outcome = await answered(call);
  await call.openMedia();
  let received = 0;
  call.onFrame(() => received++);
  const tone = new ToneGenerator({ frequency: 440 });
  const directive = call.clientDirectives[0];
  const start = performance.now();
  for (let i = 0; i < 100; i++) {
    call.sendFrame(directive, encodeUlaw(tone.next()));
    const next = start + (i + 1) * 20;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  for (let i = 0; i < 50 && received < 100; i++) await new Promise((r) => setTimeout(r, 20));
  await call.end();
  call.close();
  const s = call.stats.snapshot();
  return {
    call: label,
    setupMs: s.setupTimeMs ?? 0,
    sent: s.framesSent,
    received: s.framesReceived,
    lossPct: s.framesSent ? (100 * (s.framesSent - s.framesReceived)) / s.framesSent : 0,
    rttP50Ms: s.rttP50Ms ?? null,
    note: outcome,
  };
}

export async function toneCall(client: RiptTrunkClient, tg: TgDescriptionDoc, handler: string): Promise<CallResult> {
  const call = await client.placeCall(tg, { handler, destination: '+15550100002', from: '+14085550101' });
  await answered(call);
  await call.openMedia();
  const pcm: number[] = [];
  call.onFrame((f) => pcm.push(...decodeUlaw(f.payload)));
  await new Promise((r) => setTimeout(r, 1000));
  await call.end();
  call.close();
  const s = call.stats.snapshot();
  const power = detectTone(Int16Array.from(pcm), 8000, 1000);
  return {
    call: 'tone line',
    setupMs: s.setupTimeMs ?? 0,
    sent: s.framesSent,
    received: s.framesReceived,
    lossPct: s.framesLost && s.framesExpected ? (100 * s.framesLost) / s.framesExpected : 0,
    rttP50Ms: null,
    note: `1 kHz power ${(power * 100).toFixed(0)}%`,
  };
}
