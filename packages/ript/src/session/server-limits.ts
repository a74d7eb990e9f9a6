import type { Http2SecureServer, SecureServerOptions, ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';

/** What one peer may hold on an HTTP/2 (or HTTP/1.1 fallback) server of ours before it is cut off. */
export interface Http2Limits {
  /** Streams open at once in one session (SETTINGS_MAX_CONCURRENT_STREAMS); per-call stream caps apply on top. */
  maxConcurrentStreams: number;
  /** Memory nghttp2 may use per session, in MB; past it new streams are refused with ENHANCE_YOUR_CALM. */
  maxSessionMemoryMb: number;
  /** Largest decoded header list (SETTINGS_MAX_HEADER_LIST_SIZE), bytes. */
  maxHeaderListSize: number;
  /**
   * A connection with no request open must finish the TLS handshake and a request's headers within this time
   * (so a client sending its headers byte by byte, or an idle connection, is cut off).
   */
  headersTimeoutMs: number;
  /** TCP connections open at once from one source address. */
  maxConnectionsPerAddress: number;
}

/**
 * The defaults. Streams and memory are sized for media: a PBX or gateway carries all its calls on one session, four
 * long-lived streams a call, so 2000 streams hold 500 calls (their frames buffered within 64 MB).
 */
export const HTTP2_LIMIT_DEFAULTS: Readonly<Http2Limits> = {
  maxConcurrentStreams: 2000,
  maxSessionMemoryMb: 64,
  maxHeaderListSize: 16 * 1024,
  headersTimeoutMs: 10_000,
  maxConnectionsPerAddress: 256,
};

/** Options for `createSecureServer` that carry the limits (settings advertised to every peer). */
export function http2ServerOptions(limits: Http2Limits): SecureServerOptions {
  return {
    settings: { maxConcurrentStreams: limits.maxConcurrentStreams, maxHeaderListSize: limits.maxHeaderListSize },
    maxSessionMemory: limits.maxSessionMemoryMb,
    maxHeaderListPairs: 128,
    handshakeTimeout: limits.headersTimeoutMs,
    unknownProtocolTimeout: limits.headersTimeoutMs,
  };
}

/**
 * Enforces what settings alone cannot: a cap on connections per source address, and the headers deadline on
 * connections that have no request open (at start, and again whenever the last stream of a session closes).
 */
export function enforceConnectionLimits(server: Http2SecureServer, limits: Http2Limits): void {
  const perAddress = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (perAddress.get(address) ?? 0) + 1;
    if (count > limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    perAddress.set(address, count);
    // The TLS handshake is bounded by handshakeTimeout (http2ServerOptions).
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    });
  });
  // HTTP/1.1 connections (allowHTTP1): the first request's headers must arrive in time.
  const http1Deadlines = new WeakMap<Socket, NodeJS.Timeout>();
  server.on('secureConnection', (socket: Socket & { alpnProtocol?: string | false }) => {
    if (socket.alpnProtocol === 'h2') return; // sessions are watched below
    const deadline = setTimeout(() => socket.destroy(), limits.headersTimeoutMs);
    deadline.unref();
    http1Deadlines.set(socket, deadline);
    socket.once('close', () => clearTimeout(deadline));
  });
  server.on('request', (request: { httpVersionMajor: number; socket: Socket }) => {
    if (request.httpVersionMajor === 1) clearTimeout(http1Deadlines.get(request.socket));
  });
  server.on('session', (session: ServerHttp2Session) => {
    let open = 0;
    let idle: NodeJS.Timeout | undefined;
    const startIdle = () => {
      idle = setTimeout(() => {
        session.close();
        setTimeout(() => session.destroy(), 1000).unref();
      }, limits.headersTimeoutMs);
      idle.unref();
    };
    startIdle();
    session.on('stream', (stream) => {
      open++;
      clearTimeout(idle);
      stream.once('close', () => {
        open--;
        if (open === 0 && !session.closed && !session.destroyed) startIdle();
      });
    });
    session.once('close', () => clearTimeout(idle));
  });
}
