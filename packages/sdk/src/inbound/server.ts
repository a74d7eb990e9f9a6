import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { etagOfDocument, ifNoneMatchHits } from '@riptrunk/ript';
import { ClientError } from '../http.js';
import { CallStreams } from './call-streams.js';
import { InboundCallSweeper } from './call-sweeper.js';
import { CallsResource, type CallListener } from './calls-resource.js';
import { HandlersResource } from './handlers-resource.js';
import {
  closeExchange,
  HttpProblem,
  sendJson,
  sendProblem,
  tokenMatches,
  type InboundRequest,
  type InboundResponse,
} from './http.js';
import type { InboundCall } from './inbound-call.js';
import { inboundSettings, type InboundServerOptions, type InboundSettings } from './options.js';
import { InboundRouter } from './router.js';
import { TlsListener } from './tls-listener.js';

export { DEFAULT_INBOUND_ADVERTISEMENT, DEFAULT_TG_PATH, type InboundServerOptions } from './options.js';
export type { InboundHandler } from './handlers-resource.js';
export type { CallListener } from './calls-resource.js';

/** The consumer TG description this server answers `GET <tg>` with (profile §4). */
export interface ConsumerTgDescription {
  uri: string;
  name: string;
  outbound: { destinations: string[] };
  limits: { 'max-concurrent-calls': number };
  advertisement: string;
  'retry-backoff': number;
  'media-timeout': number;
  links: { handlers: string; calls: string };
}

/** A fresh bearer token for the provider: 256 random bits, base64url. */
export function generateInboundToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The enterprise's consumer TG (profile §1, §4-§7): an HTTPS server (HTTP/2, HTTP/1.1 accepted) in the RIPT server
 * role towards the provider, whose edge places the calls for our numbers here. Framework-free. The pieces: the
 * TLS listener, the router, the handlers and calls resources, the calls' streams, and the sweeper (timers).
 */
export class InboundServer {
  private readonly s: InboundSettings;
  private readonly listener: TlsListener;
  private readonly handlers: HandlersResource;
  private readonly callsResource: CallsResource;
  private readonly streams: CallStreams;
  private readonly sweeper: InboundCallSweeper;
  private readonly router: InboundRouter;
  private token: string;
  /** The token being replaced, accepted until `previousUntil` so that no call is refused while edges catch up. */
  private previous: { token: string; until: number } | null = null;
  private readonly tokenSeen = new Map<string, () => void>();
  private base = '';

  private constructor(options: InboundServerOptions) {
    this.s = inboundSettings(options);
    this.token = this.s.token;
    this.handlers = new HandlersResource(this.s.ad, () => this.uri);
    this.callsResource = new CallsResource(this.s, this.handlers, () => this.uri);
    this.streams = new CallStreams(this.s.streamsPerCall);
    this.sweeper = new InboundCallSweeper(this.callsResource.calls, this.s);
    this.router = new InboundRouter(this.s.tgPath, (presented) => this.accepts(presented), {
      tg: (req, res) => this.getTg(req, res),
      handlers: (method, req, res) => this.handlers.collection(method, req, res),
      handler: (method, id, req, res) => this.handlers.item(method, id, req, res),
      postCall: (req, res) => this.callsResource.post(req, res),
      call: (id) => this.callsResource.calls.get(id),
      getCall: (call, res) => sendJson(res, 200, call.describe(true)),
      events: (method, call, req, res) =>
        method === 'GET' ? this.streams.getEvents(call, res) : this.streams.putEvents(call, req, res),
      media: (method, call, req, res) =>
        method === 'GET' ? this.streams.getMedia(call, res) : this.streams.putMedia(call, req, res),
    });
    this.listener = new TlsListener(options, (req, res) => this.handle(req, res), options.http2Limits);
  }

