import type { Directive } from '@riptrunk/ript';
import {
  DEFAULT_MAX_FRAME_SIZE,
  directiveKey,
  encodeAckFrame,
  type Frame,
  FRAME_HEADER_SIZE,
  FrameError,
  type FrameHeader,
  FrameKind,
  FrameParser,
  type MediaFrame,
  MediaOutput,
  type MediaWritable,
  pairKey,
  pairSink,
  pairSource,
  ReceiveStream,
  StreamStats,
  type StreamStatsSnapshot,
  writeFrameHeader,
} from '@riptrunk/ript';
import { tonePayload, TONE_FRAME_MS, type CallRoute } from './test-lines.js';

/**
 * The media of one call on this edge (profile §7): frames from the client's PUT streams are checked against the
 * client directives, counted per stream (StreamStats), acked on the GET streams, and handled by the far end (the
 * echo line sends them back, the tone line plays its own frames). Framework-free, so it is unit-tested with fake
 * streams. Hot path rules: no closure, JSON or object literal per frame; one buffer per outgoing frame (from Node's
 * pool), shared by every GET stream.
 */

/** Relayed frames per relay-latency observation (a power of two). */
const RELAY_SAMPLE = 8;
/** Frames the tone line sends at most in one tick to catch up after a stall; older slots are skipped. */
const MAX_CATCH_UP_FRAMES = 25;

export interface MediaCounters {
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  bytesOut: number;
  /** Frames that did not decode (bad kind, bad ack, unsafe integers, too short, truncated). */
  malformed: number;
  /** Frames above DEFAULT_MAX_FRAME_SIZE. */
  oversized: number;
  /** Media frames whose source, sink or codec is not in the client directives. */
  wrongCodec: number;
  /** Duplicates and frames too late for the duplicate window (received, not relayed). */
  duplicates: number;
  /** Frames not written to a congested GET stream. */
  slowReader: number;
  acksIn: number;
  acksOut: number;
}

export interface StreamReport extends StreamStatsSnapshot {
  direction: 'c2s' | 's2c';
  source: number;
  sink: number;
}

/** What the client reported about a server→client stream in its acks. */
export interface S2cReport {
  direction: 's2c';
  source: number;
  sink: number;
  framesSent: number;
  /** Highest seq acked and frames received so far, per the client's last ack (-1 / 0 before any ack). */
  ackedSeq: number;
  ackedFrames: number;
  /** ackedSeq + 1 - ackedFrames. */
  loss: number;
}

/** A client stream: what ReceiveStream keeps, and where the echo line sends its frames back. */
class C2sStream extends ReceiveStream {
  constructor(
    /** Index in `s2c`. */
    readonly echoTo: number,
    stats?: StreamStats,
  ) {
    super(stats);
  }
}

interface S2cStream {
  source: number;
  sink: number;
  codec: number;
  seq: number;
  /** Reused for every frame of the stream. */
  header: FrameHeader;
  ackedSeq: number;
  ackedFrames: number;
}

/** The other leg of an on-net call: takes the caller's media frames (false if it could not). */
export interface MediaFarEnd {
  forward(frame: MediaFrame): boolean;
}

export interface CallMediaOptions {
  client: readonly Directive[];
  server: readonly Directive[];
  line: CallRoute;
  /** Observes the time from a frame's arrival to its relay, in seconds. */
  relayLatency?: { observe(seconds: number): void };
  now?: () => number;
}

export class CallMedia {
  readonly counters: MediaCounters = {
    framesIn: 0,
    bytesIn: 0,
    framesOut: 0,
    bytesOut: 0,
    malformed: 0,
    oversized: 0,
    wrongCodec: 0,
    duplicates: 0,
    slowReader: 0,
    acksIn: 0,
    acksOut: 0,
  };
  readonly outputs = new Set<MediaOutput>();
  /** PUT streams open now. */
  inputs = 0;
  /** Arrival (ms) of the last client media frame counted, 0 before the first. */
  lastMediaAt = 0;
  private readonly allowed = new Set<number>();
  private readonly c2s = new Map<number, C2sStream>();
  private readonly s2c: S2cStream[];
  private readonly s2cByPair = new Map<number, S2cStream>();
  private readonly echoByPair = new Map<number, number>();
  private readonly line: CallRoute;
  /** Set once an on-net call's other leg is up. */
  farEnd?: MediaFarEnd;
  private readonly relayLatency?: { observe(seconds: number): void };
  private readonly now: () => number;
  private relayed = 0;
  private toneStart = -1;
  private toneSlot = 0;
  private closed = false;

