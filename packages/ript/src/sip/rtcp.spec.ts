import * as ript from './index.js';
import {
  encodeBye,
  encodeCompound,
  encodeReceiverReport,
  encodeSdesCname,
  encodeSenderReport,
  msFromNtp,
  ntpFromMs,
  ntpMiddle32,
  parseRtcp,
  roundTripMs,
  RtcpError,
  RtpReceiverStats,
  type ReportBlock,
} from './rtcp.js';

const block: ReportBlock = {
  ssrc: 0xaabbccdd,
  fractionLost: 0x19,
  cumulativeLost: 5,
  highestSeq: 0x0001000a,
  jitter: 16,
  lsr: 0x12345678,
  dlsr: 0x00010000,
};

describe('RTCP build and parse', () => {
  it('writes a receiver report bit for bit', () => {
    expect(encodeReceiverReport(0x11223344, [block]).toString('hex')).toBe(
      '81c90007' + '11223344' + 'aabbccdd' + '19000005' + '0001000a' + '00000010' + '12345678' + '00010000',
    );
  });

  it('writes NTP time as RFC 3550 §4 says', () => {
    // 1970-01-01T00:00:00.5Z is NTP 2208988800.5
    expect(ntpFromMs(500)).toEqual({ msw: 2208988800, lsw: 0x80000000 });
    expect(msFromNtp(2208988800, 0x80000000)).toBe(500);
    expect(ntpMiddle32({ msw: 0x0001abcd, lsw: 0x12340000 })).toBe(0xabcd1234);
  });

  it('round-trips a compound SR + SDES and an RR + SDES + BYE', () => {
    const now = Date.parse('2026-12-04T18:00:00.250Z');
    const sr = encodeCompound([
      encodeSenderReport(7, { ntpMs: now, rtpTimestamp: 160000, packetCount: 1000, octetCount: 160000 }, [block]),
      encodeSdesCname(7, 'gw-1@riptrunk'),
    ]);
    const [report, sdes] = parseRtcp(sr);
    expect(report.type).toBe('sr');
    if (report.type !== 'sr') throw new Error();
    expect(report.ssrc).toBe(7);
    expect(Math.abs(report.sender.ntpMs - now)).toBeLessThan(1);
    expect(report.sender).toMatchObject({ rtpTimestamp: 160000, packetCount: 1000, octetCount: 160000 });
    expect(report.reports).toEqual([block]);
    expect(sdes).toEqual({ type: 'sdes', chunks: [{ ssrc: 7, cname: 'gw-1@riptrunk' }] });

    const rr = encodeCompound([
      encodeReceiverReport(9, [{ ...block, cumulativeLost: -3 }]),
      encodeSdesCname(9, 'abc'),
      encodeBye([9], 'call ended'),
    ]);
    expect(parseRtcp(rr)).toEqual([
      { type: 'rr', ssrc: 9, reports: [{ ...block, cumulativeLost: -3 }] },
      { type: 'sdes', chunks: [{ ssrc: 9, cname: 'abc' }] },
      { type: 'bye', ssrcs: [9], reason: 'call ended' },
    ]);
  });

  it('keeps packet types it does not know (APP, XR)', () => {
    const xr = Buffer.from('80cf0001' + '00000009', 'hex');
    const parsed = parseRtcp(Buffer.concat([encodeReceiverReport(9), xr]));
    expect(parsed[1]).toMatchObject({ type: 'other', packetType: 207, count: 0 });
  });

  it('rejects malformed datagrams with RtcpError', () => {
    const rr = encodeReceiverReport(9, [block]);
    expect(() => parseRtcp(rr.subarray(0, 6))).toThrow(RtcpError);
    expect(() => parseRtcp(rr.subarray(0, 28))).toThrow(/runs past/);
    const v1 = Buffer.from(rr);
    v1[0] = 0x41;
    expect(() => parseRtcp(v1)).toThrow(/version 1/);
    expect(() => parseRtcp(encodeSdesCname(1, 'x'))).toThrow(/starts with SR or RR/);
    const lying = Buffer.from(rr);
    lying[0] = 0x82; // two report blocks announced, one present
    expect(() => parseRtcp(lying)).toThrow(/shorter than its report blocks/);
    const padded = Buffer.concat([encodeReceiverReport(9)]);
    padded[0] |= 0x20;
    padded[7] = 0;
    expect(() => parseRtcp(padded)).toThrow(/padding/);
  });

  it('refuses to build out-of-range fields', () => {
    expect(() => encodeReceiverReport(-1)).toThrow(RangeError);
    expect(() => encodeReceiverReport(1, new Array(32).fill(block))).toThrow(RangeError);
    expect(() => encodeSdesCname(1, '')).toThrow(RangeError);
    expect(() => encodeBye([])).toThrow(RangeError);
  });
});

