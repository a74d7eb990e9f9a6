import { matchesAny, type CallRequest, type Verstat } from '@riptrunk/ript';
import { sdpCodecsToAdvertisement, type SdpMedia } from '@riptrunk/ript/sip';
import { createHash } from 'node:crypto';
import type { RiptCall } from '../call.js';
import { ClientError } from '../http.js';
import type { InboundCall } from '../inbound/inbound-call.js';
import type { InboundService, RiptTrunkClient, TgDescriptionDoc } from '../riptrunk-client.js';
import type { CallLogEntry } from './call-log.js';
import { DialogRegistry } from './dialog-registry.js';
import { EgressCall } from './egress-call.js';
import type { GatewayContext, GatewayMedia, GatewayPlacement, IdentityCheck } from './gateway-context.js';
import { IngressCall } from './ingress-call.js';
import { uriHost, type SipListen, type SipPeer } from './sip/sip-addresses.js';
import { SipEndpoint, type IncomingRequest, type SipTransport } from './sip/sip-endpoint.js';
import { SourceAllowList } from './sip/source-allow-list.js';
import { ALLOW_HEADER, responseTo } from './sip/sip-messages.js';

/** The advertisement of calls from SIP whose INVITE had no SDP: what the gateway offers in its 200. */
export const GATEWAY_DEFAULT_ADVERTISEMENT =
  '1 in: PCMU; PCMA; telephone-event; CN; 1 out: PCMU; PCMA; telephone-event; CN;';

/** SIP legs at most by default (GatewayOptions.maxCalls). */
export const DEFAULT_GATEWAY_MAX_CALLS = 2000;

/**
 * The consumer TG's serve options: its concurrency limit is the gateway's own (maxCalls) unless `inbound` sets one,
 * not the SDK server's default of 100, which would refuse egress calls long before the gateway is full.
 */
export function consumerTgOptions(
  o: Pick<GatewayOptions, 'inbound' | 'egress' | 'maxCalls' | 'placement'>,
  tg: TgDescriptionDoc,
): Parameters<RiptTrunkClient['serveInbound']>[0] {
  if (!o.inbound) throw new ClientError('egress needs the consumer TG server options', 'usage');
  return {
    maxConcurrentCalls: o.maxCalls ?? DEFAULT_GATEWAY_MAX_CALLS,
    ...o.inbound,
    tg,
    // in front of a PBX the consumer TG takes the tenant's own numbers (serveInbound's default)
    ...(o.placement === 'pbx' && !o.egress?.length ? {} : { destinations: o.egress ?? [] }),
  };
}

export interface GatewayIdentity {
  /** The Identity header for a PASSporT we pass on (RFC 8224). */
  header(passport: string): string;
  /** Verifies an inbound Identity header (absent: No-TN-Validation). */
  verify(header: string | undefined, from: string, to: string): Promise<IdentityCheck>;
}

export interface GatewayOptions {
  /** The gateway's RIPT identity: an onboarded client of its provider. */
  client: RiptTrunkClient;
  sipListen: SipListen[];
  /** `carrier` (default) or `pbx`; see GatewayPlacement. */
  placement?: GatewayPlacement;
  /** Where egress INVITEs go: the SIP core, or a PBX at a static address. Without one (a PBX that registers), see
   * `registeredPeer`. */
  sipPeer?: SipPeer;
  /** The PBX's registered contact, when it registers to the gateway. */
  registeredPeer?: () => SipPeer | null;
  /**
   * Source addresses allowed to start calls (out-of-dialog INVITEs); the static peer's addresses are always
   * allowed. Anything else is answered 403 unless the registrar authenticates it.
   */
  allow?: SourceAllowList;
  /** The address put in Via, Contact and SDP (default: the first listen address). */
  publicAddress?: string;
  media: (gateway: { publicAddress: string }) => GatewayMedia;
  identity: GatewayIdentity;
  /** SIP user part → E.164 (national forms with the configured country). */
  e164: (user: string | null) => string | null;
  /**
   * The off-net destination patterns the gateway takes calls for from the edge (its consumer TG); none: no egress,
   * ingress only.
   */
  egress?: string[];
  /** Serve options for the consumer TG (TLS material, host, port, public URL). */
  inbound?: Parameters<RiptTrunkClient['serveInbound']>[0];
  /** SIP legs at most; past it new calls get 503 (default 2000), and the consumer TG's concurrency limit. */
  maxCalls?: number;
  onLog?: (entry: CallLogEntry) => void;
}

