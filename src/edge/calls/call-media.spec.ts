import { EventEmitter } from 'node:events';
import {
  type AckFrame,
  computeDirectives,
  decodeFrame,
  encodeAckFrame,
  encodeMediaFrame,
  type Frame,
  FrameKind,
  FrameParser,
  parseAdvertisement,
} from '@riptrunk/ript';
import { ACK_INTERVAL_MS, DEFAULT_MAX_FRAME_SIZE, type MediaWritable } from '@riptrunk/ript';
import { CallMedia } from './call-media.js';

/** A GET media response that records what was written. */
class FakeResponse extends EventEmitter implements MediaWritable {
  readonly frames: Frame[] = [];
  ended = false;
  /** write() answers false once this many bytes were written (then 'drain' resets it). */
  highWaterMark = Infinity;
  private buffered = 0;
  private readonly parser = new FrameParser({ maxFrameSize: 65537 });

  write(chunk: Buffer): boolean {
    for (const f of this.parser.feed(Buffer.from(chunk))) this.frames.push(f as Frame);
    this.buffered += chunk.length;
    return this.buffered < this.highWaterMark;
  }

  drain(): void {
    this.buffered = 0;
    this.emit('drain');
  }

  end(): void {
    this.ended = true;
  }

  media(): Frame[] {
    return this.frames.filter((f) => f.kind === FrameKind.Media);
  }

  acks(): AckFrame[] {
    return this.frames.filter((f): f is AckFrame => f.kind === FrameKind.Ack);
  }
}

const handler = parseAdvertisement('1 in: PCMU; PCMA; 1 out: PCMU; PCMA; telephone-event;');
const trunk = parseAdvertisement('1 in: PCMU; PCMA; telephone-event; CN; 1 out: PCMU; PCMA; telephone-event; CN;');
const directives = computeDirectives(handler, trunk, { secondaryCodecs: true });

function media(line: 'echo' | 'tone' | 'declined' = 'echo', now = () => 0) {
  return new CallMedia({ client: directives.client, server: directives.server, line, now });
}

const frame = (seq: number, fill = seq, codec = 0, source = 1, sink = 1, ts = 1000 + seq * 20) =>
  encodeMediaFrame({ source, sink, codec, seq, ts, payload: Buffer.alloc(160, fill) });

