import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../common/config/app-config.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { hashSecret, randomSecret } from '../../common/crypto/secret-box.js';
import { ControlEvents } from '../../common/events/control-events.js';
import { newId } from '../../common/http/ids.js';
import type { Page, PageQuery } from '../../common/http/pagination.js';
import { ProblemException } from '../../common/http/problem.js';
import { TenantsRepository } from '../tenants/tenants.repository.js';
import type { ClientMetadata } from './client-metadata.js';
import { ClientsRepository, type ClientScope } from './clients.repository.js';
import type { OAuthClientEntity } from './oauth.entities.js';

/** A registered client as RFC 7591/7592 return it; secrets only when just issued. */
export interface RegistrationResponse {
  client_id: string;
  client_id_issued_at: number;
  client_secret?: string;
  client_secret_expires_at?: number;
  registration_access_token?: string;
  registration_client_uri: string;
  token_endpoint_auth_method: string;
  grant_types: string[];
  scope: string;
  client_name?: string;
  jwks?: unknown;
  jwks_uri?: string;
  [extra: string]: unknown;
}

export interface IssuedCredentials {
  clientSecret?: string;
  registrationAccessToken?: string;
}

/** Stores OAuth clients; used by dynamic registration and the admin API. */
@Injectable()
export class ClientsService {
  constructor(
    private readonly clients: ClientsRepository,
    private readonly tenants: TenantsRepository,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly events: ControlEvents,
  ) {}

  newClientId(): string {
    return newId('cli');
  }

  list(scope: ClientScope, page: PageQuery): Promise<Page<OAuthClientEntity>> {
    return this.clients.page(scope, page);
  }

  /** The client, locked for the rest of the request's transaction when `forUpdate`. */
  find(id: string, options: { forUpdate: boolean }): Promise<OAuthClientEntity | null> {
    return this.clients.find(id, options);
  }

  /**
   * Whether the client and its tenant are active as stored now, whatever its tokens say: checked on every request
   * that presents one, so that a revocation takes effect at once.
   */
  async isActive(clientId: string): Promise<boolean> {
    const client = await this.clients.statusOf(clientId);
    if (client?.status !== 'active') return false;
    if (client.tenantId === null) return true;
    const tenantStatus = await this.tenants.statusOf(client.tenantId);
    return tenantStatus === null || tenantStatus === 'active';
  }

  async create(
    id: string,
    meta: ClientMetadata,
    owner: { kind: 'enterprise' | 'automation'; tenantId: string | null; onboardingCodeId?: string; createdBy: string },
  ): Promise<{ client: OAuthClientEntity; credentials: IssuedCredentials }> {
    const clientSecret = meta.tokenEndpointAuthMethod === 'client_secret_basic' ? randomSecret() : undefined;
    const registrationAccessToken = owner.kind === 'enterprise' ? randomSecret() : undefined;
    const client = this.clients.create({
      id,
      tenantId: owner.tenantId,
      kind: owner.kind,
      clientName: meta.clientName,
      tokenEndpointAuthMethod: meta.tokenEndpointAuthMethod,
      jwks: meta.jwks,
      jwksUri: meta.jwksUri,
      clientSecretHash: clientSecret ? hashSecret(clientSecret) : null,
      registrationTokenHash: registrationAccessToken ? hashSecret(registrationAccessToken) : null,
      scopes: meta.scopes,
      metadata: meta.extra,
      onboardingCodeId: owner.onboardingCodeId ?? null,
      status: 'active',
      createdBy: owner.createdBy,
      revokedAt: null,
    });
    await this.clients.save(client);
    await this.audit.record({
      action: 'client.create',
      resourceType: 'client',
      resourceId: id,
      tenantId: owner.tenantId,
      after: this.describe(client),
    });
    return { client, credentials: { clientSecret, registrationAccessToken } };
  }

  /** RFC 7592 update: replaces the metadata; a secret client gets a new secret unless it sent its current one. */
  async update(client: OAuthClientEntity, meta: ClientMetadata, keepSecret: boolean): Promise<IssuedCredentials> {
    if (meta.tokenEndpointAuthMethod !== client.tokenEndpointAuthMethod) {
      throw ProblemException.of(
        'auth-method-change',
        'token_endpoint_auth_method cannot change; register a new client',
      );
    }
    const before = this.describe(client);
    let clientSecret: string | undefined;
    if (client.tokenEndpointAuthMethod === 'client_secret_basic' && !keepSecret) {
      clientSecret = randomSecret();
      client.clientSecretHash = hashSecret(clientSecret);
    }
    Object.assign(client, {
      clientName: meta.clientName,
      jwks: meta.jwks,
      jwksUri: meta.jwksUri,
      scopes: meta.scopes,
      metadata: meta.extra,
    });
    await this.clients.save(client);
    await this.audit.record({
      action: clientSecret ? 'client.update-and-rotate-secret' : 'client.update',
      resourceType: 'client',
      resourceId: client.id,
      tenantId: client.tenantId,
      before,
      after: this.describe(client),
    });
    return { clientSecret };
  }

  async revoke(client: OAuthClientEntity, action = 'client.revoke'): Promise<void> {
    if (client.status === 'revoked') return;
    const before = this.describe(client);
    client.status = 'revoked';
    client.revokedAt = new Date();
    client.registrationTokenHash = null;
    await this.clients.save(client);
    await this.audit.record({
      action,
      resourceType: 'client',
      resourceId: client.id,
      tenantId: client.tenantId,
      before,
      after: this.describe(client),
    });
    this.events.publish({ type: 'client-revoked', clientId: client.id, tenantId: client.tenantId });
  }

  registrationResponse(client: OAuthClientEntity, credentials: IssuedCredentials = {}): RegistrationResponse {
    return {
      client_id: client.id,
      client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
      ...(credentials.clientSecret ? { client_secret: credentials.clientSecret, client_secret_expires_at: 0 } : {}),
      ...(credentials.registrationAccessToken
        ? { registration_access_token: credentials.registrationAccessToken }
        : {}),
      registration_client_uri: `${this.config.publicUrl}/oauth/register/${client.id}`,
      token_endpoint_auth_method: client.tokenEndpointAuthMethod,
      grant_types: ['client_credentials'],
      scope: client.scopes.join(' '),
      ...(client.clientName ? { client_name: client.clientName } : {}),
      ...(client.jwks ? { jwks: client.jwks } : {}),
      ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
      ...client.metadata,
    };
  }

  /** The admin view of a client (camelCase, no secrets). */
  describe(client: OAuthClientEntity) {
    return {
      id: client.id,
      tenantId: client.tenantId,
      kind: client.kind,
      name: client.clientName,
      tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
      scopes: client.scopes,
      jwksUri: client.jwksUri,
      keyIds: client.jwks?.keys.map((k) => k.kid ?? null) ?? [],
      status: client.status,
      softwareId: (client.metadata.software_id as string | undefined) ?? null,
      createdBy: client.createdBy,
      createdAt: client.createdAt?.toISOString(),
      updatedAt: client.updatedAt?.toISOString(),
      revokedAt: client.revokedAt?.toISOString() ?? null,
    };
  }
}
