import type { NameAddr, SipRequest, SipResponse } from './sip-messages.js';
import type { SipTransport } from './sip-endpoint.js';

/** One SIP dialog as RFC 3261 §12 keeps it: ids, the remote target, the route set and the local CSeq. */
export class Dialog {
  private localSeq: number;

  private constructor(
    readonly transport: SipTransport,
    readonly callId: string,
    readonly localTag: string,
    readonly remoteTag: string,
    readonly localUri: string,
    readonly remoteUri: string,
    public remoteTarget: string,
    readonly routeSet: NameAddr[],
    readonly contact: NameAddr,
    localSeq: number,
  ) {
    this.localSeq = localSeq;
  }

  /** The caller's dialog, from the INVITE it sent and the 2xx it got (§12.1.2). */
  static asCaller(transport: SipTransport, invite: SipRequest, ok: SipResponse, contact: NameAddr): Dialog {
    const target = firstContact(ok) ?? invite.uri;
    return new Dialog(
      transport,
      invite.headers['call-id']!,
      String(invite.headers.from!.params.tag),
      String(ok.headers.to?.params.tag ?? ''),
      invite.headers.from!.uri,
      invite.headers.to!.uri,
      target,
      [...(ok.headers['record-route'] ?? [])].reverse(),
      contact,
      invite.headers.cseq!.seq,
    );
  }

  /** The callee's dialog, from the INVITE it received and the To tag it answers with (§12.1.1). */
  static asCallee(transport: SipTransport, invite: SipRequest, localTag: string, contact: NameAddr): Dialog {
    return new Dialog(
      transport,
      invite.headers['call-id']!,
      localTag,
      String(invite.headers.from!.params.tag ?? ''),
      invite.headers.to!.uri,
      invite.headers.from!.uri,
      firstContact(invite) ?? invite.headers.from!.uri,
      [...(invite.headers['record-route'] ?? [])],
      contact,
      0,
    );
  }

  /** Whether an in-dialog request belongs here (Call-ID and both tags, §12.2.2). */
  matches(rq: SipRequest): boolean {
    return (
      rq.headers['call-id'] === this.callId &&
      String(rq.headers.to?.params.tag ?? '') === this.localTag &&
      String(rq.headers.from?.params.tag ?? '') === this.remoteTag
    );
  }

  /** A new in-dialog request (BYE, re-INVITE) with the next CSeq. */
  request(method: string, extra: { sdp?: string; headers?: Record<string, string> } = {}): SipRequest {
    return this.build(method, ++this.localSeq, extra);
  }

  /** The ACK of a 2xx: same CSeq number as its INVITE (§13.2.2.4). */
  ack(inviteSeq: number): SipRequest {
    return this.build('ACK', inviteSeq, {});
  }

  private build(method: string, seq: number, extra: { sdp?: string; headers?: Record<string, string> }): SipRequest {
    const rq: SipRequest = {
      method,
      uri: this.remoteTarget,
      headers: {
        to: { uri: this.remoteUri, params: { tag: this.remoteTag } },
        from: { uri: this.localUri, params: { tag: this.localTag } },
        'call-id': this.callId,
        cseq: { seq, method },
        via: [],
        contact: [this.contact],
        'max-forwards': '70',
      },
    };
    if (this.routeSet.length) rq.headers.route = this.routeSet;
    for (const [name, value] of Object.entries(extra.headers ?? {})) rq.headers[name.toLowerCase()] = value;
    if (extra.sdp !== undefined) {
      rq.headers['content-type'] = 'application/sdp';
      rq.content = extra.sdp;
    }
    return rq;
  }
}

function firstContact(m: SipRequest | SipResponse): string | undefined {
  const contact = m.headers.contact;
  return Array.isArray(contact) && contact[0] ? contact[0].uri : undefined;
}
