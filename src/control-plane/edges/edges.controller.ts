import { Controller, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiExcludeEndpoint,
  ApiOperation,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { Scopes } from '../../common/auth/scopes.decorator.js';
import { ApiProblems } from '../../common/http/openapi-decorators.js';
import { ControlEvents } from '../../common/events/control-events.js';
import { ProblemException } from '../../common/http/problem.js';
import { EdgeFleetStore, type EdgeRegistration } from '../../contracts/edge-registry.js';
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
    private readonly fleet: EdgeFleetStore,
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
    const edge = await this.fleet.get(edgeId);
    if (!edge) throw ProblemException.of('edge-not-found', `No live edge ${edgeId}`);
    await this.fleet.markDraining(edgeId);
    this.events.publish({ type: 'edge-drain', edgeId });
    return { ...edge, state: 'draining' };
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
    return { items: await this.fleet.list(), configVersion: await this.fleet.configVersion() };
  }
}
