/**
 * SDP (RFC 4566, offer/answer RFC 3264) for the gateway's SIP leg, on top of `sdp-transform`: build an offer or
 * answer from RIPT codecs, parse the far end's audio stream, negotiate an answer to an offer, and map SDP codecs to a
 * RIPT advertisement and back. Payloads pass unchanged (no transcoding), so an answer keeps exactly one media codec
 * (plus telephone-event and CN when both sides have them), with the offer's payload type numbers.
 * Payload types riptrunk offers are the frame codec numbers of profile §7: PCMU 0, PCMA 8, G722 9, CN 13,
 * telephone-event 101 (rtpmap telephone-event/8000, fmtp 0-16), opus 111 (opus/48000/2).
 */
import { isIP } from 'node:net';
import * as sdpTransform from 'sdp-transform';
import {
  DEFAULT_PTIME,
  entriesOf,
  formatAdvertisement,
  parseAdvertisement,
  type Advertisement,
  type CodecSpec,
  type MediaDirection,
} from '../advertisement.js';
import { CODEC_NUMBERS, isKnownCodec, isMediaCodec, isSecondaryCodec, type KnownCodec } from '../codecs.js';
import type { Directive } from '../directives.js';

export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
export const SDP_DIRECTIONS: readonly SdpDirection[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

export interface SdpCodec {
  /** Canonical riptrunk name (PCMU, PCMA, G722, CN, telephone-event, opus) or the encoding name as received. */
  name: string;
  payloadType: number;
  clockRate: number;
  channels: number;
  /** The a=fmtp parameters, as written. */
  fmtp?: string;
}

/** The audio stream of an SDP body, as far as the gateway needs it. */
export interface SdpMedia {
  address: string;
  port: number;
  /** RTCP port: a=rtcp (RFC 3605) or port + 1. */
  rtcpPort: number;
  /** In the m= line's order (the sender's preference). */
  codecs: SdpCodec[];
  /** a=ptime, or 20 when absent. */
  ptime: number;
  direction: SdpDirection;
  /** Payload type of telephone-event (RFC 4733) at the stream's clock rate, or null. */
  telephoneEventPt: number | null;
  /** The session version of o=, to tell a re-INVITE with a changed SDP from a session refresh. */
  sessionVersion: number;
}

export type SdpErrorCode =
  | 'malformed' // not SDP, or a required line (v=, o=, m=, c=) is missing or broken
  | 'no-audio' // no audio stream, or the audio stream is rejected (port 0)
  | 'unsupported-transport' // the audio stream is not RTP/AVP (e.g. SRTP, which the gateway does not terminate)
  | 'no-common-codec'; // negotiation found no media codec both sides accept

/** A bad or unusable SDP body; `sipStatus` is what a UAS answers to an INVITE carrying it. */
export class SdpError extends Error {
  readonly code: SdpErrorCode;
  constructor(code: SdpErrorCode, message: string) {
    super(message);
    this.name = 'SdpError';
    this.code = code;
  }

  /** 400 Bad Request for a malformed body, 488 Not Acceptable Here otherwise (RFC 3261 §21.4.26). */
  get sipStatus(): 400 | 488 {
    return this.code === 'malformed' ? 400 : 488;
  }
}

interface CodecShape {
  clockRate: number;
  channels: number;
  fmtp?: string;
}

/** What riptrunk writes in a=rtpmap / a=fmtp for its codecs. */
const CODEC_SHAPES: Readonly<Record<KnownCodec, CodecShape>> = {
  PCMU: { clockRate: 8000, channels: 1 },
  PCMA: { clockRate: 8000, channels: 1 },
  G722: { clockRate: 8000, channels: 1 },
  CN: { clockRate: 8000, channels: 1 },
  'telephone-event': { clockRate: 8000, channels: 1, fmtp: '0-16' },
  opus: { clockRate: 48000, channels: 2 },
};

/** Static payload types of RFC 3551 §6 that may come without a=rtpmap. */
const STATIC_PAYLOAD_TYPES: Readonly<Record<number, { name: string; clockRate: number }>> = {
  0: { name: 'PCMU', clockRate: 8000 },
  3: { name: 'GSM', clockRate: 8000 },
  4: { name: 'G723', clockRate: 8000 },
  8: { name: 'PCMA', clockRate: 8000 },
  9: { name: 'G722', clockRate: 8000 },
  13: { name: 'CN', clockRate: 8000 },
  18: { name: 'G729', clockRate: 8000 },
};

const CANONICAL_BY_LOWER = new Map<string, KnownCodec>(
  (Object.keys(CODEC_NUMBERS) as KnownCodec[]).map((name) => [name.toLowerCase(), name]),
);

/**
 * Encoding names are case-insensitive (RFC 4855 §3): the riptrunk name for a received one, else as received (with
 * rate and channels when the name is ours but the format is not).
 */
function canonicalName(encoding: string, clockRate: number, channels: number): string {
  const known = CANONICAL_BY_LOWER.get(encoding.toLowerCase());
  if (!known) return encoding;
  const shape = CODEC_SHAPES[known];
  // opus is always opus/48000/2 (RFC 7587); telephone-event may run at any clock (RFC 4733 §2.4.1)
  if (known === 'telephone-event') return known;
  // at another clock rate or channel count it is a different format: named so that it never passes for ours
  if (clockRate !== shape.clockRate || (known !== 'opus' && channels !== 1))
    return `${encoding}/${clockRate}/${channels}`;
  return known;
}

/** A codec as riptrunk writes it, with the frame codec number as payload type unless given. */
export function sdpCodecOf(name: KnownCodec, payloadType: number = CODEC_NUMBERS[name]): SdpCodec {
  const shape = CODEC_SHAPES[name];
  return {
    name,
    payloadType,
    clockRate: shape.clockRate,
    channels: shape.channels,
    ...(shape.fmtp ? { fmtp: shape.fmtp } : {}),
  };
}

export interface BuildSdpOptions {
  /** Our RTP address (c= and o=), IPv4 or IPv6. */
  address: string;
  /** Our RTP port (even; RTCP on port + 1). 0 rejects the stream. */
  port: number;
  /** Our RTCP port when it is not port + 1 (written as a=rtcp, RFC 3605). */
  rtcpPort?: number;
  /** Codecs in our preference: riptrunk names (default payload types) or negotiated SdpCodecs. */
  codecs: readonly (KnownCodec | SdpCodec)[];
  ptime?: number;
  direction?: SdpDirection;
  /** o= session id and version: keep the id and bump the version for each new offer in a dialog (RFC 3264 §8). */
  sessionId?: string;
  sessionVersion?: number;
  username?: string;
}

function ipVersionOf(address: string): 4 | 6 {
  const v = isIP(address);
  if (v === 0) throw new RangeError(`SDP address must be an IPv4 or IPv6 address, got '${address}'`);
  return v as 4 | 6;
}

/** Writes an SDP offer or answer with one audio stream. */
export function buildSdp(options: BuildSdpOptions): string {
  const ipVer = ipVersionOf(options.address);
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new RangeError(`SDP port must be 0..65535, got ${options.port}`);
  }
  if (options.codecs.length === 0) throw new RangeError('an SDP audio stream needs at least one codec');
  const codecs = options.codecs.map((c) => (typeof c === 'string' ? sdpCodecOf(c) : c));
  const pts = new Set<number>();
  for (const c of codecs) {
    if (!Number.isInteger(c.payloadType) || c.payloadType < 0 || c.payloadType > 127) {
      throw new RangeError(`payload type of ${c.name} must be 0..127, got ${c.payloadType}`);
    }
    if (pts.has(c.payloadType)) throw new RangeError(`payload type ${c.payloadType} used twice`);
    pts.add(c.payloadType);
  }
  const rtcpPort = options.rtcpPort;
  if (rtcpPort !== undefined && (!Number.isInteger(rtcpPort) || rtcpPort < 1 || rtcpPort > 65535)) {
    throw new RangeError(`SDP RTCP port must be 1..65535, got ${rtcpPort}`);
  }
  const ptime = options.ptime ?? DEFAULT_PTIME;
  if (!Number.isInteger(ptime) || ptime <= 0) throw new RangeError(`ptime must be a positive integer, got ${ptime}`);
  const direction = options.direction ?? 'sendrecv';
  if (!SDP_DIRECTIONS.includes(direction)) throw new RangeError(`unknown SDP direction '${direction}'`);
  const session: sdpTransform.SessionDescription = {
    version: 0,
    origin: {
      username: options.username ?? 'riptrunk',
      sessionId: options.sessionId ?? String(Date.now()),
      sessionVersion: options.sessionVersion ?? 1,
      netType: 'IN',
      ipVer,
      address: options.address,
    },
    name: 'riptrunk',
    connection: { version: ipVer, ip: options.address },
    timing: { start: 0, stop: 0 },
    media: [
      {
        type: 'audio',
        port: options.port,
        protocol: 'RTP/AVP',
        payloads: codecs.map((c) => c.payloadType).join(' '),
        rtp: codecs.map((c) => ({
          payload: c.payloadType,
          codec: c.name,
          rate: c.clockRate,
          ...(c.channels > 1 ? { encoding: c.channels } : {}),
        })),
        fmtp: codecs.filter((c) => c.fmtp).map((c) => ({ payload: c.payloadType, config: c.fmtp! })),
        ptime,
        direction,
        ...(rtcpPort !== undefined && rtcpPort !== options.port + 1 ? { rtcp: { port: rtcpPort } } : {}),
      },
    ],
  };
  return sdpTransform.write(session);
}