/**
 * `riptrunk gateway`: a SIP⇄RIPT interworking function (profile §10). On its RIPT side an ordinary RIPT party (it
 * places calls on its provider TG and serves a consumer TG), on its SIP side a B2BUA towards one SIP peer.
 */
export class Gateway implements GatewayContext {
  readonly dialogs: DialogRegistry;
  readonly media: GatewayMedia;
  readonly peer: SipPeer | null;
  readonly placement: GatewayPlacement;
  readonly publicAddress: string;
  private closing = false;
  private readonly handlers = new Map<string, Promise<string>>();
  private readonly running = new Set<Promise<void>>();
  private readonly ingressCalls = new Set<IngressCall>();

  private constructor(
    private readonly o: GatewayOptions,
    readonly sip: SipEndpoint,
    readonly tg: TgDescriptionDoc,
    readonly inbound: InboundService | null,
    publicAddress: string,
    readonly allow: SourceAllowList,
  ) {
    this.peer = o.sipPeer ?? null;
    this.placement = o.placement ?? 'carrier';
    this.publicAddress = publicAddress;
    this.dialogs = new DialogRegistry(o.maxCalls ?? DEFAULT_GATEWAY_MAX_CALLS);
    this.media = o.media({ publicAddress });
  }

  static async start(o: GatewayOptions): Promise<Gateway> {
    if (!o.sipPeer && !o.registeredPeer) {
      throw new ClientError('the gateway needs a SIP peer, or a PBX that registers to it', 'usage');
    }
    const allow = o.allow ?? new SourceAllowList();
    if (o.sipPeer) await allow.addHost(o.sipPeer.host);
    const [listed] = await o.client.providerTgs();
    if (!listed) throw new ClientError('the gateway has no provider TG yet: ask the carrier for a trunk', 'no-tg');
    const tg = await o.client.tgDescription(listed.uri);
    const publicAddress = o.publicAddress ?? o.sipListen[0].host;
    // SIP requests that arrive before the gateway is assembled are turned away (503)
    const ready: { gateway?: Gateway } = {};
    const sip = await SipEndpoint.open(o.sipListen, {
      publicAddress,
      onRequest: (req) => (ready.gateway ? ready.gateway.onRequest(req) : req.reply(responseTo(req.rq, 503))),
    });
    let inbound: InboundService | null = null;
    try {
      if (o.egress?.length || o.placement === 'pbx') {
        inbound = await o.client.serveInbound(consumerTgOptions(o, tg));
      }
    } catch (err) {
      sip.close();
      throw err;
    }
    const gateway = new Gateway(o, sip, tg, inbound, publicAddress, allow);
    inbound?.server.onCall((call) => gateway.egress(call));
    ready.gateway = gateway;
    return gateway;
  }

  /** Live SIP legs. */
  get calls(): number {
    return this.dialogs.size;
  }

  /** What the gateway holds now: SIP legs, calls in progress, RTP port pairs (all 0 when idle). */
  stats(): { sipLegs: number; running: number; rtpPortsInUse: number } {
    return { sipLegs: this.dialogs.size, running: this.running.size, rtpPortsInUse: this.media.portsInUse };
  }

  // ------------------------------------------------------------------ GatewayContext

  egressTarget(): SipPeer | null {
    return this.peer ?? this.o.registeredPeer?.() ?? null;
  }

  peerUri(number: string, target: SipPeer): string {
    const transport = target.transport === 'tcp' ? ';transport=tcp' : '';
    return `sip:${number}@${uriHost(target.host)}:${target.port};user=phone${transport}`;
  }

  ownUri(number: string, target: SipPeer, verstat?: Verstat): string {
    const { host, port } = this.sip.address(this.transportTowards(target));
    return `sip:${number}@${uriHost(host)}:${port};user=phone${verstat ? `;verstat=${verstat}` : ''}`;
  }

  callerRefusal(from: string): string | null {
    if (this.placement !== 'pbx') return null; // an interconnect passes on the PSTN caller as received
    return matchesAny(this.tg.outbound.origins, from) ? null : 'Caller ID Not Allowed On This Trunk';
  }

  identityHeader(passport: string): string {
    return this.o.identity.header(passport);
  }

  e164(user: string | null): string | null {
    return this.o.e164(user);
  }