  /** Starts a server and waits until it listens. */
  static async listen(options: InboundServerOptions): Promise<InboundServer> {
    const s = new InboundServer(options);
    await s.listener.listen(options.port ?? 0, options.host ?? '127.0.0.1');
    s.base = (options.publicUrl ?? `https://localhost:${s.port}`).replace(/\/+$/, '');
    if (!s.base.startsWith('https://')) {
      await s.close();
      throw new ClientError('publicUrl must be an https URL', 'inbound');
    }
    s.sweeper.start();
    return s;
  }

  get port(): number {
    return this.listener.port;
  }

  /** The consumer TG URI to register with the provider. */
  get uri(): string {
    return `${this.base}${this.s.tgPath}`;
  }

  /** The bearer token the provider presents now. */
  get currentToken(): string {
    return this.token;
  }

  /** Replaces the bearer token the provider must present (after rotating it with the provider). */
  setToken(token: string): void {
    this.token = token;
    this.previous = null;
  }

  /**
   * Starts accepting `token` while the current one stays valid for `overlapMs` more (a rotation: the provider's
   * edges learn the new token a moment after its control plane does).
   */
  rotateToken(token: string, overlapMs: number): void {
    this.previous = { token: this.token, until: Date.now() + overlapMs };
    this.token = token;
  }

  /** Resolves when a request first presents `token` (the provider verifying a rotated token). */
  tokenUsed(token: string): Promise<void> {
    return new Promise((resolve) => this.tokenSeen.set(token, resolve));
  }

  private accepts(presented: string | undefined): boolean {
    if (tokenMatches(presented, this.token)) {
      const seen = this.tokenSeen.get(this.token);
      if (seen) {
        this.tokenSeen.delete(this.token);
        seen();
      }
      return true;
    }
    const previous = this.previous;
    if (previous && Date.now() < previous.until) return tokenMatches(presented, previous.token);
    return false;
  }

  /** The application: called with every new call, after the provider got its 201. */
  onCall(listener: CallListener): void {
    this.callsResource.onCall(listener);
  }

  /** Calls not ended yet. */
  get liveCalls(): InboundCall[] {
    return this.callsResource.live;
  }

  description(): ConsumerTgDescription {
    return {
      uri: this.uri,
      name: this.s.name,
      outbound: { destinations: this.s.destinations },
      limits: { 'max-concurrent-calls': this.s.maxConcurrentCalls },
      advertisement: this.s.advertisement,
      'retry-backoff': this.s.retryBackoffMs,
      'media-timeout': this.s.mediaTimeoutMs,
      links: { handlers: `${this.uri}/handlers`, calls: `${this.uri}/calls` },
    };
  }

  /** Ends live calls (`end`, reason `shutdown`), stops listening, and cuts connections after `graceMs`. */
  async close(graceMs = 500): Promise<void> {
    if (this.callsResource.closing) return;
    this.callsResource.closing = true;
    this.sweeper.stop();
    for (const call of this.callsResource.calls.values()) call.finish('ended', 'shutdown', false);
    await this.listener.close(graceMs);
  }

  private handle(req: InboundRequest, res: InboundResponse): void {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    this.router.route(req, res).catch((err: unknown) => {
      if (err instanceof HttpProblem) sendProblem(res, err);
      else sendProblem(res, new HttpProblem(500, 'internal-error', (err as Error).message ?? 'internal error'));
      if ((req.method === 'PUT' || req.method === 'POST') && !req.readableEnded) closeExchange(req, res);
    });
  }

  /** `GET <tg>`: the description, with an ETag (304 for If-None-Match). */
  private getTg(req: InboundRequest, res: InboundResponse): void {
    const doc = this.description();
    const etag = etagOfDocument(doc);
    const headers = { etag, 'cache-control': 'private, max-age=60' };
    if (ifNoneMatchHits(req.headers['if-none-match'], etag)) {
      (res as ServerResponse).writeHead(304, headers);
      res.end();
      return;
    }
    sendJson(res, 200, doc, headers);
  }
}
