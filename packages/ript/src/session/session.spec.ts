import { EventEmitter } from 'node:events';
import { ACK_DEADLINE_MS, ACK_INTERVAL_MS, MEDIA_TICK_MS } from './ack-cadence.js';
import { CallClock, SWEEP_EVERY_TICKS } from './call-clock.js';
import { expiredTimer, lingerOver, type TimedCall } from './call-timers.js';
import { MediaOutput, type MediaWritable } from './media-output.js';
import { ReceiveStream } from './receive-stream.js';
import { directiveKey, pairKey, pairSink, pairSource } from './stream-keys.js';

const frame = (seq: number) => ({ source: 1, sink: 2, codec: 0, seq, ts: seq * 20, payload: { length: 160 } });

describe('stream keys', () => {
  it('tells every (source, sink) pair and directive apart, and gives the ids back', () => {
    expect(pairKey(1, 2)).not.toBe(pairKey(2, 1));
    expect(pairKey(255, 0)).not.toBe(pairKey(0, 255));
    expect(directiveKey(1, 2, 0)).not.toBe(directiveKey(1, 2, 8));
    expect(directiveKey(1, 2, 3)).not.toBe(directiveKey(3, 2, 1));
    const key = pairKey(7, 200);
    expect([pairSource(key), pairSink(key)]).toEqual([7, 200]);
  });
});

describe('ack cadence', () => {
  it('acks one tick and some slack before the profile deadline of 100 ms', () => {
    expect(ACK_DEADLINE_MS).toBe(100);
    expect(ACK_INTERVAL_MS).toBe(75);
    expect(ACK_INTERVAL_MS + MEDIA_TICK_MS).toBeLessThan(ACK_DEADLINE_MS);
  });
});

class FakeWritable extends EventEmitter implements MediaWritable {
  written: Buffer[] = [];
  accept = true;
  ended = false;
  write(chunk: Buffer): boolean {
    this.written.push(chunk);
    return this.accept;
  }
  end(): void {
    this.ended = true;
  }
}

describe('MediaOutput', () => {
  it('drops frames while congested and sends again once the stream drains', () => {
    const res = new FakeWritable();
    const out = new MediaOutput(res);
    res.accept = false;
    expect(out.send(Buffer.from([1]))).toBe(true); // written, but the stream is now full
    expect(out.congested).toBe(true);
    expect(out.send(Buffer.from([2]))).toBe(false);
    expect(out.dropped).toBe(1);
    res.accept = true;
    res.emit('drain');
    expect(out.send(Buffer.from([3]))).toBe(true);
    expect(res.written.map((b) => b[0])).toEqual([1, 3]);
  });
});

describe('ReceiveStream', () => {
  it('owes an ack for new frames, due once the last ack is ACK_INTERVAL_MS old', () => {
    const s = new ReceiveStream();
    expect(s.ackDue(1000)).toBe(false); // nothing received
    expect(s.record(frame(0), 1000)).toBe('new');
    expect(s.ackDue(1000)).toBe(true); // first ack: lastAckAt is 0
    expect(s.takeAck(1000)).toMatchObject({ source: 1, sink: 2, seq: 0, framesReceived: 1 });
    expect(s.ackDue(1000 + ACK_INTERVAL_MS)).toBe(false); // nothing new since
    s.record(frame(1), 1020);
    expect(s.ackDue(1000 + ACK_INTERVAL_MS - 1)).toBe(false);
    expect(s.ackDue(1000 + ACK_INTERVAL_MS)).toBe(true);
  });

  it('owes nothing for duplicates', () => {
    const s = new ReceiveStream();
    s.record(frame(0), 1000);
    s.takeAck(1000);
    expect(s.record(frame(0), 2000)).toBe('duplicate');
    expect(s.ackDue(2000)).toBe(false);
    expect(s.stats.framesReceived).toBe(1);
  });

  it('has no ack fields before any frame', () => {
    expect(new ReceiveStream().takeAck(0)).toBeNull();
  });
});

describe('CallClock', () => {
  it('ticks every step and sweeps every SWEEP_EVERY_TICKS steps, with the time it was given', () => {
    const ticks: number[] = [];
    const sweeps: number[] = [];
    const clock = new CallClock({ tick: (now) => ticks.push(now), sweep: (now) => sweeps.push(now) });
    for (let i = 1; i <= 2 * SWEEP_EVERY_TICKS; i++) clock.step(i);
    expect(ticks).toHaveLength(2 * SWEEP_EVERY_TICKS);
    expect(sweeps).toEqual([SWEEP_EVERY_TICKS, 2 * SWEEP_EVERY_TICKS]);
  });
});

describe('call timers', () => {
  const timeouts = { eventsGraceMs: 30_000, mediaTimeoutMs: 5_000, answerTimeoutMs: 60_000 };
  const call = (over: Partial<TimedCall>): TimedCall => ({
    eventsIdleSince: null,
    answered: false,
    createdAt: 0,
    answeredAt: null,
    lastMediaAt: 0,
    ...over,
  });

  it('ends a call with no events stream after the grace, before any other timer', () => {
    expect(expiredTimer(call({ eventsIdleSince: 1_000 }), 30_999, timeouts)).toBeNull();
    expect(expiredTimer(call({ eventsIdleSince: 1_000 }), 31_000, timeouts)).toBe('no-events-stream');
    expect(expiredTimer(call({ eventsIdleSince: 0, answered: true, answeredAt: 0 }), 40_000, timeouts)).toBe(
      'no-events-stream',
    );
  });

  it('times media out from the answer or the last frame, whichever is later', () => {
    const answered = call({ answered: true, answeredAt: 10_000, lastMediaAt: 12_000 });
    expect(expiredTimer(answered, 16_999, timeouts)).toBeNull();
    expect(expiredTimer(answered, 17_000, timeouts)).toBe('media-timeout');
    expect(expiredTimer(call({ answered: true, answeredAt: 10_000 }), 15_000, timeouts)).toBe('media-timeout');
  });

  it('ends an unanswered call at the answer timeout, and never without one', () => {
    expect(expiredTimer(call({}), 59_999, timeouts)).toBeNull();
    expect(expiredTimer(call({}), 60_000, timeouts)).toBe('noanswer');
    expect(expiredTimer(call({}), 600_000, { eventsGraceMs: 30_000, mediaTimeoutMs: 5_000 })).toBeNull();
    expect(expiredTimer(call({ answered: true, answeredAt: 0, lastMediaAt: 599_000 }), 600_000, timeouts)).toBeNull();
  });

  it('forgets an ended call after the linger', () => {
    expect(lingerOver(1_000, 30_999, 30_000)).toBe(false);
    expect(lingerOver(1_000, 31_000, 30_000)).toBe(true);
    expect(lingerOver(null, 31_000, 30_000)).toBe(false);
  });
});
