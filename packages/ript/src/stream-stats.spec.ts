import { decodeFrame, encodeAckFrame, FrameKind, type AckFrame } from './frame.js';
import { SEQ_WINDOW, StreamStats } from './stream-stats.js';

const T0 = 1_735_689_600_000;

function frame(seq: number, bytes = 160, ts = T0 + seq * 20) {
  return { source: 1, sink: 2, codec: 0, seq, ts, payload: { length: bytes } };
}

/** Records seqs arriving at ts + fixed delay. */
function recordAll(stats: StreamStats, seqs: number[], delay = 30) {
  return seqs.map((s) => stats.record(frame(s), T0 + s * 20 + delay));
}

describe('StreamStats', () => {
  it('starts empty', () => {
    const s = new StreamStats();
    expect(s.snapshot()).toEqual({
      framesReceived: 0,
      bytes: 0,
      highestSeq: -1,
      loss: 0,
      reordered: 0,
      duplicates: 0,
      late: 0,
      jitterMs: 0,
      maxJitterMs: 0,
      lastDelayMs: 0,
      maxDelayMs: 0,
      meanDelayMs: 0,
      firstArrivalMs: null,
      lastArrivalMs: null,
    });
    expect(s.ack()).toBeNull();
  });

  it('counts an in-order stream', () => {
    const s = new StreamStats();
    expect(recordAll(s, [0, 1, 2, 3, 4])).toEqual(['new', 'new', 'new', 'new', 'new']);
    expect(s.framesReceived).toBe(5);
    expect(s.highestSeq).toBe(4);
    expect(s.loss).toBe(0);
    expect(s.bytes).toBe(800);
    expect(s.jitterMs).toBe(0);
    expect(s.meanDelayMs).toBe(30);
    expect(s.maxDelayMs).toBe(30);
    expect(s.firstArrivalMs).toBe(T0 + 30);
    expect(s.lastArrivalMs).toBe(T0 + 4 * 20 + 30);
  });

  it('counts loss as highest seq + 1 - frames received', () => {
    const s = new StreamStats();
    recordAll(s, [0, 1, 4, 5, 9]);
    expect(s.loss).toBe(10 - 5);
    const first = new StreamStats();
    recordAll(first, [3]); // frames 0..2 never came
    expect(first.loss).toBe(3);
  });

  it('counts reordered frames without counting them as lost', () => {
    const s = new StreamStats();
    expect(recordAll(s, [0, 2, 1, 3, 5, 4])).toEqual(['new', 'new', 'reordered', 'new', 'new', 'reordered']);
    expect(s.reordered).toBe(2);
    expect(s.loss).toBe(0);
    expect(s.framesReceived).toBe(6);
  });

  it('counts duplicates once and excludes them', () => {
    const s = new StreamStats();
    expect(recordAll(s, [0, 1, 1, 0, 2, 2])).toEqual(['new', 'new', 'duplicate', 'duplicate', 'new', 'duplicate']);
    expect(s.duplicates).toBe(3);
    expect(s.framesReceived).toBe(3);
    expect(s.bytes).toBe(3 * 160);
    expect(s.loss).toBe(0);
  });

  it('detects a duplicate of a reordered frame', () => {
    const s = new StreamStats();
    expect(recordAll(s, [0, 3, 1, 1])).toEqual(['new', 'new', 'reordered', 'duplicate']);
    expect(s.loss).toBe(1);
  });

  it('remembers seqs across the whole window', () => {
    const s = new StreamStats();
    recordAll(s, [0, 1, 2, 500, SEQ_WINDOW]);
    // SEQ_WINDOW - 1 back from the highest is still inside the window
    expect(s.record(frame(1), T0)).toBe('duplicate');
    expect(s.record(frame(2), T0)).toBe('duplicate');
    expect(s.record(frame(3), T0)).toBe('reordered');
    expect(s.record(frame(500), T0)).toBe('duplicate');
    expect(s.record(frame(0), T0)).toBe('late');
    expect(s.late).toBe(1);
  });

  it('treats frames older than the window as late and lost', () => {
    const s = new StreamStats();
    recordAll(s, [0, 5000]);
    expect(s.record(frame(100), T0)).toBe('late');
    expect(s.record(frame(5000 - SEQ_WINDOW), T0)).toBe('late');
    expect(s.record(frame(5000 - SEQ_WINDOW + 1), T0)).toBe('reordered');
    expect(s.framesReceived).toBe(3);
    expect(s.loss).toBe(5001 - 3);
  });

  it('does not mistake a slot reused by a newer seq for a duplicate', () => {
    const s = new StreamStats();
    recordAll(s, [0, 1, 2]);
    // 2 + SEQ_WINDOW lands on the slot of seq 2; seqs 3..SEQ_WINDOW+1 were never seen
    expect(s.record(frame(SEQ_WINDOW + 2), T0)).toBe('new');
    expect(s.record(frame(SEQ_WINDOW + 1), T0)).toBe('reordered');
    expect(s.record(frame(3), T0)).toBe('reordered');
    expect(s.record(frame(SEQ_WINDOW + 2), T0)).toBe('duplicate');
  });

  it('handles a huge seq jump', () => {
    const s = new StreamStats();
    recordAll(s, [0]);
    expect(s.record(frame(2 ** 40), T0)).toBe('new');
    expect(s.loss).toBe(2 ** 40 + 1 - 2);
    expect(s.record(frame(2 ** 40 - 1), T0)).toBe('reordered');
    expect(s.record(frame(2 ** 40), T0)).toBe('duplicate');
  });

  it('computes RFC 3550 jitter from transit differences', () => {
    const s = new StreamStats();
    const delays = [30, 40, 30, 50, 30];
    let expected = 0;
    let max = 0;
    delays.forEach((d, i) => {
      s.record(frame(i), T0 + i * 20 + d);
      if (i > 0) {
        expected += (Math.abs(d - delays[i - 1]) - expected) / 16;
        max = Math.max(max, expected);
      }
    });
    expect(s.jitterMs).toBeCloseTo(expected, 10);
    expect(s.maxJitterMs).toBeCloseTo(max, 10);
    expect(s.maxDelayMs).toBe(50);
    expect(s.meanDelayMs).toBe(36);
    expect(s.lastDelayMs).toBe(30);
  });

  it('decays jitter back towards zero and keeps the maximum', () => {
    const s = new StreamStats();
    s.record(frame(0), T0);
    s.record(frame(1), T0 + 20 + 160); // one 160 ms spike
    const peak = s.jitterMs;
    expect(peak).toBe(10);
    for (let i = 2; i < 200; i++) s.record(frame(i), T0 + i * 20 + 160);
    expect(s.jitterMs).toBeLessThan(0.01);
    expect(s.maxJitterMs).toBe(peak);
  });

  it('counts jitter in arrival order, including reordered frames', () => {
    const s = new StreamStats();
    s.record(frame(0), T0 + 10);
    s.record(frame(2), T0 + 40 + 10);
    s.record(frame(1), T0 + 20 + 30); // arrives after 2, transit 30 vs 10
    expect(s.jitterMs).toBeCloseTo(20 / 16, 10);
  });

  it('ignores duplicates for jitter and delay', () => {
    const s = new StreamStats();
    s.record(frame(0), T0 + 10);
    s.record(frame(0), T0 + 900);
    expect(s.jitterMs).toBe(0);
    expect(s.maxDelayMs).toBe(10);
    expect(s.lastArrivalMs).toBe(T0 + 10);
  });

  it('keeps negative delays (clock skew) as they are', () => {
    const s = new StreamStats();
    s.record(frame(0), T0 - 5);
    expect(s.maxDelayMs).toBe(-5);
    expect(s.meanDelayMs).toBe(-5);
  });

  it('builds ack fields from the highest-seq frame', () => {
    const s = new StreamStats();
    s.record({ source: 3, sink: 4, codec: 111, seq: 0, ts: T0, payload: { length: 10 } }, T0 + 25);
    s.record({ source: 3, sink: 4, codec: 111, seq: 2, ts: T0 + 40, payload: { length: 10 } }, T0 + 70);
    s.record({ source: 3, sink: 4, codec: 111, seq: 1, ts: T0 + 20, payload: { length: 10 } }, T0 + 80);
    const ack = s.ack()!;
    expect(ack).toEqual({
      source: 3,
      sink: 4,
      codec: 111,
      seq: 2,
      ts: T0 + 40,
      receivedAt: T0 + 70,
      framesReceived: 3,
    });
    const decoded = decodeFrame(encodeAckFrame(ack)) as AckFrame;
    expect(decoded.kind).toBe(FrameKind.Ack);
    expect([decoded.seq, decoded.receivedAt, decoded.framesReceived]).toEqual([2, T0 + 70, 3]);
  });

  it('wraps framesReceived to u32 in acks', () => {
    const s = new StreamStats();
    s.record(frame(0), T0);
    s.framesReceived = 2 ** 32 + 5;
    expect(s.ack()!.framesReceived).toBe(5);
  });
});
