import { Controller, Get, Header, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeEndpoint, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import type { Redis } from 'ioredis';
import { Scopes } from '../../common/auth/scopes.decorator.js';
import { AppConfig } from '../../common/config/app-config.js';
import { ApiProblems } from '../../common/http/openapi-decorators.js';
import { REDIS } from '../../common/redis/redis.module.js';
import { edgeRegistryKey, type EdgeRegistration } from '../edge-config.types.js';
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
  ) {}

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
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', edgeRegistryKey(prefix, '*'), 'COUNT', 200);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    const values = keys.length ? await this.redis.mget(keys) : [];
    const items = values
      .filter((v): v is string => v !== null)
      .map((v) => JSON.parse(v) as EdgeRegistration)
      .sort((a, b) => a.id.localeCompare(b.id));
    return { items, configVersion: Number((await this.redis.get(`${prefix}:config-version`)) ?? 0) };
  }
}
