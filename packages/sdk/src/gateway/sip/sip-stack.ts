import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import sip from 'sip';
import type { Remote, SipRequest, SipResponse } from './sip-messages.js';

/** Where a request goes: one transport address (the next hop). */
export interface SipHop {
  protocol: 'UDP' | 'TCP';
  address: string;
  port: number;
}

/**
 * One SIP stack on one transport, assembled from the `sip` package's transport and transaction layers. Its own
 * `create()` is not used: it takes a request for a host named like ours as addressed to itself (its flow tokens),
 * which is wrong for a gateway whose peer shares its host, and it picks next hops by DNS where we know the hop.
 */
export class SipStack {
  private readonly transport: sip.Transport;
  private readonly transactions: sip.TransactionLayer;

  constructor(
    options: sip.StackOptions,
    onRequest: (rq: SipRequest, remote: Remote) => void,
    private readonly onError: (err: unknown) => void,
  ) {
    this.transport = sip.makeTransport(options, (m, remote) => {
      try {
        this.receive(m, remote, onRequest);
      } catch (err) {
        onError(err);
      }
    });
    this.transactions = sip.makeTransactionLayer(options, this.transport.open.bind(this.transport));
  }

  private receive(m: sip.SipMessage, remote: Remote, onRequest: (rq: SipRequest, remote: Remote) => void): void {
    if ('method' in m && m.method) {
      const existing = this.transactions.getServer(m);
      if (existing) return existing.message?.(m, remote); // a retransmission: the transaction answers it
      if (m.method === 'ACK') return onRequest(m, remote); // the ACK of a 2xx belongs to the dialog
      const flow = this.transport.get(remote);
      if (!flow) return;
      const transaction = this.transactions.createServerTransaction(m, flow);
      try {
        onRequest(m, remote);
      } catch (err) {
        transaction.send(sip.makeResponse(m, 500, 'Server Internal Error'));
        throw err;
      }
      return;
    }
    this.transactions.getClient(m)?.message(m, remote);
  }

  /** A response, through the server transaction of its request. */
  respond(rs: SipResponse): void {
    this.transactions.getServer(rs)?.send(rs);
  }

  /**
   * A request to `hop`: a client transaction (CANCEL reuses its INVITE's Via; others get a new top Via), or, for
   * the ACK of a 2xx, straight to the transport. A transport error answers the transaction with 503.
   */
  request(rq: SipRequest, hop: SipHop, onResponse: (rs: SipResponse) => void = () => undefined): void {
    rq.headers.via ??= [];
    if (rq.method === 'ACK') {
      if (rq.headers.via.length === 0) rq.headers.via.unshift({ params: { branch: sip.generateBranch() } });
      const cn = this.transport.open(hop, this.onError);
      try {
        cn.send(rq);
      } finally {
        cn.release();
      }
      return;
    }
    if (rq.method !== 'CANCEL') rq.headers.via.unshift({ params: {} });
    let client: sip.ClientTransaction | undefined = undefined;
    const cn = this.transport.open(hop, () => client?.message(sip.makeResponse(rq, 503, 'Service Unavailable')));
    client = this.transactions.createClientTransaction(cn, rq, onResponse);
  }

  destroy(): void {
    this.transactions.destroy();
    this.transport.destroy();
  }
}

/** The next hop of a request: its first Route (loose routing), else its Request-URI; names resolved once. */
export async function nextHop(rq: SipRequest, fallbackProtocol: 'UDP' | 'TCP'): Promise<SipHop | null> {
  const target = rq.headers.route?.[0]?.uri ?? rq.uri;
  const uri = sip.parseUri(target);
  if (!uri) return null;
  const transport = String(uri.params.transport ?? '').toUpperCase();
  const protocol = transport === 'TCP' ? 'TCP' : transport === 'UDP' ? 'UDP' : fallbackProtocol;
  let address = uri.host.replace(/^\[|\]$/g, '');
  if (!isIP(address)) {
    try {
      address = (await lookup(address)).address;
    } catch {
      return null;
    }
  }
  return { protocol, address, port: uri.port || 5060 };
}
