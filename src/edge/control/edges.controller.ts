import { Controller, Get, Header, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiExcludeEndpoint,
  ApiOperation,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import type { Redis } from 'ioredis';
import { Scopes } from '../../common/auth/scopes.decorator.js';
import { AppConfig } from '../../common/config/app-config.js';
import { ApiProblems } from '../../common/http/openapi-decorators.js';
import { REDIS } from '../../common/redis/redis.module.js';
import { ControlEvents } from '../../common/events/control-events.js';
import { ProblemException } from '../../common/http/problem.js';
import { edgeDrainKey, edgeRegistryKey, type EdgeRegistration } from '../edge-config.types.js';
import { listEdges } from '../config/edge-registry.js';
import { EdgeConfigService } from './edge-config.service.js';

export class SnapshotQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^ten_[0-9a-z]{20}$/)
  tenantId?: string;
}

/** The edges' internal API (credential RIPTRUNK_INTERNAL_TOKEN, scope `edge`), and the operators' view of edges. */
@ApiTags('edges')
@ApiBearerAuth()
@Controller()
export class EdgesController {
  constructor(
    private readonly edgeConfig: EdgeConfigService,
    private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly events: ControlEvents,
  ) {}

  /**
   * Drains an edge (profile §8): it refuses new calls (503) and tells the clients of its calls to move to a sibling
   * edge with `migrate`; on-net calls stay until they end. The edge stays draining until it restarts.
   */
  @Post('v1/edges/:edgeId/drain')
  @Scopes('admin')
  @HttpCode(202)
  @ApiOperation({ summary: 'Drain an edge: refuse new calls, move live calls to sibling edges (migrate)' })
  @ApiAcceptedResponse({ description: 'The edge registry entry, now draining' })
  @ApiProblems(401, 403, 404)
  async drain(@Param('edgeId') edgeId: string): Promise<EdgeRegistration> {
    const prefix = this.config.env.RIPTRUNK_REDIS_PREFIX;
    const json = /^[A-Za-z0-9._:-]{1,128}$/.test(edgeId) ? await this.redis.get(edgeRegistryKey(prefix, edgeId)) : null;
    if (!json) throw ProblemException.of(404, 'edge-not-found', `No live edge ${edgeId}`);
    await this.redis.set(edgeDrainKey(prefix, edgeId), new Date().toISOString(), 'EX', 86_400);
    this.events.publish({ type: 'edge-drain', edgeId });
    return { ...(JSON.parse(json) as EdgeRegistration), state: 'draining' };
  }

  @Get('internal/v1/edge-config')
  @Scopes('edge')
  @Header('cache-control', 'no-store')
  @ApiExcludeEndpoint()
  snapshot(@Query() query: SnapshotQuery) {
    return this.edgeConfig.snapshot(query.tenantId ?? null);
  }

  /** Every edge that sent a heartbeat recently, with its configuration version and live calls. */
  @Get('v1/edges')
  @Scopes('admin')
  @ApiProblems(401, 403)
  async list(): Promise<{ items: EdgeRegistration[]; configVersion: number }> {
    const prefix = this.config.env.RIPTRUNK_REDIS_PREFIX;
    const items = await listEdges(this.redis, prefix);
    return { items, configVersion: Number((await this.redis.get(`${prefix}:config-version`)) ?? 0) };
  }
}
