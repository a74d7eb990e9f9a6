import * as oauth from 'openid-client';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { fetch as undiciFetch, type Agent } from 'undici';
import { problemSlugOf, type CallRequest, type TgDescription } from '@riptrunk/ript';
import { RiptCall, type CallDescription } from './call.js';
import { H2Streams } from './h2.js';
import { ClientError, explainNetworkError, providerAgent } from './http.js';
import { generateInboundToken, InboundServer, type InboundServerOptions } from './inbound/server.js';
import { TokenRotation } from './inbound/token-rotation.js';
import type { EnterpriseProfile } from './profile.js';

export interface ProviderTg {
  uri: string;
  name: string;
  description?: string;
}

/** The TG description as the SDK reads it (profile §4). */
export type TgDescriptionDoc = TgDescription;

/** A consumer TG registration as the control plane answers it (profile §4). */
export interface ConsumerTgRegistration {
  id: string;
  uri: string;
  state: 'pending' | 'active' | 'failed' | string;
  reason: string | null;
  'token-expires': string | null;
  outbound: { destinations: string[] };
  /** Lower first among the consumer TGs that take a destination equally well (the provider's default is 100). */
  priority?: number;
  links: { self: string; handlers: string | null; calls: string | null };
}

export interface ServeInboundOptions extends Omit<InboundServerOptions, 'token' | 'destinations'> {
  /** The provider TG to register with; default the first one. */
  tg?: TgDescriptionDoc;
  /**
   * The numbers to receive calls for; default the TG's caller ID ranges (the tenant's numbers). A gateway on an
   * interconnect tenant gives off-net destination patterns here ('+44*', '*').
   */
  destinations?: string[];
  /** The registration's priority (lower first); the provider's default when absent. */
  priority?: number;
  /** Lifetime of the generated token (default 90 days). */
  tokenTtlMs?: number;
  /** Wait for the provider's verification to make the registration `active` (default true). */
  waitActive?: boolean;
  activeTimeoutMs?: number;
  /** Rotate the token before it expires, for as long as the service runs (default true). */
  rotateTokens?: boolean;
  /** How long the replaced token stays accepted after a rotation (default 5 minutes). */
  tokenOverlapMs?: number;
  /** Hears of each rotation (the new registration) and of a failed one (retried a minute later). */
  onTokenRotated?: (registration: ConsumerTgRegistration) => void;
  onRotationError?: (err: unknown) => void;
}

/** A running consumer TG registered with the provider. */
export interface InboundService {
  server: InboundServer;
  tg: TgDescriptionDoc;
  /** The registration as last seen (a token rotation replaces it). */
  registration: ConsumerTgRegistration;
  /** Closes the server; with `unregister`, deletes the registration first. */
  close(options?: { unregister?: boolean }): Promise<void>;
}

const DEFAULT_TOKEN_TTL_MS = 90 * 86_400_000;

const REFRESH_MARGIN_S = 30;

function fetchVia(agent: Agent): oauth.CustomFetch {
  return (url, options) =>
    undiciFetch(url, { ...options, dispatcher: agent } as never) as unknown as ReturnType<oauth.CustomFetch>;
}

/** The provider's own words for a refused OAuth request (RFC 6749 error body), else what went wrong underneath. */
async function oauthFailure(err: unknown, what: string): Promise<ClientError> {
  const e = err as {
    error?: string;
    error_description?: string;
    status?: number;
    cause?: unknown;
    response?: Response;
  };
  if (e instanceof ClientError) return e;
  if (e.error) return new ClientError(`${what}: ${e.error_description ?? e.error}`, e.error, e.status);
  if (e.response && typeof e.response.json === 'function') {
    const body = (await e.response.json().catch(() => ({}))) as { error?: string; error_description?: string };
    const status = e.response.status;
    if (body.error) return new ClientError(`${what}: ${body.error_description ?? body.error}`, body.error, status);
    return new ClientError(`${what}: the provider answered ${status}`, 'http', status);
  }
  if (e.cause) return explainNetworkError(e.cause, what);
  return new ClientError(`${what}: ${(err as Error).message}`, 'oauth');
}

/**
 * The enterprise side of a RIPT trunk: onboarding (discovery, dynamic registration with a fresh ES256 key) and the
 * provider's documents, with access tokens refreshed before they expire.
 */
export class RiptTrunkClient {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();
  private config?: oauth.Configuration;
  private streams?: H2Streams;

  private constructor(
    readonly profile: EnterpriseProfile,
    readonly agent: Agent,
    private readonly key: CryptoKey,
  ) {}

