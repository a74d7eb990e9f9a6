import {
  decodeRtp,
  encodeRtp,
  FrameToRtpMapper,
  RtpError,
  rtpClockRateOf,
  RtpToFrameMapper,
  randomRtpStart,
} from './rtp.js';
import * as ript from './index.js';

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof RtpError) return e.code;
    throw e;
  }
  return undefined;
}

describe('RTP header', () => {
  it('encodes the RFC 3550 fixed header bit for bit', () => {
    const packet = encodeRtp({
      marker: true,
      payloadType: 0,
      sequenceNumber: 0x1234,
      timestamp: 0xdeadbeef,
      ssrc: 0x01020304,
      payload: Buffer.from([0xff, 0x7f]),
    });
    expect(packet.toString('hex')).toBe('80801234deadbeef01020304ff7f');
  });

  it('round-trips CSRCs, a header extension, padding and the marker', () => {
    const ext = { profile: 0xbede, data: Buffer.from([0x10, 0xaa, 0, 0]) };
    const bytes = encodeRtp({
      payloadType: 111,
      sequenceNumber: 65535,
      timestamp: 4294967295,
      ssrc: 7,
      csrc: [1, 0xffffffff],
      extension: ext,
      padding: 3,
      payload: Buffer.from('opus'),
    });
    expect(bytes.length).toBe(12 + 8 + 8 + 4 + 3);
    expect(bytes[0]).toBe(0x80 | 0x20 | 0x10 | 2);
    const p = decodeRtp(bytes);
    expect(p).toMatchObject({
      version: 2,
      marker: false,
      payloadType: 111,
      sequenceNumber: 65535,
      timestamp: 4294967295,
      ssrc: 7,
      csrc: [1, 0xffffffff],
      padding: 3,
    });
    expect(p.extension?.profile).toBe(0xbede);
    expect(p.extension?.data.toString('hex')).toBe('10aa0000');
    expect(p.payload.toString()).toBe('opus');
  });

  it('decodes a packet from another implementation (sipp-style PCMU, 160 bytes)', () => {
    const hex = '8000' + '0001' + '000000a0' + 'cafebabe' + 'd5'.repeat(160);
    const p = decodeRtp(Buffer.from(hex, 'hex'));
    expect(p).toMatchObject({ payloadType: 0, sequenceNumber: 1, timestamp: 160, ssrc: 0xcafebabe, marker: false });
    expect(p.payload.length).toBe(160);
    expect(p.extension).toBeNull();
  });

  it('rejects malformed packets with a typed error', () => {
    const good = encodeRtp({ payloadType: 8, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: Buffer.alloc(4) });
    expect(errorCode(() => decodeRtp(good.subarray(0, 11)))).toBe('too-short');
    const v1 = Buffer.from(good);
    v1[0] = (v1[0] & 0x3f) | 0x40;
    expect(errorCode(() => decodeRtp(v1))).toBe('bad-version');
    const csrcs = Buffer.from(good);
    csrcs[0] |= 0x0f; // 15 CSRCs announced, 1 word present
    expect(errorCode(() => decodeRtp(csrcs))).toBe('too-short');
    const ext = Buffer.concat([good.subarray(0, 12), Buffer.from([0xbe, 0xde, 0x00, 0x05, 1, 2, 3, 4])]);
    ext[0] |= 0x10;
    expect(errorCode(() => decodeRtp(ext))).toBe('too-short');
    const zeroPad = Buffer.from(good);
    zeroPad[0] |= 0x20;
    zeroPad[zeroPad.length - 1] = 0;
    expect(errorCode(() => decodeRtp(zeroPad))).toBe('bad-padding');
    const bigPad = Buffer.from(good);
    bigPad[0] |= 0x20;
    bigPad[bigPad.length - 1] = 5;
    expect(errorCode(() => decodeRtp(bigPad))).toBe('bad-padding');
    const rtcp = Buffer.from(good);
    rtcp[1] = 200; // SR
    expect(errorCode(() => decodeRtp(rtcp))).toBe('rtcp');
  });

  it('refuses to encode out-of-range fields', () => {
    const base = { payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, payload: Buffer.alloc(0) };
    expect(() => encodeRtp({ ...base, payloadType: 128 })).toThrow(RangeError);
    expect(() => encodeRtp({ ...base, sequenceNumber: 65536 })).toThrow(RangeError);
    expect(() => encodeRtp({ ...base, timestamp: -1 })).toThrow(RangeError);
    expect(() => encodeRtp({ ...base, csrc: new Array(16).fill(1) })).toThrow(RangeError);
    expect(() => encodeRtp({ ...base, extension: { profile: 1, data: Buffer.alloc(3) } })).toThrow(RangeError);
    expect(() => encodeRtp({ ...base, padding: 256 })).toThrow(RangeError);
  });

  it('knows the clock rates of the carried codecs', () => {
    expect(['PCMU', 'PCMA', 'G722', 'CN', 'telephone-event', 'opus'].map(rtpClockRateOf)).toEqual([
      8000, 8000, 8000, 8000, 8000, 48000,
    ]);
    expect(rtpClockRateOf('AMR')).toBeUndefined();
    expect(rtpClockRateOf('toString')).toBeUndefined();
  });

  it('is exported from @riptrunk/ript/sip', () => {
    expect(ript.decodeRtp).toBe(decodeRtp);
    expect(ript.RtpToFrameMapper).toBe(RtpToFrameMapper);
  });
});

