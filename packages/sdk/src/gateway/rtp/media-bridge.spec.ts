import { createSocket } from 'node:dgram';
import {
  computeDirectives,
  encodeMediaFrame,
  type Frame,
  FrameParser,
  FrameKind,
  parseAdvertisement,
} from '@riptrunk/ript';
import { decodeRtp, encodeRtp, encodeTelephoneEvent, negotiateSdp, parseSdp, type RtpPacket } from '@riptrunk/ript/sip';
import { InboundCall } from '../../inbound/inbound-call.js';
import * as sdk from '../index.js';
import { inboundCallMedia, MediaBridge } from './media-bridge.js';
import { RtpEndpoint } from './rtp-endpoint.js';

const HOST = '127.0.0.1';
const AD = '1 in: PCMU; telephone-event; CN; 1 out: PCMU; telephone-event; CN;';
/** The far end's offer: telephone-event on a dynamic payload type, as many SBCs send it. */
const OFFER = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 9 RTP/AVP 0 96 13',
  'a=rtpmap:96 telephone-event/8000',
  'a=fmtp:96 0-16',
  '',
].join('\r\n');

class FrameSink {
  chunks: Buffer[] = [];
  write(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }
  end(): void {}
  once(): void {}
  frames(): Frame[] {
    const parser = new FrameParser();
    const out: Frame[] = [];
    for (const c of this.chunks) for (const f of parser.feed(c)) if (!(f instanceof Error)) out.push(f);
    return out.filter((f) => f.kind === FrameKind.Media);
  }
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(acceptCn = true) {
  const call = new InboundCall({
    id: 'c1',
    uri: 'https://gw.example/ript/v1/tgs/in/calls/c1',
    handler: 'https://edge.example/ript/v1/tgs/t/handlers/h',
    from: '+14085550100',
    to: '+442071838750',
    directives: computeDirectives(parseAdvertisement(AD), parseAdvertisement(AD), { secondaryCodecs: true }),
  });
  const sink = new FrameSink();
  call.addMediaOutput(sink);
  const endpoint = await RtpEndpoint.open({ bindAddress: HOST, clockRate: 8000 });
  const far = createSocket('udp4');
  await new Promise<void>((resolve) => far.bind(0, HOST, () => resolve()));
  const farPackets: RtpPacket[] = [];
  far.on('message', (msg) => farPackets.push(decodeRtp(msg)));
  endpoint.setRemote(HOST, far.address().port);
  const plan = negotiateSdp(
    parseSdp(OFFER),
    acceptCn ? ['PCMU', 'telephone-event', 'CN'] : ['PCMU', 'telephone-event'],
  );
  const bridge = new MediaBridge({
    endpoint,
    ript: inboundCallMedia(call),
    rtpCodecs: plan.codecs,
    sendDirectives: call.serverDirectives,
    receiveDirectives: call.clientDirectives,
    now: () => 1_700_000_000_000,
  });
  cleanup.push(
    () => endpoint.close(),
    () => far.close(),
    () => bridge.close(),
  );
  const send = (bytes: Buffer) =>
    new Promise<void>((resolve, reject) => far.send(bytes, endpoint.rtpPort, HOST, (e) => (e ? reject(e) : resolve())));
  return { call, sink, endpoint, far, farPackets, bridge, send };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const audio = (i: number) => Buffer.alloc(160, 0x10 + i);

describe('MediaBridge', () => {
  it('turns RTP into frames with payloads unchanged and seq/ts mapped (loss and wrap kept)', async () => {
    const { sink, send, bridge } = await setup();
    const ssrc = 0xabcdef01;
    const pcmu = (seq: number, ts: number, i: number) =>
      encodeRtp({ payloadType: 0, sequenceNumber: seq, timestamp: ts, ssrc, payload: audio(i) });
    const dtmf = encodeTelephoneEvent({ event: 5, end: false, volume: 10, duration: 160 });
    await send(pcmu(65534, 4294967000, 0));
    await send(pcmu(65535, 4294967160, 1));
    await send(pcmu(0, 24, 2));
    await send(pcmu(2, 344, 4)); // seq 1 lost
    await send(encodeRtp({ payloadType: 96, sequenceNumber: 3, timestamp: 504, ssrc, marker: true, payload: dtmf }));
    await send(encodeRtp({ payloadType: 96, sequenceNumber: 4, timestamp: 504, ssrc, payload: Buffer.alloc(3) }));
    await send(encodeRtp({ payloadType: 8, sequenceNumber: 5, timestamp: 664, ssrc, payload: audio(5) })); // not negotiated
    await send(encodeRtp({ payloadType: 13, sequenceNumber: 6, timestamp: 664, ssrc, payload: Buffer.from([40]) }));
    await until(() => sink.frames().length >= 6, 'six frames');
    await until(() => bridge.counts.droppedUnknownPt + bridge.counts.droppedBadPayload >= 2, 'the drops');
    const t0 = 1_700_000_000_000;
    expect(sink.frames().map((f) => [f.seq, f.codec, f.ts - t0, f.payload.toString('hex')])).toEqual([
      [0, 0, 0, audio(0).toString('hex')],
      [1, 0, 20, audio(1).toString('hex')],
      [2, 0, 40, audio(2).toString('hex')],
      [4, 0, 80, audio(4).toString('hex')],
      [5, 101, 100, dtmf.toString('hex')],
      [8, 13, 120, '28'],
    ]);
    expect(bridge.counts).toMatchObject({ rtpToRipt: 6, droppedUnknownPt: 1, droppedBadPayload: 1 });
  });

  it('turns frames into RTP with the negotiated payload types, consecutive seqs, clock-rate ts and markers', async () => {
    const { call, farPackets, endpoint, bridge } = await setup();
    const [d] = call.clientDirectives;
    const parser = call.newParser();
    const dtmf = (end: boolean, duration: number) => encodeTelephoneEvent({ event: 1, end, volume: 10, duration });
    const frames = [
      { codec: 0, ts: 5_000, payload: audio(0) },
      { codec: 0, ts: 5_020, payload: audio(1) },
      { codec: 101, ts: 5_040, payload: dtmf(false, 160) },
      { codec: 101, ts: 5_040, payload: dtmf(true, 320) },
      { codec: 13, ts: 5_080, payload: Buffer.from([50]) },
      { codec: 0, ts: 5_200, payload: audio(2) },
    ];
    frames.forEach((f, seq) =>
      call.receiveChunk(parser, encodeMediaFrame({ source: d.source, sink: d.sink, seq, ...f })),
    );
    await until(() => farPackets.length >= 6, 'six RTP packets');
    const first = farPackets[0];
    expect(
      farPackets.map((p) => [
        p.payloadType,
        (p.sequenceNumber - first.sequenceNumber + 65536) % 65536,
        (p.timestamp - first.timestamp + 4294967296) % 4294967296,
        p.marker,
        p.ssrc === endpoint.ssrc,
      ]),
    ).toEqual([
      [0, 0, 0, true, true],
      [0, 1, 160, false, true],
      [96, 2, 320, true, true],
      [96, 3, 320, false, true],
      [13, 4, 640, false, true],
      [0, 5, 1600, true, true],
    ]);
    expect(farPackets.map((p) => p.payload.toString('hex'))).toEqual(frames.map((f) => f.payload.toString('hex')));
    expect(bridge.counts.riptToRtp).toBe(6);
  });

  it('drops frames the RTP leg did not negotiate, and stops when closed', async () => {
    const { call, farPackets, bridge, sink, send } = await setup(false);
    const [d] = call.clientDirectives;
    const parser = call.newParser();
    call.receiveChunk(
      parser,
      encodeMediaFrame({ source: d.source, sink: d.sink, codec: 13, seq: 0, ts: 1, payload: Buffer.from([1]) }),
    );
    call.receiveChunk(
      parser,
      encodeMediaFrame({ source: d.source, sink: d.sink, codec: 0, seq: 1, ts: 21, payload: audio(1) }),
    );
    await until(() => farPackets.length >= 1, 'one RTP packet');
    expect(farPackets.map((p) => p.payloadType)).toEqual([0]);
    expect(bridge.counts.droppedFrames).toBe(1);
    bridge.close();
    call.receiveChunk(
      parser,
      encodeMediaFrame({ source: d.source, sink: d.sink, codec: 0, seq: 2, ts: 41, payload: audio(2) }),
    );
    await send(encodeRtp({ payloadType: 0, sequenceNumber: 1, timestamp: 0, ssrc: 1, payload: audio(0) }));
    await new Promise((r) => setTimeout(r, 50));
    expect(farPackets).toHaveLength(1);
    expect(sink.frames()).toHaveLength(0);
  });

  it('refuses a set-up that would need transcoding', async () => {
    const { call, endpoint } = await setup();
    const ript = inboundCallMedia(call);
    const pcma = negotiateSdp(parseSdp(OFFER.replace('RTP/AVP 0 96 13', 'RTP/AVP 8 96')), ['PCMA']).codecs;
    expect(() => new MediaBridge({ endpoint, ript, rtpCodecs: pcma, sendDirectives: call.serverDirectives })).toThrow(
      /does not run PCMU/,
    );
    const secondaryOnly = call.serverDirectives.filter((d) => d.codec !== 'PCMU');
    expect(() => new MediaBridge({ endpoint, ript, rtpCodecs: pcma, sendDirectives: secondaryOnly })).toThrow(
      /media directive/,
    );
    expect(sdk.MediaBridge).toBe(MediaBridge);
  });
});
