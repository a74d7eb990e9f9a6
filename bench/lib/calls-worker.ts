/**
 * A load-generator process of the calls scenario (forked by bench/lib/calls-load.ts; commands over IPC).
 *
 * - Setups: `loops` closed loops, each placing a call to the echo line with the SDK (POST <tg>/calls, then the
 *   `answered` event on GET <call>/events), ending it (`end` on PUT <call>/events), reading the `end` event, closing.
 * - Media: calls kept up with 20 ms frames each way. One setInterval per process sends a frame on every call per
 *   tick; the payload carries the send time (performance.now() of this process), the call's id and a sequence
 *   number, so the echo gives the added relay latency (receive time − send time) and shows misrouted or repeated
 *   frames. Calls are grouped `callsPerSession` to an HTTP/2 session (events and media streams alike), as a PBX
 *   would. Signalling always goes through the SDK (RiptTrunkClient.request, RiptCall.events/end/close); media goes
 *   through RiptCall (`sdk`) or the process's own streams on the same sessions (`raw`).
 */
import type { ClientHttp2Stream } from 'node:http2';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientError, H2Streams, RiptCall, RiptTrunkClient, type CallDescription } from '@riptrunk/sdk';
import { FRAME_HEADER_SIZE, FrameKind, type Directive, type MediaFrame } from '@riptrunk/ript';
import type {
  CommandMessage,
  GrowArgs,
  GrowResult,
  InitArgs,
  MediaMode,
  SetupsResult,
  StopResult,
  WindowResult,
  WorkerCommands,
  WorkerEnterprise,
} from './calls-load.js';
import { encodeHistogram, newHistogram, recordMs } from './histograms.js';

const TERMINAL = new Set(['end', 'failed', 'declined', 'noanswer']);
const TWO_32 = 4294967296;
/** Payload layout: f64 send time (ms, this process's performance.now()), u32 call id, u32 sequence number. */
const STAMP_BYTES = 16;
/** The acks the generator sends on its PUT streams (receivers ack at least every 100 ms: profile §7). */
const ACK_EVERY_TICKS = 5;
const ACK_FRAME_BYTES = FRAME_HEADER_SIZE + 12;
/** A media stream that does not answer within this long fails the call's setup. */
const STREAM_TIMEOUT_MS = 10_000;

class Enterprise {
  private fromIndex = 0;
  readonly groups: Group[] = [];
  constructor(
    readonly client: RiptTrunkClient,
    readonly doc: WorkerEnterprise,
    readonly edgeOrigin: string,
  ) {}

  nextFrom(): string {
    return this.doc.from[this.fromIndex++ % this.doc.from.length];
  }
}

/** Up to callsPerSession calls on one HTTP/2 session (H2Streams keeps one session per origin). */
interface Group {
  streams: H2Streams;
  calls: number;
}

class MediaCall {
  rc?: RiptCall;
  put?: ClientHttp2Stream;
  get?: ClientHttp2Stream;
  directive!: Directive;
  /** The frame header and filler payload of this call (raw mode): copied into each frame, then stamped. */
  template!: Buffer;
  seq = 0;
  lastEchoSeq = -1;
  /** Receive side (raw mode): what the acks report. */
  rxHighest = -1;
  rxFrames = 0;
  rxPending = false;
  rxSource = 0;
  rxSink = 0;
  rxCodec = 0;
  rest: Buffer | null = null;
  mediaOpen = false;
  ended = false;
  stopping = false;
  eventsDone: Promise<void> = Promise.resolve();

  constructor(
    readonly id: number,
    readonly target: 'edge' | 'baseline',
  ) {}
}

let args: InitArgs;
let enterprises: Enterprise[] = [];
let nextCallId = 1;

// ------------------------------------------------------------------ helpers

class Timeout extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'Timeout';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Timeout(what)), Math.max(0, ms));
    }),
  ]).finally(() => clearTimeout(timer));
}

function outcomeOf(err: unknown): string {
  if (err instanceof Timeout) return `timeout:${err.message}`;
  if (err instanceof ClientError) return err.status ? `http-${err.status}` : `client-${err.code}`;
  const e = err as { code?: string; message?: string };
  return e.code ?? (e.message ?? String(err)).slice(0, 60);
}

