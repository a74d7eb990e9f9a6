import { Dialog } from './dialog.js';
import type { IncomingRequest, SipEndpoint } from './sip-endpoint.js';
import { sipReasonPhrase } from '@riptrunk/ript/sip';
import { newTag, responseTo, type SipResponse } from './sip-messages.js';

/** RFC 3261 timers: T1, T2, and 64·T1 for a 2xx that never gets its ACK. */
const T1_MS = 500;
const T2_MS = 4_000;
const TIMER_H_MS = 64 * T1_MS;

export interface InviteServerListener {
  /** The caller CANCELled before the final answer (the gateway already answered 487). */
  cancelled(): void;
  /** The caller hung up with BYE after the answer. */
  hungUp(): void;
  /** Our 2xx got no ACK in 64·T1: the call is gone (we already sent BYE). */
  ackTimeout(): void;
}

export type InviteServerState = 'proceeding' | 'early' | 'confirmed' | 'terminated';

/**
 * The callee's side of one INVITE (RFC 3261 §13.3): 100 Trying at once, provisional answers, the final answer, the
 * 2xx retransmitted until its ACK (the transaction layer does not do it, §13.3.1.4), CANCEL, BYE both ways.
 */
export class InviteServer {
  state: InviteServerState = 'proceeding';
  readonly localTag = newTag();
  readonly dialog: Dialog;
  private retransmit?: NodeJS.Timeout;
  private giveUp?: NodeJS.Timeout;
  private okResponse?: SipResponse;
  private answerSdp?: string;
  private ackListener?: (sdp: string | undefined) => void;
  private reinvite?: (offer: string | undefined) => string;

  constructor(
    private readonly endpoint: SipEndpoint,
    readonly req: IncomingRequest,
    private readonly listener: InviteServerListener,
  ) {
    const contact = endpoint.contact(req.transport);
    this.dialog = Dialog.asCallee(req.transport, req.rq, this.localTag, contact);
    req.reply(responseTo(req.rq, 100));
  }

  get callId(): string {
    return this.dialog.callId;
  }

  get finished(): boolean {
    return this.state === 'confirmed' || this.state === 'terminated';
  }

  /** 180 Ringing, or 183 with early-media SDP. */
  progress(status: 180 | 183, sdp?: string): void {
    if (this.state !== 'proceeding' && this.state !== 'early') return;
    this.state = 'early';
    this.req.reply(responseTo(this.req.rq, status, { toTag: this.localTag, contact: this.dialog.contact, sdp }));
  }

  /** 200 OK with our SDP, retransmitted (UDP) until the ACK comes. */
  answer(sdp: string): void {
    if (this.finished) return;
    this.state = 'confirmed';
    this.answerSdp = sdp;
    this.okResponse = responseTo(this.req.rq, 200, { toTag: this.localTag, contact: this.dialog.contact, sdp });
    this.req.reply(this.okResponse);
    if (this.req.transport === 'udp') {
      let interval = T1_MS;
      const again = () => {
        if (!this.okResponse) return;
        this.endpoint.respond(this.req.transport, this.okResponse);
        interval = Math.min(interval * 2, T2_MS);
        this.retransmit = setTimeout(again, interval);
      };
      this.retransmit = setTimeout(again, interval);
    }
    this.giveUp = setTimeout(() => {
      if (!this.okResponse) return;
      this.stopRetransmitting();
      this.hangUp();
      this.listener.ackTimeout();
    }, TIMER_H_MS);
  }

  /**
   * Answers re-INVITEs (hold, resume, session refresh) with `answer(offer)`: our new SDP, or throws for an offer
   * that cannot be used (488). Without one, the answer is the SDP we answered with.
   */
  onReinvite(answer: (offer: string | undefined) => string): void {
    this.reinvite = answer;
  }

  private answerReinvite(rq: IncomingRequest['rq']): string | undefined | null {
    const offer = rq.content?.trim() ? rq.content : undefined;
    if (!this.reinvite) return this.answerSdp;
    try {
      return (this.answerSdp = this.reinvite(offer));
    } catch {
      return null;
    }
  }

  /** Hears the ACK of our 2xx once, with its SDP (the answer when the INVITE had no offer). */
  onAck(listener: (sdp: string | undefined) => void): void {
    this.ackListener = listener;
  }

  /** A final failure (≥ 300) before the answer. */
  reject(status: number, reason = sipReasonPhrase(status), headers: Record<string, string> = {}): void {
    if (this.finished) return;
    this.state = 'terminated';
    this.req.reply(responseTo(this.req.rq, status, { toTag: this.localTag, reason, headers }));
  }

  /** Ends the call from our side: BYE once answered, else 487 Request Terminated. */
  hangUp(): void {
    if (this.state === 'terminated') return;
    if (this.state !== 'confirmed') return this.reject(487);
    this.state = 'terminated';
    this.stopRetransmitting();
    this.endpoint.send(this.req.transport, this.dialog.request('BYE'), () => undefined);
  }

  /** CANCEL of this INVITE (same Call-ID, CSeq number and top Via branch). */
  cancel(req: IncomingRequest): void {
    req.reply(responseTo(req.rq, 200, { toTag: this.localTag }));
    if (this.finished) return;
    this.reject(487);
    this.listener.cancelled();
  }

  /** An in-dialog request (ACK, BYE, re-INVITE); false when it is not this dialog's. */
  handle(req: IncomingRequest): boolean {
    const { rq } = req;
    if (!this.dialog.matches(rq)) return false;
    if (rq.method === 'ACK') {
      const first = this.okResponse !== undefined;
      this.stopRetransmitting();
      if (first && this.ackListener) this.ackListener(rq.content?.trim() ? rq.content : undefined);
    } else if (rq.method === 'BYE') {
      req.reply(responseTo(rq, 200));
      this.stopRetransmitting();
      if (this.state !== 'terminated') {
        this.state = 'terminated';
        this.listener.hungUp();
      }
    } else if (rq.method === 'INVITE') {
      const sdp = this.answerReinvite(rq);
      if (sdp === null) req.reply(responseTo(rq, 488));
      else req.reply(responseTo(rq, 200, { contact: this.dialog.contact, ...(sdp !== undefined ? { sdp } : {}) }));
    } else {
      req.reply(responseTo(rq, 200));
    }
    return true;
  }

  /** Stops the timers (on ACK, end, or shutdown). */
  stopRetransmitting(): void {
    this.okResponse = undefined;
    clearTimeout(this.retransmit);
    clearTimeout(this.giveUp);
  }
}
