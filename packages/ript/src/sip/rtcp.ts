/**
 * RTCP (RFC 3550 §6) for the gateway's RTP leg: sender and receiver reports with SDES CNAME in compound packets,
 * build and parse, and the receiver statistics a report block carries (A.1 sequence tracking, A.3 loss, A.8
 * interarrival jitter). Frame-level statistics of the RIPT side stay in stream-stats.ts (u64 seq, ms clock); these
 * are the RTP ones (16-bit wrapping seq, media clock), which is what the far end's RTCP expects.
 */

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
const SDES_CNAME = 1;
const REPORT_BLOCK_SIZE = 24;
/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
const NTP_UNIX_OFFSET = 2208988800;
const TWO_32 = 0x100000000;

export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the last report, 0..255 (fixed point /256). */
  fractionLost: number;
  /** Cumulative packets lost (24-bit signed: duplicates can make it negative). */
  cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | max seq). */
  highestSeq: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from this source (0 if none). */
  lsr: number;
  /** Delay since that SR, in 1/65536 s (0 if none). */
  dlsr: number;
}

export interface SenderInfo {
  /** Wall clock of the report, ms since the Unix epoch (written as NTP). */
  ntpMs: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export type RtcpPacket =
  | { type: 'sr'; ssrc: number; sender: SenderInfo; ntp: { msw: number; lsw: number }; reports: ReportBlock[] }
  | { type: 'rr'; ssrc: number; reports: ReportBlock[] }
  | { type: 'sdes'; chunks: { ssrc: number; cname?: string }[] }
  | { type: 'bye'; ssrcs: number[]; reason?: string }
  | { type: 'other'; packetType: number; count: number; body: Buffer };

export class RtcpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RtcpError';
  }
}

function checkU32(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= TWO_32) throw new RangeError(`${name} must be a u32, got ${v}`);
}

/** NTP timestamp (RFC 3550 §4) of a Unix ms time. */
export function ntpFromMs(ms: number): { msw: number; lsw: number } {
  const seconds = Math.floor(ms / 1000);
  const frac = ms - seconds * 1000;
  return { msw: (seconds + NTP_UNIX_OFFSET) % TWO_32, lsw: Math.floor((frac / 1000) * TWO_32) >>> 0 };
}

export function msFromNtp(msw: number, lsw: number): number {
  return (msw - NTP_UNIX_OFFSET) * 1000 + (lsw / TWO_32) * 1000;
}

/** The middle 32 bits of an NTP timestamp (the LSR of a report block). */
export function ntpMiddle32(ntp: { msw: number; lsw: number }): number {
  return (((ntp.msw & 0xffff) << 16) | (ntp.lsw >>> 16)) >>> 0;
}

function writeHeader(buf: Buffer, at: number, count: number, packetType: number, lengthBytes: number): void {
  buf[at] = 0x80 | count;
  buf[at + 1] = packetType;
  buf.writeUInt16BE(lengthBytes / 4 - 1, at + 2);
}

function writeReportBlock(buf: Buffer, at: number, r: ReportBlock): void {
  checkU32('report ssrc', r.ssrc);
  checkU32('highestSeq', r.highestSeq);
  checkU32('lsr', r.lsr);
  checkU32('dlsr', r.dlsr);
  buf.writeUInt32BE(r.ssrc, at);
  buf[at + 4] = Math.max(0, Math.min(255, Math.round(r.fractionLost)));
  const lost = Math.max(-0x800000, Math.min(0x7fffff, Math.round(r.cumulativeLost)));
  buf.writeIntBE(lost, at + 5, 3);
  buf.writeUInt32BE(r.highestSeq, at + 8);
  buf.writeUInt32BE(Math.max(0, Math.min(TWO_32 - 1, Math.round(r.jitter))), at + 12);
  buf.writeUInt32BE(r.lsr, at + 16);
  buf.writeUInt32BE(r.dlsr, at + 20);
}

function checkReports(reports: readonly ReportBlock[]): void {
  if (reports.length > 31) throw new RangeError(`at most 31 report blocks per packet, got ${reports.length}`);
}

