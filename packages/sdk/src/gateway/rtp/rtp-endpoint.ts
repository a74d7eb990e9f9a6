/**
 * One call's RTP/RTCP endpoint on the gateway's SIP side: a UDP socket pair bound on a pair of the port pool (or
 * ephemeral ports without a pool), with
 * - symmetric RTP (RFC 4961 / "latching"): until a packet arrives, RTP and RTCP go to the address in the far end's
 *   SDP; the first well-formed RTP packet latches the source address and SSRC, after which packets from another
 *   address or SSRC are dropped (a new SDP from the far end, `setRemote`, unlatches);
 * - packets that do not parse dropped and counted, never thrown;
 * - RTCP: a report every 5 s (SR while we send, RR otherwise, with a report block about the far end and an SDES
 *   CNAME), incoming reports parsed (also multiplexed on the RTP port, RFC 5761);
 * - a `media-timeout` event when no RTP arrived for the armed timeout.
 */
import { randomUUID } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import {
  decodeRtp,
  encodeBye,
  encodeCompound,
  encodeReceiverReport,
  encodeRtp,
  encodeSdesCname,
  encodeSenderReport,
  parseRtcp,
  randomRtpStart,
  RtpError,
  roundTripMs,
  RtpReceiverStats,
  type ReportBlock,
  type RtcpPacket,
  type RtpPacket,
  type RtpPacketFields,
} from '@riptrunk/ript/sip';
import { PortPoolExhaustedError, type PortLease, type PortPool } from './port-pool.js';

export const DEFAULT_RTCP_INTERVAL_MS = 5000;
/** Pairs tried when a leased pair turns out to be taken by another process. */
const BIND_ATTEMPTS = 8;

export interface RtpEndpointOptions {
  /** Where the ports come from; without one both sockets take ephemeral ports (tests, a=rtcp in the SDP). */
  pool?: PortPool;
  /** Local address to bind (default 0.0.0.0; an IPv6 address binds udp6). */
  bindAddress?: string;
  /** RTP clock rate of the stream (RTCP jitter units and SR timestamps). */
  clockRate: number;
  /** Our SSRC (random by default). */
  ssrc?: number;
  /** SDES CNAME (a random one by default). */
  cname?: string;
  rtcpIntervalMs?: number;
  /** No RTP for this long → `media-timeout` (0 = off, the default; arm it with setMediaTimeout once answered). */
  mediaTimeoutMs?: number;
  now?: () => number;
}

export interface RemoteAddress {
  address: string;
  port: number;
}

export interface RtpEndpointCounts {
  rtpReceived: number;
  rtpOctetsReceived: number;
  rtpSent: number;
  rtpOctetsSent: number;
  /** Send attempts with nowhere to send yet (no SDP address, nothing latched). */
  rtpUnsent: number;
  droppedMalformed: number;
  droppedWrongSsrc: number;
  droppedWrongSource: number;
  rtcpReceived: number;
  rtcpSent: number;
  rtcpMalformed: number;
  /** Socket errors (sends that failed); also emitted as `error` when someone listens. */
  socketErrors: number;
}

/** What the far end last reported about our stream (a report block of its SR/RR with our SSRC). */
export interface FarEndReport extends ReportBlock {
  receivedAt: number;
  /** Round trip from LSR/DLSR (RFC 3550 §6.4.1), ms, or null before it has one of our SRs. */
  roundTripMs: number | null;
}

export interface RtpEndpointEvents {
  rtp: [packet: RtpPacket, from: RemoteAddress];
  rtcp: [packets: RtcpPacket[], from: RemoteAddress];
  'media-timeout': [silentMs: number];
  error: [error: Error];
}

