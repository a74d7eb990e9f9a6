import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import {
  type Advertisement,
  CallClock,
  etagOfDocument,
  EventStreamError,
  expiredTimer,
  ifNoneMatchHits,
  lingerOver,
  EventStreamParser,
  matchesAny,
  parseAdvertisement,
  parseNumberPattern,
  validateClientEvent,
} from '@riptrunk/ript';
import { ClientError } from '../http.js';
import {
  bearerOf,
  closeExchange,
  HttpProblem,
  openStream,
  readJson,
  sendJson,
  sendProblem,
  tokenMatches,
  type InboundRequest,
  type InboundResponse,
} from './http.js';
import { InboundCall } from './inbound-call.js';
import { directivesFor, handlerIdOf, HANDLER_ID, parseCallRequest, parseHandlerRequest } from './requests.js';

export const DEFAULT_INBOUND_ADVERTISEMENT = '1 in: PCMU; PCMA; telephone-event; 1 out: PCMU; PCMA; telephone-event;';
export const DEFAULT_TG_PATH = '/ript/v1/tgs/in';

export interface InboundServerOptions {
  /** TLS certificate chain and private key (PEM). */
  cert: string | Buffer;
  key: string | Buffer;
  /** The bearer token the provider must present (the one registered with it). */
  token: string;
  /** The numbers this TG accepts calls for (E.164, ranges `+A-+B`, prefixes `+1*`). */
  destinations: string[];
  /** Default 0 (a free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The origin the provider reaches this server at; default https://localhost:<port>. */
  publicUrl?: string;
  tgPath?: string;
  name?: string;
  /** What this TG sinks ("in") and sources ("out"); default G.711 both ways. */
  advertisement?: string;
  maxConcurrentCalls?: number;
  /** A call the application has not answered by then ends with `noanswer` (default 30 s). */
  answerTimeoutMs?: number;
  /** An answered call without media from the provider for this long fails with `media-timeout` (default 5 s). */
  mediaTimeoutMs?: number;
  /** A call with no events stream open for this long ends with `no-events-stream` (default 30 s). */
  eventsGraceMs?: number;
  retryBackoffMs?: number;
  /** Ended calls stay readable (GET, final events) this long (default 30 s). */
  endedLingerMs?: number;
  /** Streams of each kind (GET/PUT events, GET/PUT media) per call (default 4). */
  streamsPerCall?: number;
}

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

export interface InboundHandler {
  'handler-id': string;
  advertisement: string;
  uri: string;
}

export type CallListener = (call: InboundCall) => void | Promise<void>;

const MAX_HANDLERS = 100;

/** A fresh bearer token for the provider: 256 random bits, base64url. */
export function generateInboundToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The enterprise's consumer TG (profile §1, §4-§7): an HTTPS server (HTTP/2, HTTP/1.1 accepted) in the RIPT server
 * role towards the provider, whose edge places the calls for our numbers here. Framework-free.
 */
export class InboundServer {
  private readonly server: Http2SecureServer;
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly sockets = new Set<Socket>();
  private readonly handlers = new Map<string, { id: string; advertisement: string; parsed: Advertisement }>();
  private readonly calls = new Map<string, InboundCall>();
  private readonly ad: Advertisement;
  private readonly advertisement: string;
  private readonly destinations: string[];
  private readonly tgPath: string;
  private readonly o: Required<
    Pick<
      InboundServerOptions,
      | 'answerTimeoutMs'
      | 'mediaTimeoutMs'
      | 'eventsGraceMs'
      | 'retryBackoffMs'
      | 'endedLingerMs'
      | 'streamsPerCall'
      | 'maxConcurrentCalls'
      | 'name'
    >
  >;
  private token: string;
  private listener?: CallListener;
  private base = '';
  private readonly clock = new CallClock({ tick: (now) => this.tick(now), sweep: (now) => this.sweep(now) });
  private closing = false;

