// Per-call media statistics: setup time, counters, loss, RFC 3550 jitter and RTT.
// All times are milliseconds on one monotonic clock (default performance.now()).

export interface MediaStatsOptions {
  /** Clock used when a time argument is omitted (ms). */
  now?: () => number;
  /** Most recent sent seqs remembered for RTT matching (default 1024). */
  maxPendingAcks?: number;
  /** Most recent RTT samples kept for percentiles (default 1024). */
  maxRttSamples?: number;
}

/** Plain-object view of the statistics at one moment. */
export interface MediaStatsSnapshot {
  /** Setup start to completion, or null until both are known. */
  setupTimeMs: number | null;
  framesSent: number;
  bytesSent: number;
  framesReceived: number;
  bytesReceived: number;
  /** Highest received seq, or null before the first frame. */
  highestSeqReceived: number | null;
  /** highestSeqReceived + 1 (seqs start at 0). */
  framesExpected: number;
  /** framesExpected - framesReceived, never below 0. */
  framesLost: number;
  /** framesLost / framesExpected, 0 before the first frame. */
  lossRatio: number;
  /** RFC 3550 interarrival jitter estimate. */
  jitterMs: number;
  /** Sent seqs still awaiting an ack (bounded by maxPendingAcks). */
  pendingAcks: number;
  /** RTT samples in the window that the figures below cover. */
  rttSamples: number;
  rttLastMs: number | null;
  rttP50Ms: number | null;
  rttP95Ms: number | null;
  rttMaxMs: number | null;
}

function checkSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`seq must be a non-negative integer, got ${seq}`);
}

function checkBytes(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new RangeError(`bytes must be a non-negative integer, got ${bytes}`);
  }
}

function positiveInt(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export class MediaStats {
  private readonly now: () => number;
  private readonly maxPendingAcks: number;

  private setupStart: number | null = null;
  private setupTime: number | null = null;

  private framesSent = 0;
  private bytesSent = 0;
  private framesReceived = 0;
  private bytesReceived = 0;
  private highestSeq = -1;

  private jitter = 0;
  private lastTransit: number | null = null;

  // seq -> send time, oldest first (Map keeps insertion order).
  private readonly pending = new Map<number, number>();

  // Ring buffer of recent RTT samples.
  private readonly rtt: Float64Array;
  private rttCount = 0;
  private rttNext = 0;
  private rttLast: number | null = null;

  constructor(options: MediaStatsOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.maxPendingAcks = positiveInt(options.maxPendingAcks ?? 1024, 'maxPendingAcks');
    this.rtt = new Float64Array(positiveInt(options.maxRttSamples ?? 1024, 'maxRttSamples'));
  }

  /** Marks the start of call setup. */
  setupStarted(at = this.now()): void {
    this.setupStart = at;
    this.setupTime = null;
  }

  /** Marks setup complete and returns the setup time; later calls keep the first result. */
  setupCompleted(at = this.now()): number {
    if (this.setupStart === null) throw new Error('setupCompleted() called before setupStarted()');
    this.setupTime ??= Math.max(0, at - this.setupStart);
    return this.setupTime;
  }

  /** Counts a sent frame and remembers its send time for RTT (a resend replaces it). */
  recordSent(seq: number, bytes: number, sentAt = this.now()): void {
    checkSeq(seq);
    checkBytes(bytes);
    this.framesSent++;
    this.bytesSent += bytes;
    this.pending.delete(seq);
    this.pending.set(seq, sentAt);
    if (this.pending.size > this.maxPendingAcks) {
      const oldest = this.pending.keys().next().value as number;
      this.pending.delete(oldest);
    }
  }

  /**
   * Counts a received frame and updates loss and jitter.
   * `timestampMs` is the sender's media timestamp, `arrivalMs` our receive time.
   */
  recordReceived(seq: number, bytes: number, timestampMs: number, arrivalMs = this.now()): void {
    checkSeq(seq);
    checkBytes(bytes);
    this.framesReceived++;
    this.bytesReceived += bytes;
    if (seq > this.highestSeq) this.highestSeq = seq;

    // RFC 3550 6.4.1: J += (|D(i-1,i)| - J) / 16, in arrival order.
    const transit = arrivalMs - timestampMs;
    if (this.lastTransit !== null) {
      const d = Math.abs(transit - this.lastTransit);
      this.jitter += (d - this.jitter) / 16;
    }
    this.lastTransit = transit;
  }

  /**
   * Matches an ack naming `seq` with that frame's send time.
   * Returns the RTT sample, or undefined if the seq is unknown, already acked
   * or the sample would be negative.
   */
  recordAck(seq: number, arrivalMs = this.now()): number | undefined {
    const sentAt = this.pending.get(seq);
    if (sentAt === undefined) return undefined;
    this.pending.delete(seq);
    const sample = arrivalMs - sentAt;
    if (!(sample >= 0)) return undefined;
    this.rtt[this.rttNext] = sample;
    this.rttNext = (this.rttNext + 1) % this.rtt.length;
    if (this.rttCount < this.rtt.length) this.rttCount++;
    this.rttLast = sample;
    return sample;
  }

  snapshot(): MediaStatsSnapshot {
    const expected = this.highestSeq + 1;
    const lost = Math.max(0, expected - this.framesReceived);
    const sorted = this.rtt.slice(0, this.rttCount).sort();
    const hasRtt = sorted.length > 0;
    return {
      setupTimeMs: this.setupTime,
      framesSent: this.framesSent,
      bytesSent: this.bytesSent,
      framesReceived: this.framesReceived,
      bytesReceived: this.bytesReceived,
      highestSeqReceived: this.highestSeq < 0 ? null : this.highestSeq,
      framesExpected: expected,
      framesLost: lost,
      lossRatio: expected > 0 ? lost / expected : 0,
      jitterMs: this.jitter,
      pendingAcks: this.pending.size,
      rttSamples: sorted.length,
      rttLastMs: this.rttLast,
      rttP50Ms: hasRtt ? percentile(sorted, 50) : null,
      rttP95Ms: hasRtt ? percentile(sorted, 95) : null,
      rttMaxMs: hasRtt ? sorted[sorted.length - 1] : null,
    };
  }
}