function malformed(message: string): SdpError {
  return new SdpError('malformed', message);
}

/** Parses an SDP body and returns its first audio stream; throws SdpError. */
export function parseSdp(text: string): SdpMedia {
  if (typeof text !== 'string' || text.trimStart().split(/\r?\n/, 1)[0].trim() !== 'v=0') {
    throw malformed('SDP must start with v=0');
  }
  let session: sdpTransform.SessionDescription;
  try {
    session = sdpTransform.parse(text);
  } catch (e) {
    throw malformed(`SDP does not parse: ${(e as Error).message}`);
  }
  if (!session.origin || typeof session.origin.sessionVersion !== 'number') throw malformed('SDP has no valid o= line');
  const media = session.media ?? [];
  for (const m of media) {
    if (typeof m.type !== 'string' || !Number.isInteger(m.port) || m.port < 0 || m.port > 65535 || !m.protocol) {
      throw malformed('SDP has a malformed m= line');
    }
  }
  const audio = media.find((m) => m.type === 'audio' && m.port !== 0);
  if (!audio) {
    throw new SdpError(
      'no-audio',
      media.some((m) => m.type === 'audio') ? 'the audio stream is rejected (port 0)' : 'SDP has no audio stream',
    );
  }
  if (audio.protocol !== 'RTP/AVP' && audio.protocol !== 'RTP/AVPF') {
    throw new SdpError('unsupported-transport', `audio transport ${audio.protocol} is not supported (RTP/AVP only)`);
  }
  const connection = audio.connection ?? session.connection;
  if (!connection || isIP(connection.ip) === 0) throw malformed('SDP has no valid c= line for its audio stream');
  // sdp-transform gives a number for a single payload type
  const payloadTypes = String(audio.payloads ?? '')
    .trim()
    .split(/\s+/)
    .filter((s) => s !== '');
  if (payloadTypes.length === 0) throw malformed('the audio m= line lists no payload type');
  const codecs: SdpCodec[] = [];
  for (const s of payloadTypes) {
    if (!/^\d{1,3}$/.test(s) || Number(s) > 127) throw malformed(`bad payload type '${s}' in the m= line`);
    const payloadType = Number(s);
    const rtpmap = (audio.rtp ?? []).find((r) => r.payload === payloadType);
    const fmtp = (audio.fmtp ?? []).find((f) => f.payload === payloadType)?.config;
    let codec: SdpCodec;
    if (rtpmap) {
      const clockRate = rtpmap.rate ?? 0;
      const channels = rtpmap.encoding ?? 1;
      codec = { name: canonicalName(rtpmap.codec, clockRate, channels), payloadType, clockRate, channels };
    } else if (Object.hasOwn(STATIC_PAYLOAD_TYPES, payloadType)) {
      const st = STATIC_PAYLOAD_TYPES[payloadType];
      codec = { name: st.name, payloadType, clockRate: st.clockRate, channels: 1 };
    } else {
      throw malformed(`dynamic payload type ${payloadType} has no a=rtpmap`);
    }
    if (fmtp !== undefined) codec.fmtp = fmtp;
    codecs.push(codec);
  }
  const direction = audio.direction ?? session.direction ?? 'sendrecv';
  const rtcpPort = audio.rtcp?.port ?? audio.port + 1;
  const telephoneEvent =
    codecs.find((c) => c.name === 'telephone-event' && c.clockRate === 8000) ??
    codecs.find((c) => c.name === 'telephone-event');
  return {
    address: connection.ip,
    port: audio.port,
    rtcpPort,
    codecs,
    ptime: audio.ptime && audio.ptime > 0 ? Math.round(audio.ptime) : DEFAULT_PTIME,
    direction,
    telephoneEventPt: telephoneEvent ? telephoneEvent.payloadType : null,
    sessionVersion: session.origin.sessionVersion,
  };
}