  verifyIdentity(header: string | undefined, from: string, to: string): Promise<IdentityCheck> {
    return this.o.identity.verify(header, from, to);
  }

  handlerFor(offer: SdpMedia | null): Promise<string> {
    const advertisement = offer ? sdpCodecsToAdvertisement(offer.codecs, offer.ptime) : GATEWAY_DEFAULT_ADVERTISEMENT;
    let handler = this.handlers.get(advertisement);
    if (!handler) {
      const id = `sip-${createHash('sha256').update(advertisement).digest('hex').slice(0, 16)}`;
      handler = this.o.client.registerHandler(this.tg, id, advertisement).then((h) => h.uri);
      handler.catch(() => this.handlers.delete(advertisement));
      this.handlers.set(advertisement, handler);
    }
    return handler;
  }

  placeCall(call: CallRequest): Promise<RiptCall> {
    return this.o.client.placeCall(this.tg, call);
  }

  log(entry: CallLogEntry): void {
    this.o.onLog?.(entry);
  }

  // ------------------------------------------------------------------ routing

  /** The transport towards a peer (we listen on it, or on the only one we have). */
  private transportTowards(target: SipPeer): SipTransport {
    return this.sip.transports.includes(target.transport) ? target.transport : this.sip.transports[0];
  }

  /**
   * May this out-of-dialog INVITE start a call? From an allowed source address, yes; otherwise it is refused here
   * (403), so that nobody on the network can place calls on the tenant's trunk.
   */
  private admits(req: IncomingRequest): boolean {
    if (this.allow.allows(req.remote.address)) return true;
    req.reply(responseTo(req.rq, 403, { reason: 'Source Address Not Allowed' }));
    return false;
  }

  private egress(call: InboundCall): void {
    if (this.closing || this.dialogs.full) {
      call.fail('gateway-busy', { sipStatus: 503 });
      return;
    }
    this.track(new EgressCall(this, call).run());
  }

  private onRequest(req: IncomingRequest): void {
    const { rq } = req;
    const callId = rq.headers['call-id'];
    const leg = this.dialogs.get(callId);
    switch (rq.method) {
      case 'INVITE':
        if (rq.headers.to?.params.tag !== undefined) {
          if (!leg?.handle(req)) req.reply(responseTo(rq, 481));
        } else if (leg) {
          // same Call-ID, a new transaction: a merged or looped request (RFC 3261 §8.2.2.2)
          req.reply(responseTo(rq, 482, { reason: 'Loop Detected' }));
        } else if (this.closing || this.dialogs.full) {
          req.reply(responseTo(rq, 503, { headers: { 'Retry-After': '5' } }));
        } else if (this.admits(req)) {
          const call = new IngressCall(this, req);
          this.ingressCalls.add(call);
          this.track(call.run().finally(() => this.ingressCalls.delete(call)));
        }
        return;
      case 'ACK':
        leg?.handle(req);
        return;
      case 'BYE':
        if (!leg?.handle(req)) req.reply(responseTo(rq, 481));
        return;
      case 'CANCEL':
        if (leg?.cancel) leg.cancel(req);
        else req.reply(responseTo(rq, 481));
        return;
      case 'OPTIONS':
        if (leg && rq.headers.to?.params.tag !== undefined && leg.handle(req)) return;
        req.reply(responseTo(rq, 200, { headers: { Accept: 'application/sdp', Allow: ALLOW_HEADER } }));
        return;
    }
  }

  private track(run: Promise<void>): void {
    const p = run.catch((err: unknown) => this.o.onLog?.(errorEntry(err)));
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  /** Stops taking calls, ends the live ones on both sides, and closes the SIP and RIPT sides. */
  async close({ unregister = true } = {}): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const call of this.ingressCalls) call.shutdown();
    try {
      await this.inbound?.close({ unregister });
    } finally {
      await Promise.race([Promise.allSettled([...this.running]), new Promise((r) => setTimeout(r, 2000))]);
      this.sip.close();
    }
  }
}

function errorEntry(err: unknown): CallLogEntry {
  return {
    event: 'call',
    direction: 'ingress',
    from: '',
    to: '',
    sipCallId: null,
    riptCall: null,
    outcome: 'error',
    sipStatus: null,
    reason: (err as Error).message,
    setupMs: null,
    durationMs: 0,
    rtpIn: 0,
    rtpOut: 0,
  };
}
