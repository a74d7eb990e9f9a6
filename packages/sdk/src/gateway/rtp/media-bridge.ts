/**
 * The gateway's media path for one call: RTP packets of the SIP leg ⇄ RIPT media frames (profile §10).
 * - Payloads pass unchanged both ways (no transcoding): the RTP leg runs the directive's codec, RFC 4733 packets
 *   become `telephone-event` frames and back, CN becomes CN.
 * - Numbering is mapped, not renumbered (rtp.ts): RTP loss and reordering show as frame seq gaps and reorders, so
 *   the far end's stats see them; the frame sender gets the explicit seq/ts (`sendFrame(..., seq)`).
 * - Payload types are the negotiated ones of the SDP (a far end's telephone-event may be 96..127, not 101).
 * The RTP timestamps of telephone-event and CN follow the media codec's clock (one RTP stream, one clock).
 */
import { codecNameOf, codecNumberOf, isMediaCodec, type Directive, type MediaFrame } from '@riptrunk/ript';
import {
  decodeTelephoneEvents,
  FrameToRtpMapper,
  RtpToFrameMapper,
  type RtpPacket,
  type SdpCodec,
} from '@riptrunk/ript/sip';
import type { RiptCall } from '../../call.js';
import type { InboundCall } from '../../inbound/inbound-call.js';
import type { RtpEndpoint } from './rtp-endpoint.js';

/** The RIPT side of a call as the bridge needs it; adapters below for the SDK's two call classes. */
export interface RiptMediaSide {
  /** Sends a media frame on `directive` with an explicit seq and ts. */
  sendFrame(directive: Directive, payload: Uint8Array, ts: number, seq: number): void;
  /** Subscribes to the media frames received from RIPT; returns the unsubscribe. */
  onFrame(listener: (frame: MediaFrame) => void): () => void;
}

/** A call the gateway serves on its consumer TG (the edge called it): it sends on its server directives. */
export function inboundCallMedia(call: InboundCall): RiptMediaSide {
  return {
    sendFrame: (directive, payload, ts, seq) => void call.sendFrame(payload, ts, directive, seq),
    onFrame: (listener) => call.onFrame(listener),
  };
}

/** A call the gateway placed on its provider TG: it sends on its client directives. */
export function riptCallMedia(call: RiptCall): RiptMediaSide {
  return {
    sendFrame: (directive, payload, ts, seq) => call.sendFrame(directive, payload, ts, seq),
    onFrame: (listener) => {
      call.onFrame(listener);
      return () => call.onFrame(() => undefined);
    },
  };
}

export interface MediaBridgeOptions {
  endpoint: RtpEndpoint;
  ript: RiptMediaSide;
  /** The RTP leg's negotiated codecs (SDP answer plan or the far end's answer): payload types and clock rates. */
  rtpCodecs: readonly SdpCodec[];
  /** What we send to RIPT: the media directive, and telephone-event / CN directives on the same pair. */
  sendDirectives: readonly Directive[];
  /** Which frames we take from RIPT (source/sink pairs); by default the first pair that sends. */
  receiveDirectives?: readonly Directive[];
  /** Wall clock for the ts of the first frame (Date.now). */
  now?: () => number;
}

export interface MediaBridgeCounts {
  rtpToRipt: number;
  riptToRtp: number;
  /** RTP with a payload type the SDP did not negotiate, or of a codec the directives do not carry. */
  droppedUnknownPt: number;
  /** RTP older than the first packet (no frame seq for it). */
  droppedStale: number;
  /** RFC 4733 payloads that do not parse. */
  droppedBadPayload: number;
  /** Frames of a codec the RTP leg did not negotiate, or of another source/sink pair. */
  droppedFrames: number;
  /** Frames with nowhere to send them yet (no remote RTP address). */
  unsentFrames: number;
}