function count(outcomes: Record<string, number>, key: string): void {
  outcomes[key] = (outcomes[key] ?? 0) + 1;
}

/** Runs `task` `total` times with at most `concurrency` in flight. */
async function pool(total: number, concurrency: number, task: () => Promise<void>): Promise<void> {
  let started = 0;
  const lane = async () => {
    while (started < total) {
      started++;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
}

function writeU64(buf: Buffer, offset: number, v: number): void {
  buf.writeUInt32BE(Math.floor(v / TWO_32), offset);
  buf.writeUInt32BE(v >>> 0, offset + 4);
}

function readU64(buf: Buffer, offset: number): number {
  return buf.readUInt32BE(offset) * TWO_32 + buf.readUInt32BE(offset + 4);
}

function pcmuDirective(directives: readonly Directive[]): Directive {
  const d = directives.find((x) => x.codec === 'PCMU') ?? directives[0];
  if (!d) throw new Error('the call has no client directive');
  return d;
}

// ------------------------------------------------------------------ setups

const setups = {
  running: false,
  recording: false,
  loops: [] as Promise<void>[],
  completed: 0,
  failures: 0,
  outcomes: {} as Record<string, number>,
  errorSamples: [] as string[],
  setupHistogram: newHistogram(),
  cycleHistogram: newHistogram(),
};

/** One call: POST until 201, `answered`, `end` sent, the `end` event read, streams closed. */
async function oneSetup(e: Enterprise): Promise<{ setupMs: number; cycleMs: number }> {
  const started = performance.now();
  const deadline = started + args.setupTimeoutMs;
  const call = await e.client.placeCall(e.doc.tg, {
    handler: e.doc.handler,
    destination: args.destination,
    from: e.nextFrom(),
  });
  const events = call.events();
  let setupMs: number | undefined;
  try {
    for (;;) {
      const next = await withTimeout(events.next(), deadline - performance.now(), setupMs ? 'end' : 'answered');
      if (next.done) throw new Error(setupMs === undefined ? 'events closed before answered' : 'no end event');
      const event = next.value;
      if (event.type === 'answered' && setupMs === undefined) {
        setupMs = performance.now() - started;
        await call.end();
      } else if (TERMINAL.has(event.type)) {
        if (setupMs === undefined || event.type !== 'end') {
          const reason = (event as { reason?: string }).reason;
          throw new Error(`${event.type}${reason ? ` (${reason})` : ''}`);
        }
        const cycleMs = performance.now() - started;
        // The edge ends the stream after the final events: read to its end rather than reset it.
        while (!(await withTimeout(events.next(), deadline - performance.now(), 'events end')).done);
        return { setupMs, cycleMs };
      }
    }
  } catch (err) {
    // Resets the GET events stream unless a read is still pending (a timeout): that one is left to the server.
    void events.return(undefined).catch(() => undefined);
    throw err;
  } finally {
    call.close();
  }
}

async function setupLoop(e: Enterprise): Promise<void> {
  // A cycle counts in the window it completes in (steady state: completions per second).
  while (setups.running) {
    try {
      const { setupMs, cycleMs } = await oneSetup(e);
      if (setups.recording) {
        setups.completed++;
        recordMs(setups.setupHistogram, setupMs);
        recordMs(setups.cycleHistogram, cycleMs);
      }
    } catch (err) {
      if (setups.recording) {
        setups.failures++;
        count(setups.outcomes, outcomeOf(err));
        if (setups.errorSamples.length < 5) setups.errorSamples.push(String((err as Error).message ?? err));
      }
    }
  }
}

// ------------------------------------------------------------------ media

let media: { mode: MediaMode; target: 'edge' | 'baseline' } | undefined;
const calls: MediaCall[] = [];
const baselineGroups: Group[] = [];
let lastDirectives = { client: '1 to 1: PCMU;', server: '1 to 1: PCMU;' };
/** The SDK mode's payload: stamped, then copied by RiptCall.sendFrame. */
let sdkPayload = Buffer.alloc(0);
let tickCount = 0;

const win = {
  open: false,
  start: Infinity,
  end: Infinity,
  sent: 0,
  echoed: 0,
  late: 0,
  misrouted: 0,
  reordered: 0,
  acks: 0,
  blocked: 0,
  endedByServer: 0,
  gcMs: 0,
  ticks: 0,
  maxTickMs: 0,
  latency: newHistogram(),
};
/** The event-loop delay histogram samples with a timer of this period (ms) and records whole periods. */
const LOOP_DELAY_RESOLUTION_MS = 2;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
loopDelay.enable();
new PerformanceObserver((list) => {
  if (!win.open) return;
  for (const entry of list.getEntries()) win.gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

function received(c: MediaCall, sentAt: number, id: number, seq: number, now: number): void {
  if (id !== c.id) {
    win.misrouted++;
    return;
  }
  if (seq <= c.lastEchoSeq) win.reordered++;
  else c.lastEchoSeq = seq;
  if (sentAt >= win.start && sentAt < win.end) {
    const latency = now - sentAt;
    recordMs(win.latency, latency);
    if (latency <= args.lossAfterMs) win.echoed++;
    else win.late++;
  }
}

/** Raw mode: the GET media stream's bytes, frame by frame (a frame may span chunks). */
function onRawData(c: MediaCall, chunk: Buffer): void {
  const now = performance.now();
  let buf = chunk;
  if (c.rest) {
    buf = Buffer.concat([c.rest, chunk]);
    c.rest = null;
  }
  let off = 0;
  while (buf.length - off >= 2) {
    const total = 2 + buf.readUInt16BE(off);
    if (buf.length - off < total) break;
    if (buf[off + 2] === FrameKind.Media) {
      const seq = readU64(buf, off + 6);
      c.rxFrames++;
      if (seq > c.rxHighest) c.rxHighest = seq;
      c.rxPending = true;
      c.rxSource = buf[off + 3];
      c.rxSink = buf[off + 4];
      c.rxCodec = buf[off + 5];
      if (total >= FRAME_HEADER_SIZE + STAMP_BYTES) {
        const p = off + FRAME_HEADER_SIZE;
        received(c, buf.readDoubleBE(p), buf.readUInt32BE(p + 8), buf.readUInt32BE(p + 12), now);
      }
    } else if (win.open) win.acks++;
    off += total;
  }
  if (off < buf.length) c.rest = Buffer.from(buf.subarray(off));
}

function onSdkFrame(c: MediaCall, frame: MediaFrame): void {
  const p = frame.payload;
  if (p.length >= STAMP_BYTES) received(c, p.readDoubleBE(0), p.readUInt32BE(8), p.readUInt32BE(12), performance.now());
}

function frameTemplate(d: Directive): Buffer {
  const t = Buffer.alloc(FRAME_HEADER_SIZE + args.payloadBytes, 0xff); // 0xFF: PCMU silence
  t.writeUInt16BE(t.length - 2, 0);
  t[2] = FrameKind.Media;
  t[3] = d.source;
  t[4] = d.sink;
  t[5] = d.codecNumber;
  return t;
}

function tick(): void {
  if (calls.length === 0) return;
  const began = performance.now();
  const tsMs = Date.now();
  const recording = win.open;
  const raw = media?.mode === 'raw';
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i];
    if (!c.mediaOpen || c.ended) continue;
    const sentAt = performance.now();
    if (raw) {
      const frame = Buffer.allocUnsafe(c.template.length);
      c.template.copy(frame);
      writeU64(frame, 6, c.seq);
      writeU64(frame, 14, tsMs);
      frame.writeDoubleBE(sentAt, FRAME_HEADER_SIZE);
      frame.writeUInt32BE(c.id, FRAME_HEADER_SIZE + 8);
      frame.writeUInt32BE(c.seq >>> 0, FRAME_HEADER_SIZE + 12);
      if (!c.put!.write(frame)) win.blocked++;
    } else {
      sdkPayload.writeDoubleBE(sentAt, 0);
      sdkPayload.writeUInt32BE(c.id, 8);
      sdkPayload.writeUInt32BE(c.seq >>> 0, 12);
      c.rc!.sendFrame(c.directive, sdkPayload, tsMs);
    }
    c.seq++;
    if (recording) win.sent++;
  }
  if (raw && ++tickCount % ACK_EVERY_TICKS === 0) sendAcks(tsMs);
  if (recording) {
    win.ticks++;
    win.maxTickMs = Math.max(win.maxTickMs, performance.now() - began);
  }
}

function sendAcks(nowMs: number): void {
  for (const c of calls) {
    if (!c.rxPending || c.ended || !c.put) continue;
    c.rxPending = false;
    const a = Buffer.allocUnsafe(ACK_FRAME_BYTES);
    a.writeUInt16BE(ACK_FRAME_BYTES - 2, 0);
    a[2] = FrameKind.Ack;
    a[3] = c.rxSource;
    a[4] = c.rxSink;
    a[5] = c.rxCodec;
    writeU64(a, 6, c.rxHighest);
    writeU64(a, 14, nowMs);
    writeU64(a, FRAME_HEADER_SIZE, nowMs);
    a.writeUInt32BE(c.rxFrames >>> 0, FRAME_HEADER_SIZE + 8);
    c.put.write(a);
  }
}

function markEnded(c: MediaCall): void {
  if (c.ended) return;
  c.ended = true;
  if (!c.stopping) win.endedByServer++;
}

function groupFor(groups: Group[], caFile: string | undefined, perSession: number): Group {
  let g = groups[groups.length - 1];
  if (!g || g.calls >= perSession) groups.push((g = { streams: new H2Streams(caFile), calls: 0 }));
  g.calls++;
  return g;
}

/** Waits for the response headers of a stream this process opened (raw mode). */
function response(stream: ClientHttp2Stream, what: string): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve, reject) => {
      stream.once('response', (headers) => {
        const status = Number(headers[':status']);
        if (status === 200) resolve();
        else reject(new ClientError(`${what}: ${status}`, 'http', status));
      });
      stream.once('close', () => reject(new Error(`${what}: closed before a response`)));
    }),
    STREAM_TIMEOUT_MS,
    what,
  );
}