  constructor(options: CallMediaOptions) {
    this.line = options.line;
    this.relayLatency = options.relayLatency;
    this.now = options.now ?? Date.now;
    for (const d of options.client) this.allowed.add(directiveKey(d.source, d.sink, d.codecNumber));
    this.s2c = [];
    for (const d of options.server) {
      if (this.s2cByPair.has(pairKey(d.source, d.sink))) continue; // secondary codecs share the pair's stream
      const stream: S2cStream = {
        source: d.source,
        sink: d.sink,
        codec: d.codecNumber,
        seq: 0,
        header: { source: d.source, sink: d.sink, codec: d.codecNumber, seq: 0, ts: 0 },
        ackedSeq: -1,
        ackedFrames: 0,
      };
      this.s2c.push(stream);
      this.s2cByPair.set(pairKey(d.source, d.sink), stream);
    }
    // the echo line answers the i-th client stream on the i-th server stream (the last one if there are fewer)
    const pairs = [...new Set(options.client.map((d) => pairKey(d.source, d.sink)))];
    pairs.forEach((pair, i) => this.echoByPair.set(pair, Math.min(i, this.s2c.length - 1)));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Starts the far end's own media (the tone line's clock). */
  start(now = this.now()): void {
    if (this.line === 'tone' && this.toneStart < 0 && this.s2c.length > 0) {
      this.toneStart = now;
      this.toneSlot = 0;
      this.tick(now);
    }
  }

  addOutput(res: MediaWritable): MediaOutput {
    const output = new MediaOutput(res);
    this.outputs.add(output);
    return output;
  }

  removeOutput(output: MediaOutput): void {
    this.outputs.delete(output);
  }

  /** A parser for one PUT stream (frames up to DEFAULT_MAX_FRAME_SIZE). */
  newParser(): FrameParser {
    return new FrameParser({ maxFrameSize: DEFAULT_MAX_FRAME_SIZE });
  }

  /**
   * Feeds one chunk of a PUT stream: every complete frame is handled; bad frames are counted and dropped.
   * `arrivalMs` is wall-clock time, `arrivalPerf` a performance.now() reading for the relay latency.
   */
  receiveChunk(parser: FrameParser, chunk: Buffer, arrivalMs: number, arrivalPerf: number): void {
    if (this.closed) return;
    parser.push(chunk);
    for (let f = parser.next(); f !== null; f = parser.next()) {
      if (f instanceof FrameError) this.countError(f);
      else this.receive(f, arrivalMs, arrivalPerf);
    }
  }

  /** The PUT stream ended: a frame cut short is counted as malformed. */
  endInput(parser: FrameParser): void {
    for (let f = parser.next(); f !== null; f = parser.next()) {
      if (f instanceof FrameError) this.countError(f);
    }
    const error = parser.end();
    if (error) this.countError(error);
  }

  private countError(error: FrameError): void {
    if (error.code === 'oversized') this.counters.oversized++;
    else this.counters.malformed++;
  }

  /** Handles one decoded frame from the client. */
  receive(frame: Frame, arrivalMs: number, arrivalPerf: number): void {
    if (frame.kind === FrameKind.Ack) {
      const stream = this.s2cByPair.get(pairKey(frame.source, frame.sink));
      if (!stream) {
        this.counters.wrongCodec++;
        return;
      }
      this.counters.acksIn++;
      if (frame.seq >= stream.ackedSeq) {
        stream.ackedSeq = frame.seq;
        stream.ackedFrames = frame.framesReceived;
      }
      return;
    }
    if (!this.allowed.has(directiveKey(frame.source, frame.sink, frame.codec))) {
      this.counters.wrongCodec++;
      return;
    }
    const pair = pairKey(frame.source, frame.sink);
    let stream = this.c2s.get(pair);
    if (stream === undefined) {
      stream = new C2sStream(this.echoByPair.get(pair) ?? 0);
      this.c2s.set(pair, stream);
    }
    const arrival = stream.record(frame, arrivalMs);
    if (arrival === 'duplicate' || arrival === 'late') {
      this.counters.duplicates++;
      return;
    }
    this.counters.framesIn++;
    this.counters.bytesIn += frame.payload.length;
    this.lastMediaAt = arrivalMs;
    if (stream.ackDue(arrivalMs)) this.sendAck(stream, arrivalMs);
    let relayed = false;
    if (this.line === 'echo' && this.s2c.length > 0) {
      relayed = this.sendMedia(this.s2c[stream.echoTo], frame.codec, frame.payload, arrivalMs);
    } else if (this.farEnd !== undefined) {
      relayed = this.farEnd.forward(frame);
    }
    // one frame in RELAY_SAMPLE feeds the latency histogram (a Prometheus observation per frame cost ~5% of the edge)
    if (relayed && this.relayLatency && (++this.relayed & (RELAY_SAMPLE - 1)) === 0) {
      this.relayLatency.observe((performance.now() - arrivalPerf) / 1000);
    }
  }

