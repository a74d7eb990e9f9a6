import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import sip from 'sip';
import { ClientError } from '../../http.js';
import { type SipListen, uriHost } from './sip-addresses.js';
import {
  ALLOW_HEADER,
  ALLOWED_METHODS,
  responseTo,
  type Remote,
  type SipRequest,
  type SipResponse,
} from './sip-messages.js';
import { nextHop, SipStack } from './sip-stack.js';

export type SipTransport = 'udp' | 'tcp';

/** A request as it arrived, with the way back to its sender. */
export interface IncomingRequest {
  rq: SipRequest;
  remote: Remote;
  transport: SipTransport;
  reply(rs: SipResponse): void;
}

export interface SipEndpointOptions {
  /** The address put in Via and Contact (default: the listen address). */
  publicAddress?: string;
  onRequest(req: IncomingRequest): void;
  onError?(err: unknown): void;
}

/** Fails early, with a clear message, when a listen address is taken (the stack would crash the process). */
async function checkFree(listen: SipListen): Promise<void> {
  const what = `${listen.transport}:${uriHost(listen.host)}:${listen.port}`;
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => reject(new ClientError(`SIP listen ${what}: ${err.message}`, 'sip-listen'));
    if (listen.transport === 'udp') {
      const s = createSocket(listen.host.includes(':') ? 'udp6' : 'udp4');
      s.once('error', fail);
      s.bind(listen.port, listen.host, () => s.close(() => resolve()));
    } else {
      const s = createServer();
      s.once('error', fail);
      s.listen(listen.port, listen.host, () => s.close(() => resolve()));
    }
  });
}

/**
 * The gateway's SIP transports (UDP and/or TCP, one `sip` stack each): RFC 3261 transactions, retransmissions and
 * timers are the stack's; this class routes requests and responses through the stack they belong to.
 */
export class SipEndpoint {
  private readonly stacks = new Map<SipTransport, { stack: SipStack; listen: SipListen }>();

  private constructor(private readonly options: SipEndpointOptions) {}

  static async open(listens: SipListen[], options: SipEndpointOptions): Promise<SipEndpoint> {
    const endpoint = new SipEndpoint(options);
    for (const listen of listens) await checkFree(listen);
    for (const listen of listens) {
      const stack = new SipStack(
        {
          address: listen.host,
          port: listen.port,
          publicAddress: options.publicAddress ?? listen.host,
          udp: listen.transport === 'udp',
          tcp: listen.transport === 'tcp',
          // Bounded: a header block or body past these closes a TCP flow (the stack's flood guard).
          maxBytesHeaders: 16_384,
          maxContentLength: 65_536,
        },
        (rq, remote) => endpoint.dispatch(listen.transport, rq, remote),
        (e) => options.onError?.(e),
      );
      endpoint.stacks.set(listen.transport, { stack, listen });
    }
    return endpoint;
  }

  get transports(): SipTransport[] {
    return [...this.stacks.keys()];
  }

  /** The address and port of one transport, as the peer should reach us. */
  address(transport: SipTransport): { host: string; port: number } {
    const entry = this.stack(transport);
    return { host: this.options.publicAddress ?? entry.listen.host, port: entry.listen.port };
  }

  /** Our Contact for dialogs on `transport`. */
  contact(transport: SipTransport, user = 'gw'): { uri: string; params: Record<string, string> } {
    const { host, port } = this.address(transport);
    const suffix = transport === 'tcp' ? ';transport=tcp' : '';
    return { uri: `sip:${user}@${uriHost(host)}:${port}${suffix}`, params: {} };
  }

  /**
   * Sends a request to its next hop (its first Route, else its Request-URI): a new client transaction, or for the
   * ACK of a 2xx straight to the transport. A hop that does not resolve answers 503 (as a dead hop would).
   */
  send(transport: SipTransport, rq: SipRequest, onResponse: (rs: SipResponse) => void = () => undefined): void {
    const { stack } = this.stack(transport);
    void nextHop(rq, transport === 'tcp' ? 'TCP' : 'UDP').then((hop) => {
      if (!hop) {
        if (rq.method !== 'ACK') onResponse(sip.makeResponse(rq, 503, 'Service Unavailable'));
        return;
      }
      stack.request(rq, hop, onResponse);
    });
  }

  /** Sends a response through the server transaction of its request. */
  respond(transport: SipTransport, rs: SipResponse): void {
    this.stack(transport).stack.respond(rs);
  }

  close(): void {
    for (const { stack } of this.stacks.values()) stack.destroy();
    this.stacks.clear();
  }

  private stack(transport: SipTransport): { stack: SipStack; listen: SipListen } {
    const entry = this.stacks.get(transport);
    if (!entry) throw new ClientError(`the gateway does not listen on ${transport}`, 'sip-transport');
    return entry;
  }

  private dispatch(transport: SipTransport, rq: SipRequest, remote: Remote): void {
    const reply = (rs: SipResponse) => this.respond(transport, rs);
    if (!rq.headers.cseq || rq.headers.cseq.method.toUpperCase() !== rq.method.toUpperCase()) {
      if (rq.method !== 'ACK') reply(responseTo(rq, 400, { reason: 'CSeq method does not match' }));
      return;
    }
    if (!(ALLOWED_METHODS as readonly string[]).includes(rq.method)) {
      reply(responseTo(rq, 501, { headers: { Allow: ALLOW_HEADER } }));
      return;
    }
    try {
      this.options.onRequest({ rq, remote, transport, reply });
    } catch (err) {
      this.options.onError?.(err);
      if (rq.method !== 'ACK') reply(responseTo(rq, 500));
    }
  }
}
