import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../../../common/auth/current-principal.decorator.js';
import type { Principal } from '../../../common/auth/principal.js';
import { Scopes } from '../../../common/auth/scopes.decorator.js';
import { AppConfig } from '../../../common/config/app-config.js';
import { ApiProblems, IdempotencyKeyHeader, ResourceId } from '../../../common/http/openapi-decorators.js';
import { PageQuery } from '../../../common/http/pagination.js';
import { ProblemException } from '../../../common/http/problem.js';
import { TrunksService } from '../trunks.service.js';
import { RegisterConsumerTgDto, UpdateConsumerTgDto } from './consumer-tg.dto.js';
import { ConsumerTgsService } from './consumer-tgs.service.js';

function tenantOf(principal: Principal | undefined): string {
  if (!principal?.tenantId) throw ProblemException.of('not-a-tenant', 'This route is for enterprise tokens only');
  return principal.tenantId;
}

/** The RIPT documents the control plane serves to enterprises (profile §4): TG discovery and consumer TGs. */
@ApiTags('ript')
@ApiBearerAuth()
@Scopes('ript:tgs')
@Controller()
export class RiptTgsController {
  constructor(
    private readonly trunks: TrunksService,
    private readonly config: AppConfig,
    private readonly consumerTgs: ConsumerTgsService,
  ) {}

  /** The tenant's active trunks, as TG URIs on the edge pool. */
  @Get('.well-known/ript/v1/providertgs')
  @ApiProblems(401, 403)
  async providerTgs(@CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const trunks = await this.trunks.listActive(tenantOf(principal));
    void reply.header('cache-control', 'private, max-age=60');
    return {
      tgs: trunks.map((t) => ({
        uri: `${this.config.edgePublicUrl}/ript/v1/tgs/${t.id}`,
        name: t.name,
        description: `${t.name}: ${t.codecs.join(', ')}; up to ${t.maxConcurrentCalls} calls`,
      })),
    };
  }

  private async ownTrunk(principal: Principal, trunkId: string): Promise<string> {
    const tenantId = tenantOf(principal);
    await this.trunks.assertOwned(tenantId, trunkId);
    return tenantId;
  }

  @Post('ript/v1/providertgs/:tgId/consumertgs')
  @IdempotencyKeyHeader()
  @ApiProblems(400, 401, 403, 404, 422)
  async register(
    @CurrentPrincipal() principal: Principal,
    @ResourceId('tgId', 'trk') tgId: string,
    @Body() dto: RegisterConsumerTgDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const tenantId = await this.ownTrunk(principal, tgId);
    const tg = await this.consumerTgs.register(tenantId, tgId, dto, principal.actor);
    void reply.header('location', this.consumerTgs.selfUri(tg));
    return this.consumerTgs.view(tg);
  }

  @Get('ript/v1/providertgs/:tgId/consumertgs')
  @ApiProblems(400, 401, 403, 404)
  async list(
    @CurrentPrincipal() principal: Principal,
    @ResourceId('tgId', 'trk') tgId: string,
    @Query() page: PageQuery,
  ) {
    const tenantId = await this.ownTrunk(principal, tgId);
    const result = await this.consumerTgs.list(tenantId, page, tgId);
    return { items: result.items.map((t) => this.consumerTgs.view(t)), nextCursor: result.nextCursor };
  }

  @Get('ript/v1/providertgs/:tgId/consumertgs/:id')
  @ApiProblems(401, 403, 404)
  async get(
    @CurrentPrincipal() principal: Principal,
    @ResourceId('tgId', 'trk') tgId: string,
    @ResourceId('id', 'ctg') id: string,
  ) {
    return this.consumerTgs.view(await this.consumerTgs.get(await this.ownTrunk(principal, tgId), tgId, id));
  }

  @Put('ript/v1/providertgs/:tgId/consumertgs/:id')
  @ApiProblems(400, 401, 403, 404)
  async update(
    @CurrentPrincipal() principal: Principal,
    @ResourceId('tgId', 'trk') tgId: string,
    @ResourceId('id', 'ctg') id: string,
    @Body() dto: UpdateConsumerTgDto,
  ) {
    return this.consumerTgs.view(await this.consumerTgs.update(await this.ownTrunk(principal, tgId), tgId, id, dto));
  }

  @Delete('ript/v1/providertgs/:tgId/consumertgs/:id')
  @HttpCode(204)
  @ApiProblems(401, 403, 404)
  async remove(
    @CurrentPrincipal() principal: Principal,
    @ResourceId('tgId', 'trk') tgId: string,
    @ResourceId('id', 'ctg') id: string,
  ) {
    await this.consumerTgs.remove(await this.ownTrunk(principal, tgId), tgId, id);
  }
}

/** The carrier's view of every tenant's consumer TGs. */
@ApiTags('consumer-tgs')
@ApiBearerAuth()
@Scopes('admin')
@Controller('v1/tenants/:tenantId/consumer-tgs')
export class ConsumerTgsAdminController {
  constructor(private readonly consumerTgs: ConsumerTgsService) {}

  @Get()
  @ApiProblems(400, 401, 403)
  async list(@ResourceId('tenantId', 'ten') tenantId: string, @Query() page: PageQuery) {
    const result = await this.consumerTgs.list(tenantId, page);
    return { items: result.items.map((t) => this.consumerTgs.view(t)), nextCursor: result.nextCursor };
  }

  @Get(':id')
  @ApiProblems(401, 403, 404)
  async get(@ResourceId('tenantId', 'ten') tenantId: string, @ResourceId('id', 'ctg') id: string) {
    return this.consumerTgs.view(await this.consumerTgs.get(tenantId, undefined, id));
  }
}