/** A sender report (PT 200). */
export function encodeSenderReport(ssrc: number, sender: SenderInfo, reports: readonly ReportBlock[] = []): Buffer {
  checkU32('ssrc', ssrc);
  checkU32('rtpTimestamp', sender.rtpTimestamp);
  checkReports(reports);
  const buf = Buffer.alloc(28 + REPORT_BLOCK_SIZE * reports.length);
  writeHeader(buf, 0, reports.length, RTCP_SR, buf.length);
  buf.writeUInt32BE(ssrc, 4);
  const ntp = ntpFromMs(sender.ntpMs);
  buf.writeUInt32BE(ntp.msw, 8);
  buf.writeUInt32BE(ntp.lsw, 12);
  buf.writeUInt32BE(sender.rtpTimestamp, 16);
  buf.writeUInt32BE(sender.packetCount % TWO_32, 20);
  buf.writeUInt32BE(sender.octetCount % TWO_32, 24);
  reports.forEach((r, i) => writeReportBlock(buf, 28 + REPORT_BLOCK_SIZE * i, r));
  return buf;
}

/** A receiver report (PT 201). */
export function encodeReceiverReport(ssrc: number, reports: readonly ReportBlock[] = []): Buffer {
  checkU32('ssrc', ssrc);
  checkReports(reports);
  const buf = Buffer.alloc(8 + REPORT_BLOCK_SIZE * reports.length);
  writeHeader(buf, 0, reports.length, RTCP_RR, buf.length);
  buf.writeUInt32BE(ssrc, 4);
  reports.forEach((r, i) => writeReportBlock(buf, 8 + REPORT_BLOCK_SIZE * i, r));
  return buf;
}

/** An SDES packet with one CNAME chunk (PT 202). */
export function encodeSdesCname(ssrc: number, cname: string): Buffer {
  checkU32('ssrc', ssrc);
  const text = Buffer.from(cname, 'utf8');
  if (text.length === 0 || text.length > 255) throw new RangeError('CNAME must be 1..255 bytes');
  const chunk = 4 + 2 + text.length + 1; // ssrc, type+len, text, END
  const padded = Math.ceil(chunk / 4) * 4;
  const buf = Buffer.alloc(4 + padded);
  writeHeader(buf, 0, 1, RTCP_SDES, buf.length);
  buf.writeUInt32BE(ssrc, 4);
  buf[8] = SDES_CNAME;
  buf[9] = text.length;
  text.copy(buf, 10);
  return buf;
}

/** A BYE packet (PT 203). */
export function encodeBye(ssrcs: readonly number[], reason?: string): Buffer {
  if (ssrcs.length === 0 || ssrcs.length > 31) throw new RangeError('a BYE names 1..31 SSRCs');
  ssrcs.forEach((s) => checkU32('ssrc', s));
  const text = reason ? Buffer.from(reason, 'utf8') : null;
  if (text && text.length > 255) throw new RangeError('BYE reason is at most 255 bytes');
  const body = 4 * ssrcs.length + (text ? Math.ceil((1 + text.length) / 4) * 4 : 0);
  const buf = Buffer.alloc(4 + body);
  writeHeader(buf, 0, ssrcs.length, RTCP_BYE, buf.length);
  ssrcs.forEach((s, i) => buf.writeUInt32BE(s, 4 + 4 * i));
  if (text) {
    buf[4 + 4 * ssrcs.length] = text.length;
    text.copy(buf, 5 + 4 * ssrcs.length);
  }
  return buf;
}

/** A compound packet (RFC 3550 §6.1: a report first, then SDES with the CNAME). */
export function encodeCompound(packets: readonly Buffer[]): Buffer {
  return Buffer.concat(packets);
}

function readReportBlocks(body: Buffer, at: number, count: number): ReportBlock[] {
  const out: ReportBlock[] = [];
  for (let i = 0; i < count; i++) {
    const o = at + REPORT_BLOCK_SIZE * i;
    out.push({
      ssrc: body.readUInt32BE(o),
      fractionLost: body[o + 4],
      cumulativeLost: body.readIntBE(o + 5, 3),
      highestSeq: body.readUInt32BE(o + 8),
      jitter: body.readUInt32BE(o + 12),
      lsr: body.readUInt32BE(o + 16),
      dlsr: body.readUInt32BE(o + 20),
    });
  }
  return out;
}

