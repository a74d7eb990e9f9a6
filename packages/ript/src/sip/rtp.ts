/**
 * RTP (RFC 3550 §5.1) header encode/decode, and the mapping between RTP sequence numbers/timestamps and RIPT frame
 * `seq`/`ts` (profile §7 and §10):
 * - RTP: 16-bit sequence number that wraps, 32-bit timestamp in the codec's clock rate, both starting at random
 *   values (RFC 3550 §5.1);
 * - RIPT: u64 `seq` from 0, +1 per frame, and `ts` in milliseconds since the Unix epoch of the first sample.
 * A gap in RTP sequence numbers (loss) stays a gap in frame seqs, so the far end counts the loss.
 */
import { randomInt } from 'node:crypto';

export const RTP_VERSION = 2;
export const RTP_HEADER_SIZE = 12;
export const MAX_CSRC_COUNT = 15;

export interface RtpHeaderExtension {
  /** The 16-bit profile-defined field (e.g. 0xBEDE for RFC 8285 one-byte headers). */
  profile: number;
  /** The extension body; its length must be a multiple of 4 bytes. */
  data: Buffer;
}

export interface RtpPacketFields {
  marker?: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrc?: readonly number[];
  extension?: RtpHeaderExtension;
  /** Padding bytes to add at the end (1..255, the last one holding the count); none by default. */
  padding?: number;
  payload: Uint8Array;
}

export interface RtpPacket {
  version: 2;
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrc: number[];
  extension: RtpHeaderExtension | null;
  /** Padding bytes that were present (0 when the P bit is clear). */
  padding: number;
  /** A view into the input buffer (no copy), padding removed. */
  payload: Buffer;
}

export type RtpErrorCode =
  | 'too-short' // shorter than the fixed header, or than its CSRC list / extension
  | 'bad-version' // version field is not 2
  | 'bad-padding' // P bit set with a padding count of 0 or larger than what follows the header
  | 'rtcp'; // payload type 72..76 with the marker: an RTCP packet on the RTP port (RFC 5761 §4)

export class RtpError extends Error {
  readonly code: RtpErrorCode;
  constructor(code: RtpErrorCode, message: string) {
    super(message);
    this.name = 'RtpError';
    this.code = code;
  }
}

