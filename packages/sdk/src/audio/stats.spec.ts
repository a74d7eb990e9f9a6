import { MediaStats } from './stats.js';

describe('MediaStats', () => {
  it('starts empty', () => {
    expect(new MediaStats().snapshot()).toEqual({
      setupTimeMs: null,
      framesSent: 0,
      bytesSent: 0,
      framesReceived: 0,
      bytesReceived: 0,
      highestSeqReceived: null,
      framesExpected: 0,
      framesLost: 0,
      lossRatio: 0,
      jitterMs: 0,
      pendingAcks: 0,
      rttSamples: 0,
      rttLastMs: null,
      rttP50Ms: null,
      rttP95Ms: null,
      rttMaxMs: null,
    });
  });

  describe('setup time', () => {
    it('measures start to completion and keeps the first completion', () => {
      const stats = new MediaStats();
      stats.setupStarted(1000);
      expect(stats.snapshot().setupTimeMs).toBeNull();
      expect(stats.setupCompleted(1250)).toBe(250);
      expect(stats.setupCompleted(1900)).toBe(250);
      expect(stats.snapshot().setupTimeMs).toBe(250);
    });

    it('uses the injected clock when times are omitted', () => {
      let t = 5;
      const stats = new MediaStats({ now: () => t });
      stats.setupStarted();
      t = 42.5;
      expect(stats.setupCompleted()).toBe(37.5);
    });

    it('restarts on a new setupStarted() and rejects completion without start', () => {
      const stats = new MediaStats();
      expect(() => stats.setupCompleted(1)).toThrow(/before setupStarted/);
      stats.setupStarted(0);
      stats.setupCompleted(100);
      stats.setupStarted(200);
      expect(stats.snapshot().setupTimeMs).toBeNull();
      expect(stats.setupCompleted(230)).toBe(30);
    });

    it('defaults to performance.now()', () => {
      const stats = new MediaStats();
      stats.setupStarted();
      const setup = stats.setupCompleted();
      expect(setup).toBeGreaterThanOrEqual(0);
      expect(setup).toBeLessThan(1000);
    });
  });

  describe('counters and loss', () => {
    it('counts frames and bytes both ways', () => {
      const stats = new MediaStats();
      for (let seq = 0; seq < 3; seq++) stats.recordSent(seq, 160, seq * 20);
      stats.recordReceived(0, 160, 0, 5);
      stats.recordReceived(1, 80, 20, 25);
      expect(stats.snapshot()).toMatchObject({
        framesSent: 3,
        bytesSent: 480,
        framesReceived: 2,
        bytesReceived: 240,
      });
    });

    it('computes loss as highest seq + 1 - received', () => {
      const stats = new MediaStats();
      for (const seq of [0, 1, 2, 4, 5]) stats.recordReceived(seq, 160, seq * 20, seq * 20 + 30);
      expect(stats.snapshot()).toMatchObject({
        highestSeqReceived: 5,
        framesExpected: 6,
        framesLost: 1,
      });
      expect(stats.snapshot().lossRatio).toBeCloseTo(1 / 6, 10);
    });

    it('does not count reordering as loss and never reports negative loss', () => {
      const stats = new MediaStats();
      for (const seq of [0, 2, 1]) stats.recordReceived(seq, 160, seq * 20, 100);
      expect(stats.snapshot().framesLost).toBe(0);
      stats.recordReceived(2, 160, 40, 110); // duplicate
      expect(stats.snapshot()).toMatchObject({
        framesReceived: 4,
        framesExpected: 3,
        framesLost: 0,
        lossRatio: 0,
      });
    });

    it('counts frames lost before the first one received', () => {
      const stats = new MediaStats();
      stats.recordReceived(9, 160, 180, 200);
      expect(stats.snapshot()).toMatchObject({
        framesExpected: 10,
        framesLost: 9,
        lossRatio: 0.9,
      });
    });

    it('validates seq and byte counts', () => {
      const stats = new MediaStats();
      expect(() => stats.recordSent(-1, 160)).toThrow(RangeError);
      expect(() => stats.recordSent(1.5, 160)).toThrow(RangeError);
      expect(() => stats.recordReceived(0, -1, 0, 0)).toThrow(RangeError);
      expect(() => new MediaStats({ maxPendingAcks: 0 })).toThrow(/maxPendingAcks/);
      expect(() => new MediaStats({ maxRttSamples: 1.5 })).toThrow(/maxRttSamples/);
    });
  });

  describe('jitter (RFC 3550)', () => {
    it('is zero for constant transit time', () => {
      const stats = new MediaStats();
      for (let seq = 0; seq < 100; seq++) stats.recordReceived(seq, 160, seq * 20, seq * 20 + 57);
      expect(stats.snapshot().jitterMs).toBe(0);
    });

    it('applies J += (|D| - J) / 16 per packet', () => {
      const stats = new MediaStats();
      stats.recordReceived(0, 160, 0, 100);
      stats.recordReceived(1, 160, 20, 130); // D = 10
      expect(stats.snapshot().jitterMs).toBeCloseTo(0.625, 12);
      stats.recordReceived(2, 160, 40, 140); // D = -10
      expect(stats.snapshot().jitterMs).toBeCloseTo(0.625 + (10 - 0.625) / 16, 12);
    });

    it('converges to the mean absolute transit difference', () => {
      const stats = new MediaStats();
      for (let seq = 0; seq < 400; seq++) stats.recordReceived(seq, 160, seq * 20, seq * 20 + (seq % 2) * 10);
      expect(stats.snapshot().jitterMs).toBeCloseTo(10, 6);
    });

    it('follows arrival order for reordered frames', () => {
      const stats = new MediaStats();
      stats.recordReceived(0, 160, 0, 50);
      stats.recordReceived(2, 160, 40, 70); // transit 30, D = 20
      stats.recordReceived(1, 160, 20, 71); // transit 51, D = 21
      expect(stats.snapshot().jitterMs).toBeCloseTo(20 / 16 + (21 - 20 / 16) / 16, 12);
    });
  });

  describe('round-trip time', () => {
    it('matches acks to send times', () => {
      const stats = new MediaStats();
      stats.recordSent(0, 160, 0);
      stats.recordSent(1, 160, 20);
      expect(stats.snapshot().pendingAcks).toBe(2);
      expect(stats.recordAck(1, 90)).toBe(70);
      expect(stats.recordAck(0, 50)).toBe(50);
      expect(stats.snapshot()).toMatchObject({
        pendingAcks: 0,
        rttSamples: 2,
        rttLastMs: 50,
        rttMaxMs: 70,
      });
    });

    it('ignores unknown, repeated and negative acks', () => {
      const stats = new MediaStats();
      stats.recordSent(0, 160, 100);
      stats.recordSent(1, 160, 120);
      expect(stats.recordAck(7, 150)).toBeUndefined();
      expect(stats.recordAck(0, 150)).toBe(50);
      expect(stats.recordAck(0, 160)).toBeUndefined();
      expect(stats.recordAck(1, 110)).toBeUndefined(); // clock went backwards
      expect(stats.snapshot()).toMatchObject({
        rttSamples: 1,
        rttLastMs: 50,
        pendingAcks: 0,
      });
    });

    it('uses the latest send time for a resent seq', () => {
      const stats = new MediaStats();
      stats.recordSent(3, 160, 0);
      stats.recordSent(3, 160, 500);
      expect(stats.snapshot()).toMatchObject({ framesSent: 2, pendingAcks: 1 });
      expect(stats.recordAck(3, 540)).toBe(40);
    });

    it('bounds the seq -> send time map, forgetting the oldest', () => {
      const stats = new MediaStats({ maxPendingAcks: 3 });
      for (let seq = 0; seq < 5; seq++) stats.recordSent(seq, 160, seq * 20);
      expect(stats.snapshot().pendingAcks).toBe(3);
      expect(stats.recordAck(0, 200)).toBeUndefined();
      expect(stats.recordAck(1, 200)).toBeUndefined();
      expect(stats.recordAck(2, 200)).toBe(160);
      expect(stats.recordAck(4, 200)).toBe(120);
    });

    it('stays bounded over a long call', () => {
      const stats = new MediaStats({ maxPendingAcks: 100 });
      for (let seq = 0; seq < 100_000; seq++) stats.recordSent(seq, 160, seq * 20); // never acked
      expect(stats.snapshot().pendingAcks).toBe(100);
      expect(stats.recordAck(99_999, 2_000_000)).toBe(20);
    });

    it('reports nearest-rank p50, p95 and max', () => {
      const stats = new MediaStats();
      const order = Array.from({ length: 100 }, (_, i) => (i * 37) % 100); // shuffled 0..99
      for (const i of order) {
        stats.recordSent(i, 160, 1000 * i);
        stats.recordAck(i, 1000 * i + i + 1); // RTT = i + 1 ms
      }
      expect(stats.snapshot()).toMatchObject({
        rttSamples: 100,
        rttP50Ms: 50,
        rttP95Ms: 95,
        rttMaxMs: 100,
      });
    });

    it('handles a single sample', () => {
      const stats = new MediaStats();
      stats.recordSent(0, 160, 10);
      stats.recordAck(0, 43.5);
      expect(stats.snapshot()).toMatchObject({
        rttLastMs: 33.5,
        rttP50Ms: 33.5,
        rttP95Ms: 33.5,
        rttMaxMs: 33.5,
      });
    });

    it('computes percentiles over the most recent samples only', () => {
      const stats = new MediaStats({ maxRttSamples: 4 });
      const rtts = [500, 400, 10, 20, 30, 40];
      rtts.forEach((rtt, seq) => {
        stats.recordSent(seq, 160, 0);
        stats.recordAck(seq, rtt);
      });
      expect(stats.snapshot()).toMatchObject({
        rttSamples: 4,
        rttP50Ms: 20,
        rttP95Ms: 40,
        rttMaxMs: 40,
        rttLastMs: 40,
      });
    });
  });

  it('snapshot() returns an independent plain object', () => {
    const stats = new MediaStats();
    stats.setupStarted(0);
    stats.setupCompleted(12);
    stats.recordSent(0, 160, 0);
    stats.recordAck(0, 30);
    stats.recordReceived(0, 160, 0, 15);
    const snap = stats.snapshot();
    expect(Object.getPrototypeOf(snap)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    stats.recordReceived(1, 160, 20, 35);
    expect(snap.framesReceived).toBe(1);
    expect(stats.snapshot().framesReceived).toBe(2);
  });
});
