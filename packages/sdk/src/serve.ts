import { decodeG711, encodeG711, type G711Law, type ToneGenerator } from './audio/index.js';
import type { MediaStatsSnapshot } from './audio/stats.js';
import type { InboundCall, InboundCallState } from './inbound/inbound-call.js';
import type { InboundServer } from './inbound/server.js';

const FRAME_SAMPLES = 160; // 20 ms at 8 kHz
const LAWS: Record<number, G711Law> = { 0: 'ulaw', 8: 'alaw' };

/** What `riptrunk serve` does with each call. */
export interface AnswerMode {
  kind: 'answer' | 'echo' | 'decline';
  /** What to play when answering (a tone, or 8 kHz PCM looped); ignored by echo and decline. */
  source?: ToneGenerator | Int16Array;
  /** Record what the caller sends (8 kHz PCM). */
  record?: boolean;
  /** End answered calls after this long; otherwise the caller ends them. */
  seconds?: number;
}

export interface ServedCall {
  call: string;
  from: string;
  to: string;
  state: InboundCallState;
  reason: string;
  byProvider: boolean;
  answered: boolean;
  durationMs: number;
  stats: MediaStatsSnapshot;
  recorded?: Int16Array;
}

/** Plays the calls of `server` per `mode`; `onCall` hears of each call, `onEnded` gets each call's summary. */
export function answerCalls(
  server: InboundServer,
  mode: AnswerMode,
  hooks: { onCall?: (call: InboundCall) => void; onEnded: (summary: ServedCall) => void },
): void {
  server.onCall(async (call) => {
    hooks.onCall?.(call);
    const started = Date.now();
    const recorded: number[] = [];
    if (mode.kind === 'decline') {
      call.decline();
    } else {
      call.alerting();
      call.answer();
      const out = call.serverDirectives[0];
      const outLaw = out ? LAWS[out.codecNumber] : undefined;
      call.onFrame((frame) => {
        const law = LAWS[frame.codec];
        if (mode.record && law) for (const s of decodeG711(law, frame.payload)) recorded.push(s);
        if (mode.kind !== 'echo' || !out) return;
        if (frame.codec === out.codecNumber) call.sendFrame(frame.payload, frame.ts);
        else if (law && outLaw) call.sendFrame(encodeG711(outLaw, decodeG711(law, frame.payload)), frame.ts);
      });
      if (mode.kind === 'answer' && outLaw) void play(call, outLaw, mode.source);
      if (mode.seconds !== undefined) {
        const timer = setTimeout(() => call.end('normal'), mode.seconds * 1000);
        void call.ended.then(() => clearTimeout(timer));
      }
    }
    const ending = await call.ended;
    hooks.onEnded({
      call: call.uri,
      from: call.from,
      to: call.to,
      state: ending.state,
      reason: ending.reason,
      byProvider: ending.byProvider,
      answered: call.answeredAt !== null,
      durationMs: Date.now() - started,
      stats: call.stats.snapshot(),
      ...(mode.record ? { recorded: Int16Array.from(recorded) } : {}),
    });
  });
}

/** Sends 20 ms G.711 frames on the real-time clock until the call ends. */
async function play(call: InboundCall, law: G711Law, source?: ToneGenerator | Int16Array): Promise<void> {
  const started = performance.now();
  for (let i = 0; !call.isEnded; i++) {
    let pcm: Int16Array;
    if (source instanceof Int16Array) {
      pcm = new Int16Array(FRAME_SAMPLES);
      for (let j = 0; j < FRAME_SAMPLES && source.length; j++) pcm[j] = source[(i * FRAME_SAMPLES + j) % source.length];
    } else if (source) {
      pcm = source.next(FRAME_SAMPLES);
    } else {
      pcm = new Int16Array(FRAME_SAMPLES);
    }
    call.sendFrame(encodeG711(law, pcm));
    const due = started + (i + 1) * 20;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
  }
}