function checkUint(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${name} must be an integer 0..${max}, got ${v}`);
}

/** Encodes an RTP packet (version 2). Throws RangeError on out-of-range fields. */
export function encodeRtp(p: RtpPacketFields): Buffer {
  checkUint('payloadType', p.payloadType, 0x7f);
  checkUint('sequenceNumber', p.sequenceNumber, 0xffff);
  checkUint('timestamp', p.timestamp, 0xffffffff);
  checkUint('ssrc', p.ssrc, 0xffffffff);
  const csrc = p.csrc ?? [];
  if (csrc.length > MAX_CSRC_COUNT) throw new RangeError(`at most ${MAX_CSRC_COUNT} CSRCs, got ${csrc.length}`);
  csrc.forEach((c, i) => checkUint(`csrc[${i}]`, c, 0xffffffff));
  const padding = p.padding ?? 0;
  checkUint('padding', padding, 0xff);
  const ext = p.extension;
  if (ext) {
    checkUint('extension.profile', ext.profile, 0xffff);
    if (ext.data.length % 4 !== 0 || ext.data.length / 4 > 0xffff) {
      throw new RangeError(`extension data must be a multiple of 4 bytes up to ${0xffff * 4}, got ${ext.data.length}`);
    }
  }
  const extSize = ext ? 4 + ext.data.length : 0;
  const headerSize = RTP_HEADER_SIZE + 4 * csrc.length + extSize;
  const out = Buffer.alloc(headerSize + p.payload.length + padding);
  out[0] = (RTP_VERSION << 6) | (padding > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | csrc.length;
  out[1] = (p.marker ? 0x80 : 0) | p.payloadType;
  out.writeUInt16BE(p.sequenceNumber, 2);
  out.writeUInt32BE(p.timestamp, 4);
  out.writeUInt32BE(p.ssrc, 8);
  let at = RTP_HEADER_SIZE;
  for (const c of csrc) {
    out.writeUInt32BE(c, at);
    at += 4;
  }
  if (ext) {
    out.writeUInt16BE(ext.profile, at);
    out.writeUInt16BE(ext.data.length / 4, at + 2);
    out.set(ext.data, at + 4);
    at += extSize;
  }
  out.set(p.payload, at);
  if (padding > 0) out[out.length - 1] = padding;
  return out;
}

/** Decodes an RTP packet; throws RtpError for anything that is not a well-formed RTP version 2 packet. */
export function decodeRtp(input: Uint8Array): RtpPacket {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (buf.length < RTP_HEADER_SIZE) {
    throw new RtpError(
      'too-short',
      `RTP packet of ${buf.length} bytes is shorter than the ${RTP_HEADER_SIZE}-byte header`,
    );
  }
  const version = buf[0] >> 6;
  if (version !== RTP_VERSION) throw new RtpError('bad-version', `RTP version ${version}, expected 2`);
  const hasPadding = (buf[0] & 0x20) !== 0;
  const hasExtension = (buf[0] & 0x10) !== 0;
  const cc = buf[0] & 0x0f;
  const marker = (buf[1] & 0x80) !== 0;
  const payloadType = buf[1] & 0x7f;
  if (marker && payloadType >= 72 && payloadType <= 76) {
    throw new RtpError('rtcp', `packet type ${buf[1]} is RTCP, not RTP`);
  }
  let at = RTP_HEADER_SIZE + 4 * cc;
  if (buf.length < at) throw new RtpError('too-short', `RTP packet too short for its ${cc} CSRCs`);
  const csrc: number[] = [];
  for (let i = 0; i < cc; i++) csrc.push(buf.readUInt32BE(RTP_HEADER_SIZE + 4 * i));
  let extension: RtpHeaderExtension | null = null;
  if (hasExtension) {
    if (buf.length < at + 4) throw new RtpError('too-short', 'RTP packet too short for its header extension');
    const profile = buf.readUInt16BE(at);
    const words = buf.readUInt16BE(at + 2);
    if (buf.length < at + 4 + 4 * words) {
      throw new RtpError('too-short', `RTP header extension of ${words} words runs past the packet`);
    }
    extension = { profile, data: buf.subarray(at + 4, at + 4 + 4 * words) };
    at += 4 + 4 * words;
  }
  let end = buf.length;
  let padding = 0;
  if (hasPadding) {
    padding = buf[buf.length - 1];
    if (padding === 0 || padding > buf.length - at) {
      throw new RtpError('bad-padding', `RTP padding count ${padding} does not fit the ${buf.length - at} bytes left`);
    }
    end -= padding;
  }
  return {
    version: RTP_VERSION,
    marker,
    payloadType,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrc,
    extension,
    padding,
    payload: buf.subarray(at, end),
  };
}

/** RTP clock rates (RFC 3551 §4.5; G722 keeps 8000 for historical reasons; opus RFC 7587). */
const CLOCK_RATES: Readonly<Record<string, number>> = {
  PCMU: 8000,
  PCMA: 8000,
  G722: 8000,
  CN: 8000,
  'telephone-event': 8000,
  opus: 48000,
};

/** The RTP clock rate of a codec name, or undefined for a codec riptrunk does not carry. */
export function rtpClockRateOf(codec: string): number | undefined {
  return Object.hasOwn(CLOCK_RATES, codec) ? CLOCK_RATES[codec] : undefined;
}

function checkClockRate(clockRate: number): void {
  if (!Number.isInteger(clockRate) || clockRate <= 0) {
    throw new RangeError(`clock rate must be a positive integer, got ${clockRate}`);
  }
}

const TWO_16 = 0x10000;
const TWO_32 = 0x100000000;

/** A random 16-bit RTP sequence number, 32-bit timestamp and SSRC, as RFC 3550 §5.1 asks. */
export function randomRtpStart(): { sequenceNumber: number; timestamp: number; ssrc: number } {
  return { sequenceNumber: randomInt(TWO_16), timestamp: randomInt(TWO_32 - 1), ssrc: randomInt(TWO_32 - 1) };
}

/** Signed distance from `from` to `to` on a circle of `modulus` values. */
function wrapDelta(to: number, from: number, modulus: number): number {
  let d = (to - from) % modulus;
  if (d < 0) d += modulus;
  return d >= modulus / 2 ? d - modulus : d;
}

export interface FrameTiming {
  seq: number;
  ts: number;
}

export interface RtpToFrameOptions {
  /** RTP clock rate of the stream, Hz (8000 for PCMU/PCMA/G722, 48000 for opus). */
  clockRate: number;
  /** Wall clock in ms since the epoch, for the `ts` of the first frame (Date.now by default). */
  now?: () => number;
}

/**
 * Maps received RTP packets to RIPT frame seq/ts: the first packet becomes seq 0 with `ts` = its arrival time; later
 * ones follow its sequence number (wrap unrolled) and timestamp (in ms at the clock rate). A packet older than the
 * first one gets null (it has no frame seq). A new SSRC (the far end restarted its stream) continues the frame seq
 * after the highest one given and takes the arrival time as its `ts` base, never going back in time.
 */
export class RtpToFrameMapper {
  private readonly clockRate: number;
  private readonly now: () => number;
  private ssrc: number | null = null;
  /** Extended (unwrapped) seq and ts of the first packet of the current SSRC, and of the highest seq since. */
  private baseSeq = 0;
  private baseTs = 0;
  private highSeq = 0;
  private highTs = 0;
  /** Frame seq and ts given to the first packet of the current SSRC. */
  private frameSeqBase = 0;
  private frameTsBase = 0;
  private maxFrameSeq = -1;
  private maxFrameTs = 0;

  constructor(options: RtpToFrameOptions) {
    checkClockRate(options.clockRate);
    this.clockRate = options.clockRate;
    this.now = options.now ?? Date.now;
  }

  /** The frame seq/ts of an RTP packet, or null if it is older than the first packet of its SSRC. */
  map(packet: Pick<RtpPacket, 'sequenceNumber' | 'timestamp' | 'ssrc'>): FrameTiming | null {
    if (this.ssrc !== packet.ssrc) {
      this.ssrc = packet.ssrc;
      this.baseSeq = this.highSeq = packet.sequenceNumber;
      this.baseTs = this.highTs = packet.timestamp;
      this.frameSeqBase = this.maxFrameSeq + 1;
      this.frameTsBase = Math.max(Math.round(this.now()), this.maxFrameTs);
      return this.record(0, 0);
    }
    const extSeq = this.highSeq + wrapDelta(packet.sequenceNumber, this.highSeq % TWO_16, TWO_16);
    const extTs = this.highTs + wrapDelta(packet.timestamp, this.highTs % TWO_32, TWO_32);
    if (extSeq < this.baseSeq) return null;
    if (extSeq > this.highSeq) {
      this.highSeq = extSeq;
      this.highTs = extTs;
    }
    return this.record(extSeq - this.baseSeq, extTs - this.baseTs);
  }

  private record(seqOffset: number, tsOffset: number): FrameTiming {
    const seq = this.frameSeqBase + seqOffset;
    const ts = Math.max(0, this.frameTsBase + Math.round((tsOffset * 1000) / this.clockRate));
    if (seq > this.maxFrameSeq) this.maxFrameSeq = seq;
    if (ts > this.maxFrameTs) this.maxFrameTs = ts;
    return { seq, ts };
  }
}

export interface FrameToRtpOptions {
  clockRate: number;
  /** Initial RTP values (random by default, RFC 3550 §5.1). */
  sequenceNumber?: number;
  timestamp?: number;
  ssrc?: number;
}

export interface RtpTiming {
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
}

/**
 * Maps RIPT frames to RTP sequence numbers and timestamps: frame seq N becomes the initial sequence number + N
 * (mod 2^16), and frame ts becomes the initial timestamp + (ts − ts of the first frame) at the clock rate
 * (mod 2^32). Frames earlier than the first one map backwards the same way, so reordering survives.
 */
export class FrameToRtpMapper {
  readonly ssrc: number;
  readonly initialSequenceNumber: number;
  readonly initialTimestamp: number;
  private readonly clockRate: number;
  private firstFrameTs: number | null = null;

  constructor(options: FrameToRtpOptions) {
    checkClockRate(options.clockRate);
    const start = randomRtpStart();
    this.clockRate = options.clockRate;
    this.initialSequenceNumber = options.sequenceNumber ?? start.sequenceNumber;
    this.initialTimestamp = options.timestamp ?? start.timestamp;
    this.ssrc = options.ssrc ?? start.ssrc;
    checkUint('sequenceNumber', this.initialSequenceNumber, 0xffff);
    checkUint('timestamp', this.initialTimestamp, 0xffffffff);
    checkUint('ssrc', this.ssrc, 0xffffffff);
  }

  map(frame: FrameTiming): RtpTiming {
    if (!Number.isSafeInteger(frame.seq) || frame.seq < 0) throw new RangeError(`bad frame seq ${frame.seq}`);
    if (!Number.isSafeInteger(frame.ts) || frame.ts < 0) throw new RangeError(`bad frame ts ${frame.ts}`);
    if (this.firstFrameTs === null) this.firstFrameTs = frame.ts;
    const ticks = Math.round(((frame.ts - this.firstFrameTs) * this.clockRate) / 1000);
    let timestamp = (this.initialTimestamp + ticks) % TWO_32;
    if (timestamp < 0) timestamp += TWO_32;
    return {
      sequenceNumber: (this.initialSequenceNumber + frame.seq) % TWO_16,
      timestamp,
      ssrc: this.ssrc,
    };
  }
}