function parseOne(packetType: number, count: number, body: Buffer): RtcpPacket {
  switch (packetType) {
    case RTCP_SR: {
      if (body.length < 24 + REPORT_BLOCK_SIZE * count) throw new RtcpError('SR shorter than its report blocks');
      const ntp = { msw: body.readUInt32BE(4), lsw: body.readUInt32BE(8) };
      return {
        type: 'sr',
        ssrc: body.readUInt32BE(0),
        ntp,
        sender: {
          ntpMs: msFromNtp(ntp.msw, ntp.lsw),
          rtpTimestamp: body.readUInt32BE(12),
          packetCount: body.readUInt32BE(16),
          octetCount: body.readUInt32BE(20),
        },
        reports: readReportBlocks(body, 24, count),
      };
    }
    case RTCP_RR:
      if (body.length < 4 + REPORT_BLOCK_SIZE * count) throw new RtcpError('RR shorter than its report blocks');
      return { type: 'rr', ssrc: body.readUInt32BE(0), reports: readReportBlocks(body, 4, count) };
    case RTCP_SDES: {
      const chunks: { ssrc: number; cname?: string }[] = [];
      let at = 0;
      for (let i = 0; i < count; i++) {
        if (at + 4 > body.length) throw new RtcpError('SDES shorter than its chunks');
        const chunk: { ssrc: number; cname?: string } = { ssrc: body.readUInt32BE(at) };
        at += 4;
        while (at < body.length && body[at] !== 0) {
          if (at + 2 > body.length || at + 2 + body[at + 1] > body.length) throw new RtcpError('SDES item runs past');
          if (body[at] === SDES_CNAME) chunk.cname = body.toString('utf8', at + 2, at + 2 + body[at + 1]);
          at += 2 + body[at + 1];
        }
        at = (Math.floor(at / 4) + 1) * 4; // END item and padding to the next 32-bit boundary
        chunks.push(chunk);
      }
      return { type: 'sdes', chunks };
    }
    case RTCP_BYE: {
      if (body.length < 4 * count) throw new RtcpError('BYE shorter than its SSRC list');
      const ssrcs = Array.from({ length: count }, (_, i) => body.readUInt32BE(4 * i));
      const at = 4 * count;
      if (body.length > at && body[at] > 0 && at + 1 + body[at] <= body.length) {
        return { type: 'bye', ssrcs, reason: body.toString('utf8', at + 1, at + 1 + body[at]) };
      }
      return { type: 'bye', ssrcs };
    }
    default:
      return { type: 'other', packetType, count, body };
  }
}

/**
 * Parses a compound RTCP packet (RFC 3550 §6.1 validity checks: version 2, the first packet an SR or RR, lengths
 * adding up to the datagram, padding only on the last one). Throws RtcpError.
 */
export function parseRtcp(input: Uint8Array): RtcpPacket[] {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (buf.length < 8 || buf.length % 4 !== 0) {
    throw new RtcpError(`RTCP packet of ${buf.length} bytes is not a whole number of 32-bit words (minimum 8)`);
  }
  const packets: RtcpPacket[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + 4 > buf.length) throw new RtcpError('RTCP header runs past the datagram');
    const version = buf[at] >> 6;
    if (version !== 2) throw new RtcpError(`RTCP version ${version}, expected 2`);
    const padding = (buf[at] & 0x20) !== 0;
    const count = buf[at] & 0x1f;
    const packetType = buf[at + 1];
    const size = (buf.readUInt16BE(at + 2) + 1) * 4;
    if (at + size > buf.length) throw new RtcpError(`RTCP packet of ${size} bytes runs past the datagram`);
    if (packets.length === 0 && packetType !== RTCP_SR && packetType !== RTCP_RR) {
      throw new RtcpError(`a compound RTCP packet starts with SR or RR, not type ${packetType}`);
    }
    let end = at + size;
    if (padding) {
      if (end !== buf.length) throw new RtcpError('only the last RTCP packet of a compound may be padded');
      const pad = buf[end - 1];
      if (pad === 0 || pad > size - 4) throw new RtcpError(`bad RTCP padding count ${pad}`);
      end -= pad;
    }
    packets.push(parseOne(packetType, count, buf.subarray(at + 4, end)));
    at += size;
  }
  return packets;
}