  static async fromProfile(
    profile: EnterpriseProfile,
    agent = providerAgent(profile.caFile),
  ): Promise<RiptTrunkClient> {
    const key = (await importJWK(profile.privateJwk, 'ES256')) as CryptoKey;
    return new RiptTrunkClient(profile, agent, key);
  }

  /** Onboards onto a provider with a one-time code and returns the profile to save. */
  static async onboard(
    providerUrl: string,
    onboardingCode: string,
    options: { caFile?: string; clientName?: string; softwareId?: string; agent?: Agent } = {},
  ): Promise<EnterpriseProfile> {
    const base = providerUrl.replace(/\/+$/, '');
    const agent = options.agent ?? providerAgent(options.caFile);
    const fetchWithCa = fetchVia(agent);
    const discovery = await getJson<{ version: string; providertgs: string; oauth: string }>(
      agent,
      `${base}/.well-known/ript`,
    );
    if (discovery.version !== 'v1')
      throw new ClientError(`${base} speaks RIPT ${discovery.version}, not v1`, 'discovery');
    const asMetadata = await getJson<{ issuer: string }>(agent, discovery.oauth);
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = `k-${Date.now().toString(36)}`;
    const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    let config: oauth.Configuration;
    try {
      config = await oauth.dynamicClientRegistration(
        new URL(asMetadata.issuer),
        {
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [publicJwk] },
          grant_types: ['client_credentials'],
          client_name: options.clientName ?? 'riptrunk enterprise client',
          ...(options.softwareId ? { software_id: options.softwareId } : {}),
        },
        oauth.PrivateKeyJwt(privateKey as CryptoKey, { [oauth.modifyAssertion]: (header) => void (header.kid = kid) }),
        { algorithm: 'oauth2', initialAccessToken: onboardingCode.trim(), [oauth.customFetch]: fetchWithCa },
      );
    } catch (err) {
      throw await oauthFailure(err, 'registration refused');
    }
    const registered = config.clientMetadata();
    const server = config.serverMetadata();
    return {
      version: 1,
      providerUrl: base,
      issuer: server.issuer,
      tokenEndpoint: server.token_endpoint!,
      clientId: registered.client_id,
      privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
      registrationClientUri: registered.registration_client_uri as string | undefined,
      registrationAccessToken: registered.registration_access_token as string | undefined,
      providerTgs: discovery.providertgs,
      ...(options.caFile ? { caFile: options.caFile } : {}),
      onboardedAt: new Date().toISOString(),
    };
  }

  private configuration(): oauth.Configuration {
    if (!this.config) {
      const kid = this.profile.privateJwk.kid;
      this.config = new oauth.Configuration(
        { issuer: this.profile.issuer, token_endpoint: this.profile.tokenEndpoint },
        this.profile.clientId,
        { token_endpoint_auth_method: 'private_key_jwt' },
        oauth.PrivateKeyJwt(this.key, { [oauth.modifyAssertion]: (header) => void (header.kid = kid) }),
      );
      this.config[oauth.customFetch] = fetchVia(this.agent);
    }
    return this.config;
  }

  /** An access token for `resource` (an origin: the control plane or the edge pool), reused until near expiry. */
  async accessToken(resource: string, scope?: string): Promise<string> {
    const key = `${resource} ${scope ?? ''}`;
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt - REFRESH_MARGIN_S > Date.now() / 1000) return cached.token;
    try {
      const res = await oauth.clientCredentialsGrant(this.configuration(), { resource, ...(scope ? { scope } : {}) });
      this.tokens.set(key, { token: res.access_token, expiresAt: Date.now() / 1000 + (res.expires_in ?? 60) });
      return res.access_token;
    } catch (err) {
      throw await oauthFailure(err, 'token request refused');
    }
  }

  /** An authorised JSON request to a provider URL; the token's audience is the URL's origin. */
  async request<T>(
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
    scope?: string,
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const token = await this.accessToken(new URL(url).origin, scope);
    let res: Response;
    try {
      res = (await undiciFetch(url, {
        method,
        dispatcher: this.agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      })) as unknown as Response;
    } catch (err) {
      throw explainNetworkError(err, url);
    }
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as T & { detail?: string; title?: string }) : (undefined as T);
    if (res.status >= 400) {
      const problem = parsed as { detail?: string; title?: string; type?: string } | undefined;
      throw new ClientError(
        `${method} ${url}: ${res.status} ${problem?.detail ?? problem?.title ?? text}`,
        'http',
        res.status,
        {
          slug: problemSlugOf(problem?.type),
          retryAfter: res.headers.get('retry-after'),
        },
      );
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  async providerTgs(): Promise<ProviderTg[]> {
    return (await this.request<{ tgs: ProviderTg[] }>('GET', this.profile.providerTgs)).body.tgs;
  }

  async tgDescription(uri: string): Promise<TgDescriptionDoc> {
    return (await this.request<TgDescriptionDoc>('GET', uri)).body;
  }

  /** Tells the provider where to deliver inbound calls (profile §4); the answer starts `pending`. */
  async registerConsumerTg(
    consumertgs: string,
    registration: { uri: string; token: string; tokenExpires?: string; destinations: string[]; priority?: number },
  ): Promise<ConsumerTgRegistration> {
    return (
      await this.request<ConsumerTgRegistration>('POST', consumertgs, {
        uri: registration.uri,
        token: registration.token,
        ...(registration.tokenExpires ? { 'token-expires': registration.tokenExpires } : {}),
        outbound: { destinations: registration.destinations },
        ...(registration.priority !== undefined ? { priority: registration.priority } : {}),
      })
    ).body;
  }

  /** This tenant's consumer TG registrations on a provider TG (first page of up to 100). */
  async consumerTgs(consumertgs: string): Promise<ConsumerTgRegistration[]> {
    return (await this.request<{ items: ConsumerTgRegistration[] }>('GET', `${consumertgs}?limit=100`)).body.items;
  }

  /** Changes a registration (e.g. rotates its token); verification starts again (`pending`). */
  async updateConsumerTg(
    self: string,
    changes: { uri?: string; token?: string; tokenExpires?: string; destinations?: string[]; priority?: number },
  ): Promise<ConsumerTgRegistration> {
    return (
      await this.request<ConsumerTgRegistration>('PUT', self, {
        ...(changes.uri ? { uri: changes.uri } : {}),
        ...(changes.token ? { token: changes.token } : {}),
        ...(changes.tokenExpires ? { 'token-expires': changes.tokenExpires } : {}),
        ...(changes.destinations ? { outbound: { destinations: changes.destinations } } : {}),
        ...(changes.priority !== undefined ? { priority: changes.priority } : {}),
      })
    ).body;
  }

  async deleteConsumerTg(self: string): Promise<void> {
    await this.request('DELETE', self);
  }

  /** Polls a registration until the provider's verification settles; throws if it `failed`. */
  async waitForConsumerTg(self: string, timeoutMs = 60_000): Promise<ConsumerTgRegistration> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
      const reg = (await this.request<ConsumerTgRegistration>('GET', self)).body;
      if (reg.state === 'active') return reg;
      if (reg.state === 'failed') {
        throw new ClientError(`the provider could not verify ${reg.uri}: ${reg.reason ?? 'no reason given'}`, 'verify');
      }
      if (Date.now() + delay > deadline) {
        throw new ClientError(
          `the provider has not verified ${reg.uri} after ${Math.round(timeoutMs / 1000)} s` +
            (reg.reason ? ` (last attempt: ${reg.reason})` : ''),
          'verify',
        );
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /**
   * Goes live for inbound calls: starts a consumer TG server with a fresh high-entropy token, registers it with the
   * provider (or re-registers an existing registration of the same URI with the new token), and by default waits
   * until the provider has verified it. Answer calls with `service.server.onCall(...)`.
   */
  async serveInbound(options: ServeInboundOptions): Promise<InboundService> {
    const tg = options.tg ?? (await this.firstTg());
    const destinations = options.destinations ?? tg.outbound.origins;
    if (!destinations.length) {
      throw new ClientError('no numbers to receive calls for: your trunk has no number range', 'no-numbers');
    }
    const { priority } = options;
    const token = generateInboundToken();
    const tokenExpires = new Date(Date.now() + (options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS)).toISOString();
    const server = await InboundServer.listen({ ...options, token, destinations });
    try {
      const existing = (await this.consumerTgs(tg.links.consumertgs)).find((r) => r.uri === server.uri);
      let registration = existing
        ? await this.updateConsumerTg(existing.links.self, { token, tokenExpires, destinations, priority })
        : await this.registerConsumerTg(tg.links.consumertgs, {
            uri: server.uri,
            token,
            tokenExpires,
            destinations,
            priority,
          });
      if (options.waitActive !== false) {
        registration = await this.waitForConsumerTg(registration.links.self, options.activeTimeoutMs);
      }
      const ttlMs = options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS;
      const service: InboundService = {
        server,
        tg,
        registration,
        close: async ({ unregister = false } = {}) => {
          rotation?.stop();
          try {
            if (unregister) await this.deleteConsumerTg(service.registration.links.self);
          } finally {
            await server.close();
          }
        },
      };
      const rotation =
        options.rotateTokens === false
          ? null
          : new TokenRotation({
              ttlMs,
              expiresAt: Date.parse(tokenExpires),
              rotate: async () => {
                service.registration = await this.rotateConsumerTgToken(service, ttlMs, options);
                options.onTokenRotated?.(service.registration);
                return Date.parse(service.registration['token-expires'] ?? '') || Date.now() + ttlMs;
              },
              onError: (err) => options.onRotationError?.(err),
            }).start();
      return service;
    } catch (err) {
      await server.close();
      throw err;
    }
  }

  /**
   * One token rotation: the server accepts the new token (and the old one for a while), the provider gets it, and
   * its verification request, which presents the new token, confirms it. Should the provider not take it, the server
   * goes back to the old token, which the provider still has.
   */
  private async rotateConsumerTgToken(
    service: InboundService,
    ttlMs: number,
    options: ServeInboundOptions,
  ): Promise<ConsumerTgRegistration> {
    const { server } = service;
    const old = server.currentToken;
    const token = generateInboundToken();
    const tokenExpires = new Date(Date.now() + ttlMs).toISOString();
    server.rotateToken(token, options.tokenOverlapMs ?? 300_000);
    const verified = server.tokenUsed(token);
    let registration: ConsumerTgRegistration;
    try {
      registration = await this.updateConsumerTg(service.registration.links.self, { token, tokenExpires });
    } catch (err) {
      server.setToken(old);
      throw err;
    }
    const timeoutMs = options.activeTimeoutMs ?? 60_000;
    const seen = await Promise.race([
      verified.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), timeoutMs).unref()),
    ]);
    if (!seen) {
      const now = (await this.request<ConsumerTgRegistration>('GET', registration.links.self)).body;
      throw new ClientError(
        `the provider did not verify the rotated token in ${Math.round(timeoutMs / 1000)} s (${now.state}` +
          `${now.reason ? `: ${now.reason}` : ''})`,
        'verify',
      );
    }
    return (await this.request<ConsumerTgRegistration>('GET', registration.links.self)).body;
  }

  private async firstTg(): Promise<TgDescriptionDoc> {
    const [listed] = await this.providerTgs();
    if (!listed) throw new ClientError('your provider has no trunk for you yet', 'no-tg');
    return this.tgDescription(listed.uri);
  }

  /** Registers (or replaces) a handler on a TG: where this client sinks and sources media (profile §5). */
  async registerHandler(tg: TgDescriptionDoc, handlerId: string, advertisement: string): Promise<{ uri: string }> {
    const body = { 'handler-id': handlerId, advertisement };
    try {
      return (await this.request<{ uri: string }>('POST', tg.links.handlers, body)).body;
    } catch (err) {
      if (!(err instanceof ClientError) || err.status !== 409) throw err;
      // Registered before (e.g. by an earlier run of this PBX): replace it.
      const uri = `${tg.links.handlers}/${encodeURIComponent(handlerId)}`;
      return (await this.request<{ uri: string }>('PUT', uri, body)).body;
    }
  }

  /** Places a call through a TG with a registered handler; the answer carries the directives for media. */
  async placeCall(
    tg: TgDescriptionDoc,
    /** A gateway also sends `verstat` and `sip-call-id` (profile §10). */
    call: CallRequest,
  ): Promise<RiptCall> {
    const started = performance.now();
    const { body } = await this.request<CallDescription>('POST', tg.links.calls, call);
    const origin = new URL(body.uri).origin;
    this.streams ??= new H2Streams(this.profile.caFile);
    return new RiptCall(body, this.streams, () => this.accessToken(origin), started, tg['retry-backoff']);
  }

  /** Closes the connections, waiting up to a second for requests in flight before cutting them. */
  async close(): Promise<void> {
    this.streams?.close();
    let timer: NodeJS.Timeout | undefined;
    const graceful = await Promise.race([
      this.agent.close().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS))),
    ]);
    clearTimeout(timer);
    if (!graceful) await this.agent.destroy();
  }
}

const CLOSE_GRACE_MS = 1_000;

async function getJson<T>(agent: Agent, url: string): Promise<T> {
  let res: Response;
  try {
    res = (await undiciFetch(url, { dispatcher: agent })) as unknown as Response;
  } catch (err) {
    throw explainNetworkError(err, url);
  }
  if (res.status !== 200)
    throw new ClientError(`${url} answered ${res.status}; is this a RIPT provider?`, 'discovery', res.status);
  try {
    return (await res.json()) as T;
  } catch {
    throw new ClientError(`${url} did not answer JSON; is this a RIPT provider?`, 'discovery');
  }
}
