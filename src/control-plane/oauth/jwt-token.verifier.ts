import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ALL_SCOPES, type Principal, type Scope, type TokenVerifier } from '../../common/auth/principal.js';
import { TokenVerifiers } from '../../common/auth/token-verifiers.js';
import { AppConfig } from '../../common/config/app-config.js';
import { AccessTokensService } from './access-tokens.service.js';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Accepts our access tokens at the control plane: valid signature and claims, audience = the control plane,
 * not revoked, client still active and its tenant still active (checked on every request, so revocation is immediate).
 */
@Injectable()
export class JwtTokenVerifier implements TokenVerifier, OnModuleInit {
  constructor(
    private readonly tokens: AccessTokensService,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly verifiers: TokenVerifiers,
  ) {}

  onModuleInit(): void {
    this.verifiers.add(this);
  }

  async verify(token: string): Promise<Principal | null> {
    if (!JWT_SHAPE.test(token)) return null;
    let claims;
    try {
      claims = await this.tokens.verify(token, { audience: this.config.publicUrl });
    } catch {
      return null;
    }
    if (await this.tokens.isRevoked(claims.jti)) return null;
    const [row] = (await this.dataSource.query(
      `SELECT c.status AS client_status, c.tenant_id, t.status AS tenant_status
         FROM oauth_clients c LEFT JOIN tenants t ON t.id = c.tenant_id WHERE c.id = $1`,
      [claims.client_id],
    )) as { client_status: string; tenant_id: string | null; tenant_status: string | null }[];
    if (!row || row.client_status !== 'active') return null;
    if (row.tenant_id !== (claims.tenant_id ?? null)) return null;
    if (row.tenant_id && row.tenant_status !== 'active') return null;
    const scopes = claims.scope.split(' ').filter((s): s is Scope => (ALL_SCOPES as readonly string[]).includes(s));
    return {
      kind: 'client',
      actor: `client:${claims.client_id}`,
      scopes: new Set(scopes),
      tenantId: claims.tenant_id,
      clientId: claims.client_id,
      tokenId: claims.jti,
    };
  }
}
