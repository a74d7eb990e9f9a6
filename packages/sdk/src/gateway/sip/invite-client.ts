import { Dialog } from './dialog.js';
import type { IncomingRequest, SipEndpoint, SipTransport } from './sip-endpoint.js';
import { ALLOW_HEADER, newCallId, newTag, responseTo, type SipRequest, type SipResponse } from './sip-messages.js';

export interface OutgoingInvite {
  transport: SipTransport;
  requestUri: string;
  from: string;
  to: string;
  sdp?: string;
  /** Extra headers (P-Asserted-Identity, Identity...). */
  headers?: Record<string, string>;
}

export interface InviteClientListener {
  /** 18x; `rs.content` may carry early-media SDP. */
  provisional(rs: SipResponse): void;
  /** The first 2xx (already ACKed). */
  answered(rs: SipResponse): void;
  /** A final answer ≥ 300 (the stack ACKs it), or a timeout (408 from us). */
  rejected(rs: SipResponse): void;
  /** The other side ended the dialog with BYE. */
  hungUp(): void;
}

export type InviteClientState = 'calling' | 'early' | 'confirmed' | 'terminated';

/**
 * The caller's side of one INVITE (RFC 3261 §13.2): sends it, ACKs the 2xx (and its retransmissions), CANCELs
 * before an answer, BYEs after one, and answers the other side's BYE.
 */
export class InviteClient {
  state: InviteClientState = 'calling';
  readonly callId: string;
  private readonly invite: SipRequest;
  private dialog?: Dialog;
  private cancelWanted = false;
  private provisionalSeen = false;
  /** A 2xx that crossed our CANCEL got its BYE (sent once). */
  private byeAfterLateAnswer = false;
  private reinvite?: (offer: string | undefined) => string;

  constructor(
    private readonly endpoint: SipEndpoint,
    private readonly call: OutgoingInvite,
    private readonly listener: InviteClientListener,
  ) {
    this.callId = newCallId(endpoint.address(call.transport).host);
    this.invite = {
      method: 'INVITE',
      uri: call.requestUri,
      headers: {
        to: { uri: call.to, params: {} },
        from: { uri: call.from, params: { tag: newTag() } },
        'call-id': this.callId,
        cseq: { seq: 1, method: 'INVITE' },
        via: [],
        contact: [endpoint.contact(call.transport)],
        'max-forwards': '70',
        allow: ALLOW_HEADER,
        supported: 'timer',
      },
    };
    for (const [name, value] of Object.entries(call.headers ?? {})) this.invite.headers[name.toLowerCase()] = value;
    if (call.sdp !== undefined) {
      this.invite.headers['content-type'] = 'application/sdp';
      this.invite.content = call.sdp;
    }
  }

  /** Answers re-INVITEs from the callee with `answer(offer)` (throws: 488); without one, with our first offer. */
  onReinvite(answer: (offer: string | undefined) => string): void {
    this.reinvite = answer;
  }

  /** Sends the INVITE. */
  start(): void {
    this.endpoint.send(this.call.transport, this.invite, (rs) => this.onResponse(rs));
  }

  /** Ends the call: CANCEL before an answer, BYE after it; nothing once terminated. */
  hangUp(): void {
    if (this.state === 'terminated') return;
    if (this.state === 'confirmed' && this.dialog) {
      this.state = 'terminated';
      this.endpoint.send(this.call.transport, this.dialog.request('BYE'), () => undefined);
      return;
    }
    // CANCEL only once a provisional response came (§9.1); until then remember to send it.
    this.cancelWanted = true;
    if (this.provisionalSeen) this.sendCancel();
  }

  /** An in-dialog request from the callee (BYE, re-INVITE); false when it is not this dialog's. */
  handle(req: IncomingRequest): boolean {
    if (!this.dialog?.matches(req.rq)) return false;
    const { rq } = req;
    if (rq.method === 'BYE') {
      req.reply(responseTo(rq, 200));
      if (this.state !== 'terminated') {
        this.state = 'terminated';
        this.listener.hungUp();
      }
    } else if (rq.method === 'INVITE') {
      // hold, resume or a session refresh from the callee
      let sdp = this.call.sdp;
      if (this.reinvite) {
        try {
          sdp = this.reinvite(rq.content?.trim() ? rq.content : undefined);
        } catch {
          req.reply(responseTo(rq, 488));
          return true;
        }
      }
      req.reply(
        responseTo(rq, 200, {
          contact: this.endpoint.contact(this.call.transport),
          ...(sdp !== undefined ? { sdp } : {}),
        }),
      );
    } else if (rq.method !== 'ACK') {
      req.reply(responseTo(rq, 200));
    }
    return true;
  }

  private sendCancel(): void {
    const cancel: SipRequest = {
      method: 'CANCEL',
      uri: this.invite.uri,
      headers: {
        to: this.invite.headers.to,
        from: this.invite.headers.from,
        'call-id': this.callId,
        cseq: { seq: this.invite.headers.cseq!.seq, method: 'CANCEL' },
        via: this.invite.headers.via?.slice(0, 1),
        'max-forwards': '70',
      },
    };
    this.endpoint.send(this.call.transport, cancel, () => undefined);
  }

  private onResponse(rs: SipResponse): void {
    if (rs.status < 200) {
      if (rs.status === 100) return;
      const first = !this.provisionalSeen;
      this.provisionalSeen = true;
      if (this.cancelWanted && first) return this.sendCancel();
      if (this.state === 'calling') this.state = 'early';
      if (!this.cancelWanted) this.listener.provisional(rs);
      return;
    }
    if (rs.status < 300) return this.onSuccess(rs);
    if (this.state === 'terminated' || this.state === 'confirmed') return;
    this.state = 'terminated';
    this.listener.rejected(rs);
  }

  private onSuccess(rs: SipResponse): void {
    if (!this.dialog) {
      this.dialog = Dialog.asCaller(this.call.transport, this.invite, rs, this.endpoint.contact(this.call.transport));
    }
    // Every 2xx (retransmissions too) gets its ACK from us, not from the transaction (§13.2.2.4).
    this.endpoint.send(this.call.transport, this.dialog.ack(this.invite.headers.cseq!.seq));
    if (this.state === 'confirmed' || this.state === 'terminated') {
      if (this.state === 'terminated' && this.cancelWanted && !this.byeAfterLateAnswer) {
        this.byeAfterLateAnswer = true;
        this.endpoint.send(this.call.transport, this.dialog.request('BYE'), () => undefined);
      }
      return;
    }
    if (this.cancelWanted) {
      // The answer crossed our CANCEL: the call exists now, so end it with BYE.
      this.state = 'terminated';
      this.byeAfterLateAnswer = true;
      this.endpoint.send(this.call.transport, this.dialog.request('BYE'), () => undefined);
      return;
    }
    this.state = 'confirmed';
    this.listener.answered(rs);
  }
}
