import { Body, Controller, Get, Headers, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Scopes } from '../../common/auth/scopes.decorator.js';
import { etagOf } from '../../common/http/etag.js';
import { ApiProblems, IdempotencyKeyHeader, ResourceId } from '../../common/http/openapi-decorators.js';
import type { Page } from '../../common/http/pagination.js';
import { CreateTrunkDto, ListTrunksQuery, TrunkDto, TrunkPageDto, UpdateTrunkDto } from './trunk.dto.js';
import type { TrunkEntity } from './trunk.entity.js';
import { TrunksService } from './trunks.service.js';

/** The tenant's provider TGs. Trunks are never deleted: PATCH `state: "disabled"` takes one out of service. */
@ApiTags('trunks')
@ApiBearerAuth()
@Scopes('admin')
@Controller('v1/tenants/:tenantId/trunks')
export class TrunksController {
  constructor(private readonly trunks: TrunksService) {}

  private async respond(reply: FastifyReply, trunk: TrunkEntity): Promise<TrunkDto> {
    void reply.header('etag', etagOf(trunk.version));
    return this.trunks.toDto(trunk);
  }

  @Post()
  @IdempotencyKeyHeader()
  @ApiOperation({ summary: 'Create a trunk (provider TG) for the tenant' })
  @ApiCreatedResponse({ type: TrunkDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async create(
    @ResourceId('tenantId', 'ten') tenantId: string,
    @Body() dto: CreateTrunkDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TrunkDto> {
    const trunk = await this.trunks.create(tenantId, dto);
    void reply.header('location', `/v1/tenants/${tenantId}/trunks/${trunk.id}`);
    return this.respond(reply, trunk);
  }

  @Get()
  @ApiOkResponse({ type: TrunkPageDto })
  @ApiProblems(400, 401, 403, 404)
  async list(
    @ResourceId('tenantId', 'ten') tenantId: string,
    @Query() query: ListTrunksQuery,
  ): Promise<Page<TrunkDto>> {
    const page = await this.trunks.list(tenantId, query);
    return { items: await Promise.all(page.items.map((t) => this.trunks.toDto(t))), nextCursor: page.nextCursor };
  }

  @Get(':trunkId')
  @ApiOkResponse({ type: TrunkDto })
  @ApiProblems(401, 403, 404)
  async get(
    @ResourceId('tenantId', 'ten') tenantId: string,
    @ResourceId('trunkId', 'trk') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TrunkDto> {
    return this.respond(reply, await this.trunks.get(tenantId, id));
  }

  @Patch(':trunkId')
  @ApiOperation({
    summary: 'Change a trunk (merge: absent fields keep their value)',
    description:
      'Disable or re-enable with `{"state": "disabled"}` / `{"state": "active"}`; ' +
      '`{"callerIdRangeIds": null}` allows every number range of the tenant again.',
  })
  @ApiHeader({ name: 'If-Match', required: false, description: 'ETag from a previous read; 412 if stale' })
  @ApiOkResponse({ type: TrunkDto })
  @ApiProblems(400, 401, 403, 404, 409, 412)
  async update(
    @ResourceId('tenantId', 'ten') tenantId: string,
    @ResourceId('trunkId', 'trk') id: string,
    @Body() dto: UpdateTrunkDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TrunkDto> {
    return this.respond(reply, await this.trunks.update(tenantId, id, dto, ifMatch));
  }
}
