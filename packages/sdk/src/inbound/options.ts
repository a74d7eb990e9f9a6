import { type Advertisement, type Http2Limits, parseAdvertisement, parseNumberPattern } from '@riptrunk/ript';
import { ClientError } from '../http.js';

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
  /** HTTP/2 limits of the server (default HTTP2_LIMIT_DEFAULTS: 100 streams per session, 10 s headers deadline, ...). */
  http2Limits?: Partial<Http2Limits>;
}

/** The options after checking, with their defaults. */
export interface InboundSettings {
  token: string;
  destinations: string[];
  advertisement: string;
  ad: Advertisement;
  tgPath: string;
  name: string;
  answerTimeoutMs: number;
  mediaTimeoutMs: number;
  eventsGraceMs: number;
  retryBackoffMs: number;
  endedLingerMs: number;
  streamsPerCall: number;
  maxConcurrentCalls: number;
}

/** Checks the options (ClientError `inbound` for a bad one) and fills in the defaults. */
export function inboundSettings(options: InboundServerOptions): InboundSettings {
  if (!options.token || !/^[\x21-\x7e]{16,4096}$/.test(options.token)) {
    throw new ClientError('the inbound token must be 16-4096 visible ASCII characters', 'inbound');
  }
  if (!options.destinations.length) throw new ClientError('the inbound TG needs destinations', 'inbound');
  for (const d of options.destinations) {
    try {
      parseNumberPattern(d);
    } catch (err) {
      throw new ClientError(`destination ${d}: ${(err as Error).message}`, 'inbound');
    }
  }
  const advertisement = options.advertisement ?? DEFAULT_INBOUND_ADVERTISEMENT;
  let ad: Advertisement;
  try {
    ad = parseAdvertisement(advertisement);
  } catch (err) {
    throw new ClientError(`advertisement: ${(err as Error).message}`, 'inbound');
  }
  const tgPath = (options.tgPath ?? DEFAULT_TG_PATH).replace(/\/+$/, '');
  if (!tgPath.startsWith('/')) throw new ClientError('tgPath must start with /', 'inbound');
  return {
    token: options.token,
    destinations: [...options.destinations],
    advertisement,
    ad,
    tgPath,
    name: options.name ?? 'riptrunk inbound',
    answerTimeoutMs: options.answerTimeoutMs ?? 30_000,
    mediaTimeoutMs: options.mediaTimeoutMs ?? 5_000,
    eventsGraceMs: options.eventsGraceMs ?? 30_000,
    retryBackoffMs: options.retryBackoffMs ?? 2_000,
    endedLingerMs: options.endedLingerMs ?? 30_000,
    streamsPerCall: options.streamsPerCall ?? 4,
    maxConcurrentCalls: options.maxConcurrentCalls ?? 100,
  };
}

/** Retry-After (seconds) of refusals the provider may retry: the TG's retry backoff. */
export function retryAfterOf(settings: InboundSettings): string {
  return String(Math.ceil(settings.retryBackoffMs / 1000));
}