function bindSocket(socket: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

export class RtpEndpoint extends EventEmitter<RtpEndpointEvents> {
  readonly ssrc: number;
  readonly cname: string;
  readonly counts: RtpEndpointCounts = {
    rtpReceived: 0,
    rtpOctetsReceived: 0,
    rtpSent: 0,
    rtpOctetsSent: 0,
    rtpUnsent: 0,
    droppedMalformed: 0,
    droppedWrongSsrc: 0,
    droppedWrongSource: 0,
    rtcpReceived: 0,
    rtcpSent: 0,
    rtcpMalformed: 0,
    socketErrors: 0,
  };
  /** The far end's last report about our stream (null until one arrives). */
  farEndReport: FarEndReport | null = null;
  /** Receive statistics of the latched far-end source (null before the first packet). */
  remoteStats: RtpReceiverStats | null = null;

  private remoteRtp: RemoteAddress | null = null;
  private remoteRtcp: RemoteAddress | null = null;
  private latchedRtp: RemoteAddress | null = null;
  private latchedRtcp: RemoteAddress | null = null;
  private latchedSsrc: number | null = null;
  private readonly clockRate: number;
  private readonly now: () => number;
  private readonly rtcpTimer: NodeJS.Timeout;
  private mediaTimer: NodeJS.Timeout | null = null;
  private mediaTimeoutMs = 0;
  private lastRtpAt: number;
  private sentSinceReport = false;
  private lastSentRtpTs: { timestamp: number; at: number } | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly rtpSocket: Socket,
    private readonly rtcpSocket: Socket,
    private readonly lease: PortLease | null,
    options: RtpEndpointOptions,
  ) {
    super();
    this.clockRate = options.clockRate;
    this.now = options.now ?? Date.now;
    this.ssrc = options.ssrc ?? randomRtpStart().ssrc;
    this.cname = options.cname ?? `${randomUUID()}@riptrunk`;
    this.lastRtpAt = this.now();
    rtpSocket.on('message', (msg, rinfo) => this.onRtp(msg, rinfo));
    rtcpSocket.on('message', (msg, rinfo) => this.onRtcp(msg, rinfo));
    for (const s of [rtpSocket, rtcpSocket]) s.on('error', (err) => this.socketError(err));
    this.rtcpTimer = setInterval(() => void this.report(), options.rtcpIntervalMs ?? DEFAULT_RTCP_INTERVAL_MS);
    this.rtcpTimer.unref();
    if (options.mediaTimeoutMs) this.setMediaTimeout(options.mediaTimeoutMs);
  }

  /** Binds a socket pair (on a pool pair, trying the next one when a pair is taken by another process). */
  static async open(options: RtpEndpointOptions): Promise<RtpEndpoint> {
    if (!Number.isInteger(options.clockRate) || options.clockRate <= 0) {
      throw new RangeError(`clock rate must be a positive integer, got ${options.clockRate}`);
    }
    const address = options.bindAddress ?? '0.0.0.0';
    const family = isIP(address);
    if (family === 0) throw new RangeError(`bind address must be an IP address, got '${address}'`);
    const type = family === 6 ? 'udp6' : 'udp4';
    if (!options.pool) {
      const rtp = createSocket(type);
      const rtcp = createSocket(type);
      try {
        await bindSocket(rtp, 0, address);
        await bindSocket(rtcp, 0, address);
      } catch (err) {
        await Promise.all([closeSocket(rtp), closeSocket(rtcp)]);
        throw err;
      }
      return new RtpEndpoint(rtp, rtcp, null, options);
    }
    const taken: PortLease[] = [];
    try {
      for (let attempt = 0; attempt < Math.min(BIND_ATTEMPTS, options.pool.capacity); attempt++) {
        const lease = options.pool.allocate();
        const rtp = createSocket(type);
        const rtcp = createSocket(type);
        try {
          await bindSocket(rtp, lease.rtpPort, address);
          await bindSocket(rtcp, lease.rtcpPort, address);
          return new RtpEndpoint(rtp, rtcp, lease, options);
        } catch (err) {
          await Promise.all([closeSocket(rtp), closeSocket(rtcp)]);
          if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
            lease.release();
            throw err;
          }
          taken.push(lease); // held until we are done, so that the next allocate moves on
        }
      }
      throw new PortPoolExhaustedError(options.pool.range, options.pool.capacity, taken.length);
    } finally {
      for (const lease of taken) lease.release();
    }
  }

  get rtpPort(): number {
    return this.rtpSocket.address().port;
  }

  get rtcpPort(): number {
    return this.rtcpSocket.address().port;
  }

  get localAddress(): string {
    return this.rtpSocket.address().address;
  }

  /** Where RTP goes now: the latched source, else the SDP address, else null. */
  get rtpDestination(): RemoteAddress | null {
    return this.latchedRtp ?? this.remoteRtp;
  }

  get isLatched(): boolean {
    return this.latchedRtp !== null;
  }

  /** The far end's address from its SDP (a new offer/answer unlatches, so a moved far end is followed). */
  setRemote(address: string, rtpPort: number, rtcpPort: number = rtpPort + 1): void {
    if (isIP(address) === 0) throw new RangeError(`remote RTP address must be an IP address, got '${address}'`);
    for (const p of [rtpPort, rtcpPort]) {
      if (!Number.isInteger(p) || p < 1 || p > 65535) throw new RangeError(`remote port must be 1..65535, got ${p}`);
    }
    this.remoteRtp = { address, port: rtpPort };
    this.remoteRtcp = { address, port: rtcpPort };
    this.latchedRtp = null;
    this.latchedRtcp = null;
    this.latchedSsrc = null;
  }

  /** (Re)arms the media timeout from now; 0 turns it off (e.g. while the far end holds the call). */
  setMediaTimeout(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`media timeout must be >= 0 ms, got ${ms}`);
    this.mediaTimeoutMs = ms;
    this.lastRtpAt = this.now();
    if (this.mediaTimer) clearInterval(this.mediaTimer);
    this.mediaTimer = null;
    if (ms === 0 || this.closed) return;
    this.mediaTimer = setInterval(() => this.checkMediaTimeout(), Math.max(10, Math.min(1000, Math.floor(ms / 4))));
    this.mediaTimer.unref();
  }

  /** Sends one RTP packet with our SSRC; false when there is nowhere to send it yet or the endpoint is closed. */
  send(packet: Omit<RtpPacketFields, 'ssrc'>): boolean {
    const to = this.rtpDestination;
    if (this.closed) return false;
    if (!to) {
      this.counts.rtpUnsent++;
      return false;
    }
    const bytes = encodeRtp({ ...packet, ssrc: this.ssrc });
    this.rtpSocket.send(bytes, to.port, to.address);
    this.counts.rtpSent++;
    this.counts.rtpOctetsSent += packet.payload.length;
    this.sentSinceReport = true;
    this.lastSentRtpTs = { timestamp: packet.timestamp, at: this.now() };
    return true;
  }

  /** Sends an RTCP report now (also done every interval); false when there is nowhere to send it. */
  sendReport(bye?: string): boolean {
    return this.report(bye) !== null;
  }

  /** Sends a report; the promise settles once the datagram left (null if nothing was sent). */
  private report(bye?: string): Promise<void> | null {
    const to = this.latchedRtcp ?? this.remoteRtcp;
    if (this.closed || !to) return null;
    const now = this.now();
    const blocks = this.remoteStats ? [this.remoteStats.reportBlock(now)] : [];
    const report =
      this.sentSinceReport && this.lastSentRtpTs
        ? encodeSenderReport(
            this.ssrc,
            {
              ntpMs: now,
              // the RTP timestamp that corresponds to the NTP time (RFC 3550 §6.4.1)
              rtpTimestamp:
                (this.lastSentRtpTs.timestamp +
                  Math.round(((now - this.lastSentRtpTs.at) * this.clockRate) / 1000) +
                  0x100000000) %
                0x100000000,
              packetCount: this.counts.rtpSent,
              octetCount: this.counts.rtpOctetsSent,
            },
            blocks,
          )
        : encodeReceiverReport(this.ssrc, blocks);
    this.sentSinceReport = false;
    const parts = [report, encodeSdesCname(this.ssrc, this.cname)];
    if (bye !== undefined) parts.push(encodeBye([this.ssrc], bye || undefined));
    this.counts.rtcpSent++;
    return new Promise((resolve) => this.rtcpSocket.send(encodeCompound(parts), to.port, to.address, () => resolve()));
  }

  /** Sends a last report with BYE, closes both sockets and returns the ports to the pool. */
  close(reason = ''): Promise<void> {
    this.closing ??= this.shutdown(reason);
    return this.closing;
  }

  private async shutdown(reason: string): Promise<void> {
    try {
      await this.report(reason);
    } catch {
      // a socket error on the way out does not keep the ports
    }
    this.closed = true;
    clearInterval(this.rtcpTimer);
    if (this.mediaTimer) clearInterval(this.mediaTimer);
    await Promise.all([closeSocket(this.rtpSocket), closeSocket(this.rtcpSocket)]);
    this.lease?.release();
  }

  private onRtp(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    let packet: RtpPacket;
    try {
      packet = decodeRtp(msg);
    } catch (err) {
      if (err instanceof RtpError && err.code === 'rtcp') {
        this.onRtcp(msg, rinfo); // RFC 5761 multiplexing
        return;
      }
      this.counts.droppedMalformed++;
      return;
    }
    const from = { address: rinfo.address, port: rinfo.port };
    if (this.latchedRtp === null) {
      this.latchedRtp = from;
      this.latchedSsrc = packet.ssrc;
      this.remoteStats = new RtpReceiverStats(packet.ssrc, this.clockRate);
    } else if (this.latchedRtp.address !== from.address || this.latchedRtp.port !== from.port) {
      this.counts.droppedWrongSource++;
      return;
    } else if (packet.ssrc !== this.latchedSsrc) {
      this.counts.droppedWrongSsrc++;
      return;
    }
    const now = this.now();
    this.lastRtpAt = now;
    this.counts.rtpReceived++;
    this.counts.rtpOctetsReceived += packet.payload.length;
    this.remoteStats!.record(packet.sequenceNumber, packet.timestamp, now);
    this.emit('rtp', packet, from);
  }

  private onRtcp(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    let packets: RtcpPacket[];
    try {
      packets = parseRtcp(msg);
    } catch {
      this.counts.rtcpMalformed++;
      return;
    }
    const from = { address: rinfo.address, port: rinfo.port };
    // RTCP latches to where the far end's reports come from, if that is the latched RTP host
    if (this.latchedRtp && this.latchedRtp.address === from.address) this.latchedRtcp = from;
    this.counts.rtcpReceived++;
    const now = this.now();
    for (const p of packets) {
      if (p.type === 'sr' && this.remoteStats && p.ssrc === this.remoteStats.ssrc) {
        this.remoteStats.recordSenderReport(p.ntp, now);
      }
      if (p.type === 'sr' || p.type === 'rr') {
        const ours = p.reports.find((r) => r.ssrc === this.ssrc);
        if (ours) this.farEndReport = { ...ours, receivedAt: now, roundTripMs: roundTripMs(ours, now) };
      }
    }
    this.emit('rtcp', packets, from);
  }

  /** A socket error never takes the process down: counted, and emitted only to a listener. */
  private socketError(err: Error): void {
    this.counts.socketErrors++;
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private checkMediaTimeout(): void {
    if (this.closed || this.mediaTimeoutMs === 0) return;
    const silent = this.now() - this.lastRtpAt;
    if (silent < this.mediaTimeoutMs) return;
    if (this.mediaTimer) clearInterval(this.mediaTimer);
    this.mediaTimer = null;
    this.emit('media-timeout', silent);
  }
}
