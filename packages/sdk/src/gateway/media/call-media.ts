import type { Directive } from '@riptrunk/ript';
import type { RiptMediaSide } from '../rtp/media-bridge.js';

/**
 * The RTP side of one gateway call, as the call flows use it: our SDP, the far end's SDP, and the bridge between the
 * RTP leg and the RIPT call's frames. Made by `createGatewayMedia` (gateway-media.ts).
 */
export interface CallMedia {
  /** Our SDP: the offer (egress, or ingress without an offer) or the answer (ingress). */
  readonly localSdp: string;
  /** The far end's SDP: the answer to our offer; throws SdpError when it cannot be used. */
  setRemote(sdp: string): void;
  /**
   * Our answer to an offer in a re-INVITE (hold, resume, a moved far end, a session refresh): the same codecs and
   * port, the direction RFC 3264 §6.1 gives; the media timeout pauses while the far end sends nothing by design.
   * Throws SdpError for an offer that cannot be used.
   */
  answerUpdate(sdp: string): string;
  /** Starts moving media between the RTP leg and the RIPT call. */
  bridge(ript: RiptMediaSide, sendDirectives: readonly Directive[], receiveDirectives: readonly Directive[]): void;
  /** Called once when no RTP came for the media timeout after the bridge started. */
  onTimeout(listener: () => void): void;
  /** RTP packets each way, for the call's log line. */
  counts(): { rtpIn: number; rtpOut: number };
  close(): void;
}