async function openRawMedia(c: MediaCall, streams: H2Streams, uri: string, token: string): Promise<void> {
  c.template = frameTemplate(c.directive);
  c.put = streams.request('PUT', `${uri}/media`, token, 'application/octet-stream');
  c.get = streams.request('GET', `${uri}/media`, token);
  c.get.on('data', (chunk: Buffer) => onRawData(c, chunk));
  c.get.once('close', () => markEnded(c));
  await Promise.all([response(c.put, 'PUT media'), response(c.get, 'GET media')]);
}

/** Follows the call's events in the background; resolves at `answered`, rejects if it ends or fails first. */
function followEvents(c: MediaCall, rc: RiptCall): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    c.eventsDone = (async () => {
      try {
        for await (const event of rc.events()) {
          if (event.type === 'answered') resolve();
          else if (TERMINAL.has(event.type)) {
            const reason = (event as { reason?: string }).reason;
            reject(new Error(`${event.type}${reason ? ` (${reason})` : ''} before answered`));
            markEnded(c);
          }
        }
      } catch (err) {
        reject(err);
      } finally {
        reject(new Error('events stream closed before answered'));
        markEnded(c);
      }
    })();
  });
}

async function openEdgeCall(e: Enterprise, grow: GrowArgs): Promise<MediaCall> {
  const started = performance.now();
  const deadline = started + args.setupTimeoutMs;
  const group = groupFor(e.groups, e.doc.profile.caFile, grow.callsPerSession);
  const c = new MediaCall(args.worker * 1_000_000 + nextCallId++, 'edge');
  const { body } = await e.client.request<CallDescription>('POST', e.doc.tg.links.calls, {
    handler: e.doc.handler,
    destination: args.destination,
    from: e.nextFrom(),
  });
  lastDirectives = { client: body.clientDirectives, server: body.serverDirectives };
  const origin = new URL(body.uri).origin;
  const rc = (c.rc = new RiptCall(body, group.streams, () => e.client.accessToken(origin), started));
  c.directive = pcmuDirective(rc.clientDirectives);
  try {
    await withTimeout(followEvents(c, rc), deadline - performance.now(), 'answered');
    if (grow.mode === 'sdk') {
      await withTimeout(rc.openMedia(), STREAM_TIMEOUT_MS, 'openMedia');
      rc.onFrame((f) => onSdkFrame(c, f));
    } else {
      await openRawMedia(c, group.streams, body.uri, await e.client.accessToken(origin));
    }
  } catch (err) {
    await closeCall(c);
    throw err;
  }
  c.mediaOpen = true;
  return c;
}

