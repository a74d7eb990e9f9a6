import { SdpError, sipResponseToOutcome } from '@riptrunk/ript/sip';
import type { InboundCall } from '../inbound/inbound-call.js';
import type { CallLogEntry } from './call-log.js';
import type { GatewayContext } from './gateway-context.js';
import type { CallMedia } from './media/call-media.js';
import { inboundCallMedia } from './rtp/media-bridge.js';
import { InviteClient } from './sip/invite-client.js';
import { hasSdp, type SipResponse } from './sip/sip-messages.js';

/**
 * A RIPT call the edge delivered to the gateway's consumer TG, carried on to the SIP peer (profile §10): INVITE with
 * the caller in From and P-Asserted-Identity, the PASSporT in Identity and an SDP offer from the directives; SIP
 * answers become RIPT events; `end` from the edge sends BYE (or CANCEL), BYE from the peer ends the RIPT call.
 */
export class EgressCall {
  private invite?: InviteClient;
  private media?: CallMedia;
  private sipStatus: number | null = null;
  private outcome = 'failed';
  private readonly started = Date.now();
  private answeredAt: number | null = null;

  constructor(
    private readonly gw: GatewayContext,
    private readonly call: InboundCall,
  ) {}

  async run(): Promise<void> {
    const { call, gw } = this;
    const target = gw.egressTarget();
    if (!target) {
      // a PBX that has not registered (or whose registration expired): nobody to ring
      call.fail('callee-unavailable', { sipStatus: 480 });
      return this.finish();
    }
    try {
      this.media = await gw.media.forEgress(call);
    } catch (err) {
      // no RTP port left, or directives the SIP side cannot carry
      call.fail(err instanceof SdpError ? 'no-common-codec' : 'gateway-media-unavailable', { sipStatus: 503 });
      return this.finish();
    }
    const peerUri = gw.peerUri(call.to, target);
    const from = gw.ownUri(call.from, target, gw.placement === 'pbx' ? call.verstat : undefined);
    const headers: Record<string, string> = { 'P-Asserted-Identity': `<${from}>` };
    if (call.passport) {
      try {
        headers.Identity = gw.identityHeader(call.passport);
      } catch {
        // a PASSporT we cannot put in an Identity header (no x5u): the call goes on without one
      }
    }
    this.invite = new InviteClient(
      gw.sip,
      { transport: target.transport, requestUri: peerUri, from, to: peerUri, sdp: this.media.localSdp, headers },
      {
        provisional: (rs) => this.provisional(rs),
        answered: (rs) => this.answered(rs),
        rejected: (rs) => this.rejected(rs),
        hungUp: () => {
          this.outcome = 'ended';
          call.end('normal', { sipStatus: this.sipStatus ?? undefined });
        },
      },
    );
    call.sipCallId = this.invite.callId;
    const media = this.media;
    this.invite.onReinvite((offer) => (offer ? media.answerUpdate(offer) : media.localSdp));
    const leg = { handle: (req: Parameters<InviteClient['handle']>[0]) => this.invite!.handle(req) };
    gw.dialogs.add(this.invite.callId, leg);
    this.media.onTimeout(() => {
      this.outcome = 'failed';
      this.invite?.hangUp();
      call.fail('media-timeout');
    });
    void call.ended.then((ending) => {
      if (ending.byProvider) {
        if (this.outcome === 'failed' && this.answeredAt === null) this.outcome = 'cancelled';
        else if (this.answeredAt !== null) this.outcome = 'ended';
      }
      // whoever ended it (the edge, a timeout, our shutdown), the SIP side goes too; a no-op once it has
      this.invite?.hangUp();
      gw.dialogs.remove(this.invite!.callId, leg);
      this.finish();
    });
    this.invite.start();
  }

  private provisional(rs: SipResponse): void {
    const outcome = sipResponseToOutcome(rs.status);
    if (outcome.type !== 'alerting') return;
    if (hasSdp(rs)) this.startMedia(rs.content!); // early media (183) flows before the answer
    this.call.alerting();
  }

  private answered(rs: SipResponse): void {
    this.sipStatus = rs.status;
    if (!hasSdp(rs)) {
      // We offered in the INVITE, so the answer must be in the 2xx (RFC 3264 §4)
      this.invite!.hangUp();
      this.call.fail('sip-no-answer-sdp', { sipStatus: 488 });
      return;
    }
    if (!this.startMedia(rs.content!)) {
      this.invite!.hangUp();
      this.call.fail('no-common-codec', { sipStatus: 488 });
      return;
    }
    this.answeredAt = Date.now();
    this.outcome = 'answered';
    this.call.answer({ sipStatus: rs.status });
  }

  private rejected(rs: SipResponse): void {
    this.sipStatus = rs.status;
    const outcome = sipResponseToOutcome(rs.status);
    this.outcome = outcome.type;
    if (outcome.type === 'declined') this.call.decline({ sipStatus: rs.status });
    else if (outcome.type === 'noanswer') this.call.noAnswer({ sipStatus: rs.status });
    else if (outcome.type === 'failed') this.call.fail(outcome.reason, { sipStatus: rs.status });
  }

  /** Takes the far end's SDP and starts the bridge; false when it cannot be used. */
  private startMedia(sdp: string): boolean {
    try {
      this.media!.setRemote(sdp);
    } catch (err) {
      if (err instanceof SdpError) return false;
      throw err;
    }
    this.media!.bridge(inboundCallMedia(this.call), this.call.serverDirectives, this.call.clientDirectives);
    return true;
  }

  private finish(): void {
    const counts = this.media?.counts() ?? { rtpIn: 0, rtpOut: 0 };
    this.media?.close();
    const entry: CallLogEntry = {
      event: 'call',
      direction: 'egress',
      from: this.call.from,
      to: this.call.to,
      sipCallId: this.invite?.callId ?? null,
      riptCall: this.call.uri,
      outcome: this.outcome,
      sipStatus: this.sipStatus,
      reason: this.call.reason,
      setupMs: this.answeredAt !== null ? this.answeredAt - this.started : null,
      durationMs: Date.now() - this.started,
      ...counts,
    };
    this.gw.log(entry);
  }
}
