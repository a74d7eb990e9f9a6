import type { CallRequest, Verstat } from '@riptrunk/ript';
import type { SdpMedia } from '@riptrunk/ript/sip';
import type { RiptCall } from '../call.js';
import type { InboundCall } from '../inbound/inbound-call.js';
import type { CallLogEntry } from './call-log.js';
import type { DialogRegistry } from './dialog-registry.js';
import type { CallMedia } from './media/call-media.js';
import type { SipPeer } from './sip/sip-addresses.js';
import type { SipEndpoint } from './sip/sip-endpoint.js';

/** Makes the RTP side of calls: an offer for an egress call, an answer for an ingress one. */
export interface GatewayMedia {
  forEgress(call: InboundCall): Promise<CallMedia>;
  /** `offer` null: the INVITE had no SDP, so ours is an offer in the 200 and the answer comes in the ACK. */
  forIngress(offer: SdpMedia | null, call: RiptCall): Promise<CallMedia>;
  /** RTP port pairs leased to calls now. */
  readonly portsInUse: number;
}

/** What a PASSporT check of an inbound Identity header found. */
export interface IdentityCheck {
  passport?: string;
  verstat: Verstat;
  reason?: string;
}

/**
 * Where the gateway stands (issues 12 and 13): `carrier`, between the edge and the carrier's SIP core (an
 * interconnect tenant: any caller, off-net destinations); `pbx`, in front of an enterprise's PBX (its own numbers
 * only as callers, calls to them delivered to the PBX with SHAKEN's verstat).
 */
export type GatewayPlacement = 'carrier' | 'pbx';

/** What the gateway gives its calls (egress-call.ts, ingress-call.ts). */
export interface GatewayContext {
  readonly sip: SipEndpoint;
  readonly placement: GatewayPlacement;
  readonly dialogs: DialogRegistry;
  readonly media: GatewayMedia;
  /** Where egress INVITEs go now: the static peer, or the PBX's registered contact; null when none is known. */
  egressTarget(): SipPeer | null;
  /** The Request-URI (and To) of an egress INVITE for an E.164 number. */
  peerUri(number: string, target: SipPeer): string;
  /** A SIP URI of ours for an E.164 number (From, P-Asserted-Identity), with SHAKEN's `verstat` when given. */
  ownUri(number: string, target: SipPeer, verstat?: Verstat): string;
  /** Why `from` may not call through this gateway (a reason phrase for the 403), or null when it may. */
  callerRefusal(from: string): string | null;
  /** The RFC 8224 Identity header for a PASSporT. */
  identityHeader(passport: string): string;
  /** A SIP user part as canonical E.164, or null. */
  e164(user: string | null): string | null;
  verifyIdentity(header: string | undefined, from: string, to: string): Promise<IdentityCheck>;
  /** The handler URI on the provider TG for media of this offer (registered once per distinct advertisement). */
  handlerFor(offer: SdpMedia | null): Promise<string>;
  placeCall(call: CallRequest): Promise<RiptCall>;
  log(entry: CallLogEntry): void;
}