/** The baseline's "calls": a PUT and a GET on <baseline>/echo/<id>/media, no signalling. */
async function openBaselineCall(grow: GrowArgs): Promise<MediaCall> {
  const group = groupFor(baselineGroups, enterprises[0]?.doc.profile.caFile, grow.callsPerSession);
  const c = new MediaCall(args.worker * 1_000_000 + nextCallId++, 'baseline');
  const uri = `${grow.baselineUrl}/echo/${c.id}`;
  const description: CallDescription = {
    uri,
    handler: 'baseline',
    direction: 'outbound',
    from: '+10000000000',
    to: args.destination,
    clientDirectives: lastDirectives.client,
    serverDirectives: lastDirectives.server,
  };
  const rc = (c.rc = new RiptCall(description, group.streams, async () => 'baseline', performance.now()));
  c.directive = pcmuDirective(rc.clientDirectives);
  try {
    if (grow.mode === 'sdk') {
      await withTimeout(rc.openMedia(), STREAM_TIMEOUT_MS, 'openMedia');
      rc.onFrame((f) => onSdkFrame(c, f));
    } else {
      await openRawMedia(c, group.streams, uri, 'baseline');
    }
  } catch (err) {
    await closeCall(c);
    throw err;
  }
  c.mediaOpen = true;
  return c;
}