/** The direction an answer takes to an offer (RFC 3264 §6.1), given what we would like. */
export function answerDirection(offered: SdpDirection, wanted: SdpDirection = 'sendrecv'): SdpDirection {
  const weSend = (wanted === 'sendrecv' || wanted === 'sendonly') && (offered === 'sendrecv' || offered === 'recvonly');
  const weReceive =
    (wanted === 'sendrecv' || wanted === 'recvonly') && (offered === 'sendrecv' || offered === 'sendonly');
  if (weSend && weReceive) return 'sendrecv';
  if (weSend) return 'sendonly';
  if (weReceive) return 'recvonly';
  return 'inactive';
}

export interface SdpAnswerPlan {
  /** The one media codec, then telephone-event and CN if both sides have them, with the offer's payload types. */
  codecs: SdpCodec[];
  /** The media codec the call runs on. */
  codec: SdpCodec;
  telephoneEventPt: number | null;
  ptime: number;
  direction: SdpDirection;
}

export interface NegotiateOptions {
  /** Whose order picks the media codec: the offer's (RFC 3264 custom, the default) or `accepted`'s. */
  prefer?: 'offer' | 'ours';
  /** The direction we want (sendrecv by default; sendonly/inactive to put the far end on hold). */
  direction?: SdpDirection;
}

