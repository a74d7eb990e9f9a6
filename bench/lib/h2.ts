import { connect as tlsConnect } from 'node:tls';
import { Client } from 'undici';

/** How the in-flight requests are spread: `connections` HTTP/2 connections × `streams` concurrent streams on each. */
export interface H2Layout {
  connections: number;
  streams: number;
}

export const layoutName = (l: H2Layout) => `${l.connections}x${l.streams}`;

export interface H2ConnectionStats {
  connections: number;
  streamsPerConnection: number;
  /** TLS connections established while sampled (one per connection unless something reconnected). */
  connects: number;
  disconnects: number;
  /** The most streams seen in flight on one connection (undici's `running`), sampled every 20 ms. */
  maxStreamsInFlightPerConnection: number;
}

/**
 * A fixed set of HTTP/2 connections, one undici Client each, allowed `streams` requests in flight. (An Agent with
 * allowH2 and the default pipelining of 1 runs one stream per connection and opens a connection per in-flight
 * request.) Worker w of a closed-loop run uses connection w mod connections, so `connections × streams` workers put
 * exactly `streams` streams on every connection.
 */
export class H2Connections {
  readonly clients: Client[];
  private connects = 0;
  private disconnects = 0;
  private maxRunning = 0;
  private sampler?: NodeJS.Timeout;

  constructor(
    origin: string,
    ca: string,
    readonly layout: H2Layout,
  ) {
    this.clients = Array.from({ length: layout.connections }, () => {
      const client = new Client(origin, { allowH2: true, pipelining: layout.streams, connect: { ca } });
      client.on('connect', () => this.connects++);
      client.on('disconnect', () => this.disconnects++);
      return client;
    });
  }

  get concurrency(): number {
    return this.layout.connections * this.layout.streams;
  }

  forWorker(worker: number): Client {
    return this.clients[worker % this.clients.length];
  }

  /** Starts counting connects and sampling streams in flight; the returned function stops and reports. */
  sample(): () => H2ConnectionStats {
    this.connects = this.disconnects = this.maxRunning = 0;
    this.sampler = setInterval(() => {
      for (const client of this.clients) this.maxRunning = Math.max(this.maxRunning, client.stats.running);
    }, 20);
    return () => {
      clearInterval(this.sampler);
      return {
        connections: this.layout.connections,
        streamsPerConnection: this.layout.streams,
        connects: this.connects,
        disconnects: this.disconnects,
        maxStreamsInFlightPerConnection: this.maxRunning,
      };
    };
  }

  async close(): Promise<void> {
    clearInterval(this.sampler);
    await Promise.all(this.clients.map((c) => c.close().catch(() => undefined)));
  }
}

/** The protocol a server picks by ALPN when offered h2 and http/1.1. */
export function negotiatedProtocol(origin: string, ca: string): Promise<string | false> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      { host: hostname, port: Number(port), ca, servername: hostname, ALPNProtocols: ['h2', 'http/1.1'] },
      () => {
        const protocol = socket.alpnProtocol ?? false;
        socket.end();
        resolve(protocol);
      },
    );
    socket.once('error', reject);
  });
}
