import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createLocalJWKSet, errors, jwtVerify, SignJWT } from 'jose';
import type { Scope } from '../../common/auth/principal.js';
import { AppConfig } from '../../common/config/app-config.js';
import { ControlEvents } from '../../common/events/control-events.js';
import { REDIS } from '../../common/redis/redis.module.js';
import type { OAuthClientEntity } from './oauth.entities.js';
import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from '../../contracts/access-token.js';
import { SigningKeysService } from './signing-keys.service.js';

export { ACCESS_TOKEN_TYP, type AccessTokenClaims } from '../../contracts/access-token.js';

/** RFC 9068 JWT access tokens: issued with the current signing key, verified against the published keys. */
@Injectable()
export class AccessTokensService {
  private jwks?: { keySet: ReturnType<typeof createLocalJWKSet>; kids: Set<string> };
  private lastRefresh = 0;

  constructor(
    private readonly keys: SigningKeysService,
    private readonly config: AppConfig,
    private readonly events: ControlEvents,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  get issuer(): string {
    return this.config.publicUrl;
  }

  /** The audiences a token may be bound to: the control plane and the edge pool. */
  get audiences(): string[] {
    return [this.config.publicUrl, this.config.edgePublicUrl];
  }

  async issue(
    client: OAuthClientEntity,
    scopes: Scope[],
    audience: string[],
  ): Promise<{ token: string; expiresIn: number }> {
    const key = await this.keys.signingKey();
    const expiresIn = this.config.env.RIPTRUNK_ACCESS_TOKEN_TTL;
    const token = await new SignJWT({
      client_id: client.id,
      scope: scopes.join(' '),
      ...(client.tenantId ? { tenant_id: client.tenantId } : {}),
    })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: ACCESS_TOKEN_TYP })
      .setIssuer(this.issuer)
      .setSubject(client.id)
      .setAudience(audience.length === 1 ? audience[0] : audience)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${expiresIn}s`)
      .sign(key.privateKey);
    return { token, expiresIn };
  }

  /**
   * Verifies signature (ES256, a published key), `typ`, issuer, audience and lifetime. Throws jose errors.
   * `ignoreExpiry` serves revocation, which must accept tokens that are about to expire.
   */
  async verify(token: string, options: { audience?: string; ignoreExpiry?: boolean } = {}): Promise<AccessTokenClaims> {
    const keySet = await this.keySet();
    const verifyOptions = {
      algorithms: ['ES256'],
      typ: ACCESS_TOKEN_TYP,
      issuer: this.issuer,
      audience: options.audience,
      requiredClaims: ['jti', 'exp', 'iat', 'sub', 'client_id', 'scope'],
      ...(options.ignoreExpiry ? { currentDate: new Date(0) } : {}),
    };
    try {
      return (await jwtVerify(token, keySet, verifyOptions)).payload as AccessTokenClaims;
    } catch (err) {
      // A key rotated on another instance: refresh the published keys once, then try again.
      if (err instanceof errors.JWKSNoMatchingKey && Date.now() - this.lastRefresh > 1000) {
        const fresh = await this.keySet(true);
        return (await jwtVerify(token, fresh, verifyOptions)).payload as AccessTokenClaims;
      }
      throw err;
    }
  }

  async revoke(claims: AccessTokenClaims): Promise<void> {
    const ttl = Math.max(1, claims.exp - Math.floor(Date.now() / 1000) + 60);
    await this.redis.set(this.revokedKey(claims.jti), '1', 'EX', ttl);
    this.events.publish({ type: 'token-revoked', jti: claims.jti, exp: claims.exp });
  }

  async isRevoked(jti: string): Promise<boolean> {
    return (await this.redis.exists(this.revokedKey(jti))) === 1;
  }

  private revokedKey(jti: string): string {
    return `${this.config.env.RIPTRUNK_REDIS_PREFIX}:revoked-jti:${jti}`;
  }

  private async keySet(fresh = false): Promise<ReturnType<typeof createLocalJWKSet>> {
    const keys = await this.keys.publishedKeys({ fresh });
    if (fresh) this.lastRefresh = Date.now();
    const kids = keys.map((k) => k.kid!).join(',');
    if (!this.jwks || [...this.jwks.kids].join(',') !== kids) {
      this.jwks = { keySet: createLocalJWKSet({ keys }), kids: new Set(keys.map((k) => k.kid!)) };
    }
    return this.jwks.keySet;
  }
}
