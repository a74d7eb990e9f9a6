import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMinSize, IsArray, IsIn, IsObject, IsOptional } from 'class-validator';
import { ALL_SCOPES, type Scope } from '../../common/auth/principal.js';
import { Scopes } from '../../common/auth/scopes.decorator.js';
import { OAuthError } from '../../common/http/oauth-error.js';
import { ApiProblems, IdempotencyKeyHeader, ResourceId } from '../../common/http/openapi-decorators.js';
import { PageQuery } from '../../common/http/pagination.js';
import { ProblemException } from '../../common/http/problem.js';
import { IsPlainText } from '../../common/http/validators.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { validateClientMetadata } from './client-metadata.js';
import { ClientsService } from './clients.service.js';
import type { OAuthClientEntity } from './oauth.entities.js';

export class CreateAutomationClientDto {
  @ApiProperty({ example: 'provisioning-robot' })
  @IsPlainText(200)
  name!: string;

  @ApiPropertyOptional({ enum: ['client_secret_basic', 'private_key_jwt'], default: 'client_secret_basic' })
  @IsOptional()
  @IsIn(['client_secret_basic', 'private_key_jwt'])
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'private_key_jwt';

  @ApiPropertyOptional({ description: 'Public ES256 keys for private_key_jwt', example: { keys: [] } })
  @IsOptional()
  @IsObject()
  jwks?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [String], enum: ALL_SCOPES, default: ['admin'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(ALL_SCOPES, { each: true })
  scopes?: Scope[];
}

function asProblem(err: unknown): never {
  if (err instanceof OAuthError) throw ProblemException.of('invalid-client-metadata', err.description);
  throw err;
}

@ApiTags('clients')
@ApiBearerAuth()
@Scopes('admin')
@Controller('v1')
export class ClientsAdminController {
  constructor(
    private readonly clients: ClientsService,
    private readonly tenants: TenantsService,
  ) {}

  /** Carrier automation clients: not bound to a tenant, scope admin by default. The secret is shown once. */
  @Post('clients')
  @IdempotencyKeyHeader()
  @ApiProblems(400, 401, 403, 422)
  async createAutomationClient(@Body() dto: CreateAutomationClientDto) {
    let meta;
    try {
      meta = validateClientMetadata(
        {
          client_name: dto.name,
          token_endpoint_auth_method: dto.tokenEndpointAuthMethod ?? 'client_secret_basic',
          ...(dto.jwks ? { jwks: dto.jwks } : {}),
          scope: (dto.scopes ?? ['admin']).join(' '),
        },
        ALL_SCOPES,
      );
    } catch (err) {
      asProblem(err);
    }
    const { client, credentials } = await this.clients.create(this.clients.newClientId(), meta, {
      kind: 'automation',
      tenantId: null,
      createdBy: 'operator',
    });
    return { ...this.clients.describe(client), clientSecret: credentials.clientSecret ?? null };
  }

  @Get('clients')
  @ApiProblems(400, 401, 403)
  async listAutomationClients(@Query() page: PageQuery) {
    const result = await this.clients.list({ kind: 'automation' }, page);
    return { items: result.items.map((c) => this.clients.describe(c)), nextCursor: result.nextCursor };
  }

  @Post('clients/:clientId/revoke')
  @HttpCode(200)
  @ApiProblems(401, 403, 404)
  async revokeAutomationClient(@ResourceId('clientId', 'cli') clientId: string) {
    const client = await this.findClient(clientId, null);
    await this.clients.revoke(client);
    return this.clients.describe(client);
  }

  @Get('tenants/:tenantId/clients')
  @ApiProblems(400, 401, 403, 404)
  async listTenantClients(@ResourceId('tenantId', 'ten') tenantId: string, @Query() page: PageQuery) {
    await this.tenants.get(tenantId);
    const result = await this.clients.list({ tenantId }, page);
    return { items: result.items.map((c) => this.clients.describe(c)), nextCursor: result.nextCursor };
  }

  @Post('tenants/:tenantId/clients/:clientId/revoke')
  @HttpCode(200)
  @ApiProblems(401, 403, 404)
  async revokeTenantClient(
    @ResourceId('tenantId', 'ten') tenantId: string,
    @ResourceId('clientId', 'cli') clientId: string,
  ) {
    const client = await this.findClient(clientId, tenantId);
    await this.clients.revoke(client);
    return this.clients.describe(client);
  }

  private async findClient(id: string, tenantId: string | null): Promise<OAuthClientEntity> {
    const client = await this.clients.find(id, { forUpdate: true });
    if (!client || client.tenantId !== tenantId) throw ProblemException.of('client-not-found', `No client ${id}`);
    return client;
  }
}