/** Bridges one RtpEndpoint and one RIPT call; `close()` unhooks it (the endpoint and call are the caller's). */
export class MediaBridge {
  readonly counts: MediaBridgeCounts = {
    rtpToRipt: 0,
    riptToRtp: 0,
    droppedUnknownPt: 0,
    droppedStale: 0,
    droppedBadPayload: 0,
    droppedFrames: 0,
    unsentFrames: 0,
  };
  /** The media codec the call runs on. */
  readonly codec: string;
  private readonly endpoint: RtpEndpoint;
  private readonly ript: RiptMediaSide;
  private readonly directiveByPt = new Map<number, Directive>();
  private readonly ptByCodec = new Map<number, number>();
  private readonly receivePairs: Set<string> | null;
  private lockedPair: string | null = null;
  private readonly fromRtp: RtpToFrameMapper;
  private readonly toRtp: FrameToRtpMapper;
  private readonly onRtp = (packet: RtpPacket) => this.rtpIn(packet);
  private readonly unsubscribe: () => void;
  private talkspurt = true;
  private lastEventTs: number | null = null;
  private closed = false;

  constructor(options: MediaBridgeOptions) {
    const media = options.sendDirectives.find((d) => isMediaCodec(d.codec));
    if (!media) throw new RangeError('the bridge needs a media directive to send on');
    const rtpMedia = options.rtpCodecs.find((c) => c.name === media.codec);
    if (!rtpMedia) {
      throw new RangeError(
        `the RTP leg does not run ${media.codec} (negotiated: ${options.rtpCodecs.map((c) => c.name).join(', ')})`,
      );
    }
    this.codec = media.codec;
    for (const c of options.rtpCodecs) {
      const directive = options.sendDirectives.find(
        (d) => d.codec === c.name && d.source === media.source && d.sink === media.sink,
      );
      if (directive) this.directiveByPt.set(c.payloadType, directive);
      const frameCodec = codecNumberOf(c.name);
      if (frameCodec !== undefined && !this.ptByCodec.has(frameCodec)) this.ptByCodec.set(frameCodec, c.payloadType);
    }
    this.receivePairs = options.receiveDirectives
      ? new Set(options.receiveDirectives.map((d) => `${d.source}:${d.sink}`))
      : null;
    this.endpoint = options.endpoint;
    this.ript = options.ript;
    this.fromRtp = new RtpToFrameMapper({ clockRate: rtpMedia.clockRate, now: options.now });
    this.toRtp = new FrameToRtpMapper({ clockRate: rtpMedia.clockRate, ssrc: options.endpoint.ssrc });
    this.endpoint.on('rtp', this.onRtp);
    this.unsubscribe = this.ript.onFrame((frame) => this.frameIn(frame));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.endpoint.off('rtp', this.onRtp);
    this.unsubscribe();
  }

  private rtpIn(packet: RtpPacket): void {
    const directive = this.directiveByPt.get(packet.payloadType);
    if (!directive) {
      this.counts.droppedUnknownPt++;
      return;
    }
    if (directive.codec === 'telephone-event') {
      try {
        decodeTelephoneEvents(packet.payload);
      } catch {
        this.counts.droppedBadPayload++;
        return;
      }
    }
    const timing = this.fromRtp.map(packet);
    if (!timing) {
      this.counts.droppedStale++;
      return;
    }
    this.ript.sendFrame(directive, packet.payload, timing.ts, timing.seq);
    this.counts.rtpToRipt++;
  }

  private frameIn(frame: MediaFrame): void {
    if (this.closed) return;
    const pair = `${frame.source}:${frame.sink}`;
    if (this.receivePairs ? !this.receivePairs.has(pair) : (this.lockedPair ??= pair) !== pair) {
      this.counts.droppedFrames++;
      return;
    }
    const payloadType = this.ptByCodec.get(frame.codec);
    if (payloadType === undefined) {
      this.counts.droppedFrames++;
      return;
    }
    const name = codecNameOf(frame.codec);
    let marker = false;
    if (name === 'telephone-event') {
      marker = frame.ts !== this.lastEventTs; // first packet of an event (RFC 4733 §2.5.1.1)
      this.lastEventTs = frame.ts;
    } else if (name === 'CN') {
      this.talkspurt = true;
    } else {
      marker = this.talkspurt; // first packet of a talkspurt (RFC 3551 §4.1)
      this.talkspurt = false;
    }
    const timing = this.toRtp.map(frame);
    const sent = this.endpoint.send({
      payloadType,
      sequenceNumber: timing.sequenceNumber,
      timestamp: timing.timestamp,
      marker,
      payload: frame.payload,
    });
    if (sent) this.counts.riptToRtp++;
    else this.counts.unsentFrames++;
  }
}
