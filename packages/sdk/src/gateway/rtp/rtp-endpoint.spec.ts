import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import {
  decodeRtp,
  encodeReceiverReport,
  encodeRtp,
  encodeSenderReport,
  ntpMiddle32,
  parseRtcp,
  type RtcpPacket,
} from '@riptrunk/ript/sip';
import * as sdk from '../index.js';
import { PortPool } from './port-pool.js';
import { RtpEndpoint } from './rtp-endpoint.js';

const HOST = '127.0.0.1';
const open: RtpEndpoint[] = [];
const sockets: Socket[] = [];

async function farSocket(port = 0): Promise<Socket> {
  const s = createSocket('udp4');
  sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, HOST, () => resolve());
  });
  return s;
}

async function endpoint(options: Partial<Parameters<typeof RtpEndpoint.open>[0]> = {}): Promise<RtpEndpoint> {
  const e = await RtpEndpoint.open({ bindAddress: HOST, clockRate: 8000, ...options });
  open.push(e);
  return e;
}

function nextMessage(s: Socket, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no datagram')), timeoutMs);
    s.once('message', (msg) => {
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

function sendTo(s: Socket, bytes: Buffer, port: number): Promise<void> {
  return new Promise((resolve, reject) => s.send(bytes, port, HOST, (err) => (err ? reject(err) : resolve())));
}

const rtp = (seq: number, ssrc = 0xfeed, payload = Buffer.alloc(160, seq & 0xff)) =>
  encodeRtp({ payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc, payload });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
  for (const s of sockets.splice(0)) s.close();
});

describe('RtpEndpoint', () => {
  it('sends to the SDP address with its SSRC until a packet arrives, then latches to the source', async () => {
    const e = await endpoint({ ssrc: 0x1234 });
    const sdpTarget = await farSocket();
    const realSource = await farSocket();
    expect(e.send({ payloadType: 0, sequenceNumber: 1, timestamp: 160, payload: Buffer.alloc(1) })).toBe(false);
    expect(e.counts.rtpUnsent).toBe(1);
    e.setRemote(HOST, sdpTarget.address().port);
    const first = nextMessage(sdpTarget);
    expect(e.send({ payloadType: 0, sequenceNumber: 2, timestamp: 320, payload: Buffer.from('ab') })).toBe(true);
    expect(decodeRtp(await first)).toMatchObject({ ssrc: 0x1234, sequenceNumber: 2, timestamp: 320 });

    const got = once(e, 'rtp');
    await sendTo(realSource, rtp(100), e.rtpPort);
    const [packet, from] = (await got) as [ReturnType<typeof decodeRtp>, { port: number }];
    expect(packet).toMatchObject({ sequenceNumber: 100, ssrc: 0xfeed });
    expect(packet.payload.length).toBe(160);
    expect(from.port).toBe(realSource.address().port);
    expect(e.isLatched).toBe(true);

    const latched = nextMessage(realSource);
    e.send({ payloadType: 0, sequenceNumber: 3, timestamp: 480, payload: Buffer.from('cd') });
    expect(decodeRtp(await latched).payload.toString()).toBe('cd');
    expect(e.counts).toMatchObject({ rtpSent: 2, rtpOctetsSent: 4, rtpReceived: 1, rtpOctetsReceived: 160 });

    // a new SDP address unlatches
    e.setRemote(HOST, sdpTarget.address().port);
    expect(e.rtpDestination).toEqual({ address: HOST, port: sdpTarget.address().port });
  });

  it('drops malformed packets, other SSRCs and other sources once latched, and counts them', async () => {
    const e = await endpoint();
    const far = await farSocket();
    const intruder = await farSocket();
    e.setRemote(HOST, far.address().port);
    const seqs: number[] = [];
    e.on('rtp', (p) => seqs.push(p.sequenceNumber));
    await sendTo(far, Buffer.from([1, 2, 3]), e.rtpPort); // too short
    await sendTo(far, Buffer.from('0000000000000000000000000000', 'hex'), e.rtpPort); // version 0
    await sendTo(far, rtp(1), e.rtpPort);
    await sendTo(far, rtp(2, 0xbad), e.rtpPort);
    await sendTo(intruder, rtp(3), e.rtpPort);
    await sendTo(far, rtp(4), e.rtpPort);
    for (let i = 0; i < 50 && seqs.length < 2; i++) await sleep(10);
    await sleep(20);
    expect(seqs).toEqual([1, 4]);
    expect(e.counts).toMatchObject({ droppedMalformed: 2, droppedWrongSsrc: 1, droppedWrongSource: 1, rtpReceived: 2 });
    expect(e.remoteStats?.cumulativeLost).toBe(2); // seq 2 and 3 never counted
  });

  it('sends RR then SR compound reports with SDES and a block about the far end, and reads its SR', async () => {
    const e = await endpoint({ rtcpIntervalMs: 60, ssrc: 77, cname: 'gw@test' });
    const farRtp = await farSocket();
    const farRtcp = await farSocket();
    e.setRemote(HOST, farRtp.address().port, farRtcp.address().port);
    const rr = parseRtcp(await nextMessage(farRtcp));
    expect(rr[0]).toEqual({ type: 'rr', ssrc: 77, reports: [] });
    expect(rr[1]).toEqual({ type: 'sdes', chunks: [{ ssrc: 77, cname: 'gw@test' }] });

    for (let seq = 10; seq < 15; seq++) await sendTo(farRtp, rtp(seq), e.rtpPort);
    const srFromFar = encodeSenderReport(0xfeed, {
      ntpMs: Date.now(),
      rtpTimestamp: 1,
      packetCount: 5,
      octetCount: 800,
    });
    const seen = once(e, 'rtcp');
    await sendTo(farRtcp, srFromFar, e.rtcpPort);
    const [packets] = (await seen) as [RtcpPacket[]];
    expect(packets[0]).toMatchObject({ type: 'sr', ssrc: 0xfeed });
    e.send({ payloadType: 0, sequenceNumber: 1, timestamp: 0, payload: Buffer.alloc(160) });

    let sr: RtcpPacket[] = [];
    for (let i = 0; i < 10 && sr[0]?.type !== 'sr'; i++) sr = parseRtcp(await nextMessage(farRtcp));
    expect(sr[0]).toMatchObject({ type: 'sr', ssrc: 77, sender: { packetCount: 1, octetCount: 160 } });
    const block = sr[0].type === 'sr' ? sr[0].reports[0] : undefined;
    expect(block).toMatchObject({ ssrc: 0xfeed, cumulativeLost: 0, highestSeq: 14 });
    expect(block!.lsr).not.toBe(0);
    expect(e.counts.rtcpReceived).toBe(1);
  });

  it("keeps the far end's report about our stream, with the round trip once it saw our SR", async () => {
    const e = await endpoint({ ssrc: 99 });
    const farRtp = await farSocket();
    const farRtcp = await farSocket();
    e.setRemote(HOST, farRtp.address().port, farRtcp.address().port);
    e.send({ payloadType: 0, sequenceNumber: 1, timestamp: 0, payload: Buffer.alloc(160) });
    const srBytes = nextMessage(farRtcp);
    expect(e.sendReport()).toBe(true);
    const [sr] = parseRtcp(await srBytes);
    if (sr.type !== 'sr') throw new Error(`expected an SR, got ${sr.type}`);
    const about = {
      ssrc: 99,
      fractionLost: 12,
      cumulativeLost: 3,
      highestSeq: 1,
      jitter: 40,
      lsr: ntpMiddle32(sr.ntp),
      dlsr: 0,
    };
    const seen = once(e, 'rtcp');
    await sendTo(farRtcp, encodeReceiverReport(0xfeed, [about, { ...about, ssrc: 5 }]), e.rtcpPort);
    await seen;
    expect(e.farEndReport).toMatchObject({ ssrc: 99, fractionLost: 12, cumulativeLost: 3, jitter: 40 });
    expect(e.farEndReport!.roundTripMs).toBeGreaterThanOrEqual(0);
    expect(e.farEndReport!.roundTripMs).toBeLessThan(1000);
  });

  it('takes RTCP multiplexed on the RTP port and counts malformed RTCP', async () => {
    const e = await endpoint();
    const far = await farSocket();
    e.setRemote(HOST, far.address().port);
    const seen = once(e, 'rtcp');
    await sendTo(far, encodeSenderReport(5, { ntpMs: 0, rtpTimestamp: 0, packetCount: 0, octetCount: 0 }), e.rtpPort);
    await seen;
    await sendTo(far, Buffer.from([0x80, 0xc8, 0, 9]), e.rtcpPort);
    for (let i = 0; i < 50 && e.counts.rtcpMalformed === 0; i++) await sleep(10);
    expect(e.counts).toMatchObject({ rtcpReceived: 1, rtcpMalformed: 1, droppedMalformed: 0 });
  });

  it('emits media-timeout when RTP stops, not while it flows', async () => {
    const e = await endpoint({ mediaTimeoutMs: 150 });
    const far = await farSocket();
    let timedOut = 0;
    e.on('media-timeout', () => timedOut++);
    for (let i = 0; i < 10; i++) {
      await sendTo(far, rtp(i), e.rtpPort);
      await sleep(30);
    }
    expect(timedOut).toBe(0);
    const [silent] = (await once(e, 'media-timeout')) as [number];
    expect(silent).toBeGreaterThanOrEqual(150);
    await sleep(100);
    expect(timedOut).toBe(1); // once
    e.setMediaTimeout(0);
  });

  it('binds on pool pairs, moves past a pair another process holds, and gives ports back on close', async () => {
    const pool = new PortPool('41900-41909');
    const squatter = await farSocket(41900);
    expect(squatter.address().port).toBe(41900);
    const e = await endpoint({ pool });
    expect([e.rtpPort, e.rtcpPort]).toEqual([41902, 41903]);
    expect(pool.inUse).toBe(1);
    const far = await farSocket();
    e.setRemote(HOST, 41000 + 999, far.address().port);
    const bye = nextMessage(far);
    await e.close('done');
    const packets = parseRtcp(await bye);
    expect(packets.map((p) => p.type)).toEqual(['rr', 'sdes', 'bye']);
    expect(packets[2]).toMatchObject({ reason: 'done' });
    expect(pool.inUse).toBe(0);
    const again = await farSocket(41902); // the socket is really closed
    expect(again.address().port).toBe(41902);
    expect(e.send({ payloadType: 0, sequenceNumber: 0, timestamp: 0, payload: Buffer.alloc(0) })).toBe(false);
  });

  it('says so when every pair it tried is bound by another process (two gateways on one range)', async () => {
    const pool = new PortPool('41920-41923');
    const squatters = [await farSocket(41920), await farSocket(41922)];
    expect(squatters.map((q) => q.address().port)).toEqual([41920, 41922]);
    await expect(endpoint({ pool })).rejects.toThrow(/41920-41923: the last 2 tried are bound by another process/);
    expect(pool.inUse).toBe(0);
  });

  it('refuses bad options', async () => {
    await expect(RtpEndpoint.open({ clockRate: 0 })).rejects.toThrow(RangeError);
    await expect(RtpEndpoint.open({ clockRate: 8000, bindAddress: 'localhost' })).rejects.toThrow(RangeError);
    const e = await endpoint();
    expect(() => e.setRemote('gw', 4000)).toThrow(RangeError);
    expect(() => e.setRemote(HOST, 0)).toThrow(RangeError);
    expect(sdk.RtpEndpoint).toBe(RtpEndpoint);
  });
});
