/**
 * The SIP capability set document of a trunk: the trunk's configuration rendered as instance data of the YANG
 * module `ietf-sip-auto-peering` (RFC 10006, revision 2025-12-21 of the module as in draft-ietf-asap-sip-auto-peer-40),
 * encoded in JSON by the rules of RFC 7951. Plain functions, no Nest: the controller only adds HTTP around them.
 *
 * RFC 7951 rules that apply here: the top-level member is qualified with the module name; members of the
 * riptrunk augmentation are qualified with theirs; identityref values are "module:identity"; enumerations are bare
 * strings; uint8/uint16/uint32 are JSON numbers (the module has no 64-bit integers and no `empty` leaves).
 */
import { RiptError } from '@riptrunk/ript';
import { MAX_BLOCKS, splitIntoBlocks, type E164Range } from './number-blocks.js';

export const MODULE = 'ietf-sip-auto-peering';
/** The revision of the module this renderer and the JSON Schema follow. */
export const MODULE_REVISION = '2025-12-21';
/** Our augmentation of `/sipap:sip-auto-peering` (see riptrunk-sip-auto-peering.yang beside this file). */
export const RIPT_MODULE = 'riptrunk-sip-auto-peering';
const TLS_MODULE = 'ietf-tls-common';

export const ROOT_MEMBER = `${MODULE}:sip-auto-peering`;
export const RIPT_MEMBER = `${RIPT_MODULE}:ript`;

/** The control-plane path of a trunk's capability set document. */
export const CAPABILITY_PATH = 'capability/v1/trunks';

/** RFC 4733 telephone-event: the payload type the edge uses for it (profile §7, codec 101). */
export const TELEPHONE_EVENT_PAYLOAD_TYPE = 101;
/** Packetisation the edge uses for every audio codec (profile §5/§7: 20 ms frames). */
export const PTIME_MS = 20;

/**
 * Trunk codec -> identity of the module and RTP clock rate (RFC 3551; RFC 7587 for opus). G.722 samples at 16 kHz
 * but its RTP clock rate is 8000 for historical reasons: SDP (and so an SBC) says "G722/8000".
 */
export const CODECS: Readonly<Record<string, { identity: string; rate: number }>> = {
  PCMU: { identity: 'pcmu', rate: 8000 },
  PCMA: { identity: 'pcma', rate: 8000 },
  G722: { identity: 'g722', rate: 8000 },
  opus: { identity: 'opus', rate: 48000 },
};

/** What the renderer needs of a trunk (a subset of TrunkEntity). */
export interface CapabilityTrunk {
  id: string;
  name: string;
  destinations: readonly string[];
  codecs: readonly string[];
  maxConcurrentCalls: number;
  maxCallsPerSecond: number;
}

export interface CapabilityInput {
  trunk: CapabilityTrunk;
  /** The tenant's number ranges the trunk may use, in the order to list them. */
  ranges: readonly E164Range[];
  /** When the configuration described took effect (the latest change of the trunk or of its ranges). */
  notBefore: Date;
  /** Control plane public URL, without trailing slash. */
  publicUrl: string;
  /** Edge pool public URL, without trailing slash. */
  edgePublicUrl: string;
}

export interface HostPort {
  host: string;
  port: number;
}

export interface NumberRangeEntry {
  index: number;
  type: 'range' | 'collection' | 'reference';
  count?: number;
  value: string[];
}

export interface MediaTypeAudio {
  'media-format': string;
  rate?: number;
  ptime?: number;
  parameter?: string;
}

/** The members this renderer produces (the module has more, all optional; see the JSON Schema). */
export interface SipAutoPeering {
  variant: string;
  revision: { 'not-before': string; location: string };
  'transport-info': { transport: string[]; 'call-control': HostPort[] };
  'call-spec': {
    'supported-method': string[];
    'caller-id': { 'e164-format': boolean; 'preferred-method': 'from' | 'p-asserted-identity' };
    'number-range': NumberRangeEntry[];
  };
  media: { 'media-type-audio': MediaTypeAudio[] };
  dtmf: { 'payload-number': number; iteration: boolean };
  security: {
    signaling: { secure: boolean; version: string[] };
    'secure-telephony-identity': { 'stir-compliance': boolean; 'certificate-delegation': boolean };
  };
  [RIPT_MEMBER]: {
    'tg-uri': string;
    name: string;
    destination: string[];
    'max-concurrent-calls': number;
    'max-calls-per-second': number;
    discovery: string;
    certs: string;
    'stir-ca': string;
  };
}