describe('RTP → frame mapping', () => {
  it('starts at seq 0 and the arrival time, then follows RTP seq and ts at the clock rate', () => {
    const m = new RtpToFrameMapper({ clockRate: 8000, now: () => 1_700_000_000_000 });
    expect(m.map({ sequenceNumber: 5000, timestamp: 100000, ssrc: 9 })).toEqual({ seq: 0, ts: 1_700_000_000_000 });
    expect(m.map({ sequenceNumber: 5001, timestamp: 100160, ssrc: 9 })).toEqual({ seq: 1, ts: 1_700_000_000_020 });
    // loss of 5002..5003 stays a gap
    expect(m.map({ sequenceNumber: 5004, timestamp: 100640, ssrc: 9 })).toEqual({ seq: 4, ts: 1_700_000_000_080 });
    // reordered late packet keeps its place
    expect(m.map({ sequenceNumber: 5002, timestamp: 100320, ssrc: 9 })).toEqual({ seq: 2, ts: 1_700_000_000_040 });
  });

  it('unrolls the 16-bit seq and 32-bit ts wraps', () => {
    const m = new RtpToFrameMapper({ clockRate: 48000, now: () => 1000 });
    expect(m.map({ sequenceNumber: 65534, timestamp: 4294967295 - 960, ssrc: 1 })).toEqual({ seq: 0, ts: 1000 });
    expect(m.map({ sequenceNumber: 65535, timestamp: 4294967295, ssrc: 1 })).toEqual({ seq: 1, ts: 1020 });
    expect(m.map({ sequenceNumber: 0, timestamp: 959, ssrc: 1 })).toEqual({ seq: 2, ts: 1040 });
    expect(m.map({ sequenceNumber: 1, timestamp: 1919, ssrc: 1 })).toEqual({ seq: 3, ts: 1060 });
    // a whole second cycle
    let last = { seq: 3, ts: 1060 };
    for (let i = 2; i <= 70000; i++) {
      last = m.map({ sequenceNumber: (1 + i - 1) % 65536, timestamp: (1919 + (i - 1) * 960) % 4294967296, ssrc: 1 })!;
    }
    expect(last).toEqual({ seq: 70002, ts: 1060 + 69999 * 20 });
  });

  it('gives null for a packet older than the first one', () => {
    const m = new RtpToFrameMapper({ clockRate: 8000, now: () => 0 });
    m.map({ sequenceNumber: 0, timestamp: 0, ssrc: 1 });
    expect(m.map({ sequenceNumber: 65535, timestamp: 4294967136, ssrc: 1 })).toBeNull();
  });

  it('continues frame seq and never goes back in time on a new SSRC', () => {
    let now = 10_000;
    const m = new RtpToFrameMapper({ clockRate: 8000, now: () => now });
    m.map({ sequenceNumber: 10, timestamp: 0, ssrc: 1 });
    expect(m.map({ sequenceNumber: 11, timestamp: 160, ssrc: 1 })).toEqual({ seq: 1, ts: 10_020 });
    now = 10_005; // clock behind the last frame ts
    expect(m.map({ sequenceNumber: 60000, timestamp: 99, ssrc: 2 })).toEqual({ seq: 2, ts: 10_020 });
    expect(m.map({ sequenceNumber: 60001, timestamp: 259, ssrc: 2 })).toEqual({ seq: 3, ts: 10_040 });
  });

  it('rejects a bad clock rate', () => {
    expect(() => new RtpToFrameMapper({ clockRate: 0 })).toThrow(RangeError);
    expect(() => new FrameToRtpMapper({ clockRate: 1.5 })).toThrow(RangeError);
  });
});

describe('frame → RTP mapping', () => {
  it('offsets seq and ts from the initial values, wrapping', () => {
    const m = new FrameToRtpMapper({ clockRate: 8000, sequenceNumber: 65535, timestamp: 4294967200, ssrc: 42 });
    expect(m.map({ seq: 0, ts: 5000 })).toEqual({ sequenceNumber: 65535, timestamp: 4294967200, ssrc: 42 });
    expect(m.map({ seq: 1, ts: 5020 })).toEqual({ sequenceNumber: 0, timestamp: 64, ssrc: 42 });
    expect(m.map({ seq: 2, ts: 5040 })).toEqual({ sequenceNumber: 1, timestamp: 224, ssrc: 42 });
  });

  it('picks random initial values (RFC 3550 §5.1)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const m = new FrameToRtpMapper({ clockRate: 8000 });
      const t = m.map({ seq: 0, ts: 0 });
      seen.add(`${t.sequenceNumber}/${t.timestamp}/${t.ssrc}`);
      expect(t.sequenceNumber).toBe(m.initialSequenceNumber);
    }
    expect(seen.size).toBeGreaterThan(15);
    const s = randomRtpStart();
    expect(s.sequenceNumber).toBeLessThan(65536);
    expect(s.timestamp).toBeLessThan(4294967296);
  });

  it('round-trips through the other mapper', () => {
    const out = new FrameToRtpMapper({ clockRate: 48000 });
    const back = new RtpToFrameMapper({ clockRate: 48000, now: () => 1_700_000_000_000 });
    for (let seq = 0; seq < 3000; seq++) {
      const t = out.map({ seq, ts: 1_700_000_000_000 + seq * 20 });
      expect(back.map(t)).toEqual({ seq, ts: 1_700_000_000_000 + seq * 20 });
    }
  });

  it('rejects unsafe frame values', () => {
    const m = new FrameToRtpMapper({ clockRate: 8000 });
    expect(() => m.map({ seq: -1, ts: 0 })).toThrow(RangeError);
    expect(() => m.map({ seq: 0, ts: Number.MAX_SAFE_INTEGER + 2 })).toThrow(RangeError);
    expect(() => new FrameToRtpMapper({ clockRate: 8000, ssrc: 2 ** 32 })).toThrow(RangeError);
  });
});
