import type { AckFrameFields, FrameHeader } from './frame.js';

/** How StreamStats.record classified a frame. */
export type FrameArrival =
  | 'new' // seq above every seq seen so far
  | 'reordered' // below the highest seq, not seen before
  | 'duplicate' // seq already received
  | 'late'; // older than the duplicate-detection window: not counted (treated as lost)

/** Seqs tracked for duplicate detection, below the highest (1024 frames = 20 s of 20 ms audio). */
export const SEQ_WINDOW = 1024;

const JITTER_GAIN = 1 / 16;

export interface StreamStatsSnapshot {
  /** Distinct frames counted (duplicates and late frames excluded). */
  framesReceived: number;
  /** Payload bytes of the counted frames. */
  bytes: number;
  /** -1 before the first frame. */
  highestSeq: number;
  /** highestSeq + 1 - framesReceived. */
  loss: number;
  reordered: number;
  duplicates: number;
  late: number;
  /** RFC 3550 interarrival jitter, ms. */
  jitterMs: number;
  maxJitterMs: number;
  /** Arrival minus frame ts of the last counted frame, ms (meaningful with synchronised clocks). */
  lastDelayMs: number;
  maxDelayMs: number;
  meanDelayMs: number;
  firstArrivalMs: number | null;
  lastArrivalMs: number | null;
}

type StatsFrame = FrameHeader & { payload: { length: number } };

/**
 * Receive-side counters of one stream (call, direction, source, sink). Feed every received media
 * frame to record() with its arrival time; ack() gives the fields of the ack to send.
 * The public counters are for reading only. Jitter follows RFC 3550 §6.4.1 in arrival order over
 * counted frames, with frame ts as the media timestamp (both in ms).
 */
export class StreamStats {
  framesReceived = 0;
  bytes = 0;
  highestSeq = -1;
  reordered = 0;
  duplicates = 0;
  late = 0;
  jitterMs = 0;
  maxJitterMs = 0;
  lastDelayMs = 0;
  firstArrivalMs: number | null = null;
  lastArrivalMs: number | null = null;

  private delaySum = 0;
  private maxDelay = -Infinity;
  /** Bit per seq in [highestSeq - SEQ_WINDOW + 1, highestSeq], indexed by seq mod SEQ_WINDOW. */
  private readonly seen = new Uint32Array(SEQ_WINDOW / 32);
  private prevTransit = 0;
  // header fields and arrival time of the highest-seq frame, for acks
  private highSource = 0;
  private highSink = 0;
  private highCodec = 0;
  private highTs = 0;
  private highArrivalMs = 0;

  get loss(): number {
    return this.highestSeq + 1 - this.framesReceived;
  }

  get maxDelayMs(): number {
    return this.framesReceived === 0 ? 0 : this.maxDelay;
  }

  get meanDelayMs(): number {
    return this.framesReceived === 0 ? 0 : this.delaySum / this.framesReceived;
  }

  record(frame: StatsFrame, arrivalMs: number): FrameArrival {
    const seq = frame.seq;
    let arrival: FrameArrival;
    if (seq > this.highestSeq) {
      this.advanceWindow(seq);
      this.highestSeq = seq;
      this.highSource = frame.source;
      this.highSink = frame.sink;
      this.highCodec = frame.codec;
      this.highTs = frame.ts;
      this.highArrivalMs = arrivalMs;
      arrival = 'new';
    } else if (this.highestSeq - seq >= SEQ_WINDOW) {
      this.late++;
      return 'late';
    } else if (this.isSeen(seq)) {
      this.duplicates++;
      return 'duplicate';
    } else {
      this.reordered++;
      arrival = 'reordered';
    }
    this.markSeen(seq);
    this.framesReceived++;
    this.bytes += frame.payload.length;

    const transit = arrivalMs - frame.ts;
    if (this.firstArrivalMs === null) {
      this.firstArrivalMs = arrivalMs;
    } else {
      const d = Math.abs(transit - this.prevTransit);
      this.jitterMs += (d - this.jitterMs) * JITTER_GAIN;
      if (this.jitterMs > this.maxJitterMs) this.maxJitterMs = this.jitterMs;
    }
    this.prevTransit = transit;
    this.lastArrivalMs = arrivalMs;
    this.lastDelayMs = transit;
    if (transit > this.maxDelay) this.maxDelay = transit;
    this.delaySum += transit;
    return arrival;
  }

  /**
   * Continues a stream another receiver counted so far (a call taken over by another edge): later frames count on
   * from `framesReceived`, and seqs up to `highestSeq` are treated as seen.
   */
  resume(highestSeq: number, framesReceived: number, bytes = 0): void {
    if (this.highestSeq >= 0 || highestSeq < 0) return;
    this.highestSeq = highestSeq;
    this.framesReceived = framesReceived;
    this.bytes = bytes;
    this.seen.fill(0xffffffff);
  }

  /**
   * Fields of an ack for this stream: the highest seq, with source, sink, codec and ts copied from
   * that frame, its arrival time as receivedAt, and the frames counted (mod 2^32). Null before any frame.
   */
  ack(): AckFrameFields | null {
    if (this.highestSeq < 0) return null;
    return {
      source: this.highSource,
      sink: this.highSink,
      codec: this.highCodec,
      seq: this.highestSeq,
      ts: this.highTs,
      receivedAt: this.highArrivalMs,
      framesReceived: this.framesReceived % 4294967296,
    };
  }

  snapshot(): StreamStatsSnapshot {
    return {
      framesReceived: this.framesReceived,
      bytes: this.bytes,
      highestSeq: this.highestSeq,
      loss: this.loss,
      reordered: this.reordered,
      duplicates: this.duplicates,
      late: this.late,
      jitterMs: this.jitterMs,
      maxJitterMs: this.maxJitterMs,
      lastDelayMs: this.lastDelayMs,
      maxDelayMs: this.maxDelayMs,
      meanDelayMs: this.meanDelayMs,
      firstArrivalMs: this.firstArrivalMs,
      lastArrivalMs: this.lastArrivalMs,
    };
  }

  /** Clears the bits of the seqs that enter the window when the highest seq moves up to `seq`. */
  private advanceWindow(seq: number): void {
    const from = this.highestSeq + 1;
    if (seq - from >= SEQ_WINDOW) {
      this.seen.fill(0);
      return;
    }
    for (let s = from; s <= seq; s++) {
      const i = s % SEQ_WINDOW;
      this.seen[i >>> 5] &= ~(1 << (i & 31));
    }
  }

  private isSeen(seq: number): boolean {
    const i = seq % SEQ_WINDOW;
    return (this.seen[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  private markSeen(seq: number): void {
    const i = seq % SEQ_WINDOW;
    this.seen[i >>> 5] |= 1 << (i & 31);
  }
}
