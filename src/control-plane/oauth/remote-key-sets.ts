import { createLocalJWKSet, type JWK, type JWTVerifyGetKey } from 'jose';
import type { Agent } from 'undici';
import { request } from 'undici';
import { checkTargetUrl, createOutboundAgent } from '../../common/http/outbound.js';

export interface RemoteKeySetOptions {
  allowPrivate: boolean;
  ca: string[];
  /** Largest JWKS document read; a longer one is refused (and the connection dropped). */
  maxBytes?: number;
  /** Distinct jwks_uri documents kept; the least recently used is dropped past it. */
  maxEntries?: number;
  /** How long a fetched key set (or a failure) is reused before the next fetch. */
  ttlMs?: number;
  failureCooldownMs?: number;
  timeoutMs?: number;
}

export const REMOTE_JWKS_DEFAULTS = {
  maxBytes: 64 * 1024,
  maxEntries: 1000,
  ttlMs: 300_000,
  failureCooldownMs: 30_000,
  timeoutMs: 3000,
} as const;

/** Drops a response body we will not read (destroying it emits an abort error nobody needs). */
function discard(body: NodeJS.ReadableStream & { destroy(): void }): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** Why a key set could not be used, for logs only: callers answer a generic error. */
export class RemoteKeySetError extends Error {}

interface Entry {
  at: number;
  keys?: JWTVerifyGetKey;
  error?: RemoteKeySetError;
}

/**
 * The key sets of private_key_jwt clients registered with a `jwks_uri`, fetched through the one SSRF guard: the URL
 * checked again before each fetch (IP literals included), every resolved address checked at connect time, the body
 * capped, and a bounded cache (so many URIs cannot grow memory, and a failing URI is not fetched on every request).
 */
export class RemoteKeySets {
  private readonly entries = new Map<string, Entry>();
  private readonly agent: Agent;
  private readonly options: Required<RemoteKeySetOptions>;

  constructor(options: RemoteKeySetOptions) {
    this.options = { ...REMOTE_JWKS_DEFAULTS, ...options };
    this.agent = createOutboundAgent({ allowPrivate: options.allowPrivate, ca: options.ca });
  }

  get size(): number {
    return this.entries.size;
  }

  /** The key set at `uri`, or a RemoteKeySetError. `refresh` asks for a new fetch (an unknown kid), if not recent. */
  async get(uri: string, refresh = false): Promise<JWTVerifyGetKey> {
    const now = Date.now();
    const cached = this.entries.get(uri);
    if (cached) {
      const age = now - cached.at;
      const fresh = cached.error ? age < this.options.failureCooldownMs : age < this.options.ttlMs;
      const mayRefresh = refresh && age >= this.options.failureCooldownMs;
      if (fresh && !mayRefresh) {
        this.entries.delete(uri); // most recently used goes last
        this.entries.set(uri, cached);
        if (cached.error) throw cached.error;
        return cached.keys!;
      }
    }
    let entry: Entry;
    try {
      entry = { at: now, keys: createLocalJWKSet(await this.fetch(uri)) };
    } catch (err) {
      entry = {
        at: now,
        error: err instanceof RemoteKeySetError ? err : new RemoteKeySetError((err as Error).message),
      };
    }
    this.entries.delete(uri);
    this.entries.set(uri, entry);
    while (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    if (entry.error) throw entry.error;
    return entry.keys!;
  }

  private async fetch(uri: string): Promise<{ keys: JWK[] }> {
    let url: URL;
    try {
      url = checkTargetUrl(uri, this.options.allowPrivate);
    } catch (err) {
      throw new RemoteKeySetError(`jwks_uri ${(err as Error).message}`);
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs);
    try {
      const res = await request(url, {
        method: 'GET',
        headers: { accept: 'application/jwk-set+json, application/json' },
        dispatcher: this.agent,
        signal: controller.signal,
      });
      if (res.statusCode !== 200) {
        discard(res.body);
        throw new RemoteKeySetError(`jwks_uri answered ${res.statusCode}`);
      }
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > this.options.maxBytes) {
        discard(res.body);
        throw new RemoteKeySetError(`jwks_uri body exceeds ${this.options.maxBytes} bytes`);
      }
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of res.body) {
        length += (chunk as Buffer).length;
        if (length > this.options.maxBytes) {
          discard(res.body);
          throw new RemoteKeySetError(`jwks_uri body exceeds ${this.options.maxBytes} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
      let doc: unknown;
      try {
        doc = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        throw new RemoteKeySetError('jwks_uri is not JSON');
      }
      const keys = (doc as { keys?: unknown })?.keys;
      if (!Array.isArray(keys)) throw new RemoteKeySetError('jwks_uri is not a JWK set');
      return { keys: keys as JWK[] };
    } catch (err) {
      if (err instanceof RemoteKeySetError) throw err;
      throw new RemoteKeySetError(`jwks_uri fetch failed: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