async function closeCall(c: MediaCall): Promise<boolean> {
  c.stopping = true;
  let ok = true;
  if (c.target === 'edge' && c.rc && !c.ended) {
    try {
      await c.rc.end();
      await withTimeout(c.eventsDone, 5000, 'end');
    } catch {
      ok = false;
    }
  }
  c.ended = true;
  c.mediaOpen = false;
  c.rc?.close();
  c.put?.end();
  c.get?.close();
  return ok;
}

async function mediaGrow(grow: GrowArgs): Promise<GrowResult> {
  if (media && calls.length && (media.mode !== grow.mode || media.target !== grow.target))
    throw new Error('stop the running calls before changing the mode or the target');
  media = { mode: grow.mode, target: grow.target };
  sdkPayload = Buffer.alloc(args.payloadBytes, 0xff);
  const started = performance.now();
  const outcomes: Record<string, number> = {};
  const errorSamples: string[] = [];
  let failed = 0;
  let added = 0;
  const running = calls.filter((c) => !c.ended).length;
  let turn = 0;
  await pool(Math.max(0, grow.calls - running), grow.setupConcurrency, async () => {
    try {
      const c =
        grow.target === 'edge'
          ? await openEdgeCall(enterprises[turn++ % enterprises.length], grow)
          : await openBaselineCall(grow);
      calls.push(c);
      added++;
    } catch (err) {
      failed++;
      count(outcomes, outcomeOf(err));
      if (errorSamples.length < 5) errorSamples.push(String((err as Error).message ?? err));
    }
  });
  const sessions =
    grow.target === 'edge' ? enterprises.reduce((n, e) => n + e.groups.length, 0) : baselineGroups.length;
  return {
    calls: calls.filter((c) => !c.ended).length,
    added,
    failed,
    outcomes,
    errorSamples,
    sessions,
    seconds: Math.round(performance.now() - started) / 1000,
  };
}

async function mediaStop(): Promise<StopResult> {
  const started = performance.now();
  const all = calls.splice(0);
  let ended = 0;
  let endFailures = 0;
  let i = 0;
  await pool(all.length, 64, async () => {
    if (await closeCall(all[i++])) ended++;
    else endFailures++;
  });
  for (const e of enterprises) {
    for (const g of e.groups.splice(0)) g.streams.close();
  }
  for (const g of baselineGroups.splice(0)) g.streams.close();
  media = undefined;
  return { ended, endFailures, seconds: Math.round(performance.now() - started) / 1000 };
}

// ------------------------------------------------------------------ commands

