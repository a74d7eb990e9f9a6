import { type RiptEvent } from '@riptrunk/ript';
import { parseSdp, riptFinalToSip, riptRefusalToSip, SdpError, type SdpMedia } from '@riptrunk/ript/sip';
import type { RiptCall } from '../call.js';
import { ClientError } from '../http.js';
import type { CallLogEntry } from './call-log.js';
import type { SipLeg } from './dialog-registry.js';
import type { GatewayContext } from './gateway-context.js';
import type { CallMedia } from './media/call-media.js';
import { riptCallMedia } from './rtp/media-bridge.js';
import { InviteServer } from './sip/invite-server.js';
import type { IncomingRequest } from './sip/sip-endpoint.js';
import { hasSdp, headerText, userOf } from './sip/sip-messages.js';

/**
 * An INVITE from the SIP peer carried on as a RIPT call from the gateway's provider TG (profile §10): the numbers
 * normalised to E.164, an Identity header verified (its PASSporT and the result passed on), the SDP offer turned
 * into the handler's advertisement; RIPT events become SIP answers; CANCEL and BYE end the RIPT call.
 */
export class IngressCall {
  private readonly server: InviteServer;
  private ript?: RiptCall;
  private media?: CallMedia;
  private outcome = 'refused';
  private sipStatus: number | null = null;
  private reason: string | null = null;
  private from = '';
  private to = '';
  private readonly started = Date.now();
  private answeredAt: number | null = null;
  private finished = false;
  /** How the gateway routes this call's in-dialog requests and CANCEL to it. */
  private readonly leg: SipLeg = {
    handle: (r) => this.server.handle(r),
    cancel: (r) => this.server.cancel(r),
  };
  private mediaOpen?: Promise<void>;

  constructor(
    private readonly gw: GatewayContext,
    req: IncomingRequest,
  ) {
    this.server = new InviteServer(gw.sip, req, {
      cancelled: () => this.endRipt('cancelled', 'cancelled', 487),
      hungUp: () => this.endRipt('ended', 'normal', null),
      ackTimeout: () => this.endRipt('failed', 'sip-no-ack', null),
    });
    gw.dialogs.add(this.server.callId, this.leg);
  }

  async run(): Promise<void> {
    const { rq } = this.server.req;
    const from = this.gw.e164(userOf(pai(rq) ?? rq.headers.from?.uri));
    const to = this.gw.e164(userOf(rq.uri));
    this.from = from ?? userOf(rq.headers.from?.uri) ?? '';
    this.to = to ?? userOf(rq.uri) ?? '';
    if (!to) return this.refuse(404, 'the Request-URI is not a telephone number');
    if (!from) return this.refuse(403, 'the caller is not a telephone number');
    const callerRefusal = this.gw.callerRefusal(from);
    if (callerRefusal) return this.refuse(403, `caller ${from} is not one of the trunk's numbers`, {}, callerRefusal);
    let offer: SdpMedia | null = null;
    if (hasSdp(rq)) {
      try {
        offer = parseSdp(rq.content!);
      } catch (err) {
        if (err instanceof SdpError) return this.refuse(err.sipStatus, err.message);
        throw err;
      }
    }
    const identity = await this.gw.verifyIdentity(headerText(rq, 'identity'), from, to);
    if (this.server.finished) return this.done(); // CANCEL while we verified
    let handler: string;
    try {
      handler = await this.gw.handlerFor(offer);
    } catch (err) {
      if (err instanceof SdpError) return this.refuse(488, err.message);
      return this.refuse(503, (err as Error).message);
    }
    try {
      this.ript = await this.gw.placeCall({
        handler,
        destination: to,
        from,
        ...(identity.passport ? { passport: identity.passport } : {}),
        verstat: identity.verstat,
        'sip-call-id': this.server.callId,
      });
    } catch (err) {
      if (!(err instanceof ClientError)) throw err;
      const sipAnswer = err.status
        ? riptRefusalToSip({ status: err.status, slug: err.problem.slug, retryAfter: err.problem.retryAfter })
        : { status: 503, reason: 'Service Unavailable', headers: {} };
      return this.refuse(sipAnswer.status, err.message, sipAnswer.headers);
    }
    if (this.server.finished) {
      await this.ript.end('cancelled').catch(() => undefined);
      return this.done();
    }
    this.mediaOpen = this.ript.openMedia();
    this.mediaOpen.catch(() => undefined); // a failure is reported when the bridge starts
    try {
      this.media = await this.gw.media.forIngress(offer, this.ript);
    } catch (err) {
      await this.ript.end('no-common-codec').catch(() => undefined);
      return this.refuse(err instanceof SdpError ? 488 : 503, (err as Error).message);
    }
    this.media.onTimeout(() => this.endRipt('failed', 'media-timeout', null, true));
    const media = this.media;
    this.server.onReinvite((offer) => (offer ? media.answerUpdate(offer) : media.localSdp));
    await this.followEvents(this.ript, offer === null);
    this.done();
  }

