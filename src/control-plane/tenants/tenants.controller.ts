import { Body, Controller, Get, Headers, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Scopes } from '../../common/auth/scopes.decorator.js';
import { etagOf } from '../../common/http/etag.js';
import { ApiProblems, IdempotencyKeyHeader, ResourceId } from '../../common/http/openapi-decorators.js';
import type { Page } from '../../common/http/pagination.js';
import { CreateTenantDto, ListTenantsQuery, TenantDto, TenantPageDto, UpdateTenantDto } from './tenant.dto.js';
import type { TenantEntity } from './tenant.entity.js';
import { TenantsService } from './tenants.service.js';

@ApiTags('tenants')
@ApiBearerAuth()
@Scopes('admin')
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  private async respond(reply: FastifyReply, tenant: TenantEntity): Promise<TenantDto> {
    void reply.header('etag', etagOf(tenant.version));
    return this.tenants.toDto(tenant);
  }

  @Post()
  @IdempotencyKeyHeader()
  @ApiProblems(400, 401, 403, 409, 422)
  async create(@Body() dto: CreateTenantDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<TenantDto> {
    const tenant = await this.tenants.create(dto);
    void reply.header('location', `/v1/tenants/${tenant.id}`);
    return this.respond(reply, tenant);
  }

  @Get()
  @ApiOkResponse({ type: TenantPageDto })
  @ApiProblems(400, 401, 403)
  async list(@Query() query: ListTenantsQuery): Promise<Page<TenantDto>> {
    const page = await this.tenants.list(query);
    return { items: await Promise.all(page.items.map((t) => this.tenants.toDto(t))), nextCursor: page.nextCursor };
  }

  @Get(':tenantId')
  @ApiProblems(401, 403, 404)
  async get(
    @ResourceId('tenantId', 'ten') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TenantDto> {
    return this.respond(reply, await this.tenants.get(id));
  }

  @Patch(':tenantId')
  @ApiHeader({ name: 'If-Match', required: false, description: 'ETag from a previous read; 412 if stale' })
  @ApiProblems(400, 401, 403, 404, 409, 412)
  async update(
    @ResourceId('tenantId', 'ten') id: string,
    @Body() dto: UpdateTenantDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TenantDto> {
    return this.respond(reply, await this.tenants.update(id, dto, ifMatch));
  }

  @Post(':tenantId/suspend')
  @HttpCode(200)
  @ApiProblems(401, 403, 404, 409, 412)
  async suspend(
    @ResourceId('tenantId', 'ten') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.respond(reply, await this.tenants.transition(id, 'suspend', ifMatch));
  }

  @Post(':tenantId/resume')
  @HttpCode(200)
  @ApiProblems(401, 403, 404, 409, 412)
  async resume(
    @ResourceId('tenantId', 'ten') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.respond(reply, await this.tenants.transition(id, 'resume', ifMatch));
  }

  @Post(':tenantId/close')
  @HttpCode(200)
  @ApiProblems(401, 403, 404, 409, 412)
  async close(
    @ResourceId('tenantId', 'ten') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.respond(reply, await this.tenants.transition(id, 'close', ifMatch));
  }
}