const handlers: { [C in keyof WorkerCommands]: (a: WorkerCommands[C][0]) => Promise<WorkerCommands[C][1]> } = {
  async init(a) {
    args = a;
    enterprises = [];
    for (const doc of a.enterprises) {
      const client = await RiptTrunkClient.fromProfile(doc.profile);
      const edgeOrigin = new URL(doc.tg.links.calls).origin;
      await client.accessToken(edgeOrigin); // cached by the SDK for the rest of the run
      enterprises.push(new Enterprise(client, doc, edgeOrigin));
    }
    setInterval(tick, a.frameMs);
    return { pid: process.pid };
  },
  async setupsStart({ loops }) {
    setups.running = true;
    setups.recording = false;
    setups.loops = Array.from({ length: loops }, (_, i) => setupLoop(enterprises[i % enterprises.length]));
  },
  async setupsRecord() {
    setups.completed = setups.failures = 0;
    setups.outcomes = {};
    setups.errorSamples = [];
    setups.setupHistogram.reset();
    setups.cycleHistogram.reset();
    setups.recording = true;
  },
  async setupsStop() {
    setups.recording = false;
    const result: SetupsResult = {
      completed: setups.completed,
      failures: setups.failures,
      outcomes: setups.outcomes,
      errorSamples: setups.errorSamples,
      setupHistogram: encodeHistogram(setups.setupHistogram),
      cycleHistogram: encodeHistogram(setups.cycleHistogram),
    };
    setups.running = false;
    await withTimeout(Promise.all(setups.loops), args.setupTimeoutMs + 2000, 'setup loops').catch(() => undefined);
    setups.loops = [];
    return result;
  },
  mediaGrow,
  async windowStart() {
    Object.assign(win, {
      sent: 0,
      echoed: 0,
      late: 0,
      misrouted: 0,
      reordered: 0,
      acks: 0,
      blocked: 0,
      endedByServer: 0,
      gcMs: 0,
      ticks: 0,
      maxTickMs: 0,
    });
    win.latency.reset();
    loopDelay.reset();
    win.start = performance.now();
    win.end = Infinity;
    win.open = true;
  },
  async windowStop({ graceMs }) {
    win.open = false;
    win.end = performance.now();
    const ms = (ns: number) => Math.max(0, Math.round(ns / 1e4 - LOOP_DELAY_RESOLUTION_MS * 100) / 100);
    const eventLoopDelayMs = {
      p50: ms(loopDelay.percentile(50)),
      p99: ms(loopDelay.percentile(99)),
      max: ms(loopDelay.max),
    };
    const at = { gcMs: win.gcMs, ticks: win.ticks, maxTickMs: win.maxTickMs, blocked: win.blocked };
    const callsUp = calls.filter((c) => !c.ended).length;
    await sleep(graceMs); // frames sent at the end of the window have this long to come back
    const result: WindowResult = {
      sent: win.sent,
      echoed: win.echoed,
      late: win.late,
      misrouted: win.misrouted,
      reordered: win.reordered,
      acksReceived: win.acks,
      blockedWrites: at.blocked,
      calls: callsUp,
      endedByServer: win.endedByServer,
      latencyHistogram: encodeHistogram(win.latency),
      eventLoopDelayMs,
      gcMs: Math.round(at.gcMs),
      ticks: at.ticks,
      maxTickMs: Math.round(at.maxTickMs * 100) / 100,
      windowMs: Math.round(win.end - win.start),
    };
    win.start = win.end = Infinity;
    return result;
  },
  mediaStop,
};

process.on('message', (message: CommandMessage) => {
  const handler = handlers[message.command] as (a: unknown) => Promise<unknown>;
  handler(message.args).then(
    (result) => process.send?.({ id: message.id, result }),
    (err: unknown) => process.send?.({ id: message.id, error: (err as Error).stack ?? String(err) }),
  );
});

// The bench disconnects to stop this process (or it went away): close what is open and exit.
process.once('disconnect', () => {
  setups.running = false;
  setTimeout(() => process.exit(0), 3000).unref();
  void mediaStop()
    .catch(() => undefined)
    .then(() => Promise.all(enterprises.map((e) => e.client.close().catch(() => undefined))))
    .finally(() => process.exit(0));
});
