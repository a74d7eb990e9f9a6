import { Injectable, Logger } from '@nestjs/common';
import { createLocalJWKSet, errors, jwtVerify, type JWK } from 'jose';
import { ALL_SCOPES, type Principal, type Scope } from '../../common/auth/principal.js';
import { AppConfig } from '../../common/config/app-config.js';
import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from '../../contracts/access-token.js';
import { ControlPlaneClient } from './control-plane.client.js';
import { EdgeConfigStore } from './edge-config.store.js';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MIN_REFRESH_MS = 1000;
/** Tokens whose signature and claims were verified, kept until they expire (least recently used go first). */
const VERIFIED_TOKENS_MAX = 10_000;

interface VerifiedToken {
  claims: AccessTokenClaims;
  scopes: Scope[];
}

/**
 * Verifies access tokens at the edge without calling the control plane per request: signature against the cached
 * JWKS, issuer, audience = the edge pool, lifetime; then revocations and tenant status from the pushed configuration.
 */
@Injectable()
export class EdgeTokenVerifier {
  private readonly logger = new Logger(EdgeTokenVerifier.name);
  private keySet?: ReturnType<typeof createLocalJWKSet>;
  private lastRefresh = 0;
  private refreshing?: Promise<void>;
  /** Token string -> its verified claims; in least recently used order. Emptied whenever the key set changes. */
  private readonly verified = new Map<string, VerifiedToken>();
  private keySetGeneration = 0;

  constructor(
    private readonly client: ControlPlaneClient,
    private readonly store: EdgeConfigStore,
    private readonly config: AppConfig,
  ) {
    store.onEvent((event) => {
      if (event.type === 'signing-keys-changed') void this.refresh(true).catch(() => undefined);
    });
  }

  async verify(token: string): Promise<Principal | null> {
    let verified = this.recall(token);
    if (!verified) {
      if (!JWT_SHAPE.test(token)) return null;
      let claims: AccessTokenClaims;
      let generation: number;
      try {
        ({ claims, generation } = await this.verifySignature(token));
      } catch {
        return null;
      }
      const scopes = claims.scope.split(' ').filter((s): s is Scope => (ALL_SCOPES as readonly string[]).includes(s));
      verified = { claims, scopes };
      // Not if the keys changed meanwhile: the token may be signed with a key that is no longer published.
      if (generation === this.keySetGeneration) this.remember(token, verified);
    }
    // Revocations and tenant status change at any time: checked on every request, cached or not.
    const { claims } = verified;
    if (this.store.isTokenRevoked(claims.jti) || this.store.isClientRevoked(claims.client_id)) return null;
    if (!claims.tenant_id || this.store.tenantStatus(claims.tenant_id) !== 'active') return null;
    return {
      kind: 'client',
      actor: `client:${claims.client_id}`,
      scopes: new Set(verified.scopes),
      tenantId: claims.tenant_id,
      clientId: claims.client_id,
      tokenId: claims.jti,
    };
  }

  /** A verified token that has not expired since (jose's rule: expired once exp <= now, in whole seconds). */
  private recall(token: string): VerifiedToken | undefined {
    const verified = this.verified.get(token);
    if (!verified) return undefined;
    this.verified.delete(token);
    if (verified.claims.exp <= Math.floor(Date.now() / 1000)) return undefined;
    this.verified.set(token, verified); // now the most recently used
    return verified;
  }

  private remember(token: string, verified: VerifiedToken): void {
    this.verified.set(token, verified);
    if (this.verified.size > VERIFIED_TOKENS_MAX) this.verified.delete(this.verified.keys().next().value!);
  }

  /** The claims, and the generation of the key set that verified them. */
  private async verifySignature(token: string): Promise<{ claims: AccessTokenClaims; generation: number }> {
    if (!this.keySet) await this.refresh(false);
    const generation = this.keySetGeneration;
    const options = {
      algorithms: ['ES256'],
      typ: ACCESS_TOKEN_TYP,
      issuer: this.config.publicUrl,
      audience: this.config.edgePublicUrl,
      requiredClaims: ['jti', 'exp', 'iat', 'sub', 'client_id', 'scope'],
    };
    try {
      return { claims: (await jwtVerify(token, this.keySet!, options)).payload as AccessTokenClaims, generation };
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey && Date.now() - this.lastRefresh > MIN_REFRESH_MS) {
        await this.refresh(true);
        const refreshed = this.keySetGeneration;
        return {
          claims: (await jwtVerify(token, this.keySet!, options)).payload as AccessTokenClaims,
          generation: refreshed,
        };
      }
      throw err;
    }
  }

  private refresh(force: boolean): Promise<void> {
    if (this.keySet && !force) return Promise.resolve();
    this.refreshing ??= this.client
      .jwks()
      .then((keys: JWK[]) => {
        this.keySet = createLocalJWKSet({ keys });
        this.lastRefresh = Date.now();
        this.keySetGeneration++;
        this.verified.clear();
      })
      .catch((err: Error) => {
        this.logger.warn(`JWKS refresh failed: ${err.message}`);
        throw err;
      })
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }
}
