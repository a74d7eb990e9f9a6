import {
  computeDirectives,
  createEvent,
  encodeAckFrame,
  encodeMediaFrame,
  EventStreamParser,
  type Frame,
  FrameKind,
  FrameParser,
  parseAdvertisement,
} from '@riptrunk/ript';
import { InboundCall } from './inbound-call.js';

const URI = 'https://pbx.example/ript/v1/tgs/in/calls/c1';

class Sink<T extends string | Buffer> {
  chunks: T[] = [];
  ended = false;
  write(chunk: T): boolean {
    this.chunks.push(chunk);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  once(): void {}
  events(): string[] {
    const parser = new EventStreamParser();
    return this.chunks.flatMap((c) => parser.push(c as string)).map((e) => String(e.type));
  }
  frames(): Frame[] {
    const parser = new FrameParser();
    const out: Frame[] = [];
    for (const c of this.chunks) for (const f of parser.feed(c as Buffer)) if (!(f instanceof Error)) out.push(f);
    return out;
  }
}

function newCall(handlerAd = '1 in: PCMU; 1 out: PCMU;', tgAd = '1 in: PCMU; PCMA; 1 out: PCMU; PCMA;') {
  return new InboundCall({
    id: 'c1',
    uri: URI,
    handler: 'https://pbx.example/ript/v1/tgs/in/handlers/h',
    from: '+15550100001',
    to: '+14085550100',
    directives: computeDirectives(parseAdvertisement(handlerAd), parseAdvertisement(tgAd), { secondaryCodecs: true }),
  });
}

const media = (seq: number, codec = 0, ts = 1_000 + seq * 20) =>
  encodeMediaFrame({ source: 1, sink: 1, codec, seq, ts, payload: Buffer.alloc(160, seq) });

describe('InboundCall', () => {
  it('starts every GET events stream with the current state, fans events out, and closes them at the end', async () => {
    const call = newCall();
    const a = new Sink<string>();
    call.addEventOutput(a);
    expect(call.alerting()).toBe(true);
    const b = new Sink<string>();
    call.addEventOutput(b);
    expect(call.answer()).toBe(true);
    expect(call.answer()).toBe(false);
    expect(() => call.decline()).toThrow(/answered already/);
    expect(call.end('bye')).toBe(true);
    expect(call.end()).toBe(false);
    expect(a.events()).toEqual(['proceeding', 'alerting', 'answered', 'end']);
    expect(b.events()).toEqual(['alerting', 'answered', 'end']);
    expect(a.chunks.join('').endsWith(']')).toBe(true);
    expect(a.ended && b.ended).toBe(true);
    expect(await call.ended).toEqual({ state: 'ended', reason: 'bye', byProvider: false });
    const late = new Sink<string>();
    call.addEventOutput(late);
    expect(late.events()).toEqual(['end']);
    expect(late.ended).toBe(true);
    expect(call.describe(true)).toMatchObject({ state: 'ended', reason: 'bye', direction: 'outbound' });
  });

  it('declines with declined then end; the provider ends with an end event; ping gets a pong', async () => {
    const declined = newCall();
    const out = new Sink<string>();
    declined.addEventOutput(out);
    declined.decline();
    expect(out.events()).toEqual(['proceeding', 'declined', 'end']);

    const call = newCall();
    const events = new Sink<string>();
    call.addEventOutput(events);
    call.clientEvent(createEvent('ping', { direction: 'c2s', call: URI, nonce: 'n' }));
    call.clientEvent(createEvent('end', { direction: 'c2s', call: URI, reason: 'caller-hung-up' }));
    expect(events.events()).toEqual(['proceeding', 'pong', 'end']);
    expect(await call.ended).toEqual({ state: 'ended', reason: 'caller-hung-up', byProvider: true });
  });

  it("puts a SIP gateway's final SIP status on the final events, and refuses one that is no SIP status", () => {
    const parsed = (sink: Sink<string>) => {
      const parser = new EventStreamParser();
      return sink.chunks.flatMap((c) => parser.push(c)) as Record<string, unknown>[];
    };
    const busy = newCall();
    const out = new Sink<string>();
    busy.addEventOutput(out);
    busy.decline({ sipStatus: 486 });
    expect(parsed(out).map((e) => [e.type, e['sip-status']])).toEqual([
      ['proceeding', undefined],
      ['declined', 486],
      ['end', 486],
    ]);
    const plain = newCall();
    const plainOut = new Sink<string>();
    plain.addEventOutput(plainOut);
    plain.end();
    expect(parsed(plainOut).at(-1)).not.toHaveProperty('sip-status');
    const odd = newCall();
    expect(() => odd.fail('sip-error', { sipStatus: 99 })).toThrow(/SIP status/);
    expect(odd.isEnded).toBe(false);
  });

  it('delivers new frames once, rejects frames outside the directives, and acks at least every 100 ms', () => {
    const call = newCall();
    const out = new Sink<Buffer>();
    call.addMediaOutput(out);
    const got: number[] = [];
    call.onFrame((f) => got.push(f.seq));
    const parser = call.newParser();
    const t0 = 1_000_000;
    const stream = Buffer.concat([media(0), media(1), media(1), media(0, 8)]);
    call.receiveChunk(parser, stream.subarray(0, 30), t0);
    call.receiveChunk(parser, stream.subarray(30), t0);
    expect(got).toEqual([0, 1]); // the duplicate and the PCMA frame (not a client directive) are dropped
    expect(call.framesRejected).toBe(1);
    // the first frame was acked at once; the second waits for the interval
    expect(out.frames().map((f) => [f.kind, f.seq])).toEqual([[FrameKind.Ack, 0]]);
    call.tick(t0 + 50);
    expect(out.frames()).toHaveLength(1);
    call.tick(t0 + 80);
    expect(out.frames().map((f) => [f.kind, f.seq])).toEqual([
      [FrameKind.Ack, 0],
      [FrameKind.Ack, 1],
    ]);
    expect(out.frames()[1]).toMatchObject({ framesReceived: 2, source: 1, sink: 1, codec: 0 });
    call.tick(t0 + 200);
    expect(out.frames()).toHaveLength(2); // nothing new, no ack
    expect(call.streamStats()).toEqual([
      expect.objectContaining({ source: 1, sink: 1, framesReceived: 2, duplicates: 1, loss: 0 }),
    ]);
    expect(call.stats.snapshot()).toMatchObject({ framesReceived: 2, framesLost: 0 });
  });

  it('sends frames on the first server directive with consecutive seqs, and matches acks for round trips', () => {
    const call = newCall();
    expect(call.sendFrame(Buffer.alloc(160))).toBe(false); // no GET media stream yet: seq 0 is lost
    const out = new Sink<Buffer>();
    call.addMediaOutput(out);
    expect(call.sendFrame(Buffer.alloc(160, 1), 5_000)).toBe(true);
    expect(call.sendFrame(Buffer.alloc(160, 2), 5_020)).toBe(true);
    expect(out.frames().map((f) => [f.kind, f.source, f.sink, f.codec, f.seq, f.ts])).toEqual([
      [FrameKind.Media, 1, 1, 0, 1, 5_000],
      [FrameKind.Media, 1, 1, 0, 2, 5_020],
    ]);
    const ack = encodeAckFrame({ source: 1, sink: 1, codec: 0, seq: 2, ts: 5_020, receivedAt: 1, framesReceived: 2 });
    call.receiveChunk(call.newParser(), ack);
    expect(call.stats.snapshot()).toMatchObject({ framesSent: 2, rttSamples: 1 });
    call.end();
    expect(out.ended).toBe(true);
    expect(call.sendFrame(Buffer.alloc(160))).toBe(false);
  });

  it('carries a gateway SIP leg: sip-call-id on its events, sip-status on the final ones (profile §10)', () => {
    const call = newCall();
    call.sipCallId = 'a84b4c76e66710@gw.example';
    const out = new Sink<string>();
    call.addEventOutput(out);
    call.alerting();
    expect(call.decline({ sipStatus: 486 })).toBe(true);
    const parser = new EventStreamParser();
    const events = out.chunks.flatMap((c) => parser.push(c));
    expect(events.map((e) => [e.type, e['sip-call-id'], e['sip-status']])).toEqual([
      ['proceeding', 'a84b4c76e66710@gw.example', undefined],
      ['alerting', 'a84b4c76e66710@gw.example', undefined],
      ['declined', 'a84b4c76e66710@gw.example', 486],
      ['end', 'a84b4c76e66710@gw.example', 486],
    ]);
  });

  it('sends with an explicit seq when given (a gateway keeps the RTP numbering), continuing after the highest', () => {
    const call = newCall();
    const out = new Sink<Buffer>();
    call.addMediaOutput(out);
    const directive = call.serverDirectives[0];
    expect(call.sendFrame(Buffer.alloc(160), 5_000, directive, 7)).toBe(true);
    expect(call.sendFrame(Buffer.alloc(160), 4_960, directive, 5)).toBe(true); // reordered RTP stays reordered
    expect(call.sendFrame(Buffer.alloc(160), 5_020)).toBe(true);
    expect(out.frames().map((f) => [f.seq, f.ts])).toEqual([
      [7, 5_000],
      [5, 4_960],
      [8, 5_020],
    ]);
    expect(() => call.sendFrame(Buffer.alloc(1), 0, directive, -1)).toThrow(RangeError);
  });
});