/**
 * Receive statistics of one RTP source (RFC 3550 A.1, A.3, A.8) for the report blocks we send, and the LSR/DLSR of
 * its last sender report. `clockRate` converts arrival times to timestamp units for the jitter.
 */
export class RtpReceiverStats {
  readonly ssrc: number;
  private readonly clockRate: number;
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit: number | null = null;
  /** Interarrival jitter, timestamp units (RFC 3550 A.8, not yet rounded). */
  jitter = 0;
  private lastSr: { middle: number; arrivalMs: number } | null = null;
  private started = false;

  constructor(ssrc: number, clockRate: number) {
    checkU32('ssrc', ssrc);
    if (!Number.isInteger(clockRate) || clockRate <= 0) throw new RangeError(`bad clock rate ${clockRate}`);
    this.ssrc = ssrc;
    this.clockRate = clockRate;
  }

  /** Records an RTP packet of this source that arrived at `arrivalMs`. */
  record(sequenceNumber: number, timestamp: number, arrivalMs: number): void {
    if (!this.started) {
      this.started = true;
      this.baseSeq = sequenceNumber;
      this.maxSeq = sequenceNumber;
    } else {
      const delta = (sequenceNumber - this.maxSeq + 0x10000) % 0x10000;
      if (delta > 0 && delta < 0x8000) {
        if (sequenceNumber < this.maxSeq) this.cycles += 0x10000; // wrapped
        this.maxSeq = sequenceNumber;
      }
    }
    this.received++;
    // A.8: transit in timestamp units; jitter += (|D| - jitter) / 16
    const arrival = (arrivalMs * this.clockRate) / 1000;
    const transit = arrival - timestamp;
    if (this.transit !== null) {
      let d = Math.abs(transit - this.transit);
      // a 32-bit timestamp wrap between two packets is not jitter
      if (d > TWO_32 / 2) d = Math.abs(d - TWO_32);
      this.jitter += (d - this.jitter) / 16;
    }
    this.transit = transit;
  }

  /** Records a sender report of this source (for LSR/DLSR). */
  recordSenderReport(ntp: { msw: number; lsw: number }, arrivalMs: number): void {
    this.lastSr = { middle: ntpMiddle32(ntp), arrivalMs };
  }

  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }

  get expected(): number {
    return this.started ? this.extendedHighestSeq - this.baseSeq + 1 : 0;
  }

  get packetsReceived(): number {
    return this.received;
  }

  /** Cumulative lost (A.3): expected − received, negative with duplicates. */
  get cumulativeLost(): number {
    return this.expected - this.received;
  }

  /** The report block for now; moves the interval used for the fraction lost. */
  reportBlock(nowMs: number): ReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    return {
      ssrc: this.ssrc,
      fractionLost,
      cumulativeLost: this.cumulativeLost,
      highestSeq: this.extendedHighestSeq % TWO_32,
      jitter: Math.floor(this.jitter),
      lsr: this.lastSr?.middle ?? 0,
      dlsr: this.lastSr ? Math.max(0, Math.round(((nowMs - this.lastSr.arrivalMs) / 1000) * 65536)) % TWO_32 : 0,
    };
  }
}

/** Round-trip time (ms) from a report block about our stream (RFC 3550 §6.4.1), or null without LSR. */
export function roundTripMs(block: ReportBlock, arrivalMs: number): number | null {
  if (block.lsr === 0) return null;
  const a = ntpMiddle32(ntpFromMs(arrivalMs));
  const rtt = (a - block.lsr - block.dlsr + TWO_32) % TWO_32;
  return (rtt / 65536) * 1000;
}