describe('RtpReceiverStats', () => {
  it('counts loss as RFC 3550 A.3, across a seq wrap, with the fraction per interval', () => {
    const s = new RtpReceiverStats(5, 8000);
    let seq = 65530;
    let t = 0;
    for (let i = 0; i < 20; i++) {
      if (i !== 3 && i !== 10) s.record(seq, (i * 160) >>> 0, t); // 2 of 20 lost
      seq = (seq + 1) % 65536;
      t += 20;
    }
    expect(s.expected).toBe(20);
    expect(s.packetsReceived).toBe(18);
    const r = s.reportBlock(t);
    expect(r).toMatchObject({ ssrc: 5, cumulativeLost: 2, fractionLost: Math.floor((2 * 256) / 20) });
    expect(r.highestSeq).toBe(0x10000 + 13);
    // next interval without loss
    for (let i = 20; i < 30; i++) {
      s.record(seq, i * 160, t);
      seq = (seq + 1) % 65536;
      t += 20;
    }
    expect(s.reportBlock(t)).toMatchObject({ fractionLost: 0, cumulativeLost: 2 });
  });

  it('computes A.8 jitter in timestamp units: 0 for a steady stream, the mean deviation otherwise', () => {
    const steady = new RtpReceiverStats(1, 8000);
    for (let i = 0; i < 100; i++) steady.record(i, i * 160, 1000 + i * 20);
    expect(steady.jitter).toBeCloseTo(0, 6);
    const jittery = new RtpReceiverStats(1, 8000);
    // every other packet 5 ms late: |D| = 40 units each time, jitter converges to 40
    for (let i = 0; i < 500; i++) jittery.record(i, i * 160, 1000 + i * 20 + (i % 2) * 5);
    expect(jittery.jitter).toBeGreaterThan(39);
    expect(jittery.jitter).toBeLessThan(41);
    expect(jittery.reportBlock(0).jitter).toBe(Math.floor(jittery.jitter));
  });

  it('is not fooled by a timestamp wrap', () => {
    const s = new RtpReceiverStats(1, 8000);
    for (let i = 0; i < 50; i++) s.record(i, (4294967296 - 800 + i * 160) % 4294967296, i * 20);
    expect(s.jitter).toBeCloseTo(0, 6);
  });

  it('gives LSR/DLSR of the last SR, and the round trip from a block about us', () => {
    const s = new RtpReceiverStats(1, 8000);
    const srAt = Date.parse('2026-12-04T18:00:00Z');
    const ntp = ntpFromMs(srAt - 40); // sent 40 ms before it arrived
    s.recordSenderReport(ntp, srAt);
    s.record(1, 0, srAt);
    const r = s.reportBlock(srAt + 500);
    expect(r.lsr).toBe(ntpMiddle32(ntp));
    expect(r.dlsr).toBe(32768); // 0.5 s in 1/65536 s
    // the sender gets this block back 40 ms after we sent it: RTT = 40 + 40 ms
    expect(roundTripMs(r, srAt + 540)).toBeCloseTo(80, 0);
    expect(roundTripMs({ ...r, lsr: 0 }, 0)).toBeNull();
    expect(ript.RtpReceiverStats).toBe(RtpReceiverStats);
  });
});