  private async followEvents(call: RiptCall, offerInAnswer: boolean): Promise<void> {
    try {
      for await (const event of call.events()) {
        if (this.onEvent(event, offerInAnswer)) return;
      }
    } catch (err) {
      this.reason = (err as Error).message;
    }
    // the events stream ended without a final event: the RIPT side is gone
    if (!this.server.finished) this.server.reject(503);
    else this.server.hangUp();
  }

  /** True once the event ended the call. */
  private onEvent(event: RiptEvent, offerInAnswer: boolean): boolean {
    switch (event.type) {
      case 'alerting':
        this.server.progress(180);
        return false;
      case 'answered':
        if (!this.server.finished) {
          this.answeredAt = Date.now();
          this.outcome = 'answered';
          this.sipStatus = 200;
          this.server.answer(this.media!.localSdp);
          if (!offerInAnswer) this.startBridge();
          else this.server.onAck((sdp) => this.takeAnswerInAck(sdp));
        }
        return false;
      case 'declined':
      case 'noanswer':
      case 'failed':
      case 'end': {
        if (this.server.state === 'confirmed') {
          this.outcome = this.outcome === 'answered' ? 'ended' : this.outcome;
          this.reason = 'reason' in event ? String(event.reason) : event.type;
          this.server.hangUp();
        } else if (!this.server.finished) {
          const answer = riptFinalToSip(event as Parameters<typeof riptFinalToSip>[0]);
          this.outcome = event.type === 'end' ? 'failed' : event.type;
          this.sipStatus = answer.status;
          this.reason = 'reason' in event ? String(event.reason) : event.type;
          this.server.reject(answer.status, answer.reason, answer.headers);
        }
        return true;
      }
      default:
        return false;
    }
  }

  /** An INVITE without SDP: we offered in the 200, the caller answers in the ACK (RFC 3261 §13.2.1). */
  private takeAnswerInAck(sdp: string | undefined): void {
    try {
      if (!sdp) throw new SdpError('malformed', 'the ACK carries no SDP answer');
      this.media!.setRemote(sdp);
    } catch (err) {
      this.endRipt('failed', 'no-common-codec', null, true);
      this.reason = (err as Error).message;
      return;
    }
    this.startBridge();
  }

  private startBridge(): void {
    const call = this.ript!;
    // the media streams opened with the call: once answered the bridge attaches in the same turn, before the
    // first RTP packet can be read
    void (this.mediaOpen ?? call.openMedia()).then(
      () => this.media!.bridge(riptCallMedia(call), call.clientDirectives, call.serverDirectives),
      (err: unknown) => this.endRipt('failed', `media: ${(err as Error).message}`, null, true),
    );
  }

  /** The gateway is closing: both sides end. */
  shutdown(): void {
    this.endRipt('ended', 'shutdown', null, true);
  }

  /** The SIP side ended (CANCEL, BYE, no ACK, media timeout): end the RIPT call too. */
  private endRipt(outcome: string, reason: string, sipStatus: number | null, hangUpSip = false): void {
    if (this.answeredAt !== null && outcome === 'ended') this.outcome = 'ended';
    else this.outcome = outcome;
    this.reason = reason;
    if (sipStatus !== null) this.sipStatus = sipStatus;
    if (hangUpSip) this.server.hangUp();
    void this.ript?.end(reason).catch(() => undefined);
  }

  /** Refuses the INVITE; `phrase` replaces the status's usual reason phrase when the caller should read why. */
  private refuse(status: number, reason: string, headers: Record<string, string> = {}, phrase?: string): void {
    this.outcome = 'refused';
    this.sipStatus = status;
    this.reason = reason;
    this.server.reject(status, phrase, headers);
    this.done();
  }

  private done(): void {
    if (this.finished) return;
    this.finished = true;
    this.server.stopRetransmitting();
    const counts = this.media?.counts() ?? { rtpIn: 0, rtpOut: 0 };
    this.media?.close();
    this.ript?.close();
    this.gw.dialogs.remove(this.server.callId, this.leg);
    const entry: CallLogEntry = {
      event: 'call',
      direction: 'ingress',
      from: this.from,
      to: this.to,
      sipCallId: this.server.callId,
      riptCall: this.ript?.uri ?? null,
      outcome: this.outcome,
      sipStatus: this.sipStatus,
      reason: this.reason,
      setupMs: this.answeredAt !== null ? this.answeredAt - this.started : null,
      durationMs: Date.now() - this.started,
      ...counts,
    };
    this.gw.log(entry);
  }
}

/** The caller as the peer asserts it (P-Asserted-Identity), if it did. */
function pai(rq: IncomingRequest['rq']): string | undefined {
  const v = headerText(rq, 'p-asserted-identity');
  const m = v ? /<([^>]+)>/.exec(v) : null;
  return m ? m[1] : v?.trim();
}