/**
 * What to answer to an offer, given the codecs we accept (riptrunk names). Throws SdpError 'no-common-codec' when no
 * media codec is common (the gateway answers 488).
 */
export function negotiateSdp(
  offer: SdpMedia,
  accepted: readonly string[],
  options: NegotiateOptions = {},
): SdpAnswerPlan {
  const acceptedMedia = accepted.filter(isMediaCodec);
  const offeredMedia = offer.codecs.filter((c) => isMediaCodec(c.name) && acceptedMedia.includes(c.name));
  let codec: SdpCodec | undefined;
  if (options.prefer === 'ours') {
    for (const name of acceptedMedia) {
      codec = offeredMedia.find((c) => c.name === name);
      if (codec) break;
    }
  } else {
    codec = offeredMedia[0];
  }
  if (!codec) {
    throw new SdpError(
      'no-common-codec',
      `no common codec (offered: ${offer.codecs.map((c) => c.name).join(', ') || 'none'}; accepted: ${
        acceptedMedia.join(', ') || 'none'
      })`,
    );
  }
  const codecs: SdpCodec[] = [codec];
  let telephoneEventPt: number | null = null;
  for (const name of ['telephone-event', 'CN'] as const) {
    if (!accepted.includes(name)) continue;
    // telephone-event at the media codec's clock rate, else at 8000 (RFC 4733 §2.4.1)
    const candidates = offer.codecs.filter((c) => c.name === name);
    const pick =
      candidates.find((c) => c.clockRate === codec.clockRate) ?? candidates.find((c) => c.clockRate === 8000);
    if (!pick) continue;
    codecs.push(pick);
    if (name === 'telephone-event') telephoneEventPt = pick.payloadType;
  }
  return {
    codecs,
    codec,
    telephoneEventPt,
    ptime: offer.ptime,
    direction: answerDirection(offer.direction, options.direction),
  };
}