  private constructor(private readonly options: InboundServerOptions) {
    if (!options.token || !/^[\x21-\x7e]{16,4096}$/.test(options.token)) {
      throw new ClientError('the inbound token must be 16-4096 visible ASCII characters', 'inbound');
    }
    this.token = options.token;
    if (!options.destinations.length) throw new ClientError('the inbound TG needs destinations', 'inbound');
    for (const d of options.destinations) {
      try {
        parseNumberPattern(d);
      } catch (err) {
        throw new ClientError(`destination ${d}: ${(err as Error).message}`, 'inbound');
      }
    }
    this.destinations = [...options.destinations];
    this.advertisement = options.advertisement ?? DEFAULT_INBOUND_ADVERTISEMENT;
    try {
      this.ad = parseAdvertisement(this.advertisement);
    } catch (err) {
      throw new ClientError(`advertisement: ${(err as Error).message}`, 'inbound');
    }
    this.tgPath = (options.tgPath ?? DEFAULT_TG_PATH).replace(/\/+$/, '');
    if (!this.tgPath.startsWith('/')) throw new ClientError('tgPath must start with /', 'inbound');
    this.o = {
      answerTimeoutMs: options.answerTimeoutMs ?? 30_000,
      mediaTimeoutMs: options.mediaTimeoutMs ?? 5_000,
      eventsGraceMs: options.eventsGraceMs ?? 30_000,
      retryBackoffMs: options.retryBackoffMs ?? 2_000,
      endedLingerMs: options.endedLingerMs ?? 30_000,
      streamsPerCall: options.streamsPerCall ?? 4,
      maxConcurrentCalls: options.maxConcurrentCalls ?? 100,
      name: options.name ?? 'riptrunk inbound',
    };
    this.server = createSecureServer({ cert: options.cert, key: options.key, allowHTTP1: true }, (req, res) =>
      this.handle(req, res),
    );
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

  /** Starts a server and waits until it listens. */
  static async listen(options: InboundServerOptions): Promise<InboundServer> {
    const s = new InboundServer(options);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        s.server.off('error', reject);
        resolve();
      });
    });
    s.base = (options.publicUrl ?? `https://localhost:${s.port}`).replace(/\/+$/, '');
    if (!s.base.startsWith('https://')) {
      await s.close();
      throw new ClientError('publicUrl must be an https URL', 'inbound');
    }
    s.clock.start();
    return s;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The consumer TG URI to register with the provider. */
  get uri(): string {
    return `${this.base}${this.tgPath}`;
  }

  /** Replaces the bearer token the provider must present (after rotating it with the provider). */
  setToken(token: string): void {
    this.token = token;
  }

  /** The application: called with every new call, after the provider got its 201. */
  onCall(listener: CallListener): void {
    this.listener = listener;
  }

  /** Calls not ended yet. */
  get liveCalls(): InboundCall[] {
    return [...this.calls.values()].filter((c) => !c.isEnded);
  }

  description(): ConsumerTgDescription {
    return {
      uri: this.uri,
      name: this.o.name,
      outbound: { destinations: this.destinations },
      limits: { 'max-concurrent-calls': this.o.maxConcurrentCalls },
      advertisement: this.advertisement,
      'retry-backoff': this.o.retryBackoffMs,
      'media-timeout': this.o.mediaTimeoutMs,
      links: { handlers: `${this.uri}/handlers`, calls: `${this.uri}/calls` },
    };
  }

  /** Ends live calls (`end`, reason `shutdown`), stops listening, and cuts connections after `graceMs`. */
  async close(graceMs = 500): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.clock.stop();
    for (const call of this.calls.values()) call.finish('ended', 'shutdown', false);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.sessions) session.close();
    const timer = setTimeout(() => {
      for (const session of this.sessions) session.destroy();
      for (const socket of this.sockets) socket.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
  }

  // ------------------------------------------------------------------ routing

  private handle(req: InboundRequest, res: InboundResponse): void {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    this.route(req, res).catch((err: unknown) => {
      if (err instanceof HttpProblem) sendProblem(res, err);
      else sendProblem(res, new HttpProblem(500, 'internal-error', (err as Error).message ?? 'internal error'));
      if ((req.method === 'PUT' || req.method === 'POST') && !req.readableEnded) closeExchange(req, res);
    });
  }

  private async route(req: InboundRequest, res: InboundResponse): Promise<void> {
    if (!tokenMatches(bearerOf(req.headers.authorization), this.token)) {
      throw new HttpProblem(
        401,
        'unauthorized',
        'a valid bearer token is required',
        {},
        {
          'www-authenticate': 'Bearer realm="ript"',
        },
      );
    }
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    const tg = this.tgPath;
    if (path === tg) return this.allow(method, ['GET'], () => this.getTg(req, res));
    if (path === `${tg}/handlers`) {
      return this.allow(method, ['GET', 'POST'], () =>
        method === 'GET'
          ? sendJson(res, 200, { handlers: [...this.handlers.values()].map((h) => this.handlerDoc(h)) })
          : this.postHandler(req, res),
      );
    }
    if (path.startsWith(`${tg}/handlers/`)) {
      const id = decodeSegment(path.slice(tg.length + '/handlers/'.length));
      return this.allow(method, ['GET', 'PUT', 'DELETE'], () => this.handlerRoute(method, id, req, res));
    }
    if (path === `${tg}/calls`) return this.allow(method, ['POST'], () => this.postCall(req, res));
    const m = path.startsWith(`${tg}/`) ? /^\/calls\/([^/]+)(\/events|\/media)?$/.exec(path.slice(tg.length)) : null;
    if (m) {
      const call = this.calls.get(m[1]);
      if (!call) throw new HttpProblem(404, 'call-not-found', `No call ${m[1]}`);
      if (!m[2]) {
        if (method === 'DELETE') {
          throw new HttpProblem(
            405,
            'method-not-allowed',
            'End a call by sending an end event on PUT <call>/events',
            {},
            {
              allow: 'GET',
            },
          );
        }
        return this.allow(method, ['GET'], () => sendJson(res, 200, call.describe(true)));
      }
      return this.allow(method, ['GET', 'PUT'], () =>
        m[2] === '/events'
          ? method === 'GET'
            ? this.getEvents(call, res)
            : this.putEvents(call, req, res)
          : method === 'GET'
            ? this.getMedia(call, res)
            : this.putMedia(call, req, res),
      );
    }
    throw new HttpProblem(404, 'not-found', `No resource at ${path}`);
  }

  private async allow(method: string, allowed: string[], run: () => unknown): Promise<void> {
    if (!allowed.includes(method)) {
      throw new HttpProblem(
        405,
        'method-not-allowed',
        `${method} is not allowed here`,
        {},
        {
          allow: allowed.join(', '),
        },
      );
    }
    await run();
  }

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

  // ------------------------------------------------------------------ handlers

  private handlerUri(id: string): string {
    return `${this.uri}/handlers/${encodeURIComponent(id)}`;
  }

  private handlerDoc(h: { id: string; advertisement: string }): InboundHandler {
    return { 'handler-id': h.id, advertisement: h.advertisement, uri: this.handlerUri(h.id) };
  }

  private async postHandler(req: InboundRequest, res: InboundResponse): Promise<void> {
    const handler = parseHandlerRequest(await readJson(req), this.ad);
    if (this.handlers.has(handler.id)) {
      throw new HttpProblem(409, 'handler-exists', `Handler ${handler.id} is already registered: update it with PUT`, {
        uri: this.handlerUri(handler.id),
      });
    }
    if (this.handlers.size >= MAX_HANDLERS) {
      throw new HttpProblem(409, 'too-many-handlers', `This TG has ${MAX_HANDLERS} handlers already`);
    }
    this.handlers.set(handler.id, handler);
    const doc = this.handlerDoc(handler);
    sendJson(res, 201, doc, { location: doc.uri });
  }

  private async handlerRoute(method: string, id: string | null, req: InboundRequest, res: InboundResponse) {
    const existing = id !== null ? this.handlers.get(id) : undefined;
    if (method === 'PUT') {
      if (id === null || !HANDLER_ID.test(id)) throw new HttpProblem(404, 'handler-not-found', 'No such handler');
      const handler = parseHandlerRequest(await readJson(req), this.ad, id);
      if (!existing && this.handlers.size >= MAX_HANDLERS) {
        throw new HttpProblem(409, 'too-many-handlers', `This TG has ${MAX_HANDLERS} handlers already`);
      }
      this.handlers.set(id, handler);
      const doc = this.handlerDoc(handler);
      return sendJson(res, existing ? 200 : 201, doc, existing ? {} : { location: doc.uri });
    }
    if (!existing) throw new HttpProblem(404, 'handler-not-found', `No handler ${id ?? ''}`);
    if (method === 'GET') return sendJson(res, 200, this.handlerDoc(existing));
    this.handlers.delete(existing.id);
    return sendJson(res, 204, undefined);
  }

  // ------------------------------------------------------------------ calls

  private async postCall(req: InboundRequest, res: InboundResponse): Promise<void> {
    const body = parseCallRequest(await readJson(req));
    if (this.closing) {
      throw new HttpProblem(
        503,
        'shutting-down',
        'This consumer TG is shutting down',
        {},
        {
          'retry-after': String(Math.ceil(this.o.retryBackoffMs / 1000)),
        },
      );
    }
    const handlerId = handlerIdOf(body.handler, `${new URL(this.uri).pathname}/handlers`);
    const handler = handlerId !== null ? this.handlers.get(handlerId) : undefined;
    if (!handler) {
      throw new HttpProblem(409, 'handler-not-registered', `${body.handler} is not a handler registered on this TG`, {
        handler: body.handler,
      });
    }
    if (!matchesAny(this.destinations, body.destination)) {
      throw new HttpProblem(404, 'destination-unreachable', `${body.destination} is not a number of this TG`, {
        destination: body.destination,
      });
    }
    const directives = directivesFor(handler.parsed, this.ad, 409);
    if (this.liveCalls.length >= this.o.maxConcurrentCalls) {
      throw new HttpProblem(
        429,
        'concurrency-limit',
        `This TG has ${this.o.maxConcurrentCalls} calls up already`,
        { limit: 'max-concurrent-calls', value: this.o.maxConcurrentCalls },
        { 'retry-after': String(Math.ceil(this.o.retryBackoffMs / 1000)) },
      );
    }
    const id = randomUUID();
    const call = new InboundCall({
      id,
      uri: `${this.uri}/calls/${id}`,
      handler: body.handler,
      from: body.from,
      to: body.destination,
      ...(body.passport !== undefined ? { passport: body.passport } : {}),
      directives,
    });
    this.calls.set(id, call);
    sendJson(res, 201, call.describe(), { location: call.uri });
    setImmediate(() => this.deliver(call));
  }

  private deliver(call: InboundCall): void {
    if (!this.listener || call.isEnded) return;
    let result: void | Promise<void>;
    try {
      result = this.listener(call);
    } catch {
      call.fail('application-error');
      return;
    }
    if (result && typeof result.then === 'function') result.then(undefined, () => call.fail('application-error'));
  }

  private getEvents(call: InboundCall, res: InboundResponse): void {
    if (!call.isEnded && this.streams(call, 'getEvents') >= this.o.streamsPerCall) throw tooManyStreams();
    openStream(res, 'application/json');
    const handle = call.addEventOutput(res as never);
    this.count(call, 'getEvents', 1);
    res.on('close', () => {
      this.count(call, 'getEvents', -1);
      call.removeEventOutput(handle);
    });
  }

  private putEvents(call: InboundCall, req: InboundRequest, res: InboundResponse): void {
    if (call.isEnded) throw callEnded(call);
    if (this.streams(call, 'putEvents') >= this.o.streamsPerCall) throw tooManyStreams();
    const parser = new EventStreamParser();
    let done = false;
    const exchange = {
      close: () => finish(() => undefined),
    };
    const finish = (answer: () => void) => {
      if (done) return;
      done = true;
      this.count(call, 'putEvents', -1);
      call.removeExchange(exchange, true);
      req.off('data', onData);
      answer();
      closeExchange(req, res);
    };
    const reject = (problem: HttpProblem) => finish(() => sendProblem(res, problem));
    const onData = (chunk: Buffer) => {
      let values: Record<string, unknown>[];
      try {
        values = parser.push(chunk);
      } catch (err) {
        return reject(streamProblem(err));
      }
      for (const value of values) {
        const checked = validateClientEvent(value, call.uri);
        if (!checked.ok) {
          return reject(
            new HttpProblem(400, 'invalid-event', `Invalid event: ${checked.errors.map((e) => e.message).join('; ')}`, {
              errors: checked.errors.map((e) => ({ pointer: `#/${e.field}`, detail: e.message })),
            }),
          );
        }
        call.clientEvent(checked.event);
        if (done) return;
      }
    };
    this.count(call, 'putEvents', 1);
    call.addExchange(exchange, true);
    req.on('data', onData);
    req.on('end', () => {
      try {
        parser.end();
      } catch (err) {
        return reject(streamProblem(err));
      }
      exchange.close();
    });
    req.on('close', () => exchange.close());
  }

  private getMedia(call: InboundCall, res: InboundResponse): void {
    if (call.isEnded) throw callEnded(call);
    if (this.streams(call, 'getMedia') >= this.o.streamsPerCall) throw tooManyStreams();
    openStream(res, 'application/octet-stream');
    const handle = call.addMediaOutput(res as never);
    this.count(call, 'getMedia', 1);
    res.on('close', () => {
      this.count(call, 'getMedia', -1);
      call.removeMediaOutput(handle);
    });
  }

  private putMedia(call: InboundCall, req: InboundRequest, res: InboundResponse): void {
    if (call.isEnded) throw callEnded(call);
    if (this.streams(call, 'putMedia') >= this.o.streamsPerCall) throw tooManyStreams();
    openStream(res, 'application/octet-stream');
    const parser = call.newParser();
    let done = false;
    const onData = (chunk: Buffer) => call.receiveChunk(parser, chunk);
    const exchange = {
      close: () => {
        if (done) return;
        done = true;
        this.count(call, 'putMedia', -1);
        call.removeExchange(exchange, false);
        req.off('data', onData);
        closeExchange(req, res);
      },
    };
    this.count(call, 'putMedia', 1);
    call.addExchange(exchange, false);
    req.on('data', onData);
    req.on('end', () => {
      call.endInput(parser);
      exchange.close();
    });
    req.on('close', () => exchange.close());
  }

  private readonly streamCounts = new WeakMap<InboundCall, Record<string, number>>();

  private streams(call: InboundCall, kind: string): number {
    return this.streamCounts.get(call)?.[kind] ?? 0;
  }

  private count(call: InboundCall, kind: string, delta: number): void {
    const counts = this.streamCounts.get(call) ?? {};
    counts[kind] = (counts[kind] ?? 0) + delta;
    this.streamCounts.set(call, counts);
  }

  // ------------------------------------------------------------------ timers

  private tick(now: number): void {
    for (const call of this.calls.values()) call.tick(now);
  }

  private sweep(now: number): void {
    const timeouts = {
      eventsGraceMs: this.o.eventsGraceMs,
      mediaTimeoutMs: this.o.mediaTimeoutMs,
      answerTimeoutMs: this.o.answerTimeoutMs,
    };
    for (const call of [...this.calls.values()]) {
      if (call.isEnded) {
        if (lingerOver(call.endedAt?.getTime() ?? null, now, this.o.endedLingerMs)) this.calls.delete(call.id);
        continue;
      }
      const expired = expiredTimer(
        {
          eventsIdleSince: call.eventsIdleSince,
          answered: call.state === 'answered',
          createdAt: call.createdAt.getTime(),
          answeredAt: call.answeredAt?.getTime() ?? null,
          lastMediaAt: call.lastMediaAt,
        },
        now,
        timeouts,
      );
      if (expired === 'no-events-stream') call.finish('ended', expired, false);
      else if (expired === 'media-timeout') call.finish('failed', expired, false);
      else if (expired === 'noanswer') call.finish('noanswer', expired, false);
    }
  }
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function callEnded(call: InboundCall): HttpProblem {
  return new HttpProblem(404, 'call-ended', `Call ${call.id} has ended (${call.reason ?? ''})`);
}

function tooManyStreams(): HttpProblem {
  return new HttpProblem(429, 'too-many-streams', 'This call has the most streams of this kind open already');
}

function streamProblem(err: unknown): HttpProblem {
  return new HttpProblem(
    400,
    'invalid-event-stream',
    `The events stream is not a JSON array of events: ${(err as Error).message}`,
    err instanceof EventStreamError ? { position: err.position } : {},
  );
}