  /** A frame from the far end of an on-net call, for server stream `index`: sent on every GET stream. */
  relay(index: number, frame: MediaFrame): boolean {
    if (this.closed) return false;
    const stream = this.s2c[index];
    if (stream === undefined) return false;
    return this.sendMedia(stream, frame.codec, frame.payload, frame.ts);
  }

  /** Periodic work: pending acks, and the tone line's frames that are due. */
  tick(now = this.now()): void {
    if (this.closed) return;
    for (const stream of this.c2s.values()) {
      if (stream.ackDue(now)) this.sendAck(stream, now);
    }
    if (this.toneStart >= 0) {
      const stream = this.s2c[0];
      const payload = tonePayload(stream.codec);
      const due = Math.floor((now - this.toneStart) / TONE_FRAME_MS) + 1;
      if (due - this.toneSlot > MAX_CATCH_UP_FRAMES) this.toneSlot = due - MAX_CATCH_UP_FRAMES;
      while (this.toneSlot < due) {
        this.sendMedia(stream, stream.codec, payload, this.toneStart + this.toneSlot * TONE_FRAME_MS);
        this.toneSlot++;
      }
    }
  }

  private sendAck(stream: C2sStream, now: number): void {
    const fields = stream.takeAck(now);
    if (fields === null || this.outputs.size === 0) return;
    const frame = encodeAckFrame(fields);
    let sent = false;
    for (const output of this.outputs) if (output.send(frame)) sent = true;
    if (sent) this.counters.acksOut++;
  }

  /** Sends one media frame on every GET stream; returns whether any stream took it. */
  private sendMedia(stream: S2cStream, codec: number, payload: Buffer, ts: number): boolean {
    const length = payload.length;
    const header = stream.header;
    header.codec = codec;
    header.seq = stream.seq++;
    header.ts = ts;
    if (this.outputs.size === 0) return false;
    const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + length);
    writeFrameHeader(frame, 0, FrameKind.Media, header, length);
    payload.copy(frame, FRAME_HEADER_SIZE);
    let sent = false;
    for (const output of this.outputs) {
      if (output.send(frame)) sent = true;
      else this.counters.slowReader++;
    }
    if (sent) {
      this.counters.framesOut++;
      this.counters.bytesOut += length;
    }
    return sent;
  }

  /**
   * Continues the streams of a call another edge ran (a call taken over): the receive counters of the client's
   * streams, and the next seq of the edge's own.
   */
  resumeStreams(
    streams: readonly { source: number; sink: number; highestSeq: number; framesReceived: number }[],
    sent: readonly { source: number; sink: number; framesSent: number }[] = [],
  ): void {
    for (const s of sent) {
      const stream = this.s2cByPair.get(pairKey(s.source, s.sink));
      if (stream && stream.seq === 0) stream.seq = s.framesSent;
    }
    for (const s of streams) {
      const pair = pairKey(s.source, s.sink);
      if (this.c2s.has(pair)) continue;
      const stats = new StreamStats();
      stats.resume(s.highestSeq, s.framesReceived);
      this.c2s.set(pair, new C2sStream(this.echoByPair.get(pair) ?? 0, stats));
    }
  }

  /** Per-stream statistics: what the edge received, and what the client acked of what it sent. */
  report(): { c2s: StreamReport[]; s2c: S2cReport[] } {
    const c2s: StreamReport[] = [];
    for (const [pair, stream] of this.c2s) {
      c2s.push({ direction: 'c2s', source: pairSource(pair), sink: pairSink(pair), ...stream.stats.snapshot() });
    }
    const s2c = this.s2c.map((s): S2cReport => ({
      direction: 's2c',
      source: s.source,
      sink: s.sink,
      framesSent: s.seq,
      ackedSeq: s.ackedSeq,
      ackedFrames: s.ackedFrames,
      loss: Math.max(0, s.ackedSeq + 1 - s.ackedFrames),
    }));
    return { c2s, s2c };
  }

  /** Ends every GET stream; later frames are ignored. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.toneStart = -1;
    for (const output of this.outputs) output.res.end();
    this.outputs.clear();
  }
}