/** The RIPT advertisement of a SIP party's SDP codecs: the same list both ways, ptime as the maximum. */
export function sdpCodecsToAdvertisement(codecs: readonly SdpCodec[], ptime: number = DEFAULT_PTIME): string {
  const names = [...new Set(codecs.map((c) => c.name).filter(isKnownCodec))];
  if (!names.some(isMediaCodec)) {
    throw new SdpError(
      'no-common-codec',
      `none of the SDP codecs (${codecs.map((c) => c.name).join(', ')}) is carried`,
    );
  }
  const specs: CodecSpec[] = names.map((name): CodecSpec => ({ name, params: isMediaCodec(name) ? { ptime } : {} }));
  const ad: Advertisement = {
    entries: [
      { id: 1, dir: 'in', codecs: specs },
      { id: 1, dir: 'out', codecs: specs },
    ],
  };
  return formatAdvertisement(ad);
}

/**
 * The codecs of an advertisement's direction (its most important entry first), known to riptrunk, each once, with
 * their default SDP payload types; and its ptime (the smallest maximum given, else 20).
 */
export function advertisementToSdpCodecs(
  advertisement: string | Advertisement,
  dir: MediaDirection,
): { codecs: SdpCodec[]; ptime: number } {
  const ad = typeof advertisement === 'string' ? parseAdvertisement(advertisement) : advertisement;
  const names: KnownCodec[] = [];
  let ptime: number | undefined;
  for (const entry of entriesOf(ad, dir)) {
    for (const c of entry.codecs) {
      if (!isKnownCodec(c.name) || names.includes(c.name)) continue;
      names.push(c.name);
      if (c.params.ptime !== undefined) ptime = Math.min(ptime ?? Infinity, c.params.ptime);
    }
  }
  return { codecs: names.map((n) => sdpCodecOf(n)), ptime: ptime ?? DEFAULT_PTIME };
}

/** The SDP codecs of one side's directives: the media codec first, then telephone-event / CN; and their ptime. */
export function directivesToSdpCodecs(directives: readonly Directive[]): { codecs: SdpCodec[]; ptime: number } {
  const names: KnownCodec[] = [];
  let ptime: number = DEFAULT_PTIME;
  const ordered = [
    ...directives.filter((d) => !isSecondaryCodec(d.codec)),
    ...directives.filter((d) => isSecondaryCodec(d.codec)),
  ];
  for (const d of ordered) {
    if (!isKnownCodec(d.codec) || names.includes(d.codec)) continue;
    if (isMediaCodec(d.codec) && names.some(isMediaCodec)) continue;
    names.push(d.codec);
    if (isMediaCodec(d.codec) && d.params.ptime !== undefined) ptime = d.params.ptime;
  }
  if (!names.some(isMediaCodec)) throw new SdpError('no-common-codec', 'the directives carry no media codec');
  return { codecs: names.map((n) => sdpCodecOf(n)), ptime };
}
