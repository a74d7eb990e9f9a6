import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createLocalJWKSet, decodeJwt, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AppConfig } from '../../common/config/app-config.js';
import { secretMatches } from '../../common/crypto/secret-box.js';
import { OAuthError } from '../../common/http/oauth-error.js';
import { outboundCas } from '../../common/http/outbound.js';
import { REDIS } from '../../common/redis/redis.module.js';
import { ClientsRepository } from './clients.repository.js';
import type { OAuthClientEntity } from './oauth.entities.js';
import { RemoteKeySetError, RemoteKeySets } from './remote-key-sets.js';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const MAX_ASSERTION_LIFETIME_S = 300;

function invalidClient(description: string, basic = false): OAuthError {
  return new OAuthError(
    401,
    'invalid_client',
    description,
    basic ? { 'www-authenticate': 'Basic realm="riptrunk"' } : {},
  );
}

/** Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3, RFC 7523). */
@Injectable()
export class ClientAuthService implements OnModuleDestroy {
  private readonly logger = new Logger(ClientAuthService.name);
  private remote?: RemoteKeySets;

  constructor(
    private readonly clients: ClientsRepository,
    private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  private get remoteKeySets(): RemoteKeySets {
    this.remote ??= new RemoteKeySets({
      allowPrivate: this.config.env.RIPTRUNK_ALLOW_PRIVATE_TARGETS,
      ca: outboundCas(this.config),
    });
    return this.remote;
  }

  async onModuleDestroy(): Promise<void> {
    await this.remote?.close();
  }

  get tokenEndpoint(): string {
    return `${this.config.publicUrl}/oauth/token`;
  }

  /** The client id a request claims, before it is authenticated (for rate limiting). */
  claimedClientId(authorization: string | undefined, body: Record<string, string>): string | undefined {
    if (authorization?.startsWith('Basic ')) return this.parseBasic(authorization)?.id;
    if (body.client_assertion) {
      try {
        return String(decodeJwt(body.client_assertion).sub ?? '');
      } catch {
        return undefined;
      }
    }
    return body.client_id;
  }

  async authenticate(authorization: string | undefined, body: Record<string, string>): Promise<OAuthClientEntity> {
    const basic = authorization?.startsWith('Basic ') ? this.parseBasic(authorization) : undefined;
    const hasAssertion = body.client_assertion !== undefined || body.client_assertion_type !== undefined;
    if (basic && hasAssertion) throw new OAuthError(400, 'invalid_request', 'Use one client authentication method');
    if (basic) return this.authenticateSecret(basic.id, basic.secret);
    if (hasAssertion) return this.authenticateAssertion(body.client_assertion_type, body.client_assertion);
    if (authorization?.startsWith('Basic ')) throw invalidClient('Malformed Basic credentials', true);
    if (body.client_secret) throw invalidClient('client_secret_post is not supported; use client_secret_basic');
    throw invalidClient('Client authentication is required (private_key_jwt or client_secret_basic)', true);
  }

  private parseBasic(header: string): { id: string; secret: string } | undefined {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    try {
      // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
      const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
    } catch {
      return undefined;
    }
  }

  private async load(clientId: string): Promise<OAuthClientEntity | null> {
    if (!/^cli_[0-9a-z]{20}$/.test(clientId)) return null;
    return this.clients.find(clientId, { forUpdate: false });
  }

  private async authenticateSecret(clientId: string, secret: string): Promise<OAuthClientEntity> {
    const client = await this.load(clientId);
    if (
      !client ||
      client.status !== 'active' ||
      client.tokenEndpointAuthMethod !== 'client_secret_basic' ||
      !client.clientSecretHash ||
      !secretMatches(secret, client.clientSecretHash)
    ) {
      throw invalidClient('Unknown client or wrong secret', true);
    }
    return client;
  }

  private async authenticateAssertion(
    type: string | undefined,
    assertion: string | undefined,
  ): Promise<OAuthClientEntity> {
    if (type !== JWT_BEARER_ASSERTION) throw invalidClient(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
    if (!assertion) throw invalidClient('client_assertion is missing');
    let claimed: string;
    try {
      claimed = String(decodeJwt(assertion).sub ?? '');
    } catch {
      throw invalidClient('client_assertion is not a JWT');
    }
    const client = await this.load(claimed);
    if (!client || client.status !== 'active' || client.tokenEndpointAuthMethod !== 'private_key_jwt') {
      throw invalidClient('Unknown client or client not registered for private_key_jwt');
    }
    const verify = (keys: JWTVerifyGetKey) =>
      jwtVerify(assertion, keys, {
        algorithms: ['ES256'],
        issuer: client.id,
        subject: client.id,
        audience: [this.config.publicUrl, this.tokenEndpoint],
        requiredClaims: ['jti', 'exp'],
        clockTolerance: 30,
      });
    let payload;
    try {
      try {
        ({ payload } = await verify(await this.keySet(client)));
      } catch (err) {
        // An unknown kid may be a key rotated in at the jwks_uri: fetch it again (unless fetched just now).
        if (!(err instanceof errors.JWKSNoMatchingKey) || !client.jwksUri) throw err;
        ({ payload } = await verify(await this.keySet(client, true)));
      }
    } catch (err) {
      if (err instanceof RemoteKeySetError) {
        // The reason (an address, a socket error) stays in the log: telling the caller would make this a scanner.
        this.logger.warn(`client ${client.id}: ${err.message}`);
        throw invalidClient('client_assertion rejected: the key set at jwks_uri could not be used');
      }
      throw invalidClient(`client_assertion rejected: ${(err as Error).message}`);
    }
    const now = Math.floor(Date.now() / 1000);
    if (payload.exp! - now > MAX_ASSERTION_LIFETIME_S) {
      throw invalidClient(`client_assertion exp must be at most ${MAX_ASSERTION_LIFETIME_S} s ahead`);
    }
    const replayKey = `${this.config.env.RIPTRUNK_REDIS_PREFIX}:assertion-jti:${client.id}:${payload.jti}`;
    const fresh = await this.redis.set(replayKey, '1', 'EX', Math.max(1, payload.exp! - now + 60), 'NX');
    if (fresh !== 'OK') throw invalidClient('client_assertion jti was already used');
    return client;
  }

  private async keySet(client: OAuthClientEntity, refresh = false): Promise<JWTVerifyGetKey> {
    if (client.jwks) return createLocalJWKSet(client.jwks);
    return this.remoteKeySets.get(client.jwksUri!, refresh);
  }
}