export interface CapabilityDocument {
  [ROOT_MEMBER]: SipAutoPeering;
}

/** Thrown when the ranges need more `number-range` entries than the uint16 `index` can number. */
export class CapabilityTooLargeError extends RiptError {
  constructor(readonly blocks: number) {
    super(
      'capability-too-large',
      `the number ranges need ${blocks} number-range entries; the model allows at most ${MAX_BLOCKS}`,
    );
  }
}

export const capabilityUrl = (publicUrl: string, trunkId: string) =>
  `${publicUrl}/${CAPABILITY_PATH}/${encodeURIComponent(trunkId)}`;

const qualified = (identity: string, module = MODULE) => `${module}:${identity}`;

/** Host and port of an https URL as the model's `entity` grouping wants them (no IPv6 brackets, 443 default). */
export function hostPort(url: string): HostPort {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'http:' ? 80 : 443;
  return { host, port };
}

/** The trunk's number ranges as `number-range` entries of type `range`: the first number's digits and a count. */
export function numberRangeEntries(ranges: readonly E164Range[]): NumberRangeEntry[] {
  const blocks = splitIntoBlocks(ranges);
  if (blocks.length > MAX_BLOCKS) throw new CapabilityTooLargeError(blocks.length);
  // The RFC's own example writes the numbers as E.164 digits without "+": "19725455000".
  return blocks.map((b, index) => ({ index, type: 'range', count: b.count, value: [b.start.slice(1)] }));
}

/** The trunk's media codecs in preference order; codecs the model has no identity for are left out. */
export function mediaTypes(codecs: readonly string[]): MediaTypeAudio[] {
  return codecs.flatMap((codec) => {
    const known = CODECS[codec];
    return known ? [{ 'media-format': qualified(known.identity), rate: known.rate, ptime: PTIME_MS }] : [];
  });
}

export function renderCapabilityDocument(input: CapabilityInput): CapabilityDocument {
  const { trunk, publicUrl, edgePublicUrl } = input;
  return {
    [ROOT_MEMBER]: {
      variant: qualified('v1-0'),
      revision: {
        'not-before': input.notBefore.toISOString(),
        location: capabilityUrl(publicUrl, trunk.id),
      },
      'transport-info': {
        // The module's transport identities are udp and tcp; TLS is said by security/signaling below.
        transport: [qualified('tcp')],
        'call-control': [hostPort(edgePublicUrl)],
      },
      'call-spec': {
        'supported-method': ['invite', 'ack', 'bye', 'cancel', 'options'],
        'caller-id': { 'e164-format': true, 'preferred-method': 'from' },
        'number-range': numberRangeEntries(input.ranges),
      },
      media: { 'media-type-audio': mediaTypes(trunk.codecs) },
      dtmf: { 'payload-number': TELEPHONE_EVENT_PAYLOAD_TYPE, iteration: true },
      security: {
        signaling: { secure: true, version: [qualified('tls12', TLS_MODULE), qualified('tls13', TLS_MODULE)] },
        // The edge signs and verifies SHAKEN PASSporTs; the certs link issues RFC 8226 certificates for the
        // tenant's numbers (delegation, though not through ACME, so there is no acme-directory).
        'secure-telephony-identity': { 'stir-compliance': true, 'certificate-delegation': true },
      },
      [RIPT_MEMBER]: {
        'tg-uri': `${edgePublicUrl}/ript/v1/tgs/${encodeURIComponent(trunk.id)}`,
        name: trunk.name,
        destination: [...trunk.destinations],
        'max-concurrent-calls': trunk.maxConcurrentCalls,
        'max-calls-per-second': trunk.maxCallsPerSecond,
        discovery: `${publicUrl}/.well-known/ript`,
        certs: `${publicUrl}/ript/v1/providertgs/${encodeURIComponent(trunk.id)}/certs`,
        'stir-ca': `${publicUrl}/ript/v1/stir/ca.pem`,
      },
    },
  };
}
