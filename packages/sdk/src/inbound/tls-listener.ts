import type { AddressInfo, Socket } from 'node:net';
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import { enforceConnectionLimits, HTTP2_LIMIT_DEFAULTS, http2ServerOptions, type Http2Limits } from '@riptrunk/ript';
import type { InboundRequest, InboundResponse } from './http.js';

/**
 * The HTTPS side of the inbound server: HTTP/2 with HTTP/1.1 accepted, its sessions and sockets tracked so that
 * close() can end them politely and then cut them.
 */
export class TlsListener {
  private readonly server: Http2SecureServer;
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly sockets = new Set<Socket>();

  constructor(
    tls: { cert: string | Buffer; key: string | Buffer },
    handle: (req: InboundRequest, res: InboundResponse) => void,
    limits: Partial<Http2Limits> = {},
  ) {
    const all = { ...HTTP2_LIMIT_DEFAULTS, ...limits };
    this.server = createSecureServer(
      { cert: tls.cert, key: tls.key, allowHTTP1: true, ...http2ServerOptions(all) },
      handle,
    );
    enforceConnectionLimits(this.server, all);
    this.server.on('session', (session) => {
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
      session.on('error', () => undefined);
    });
    this.server.on('secureConnection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Waits until the server listens. */
  listen(port: number, host: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops listening, asks every session to close, and cuts what is still open after `graceMs`. */
  async close(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.sessions) session.close();
    const timer = setTimeout(() => {
      for (const session of this.sessions) session.destroy();
      for (const socket of this.sockets) socket.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
  }
}