describe('CallMedia', () => {
  it('echoes frames on every GET stream with its own seq and the payload unchanged', () => {
    const m = media('echo');
    const a = new FakeResponse();
    const b = new FakeResponse();
    m.addOutput(a);
    m.addOutput(b);
    const parser = m.newParser();
    m.receiveChunk(parser, Buffer.concat([frame(5, 1), frame(6, 2)]), 2000, performance.now());
    m.receiveChunk(parser, frame(7, 3, 101), 2010, performance.now()); // telephone-event on the same pair
    for (const out of [a, b]) {
      expect(out.media().map((f) => [f.seq, f.codec, f.payload[0], f.ts])).toEqual([
        [0, 0, 1, 2000],
        [1, 0, 2, 2000],
        [2, 101, 3, 2010],
      ]);
    }
    expect(m.counters).toMatchObject({ framesIn: 3, framesOut: 3, bytesIn: 480, bytesOut: 480 });
    expect(m.lastMediaAt).toBe(2010);
  });

  it('reassembles frames split across chunks', () => {
    const m = media('echo');
    const out = new FakeResponse();
    m.addOutput(out);
    const parser = m.newParser();
    const bytes = Buffer.concat([frame(0), frame(1)]);
    for (let i = 0; i < bytes.length; i += 7) m.receiveChunk(parser, bytes.subarray(i, i + 7), 0, 0);
    expect(out.media().map((f) => f.seq)).toEqual([0, 1]);
  });

  it('counts and drops malformed, oversized and wrong-codec frames, and duplicates', () => {
    const m = media('echo');
    const out = new FakeResponse();
    m.addOutput(out);
    const parser = m.newParser();
    const badKind = frame(1);
    badKind[2] = 9;
    const big = encodeMediaFrame({
      source: 1,
      sink: 1,
      codec: 0,
      seq: 2,
      ts: 0,
      payload: Buffer.alloc(DEFAULT_MAX_FRAME_SIZE),
    });
    const chunks = [frame(0), badKind, big, frame(3, 3, 8 /* PCMA: not in the directives */), frame(4, 4, 0, 2, 1)];
    m.receiveChunk(parser, Buffer.concat([...chunks, frame(5), frame(5)]), 0, 0);
    expect(m.counters).toMatchObject({ malformed: 1, oversized: 1, wrongCodec: 2, duplicates: 1, framesIn: 2 });
    expect(out.media().map((f) => f.payload[0])).toEqual([0, 5]);
    m.receiveChunk(parser, frame(6).subarray(0, 10), 0, 0);
    m.endInput(parser);
    expect(m.counters.malformed).toBe(2); // truncated at the end of the stream
  });

  it('acks on the GET streams at least every 100 ms while frames arrive', () => {
    const m = media('declined');
    const out = new FakeResponse();
    m.addOutput(out);
    const parser = m.newParser();
    let t = 1000;
    for (let seq = 0; seq < 50; seq++, t += 20) {
      m.receiveChunk(parser, frame(seq), t, 0);
      m.tick(t);
    }
    const acks = out.acks();
    expect(acks[0]).toMatchObject({ seq: 0, framesReceived: 1, receivedAt: 1000, source: 1, sink: 1, codec: 0 });
    const times = acks.map((a) => a.receivedAt);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeLessThanOrEqual(100);
    // the pending ack after the last frame goes out from the timer
    m.tick(t + ACK_INTERVAL_MS);
    expect(out.acks().at(-1)).toMatchObject({ seq: 49, framesReceived: 50 });
    expect(out.media()).toHaveLength(0); // the declined line sends nothing
  });

  it('reports loss, reordering and jitter per stream, and what the client acked', () => {
    const m = media('echo');
    m.addOutput(new FakeResponse());
    const parser = m.newParser();
    for (const [seq, at] of [
      [0, 1000],
      [2, 1045],
      [1, 1046],
      [4, 1080],
    ])
      m.receiveChunk(parser, frame(seq), at, 0);
    m.receive(
      decodeFrame(encodeAckFrame({ source: 1, sink: 1, codec: 0, seq: 3, ts: 0, receivedAt: 0, framesReceived: 3 })),
      0,
      0,
    );
    const report = m.report();
    expect(report.c2s).toEqual([
      expect.objectContaining({ direction: 'c2s', source: 1, sink: 1, framesReceived: 4, loss: 1, reordered: 1 }),
    ]);
    expect(report.c2s[0].maxJitterMs).toBeGreaterThan(0);
    expect(report.s2c).toEqual([
      { direction: 's2c', source: 1, sink: 1, framesSent: 4, ackedSeq: 3, ackedFrames: 3, loss: 1 },
    ]);
    expect(m.counters.acksIn).toBe(1);
  });

  it('plays the tone line at 50 frames a second on its own clock, catching up after a stall', () => {
    const m = media('tone');
    const out = new FakeResponse();
    m.addOutput(out);
    m.start(10_000);
    for (let t = 10_000; t <= 11_000; t += 20) m.tick(t);
    const frames = out.media();
    expect(frames).toHaveLength(51);
    frames.forEach((f, i) => expect(f).toMatchObject({ seq: i, ts: 10_000 + 20 * i, codec: 0, source: 1, sink: 1 }));
    m.tick(11_200); // a 200 ms stall: ten frames at once
    expect(out.media()).toHaveLength(61);
    m.tick(20_000); // a long stall: at most 25 frames, the seq stays contiguous
    const after = out.media().slice(61);
    expect(after).toHaveLength(25);
    expect(after.map((f) => f.seq)).toEqual([...Array(25).keys()].map((i) => 61 + i));
    expect(after.at(-1)!.ts).toBe(20_000);
  });

  it('drops frames for a congested GET stream until it drains', () => {
    const m = media('echo');
    const slow = new FakeResponse();
    slow.highWaterMark = 1;
    const fast = new FakeResponse();
    m.addOutput(slow);
    m.addOutput(fast);
    const parser = m.newParser();
    m.receiveChunk(parser, Buffer.concat([frame(0), frame(1), frame(2)]), 0, 0);
    expect(slow.media().map((f) => f.payload[0])).toEqual([0]);
    expect(fast.media()).toHaveLength(3);
    expect(m.counters.slowReader).toBe(2);
    slow.drain();
    m.receiveChunk(parser, frame(3), 0, 0);
    expect(slow.media().map((f) => f.payload[0])).toEqual([0, 3]);
  });

  it('ends every GET stream on close and ignores later frames', () => {
    const m = media('echo');
    const out = new FakeResponse();
    m.addOutput(out);
    m.close();
    expect(out.ended).toBe(true);
    m.receiveChunk(m.newParser(), frame(0), 0, 0);
    expect(m.counters.framesIn).toBe(0);
    expect(m.isClosed).toBe(true);
  });
});
