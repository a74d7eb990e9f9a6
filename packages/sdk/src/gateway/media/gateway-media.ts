import { type Directive } from '@riptrunk/ript';
import {
  answerDirection,
  buildSdp,
  type BuildSdpOptions,
  directivesToSdpCodecs,
  negotiateSdp,
  parseSdp,
  SdpError,
  type SdpCodec,
  type SdpMedia,
} from '@riptrunk/ript/sip';
import type { RiptCall } from '../../call.js';
import type { InboundCall } from '../../inbound/inbound-call.js';
import type { GatewayMedia } from '../gateway-context.js';
import { MediaBridge, type RiptMediaSide } from '../rtp/media-bridge.js';
import { PortPool, type PortRange } from '../rtp/port-pool.js';
import { RtpEndpoint } from '../rtp/rtp-endpoint.js';
import type { CallMedia } from './call-media.js';

export interface GatewayMediaOptions {
  /** The address SDP carries (c=, o=). */
  publicAddress: string;
  /** The address RTP sockets bind to. */
  bindAddress: string;
  ports: PortRange;
  /** No RTP for this long once media flows ends the call (default 5 s, the profile's media-timeout). */
  mediaTimeoutMs?: number;
}

const DEFAULT_MEDIA_TIMEOUT_MS = 5_000;

/** The gateway's media: one RTP endpoint per call from a shared port pool, SDP from the RIPT directives and back. */
export function createGatewayMedia(o: GatewayMediaOptions): GatewayMedia {
  const pool = new PortPool(o.ports);
  const timeoutMs = o.mediaTimeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS;
  const open = async (codecs: readonly SdpCodec[]) => {
    const media = codecs[0];
    return RtpEndpoint.open({ pool, bindAddress: o.bindAddress, clockRate: media.clockRate });
  };
  return {
    get portsInUse() {
      return pool.inUse;
    },
    async forEgress(call: InboundCall): Promise<CallMedia> {
      // what the edge sends us goes to the SIP side: offer those codecs
      const { codecs, ptime } = directivesToSdpCodecs(call.clientDirectives);
      const endpoint = await open(codecs);
      const sdp = { address: o.publicAddress, port: endpoint.rtpPort, codecs, ptime };
      return new RtpCallMedia(endpoint, sdp, null, timeoutMs);
    },
    async forIngress(offer: SdpMedia | null, call: RiptCall): Promise<CallMedia> {
      // what the SIP side sends goes to the edge on our client directives
      const { codecs: ours, ptime } = directivesToSdpCodecs(call.clientDirectives);
      if (!offer) {
        const endpoint = await open(ours);
        const sdp = { address: o.publicAddress, port: endpoint.rtpPort, codecs: ours, ptime };
        return new RtpCallMedia(endpoint, sdp, null, timeoutMs);
      }
      const plan = negotiateSdp(
        offer,
        ours.map((c) => c.name),
        { prefer: 'ours' },
      );
      const endpoint = await open(plan.codecs);
      try {
        const sdp = {
          address: o.publicAddress,
          port: endpoint.rtpPort,
          codecs: plan.codecs,
          ptime: plan.ptime,
          direction: plan.direction,
        };
        return new RtpCallMedia(endpoint, sdp, offer, timeoutMs);
      } catch (err) {
        await endpoint.close();
        throw err;
      }
    },
  };
}

/** One call's RTP endpoint and bridge. */
class RtpCallMedia implements CallMedia {
  private bridgeOf?: MediaBridge;
  private timeoutListener?: () => void;
  private rtpCodecs: readonly SdpCodec[];
  private sdp: BuildSdpOptions & { sessionId: string; sessionVersion: number };
  localSdp: string;

  constructor(
    private readonly endpoint: RtpEndpoint,
    sdp: BuildSdpOptions & { codecs: readonly SdpCodec[] },
    remote: SdpMedia | null,
    private readonly timeoutMs: number,
  ) {
    this.sdp = { ...sdp, sessionId: String(Date.now()), sessionVersion: 1 };
    this.localSdp = buildSdp(this.sdp);
    this.rtpCodecs = sdp.codecs;
    if (remote) endpoint.setRemote(remote.address, remote.port, remote.rtcpPort);
    endpoint.on('media-timeout', () => this.timeoutListener?.());
    endpoint.on('error', () => undefined); // a send error (ICMP) must not end the process; the timeout ends the call
  }

  answerUpdate(sdp: string): string {
    const offer = parseSdp(sdp);
    if (!offer.codecs.some((c) => c.name === this.rtpCodecs[0].name)) {
      throw new SdpError('no-common-codec', `the new offer drops ${this.rtpCodecs[0].name}`);
    }
    const target = this.endpoint.rtpDestination;
    if (!target || target.address !== offer.address || target.port !== offer.port) {
      this.endpoint.setRemote(offer.address, offer.port, offer.rtcpPort);
    }
    const direction = answerDirection(offer.direction);
    // on hold the far end sends nothing: no media timeout until it sends again
    const farEndSends = offer.direction === 'sendrecv' || offer.direction === 'sendonly';
    if (this.bridgeOf) this.endpoint.setMediaTimeout(farEndSends ? this.timeoutMs : 0);
    this.sdp = { ...this.sdp, direction, sessionVersion: this.sdp.sessionVersion + 1 };
    this.localSdp = buildSdp(this.sdp);
    return this.localSdp;
  }

  setRemote(sdp: string): void {
    const remote = parseSdp(sdp);
    // the answer's payload types for the codecs we offered; one we did not offer cannot be carried
    const answered = remote.codecs.filter((c) => this.rtpCodecs.some((ours) => ours.name === c.name));
    if (!answered.some((c) => c.name === this.rtpCodecs[0].name)) {
      throw new SdpError(
        'no-common-codec',
        `the answer does not take ${this.rtpCodecs[0].name} (answered: ${remote.codecs.map((c) => c.name).join(', ')})`,
      );
    }
    this.rtpCodecs = answered;
    this.endpoint.setRemote(remote.address, remote.port, remote.rtcpPort);
  }

  bridge(ript: RiptMediaSide, sendDirectives: readonly Directive[], receiveDirectives: readonly Directive[]): void {
    if (this.bridgeOf) return;
    this.bridgeOf = new MediaBridge({
      endpoint: this.endpoint,
      ript,
      rtpCodecs: this.rtpCodecs,
      sendDirectives,
      receiveDirectives,
    });
    this.endpoint.setMediaTimeout(this.timeoutMs);
  }

  onTimeout(listener: () => void): void {
    this.timeoutListener = listener;
  }

  counts(): { rtpIn: number; rtpOut: number } {
    return { rtpIn: this.endpoint.counts.rtpReceived, rtpOut: this.endpoint.counts.rtpSent };
  }

  close(): void {
    this.bridgeOf?.close();
    void this.endpoint.close();
  }
}
