import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../../common/auth/current-principal.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { Scopes } from '../../common/auth/scopes.decorator.js';
import { ApiProblems } from '../../common/http/openapi-decorators.js';
import type { Page } from '../../common/http/pagination.js';
import { ProblemException } from '../../common/http/problem.js';
import type { CdrEntity } from './cdr.entity.js';
import { CdrDto, CdrPageDto, ListCdrsQuery, ListMyCdrsQuery } from './cdr.dto.js';
import { CdrsRepository } from './cdrs.repository.js';

function toDto(cdr: CdrEntity): CdrDto {
  return {
    id: cdr.id,
    edgeId: cdr.edgeId,
    tenantId: cdr.tenantId,
    trunkId: cdr.trunkId,
    direction: cdr.direction,
    from: cdr.from,
    to: cdr.to,
    startedAt: cdr.startedAt.toISOString(),
    answeredAt: cdr.answeredAt?.toISOString() ?? null,
    endedAt: cdr.endedAt.toISOString(),
    reason: cdr.reason,
    framesReceived: cdr.framesReceived,
    framesSent: cdr.framesSent,
    bytesReceived: cdr.bytesReceived,
    bytesSent: cdr.bytesSent,
    lossReceived: cdr.lossReceived,
    lossSent: cdr.lossSent,
    maxJitterMs: cdr.maxJitterMs,
    sipCallId: cdr.sipCallId,
    sipStatus: cdr.sipStatus,
    recordedAt: cdr.recordedAt.toISOString(),
  };
}

/** Call detail records (profile §8, §9): the carrier's view of all of them, and each enterprise's of its own. */
@ApiTags('cdrs')
@ApiBearerAuth()
@Controller('v1')
export class CdrsController {
  constructor(private readonly cdrs: CdrsRepository) {}

  private async list(query: ListCdrsQuery, tenantId: string | undefined): Promise<Page<CdrDto>> {
    const page = await this.cdrs.page({ ...query, tenantId });
    return { items: page.items.map(toDto), nextCursor: page.nextCursor };
  }

  @Get('cdrs')
  @Scopes('admin')
  @ApiOperation({ summary: 'Call detail records, newest first' })
  @ApiOkResponse({ type: CdrPageDto })
  @ApiProblems(400, 401, 403)
  listAll(@Query() query: ListCdrsQuery): Promise<Page<CdrDto>> {
    return this.list(query, query.tenantId);
  }

  @Get('me/cdrs')
  @Scopes('trunk:read')
  @ApiOperation({ summary: "The calling enterprise's call detail records, newest first" })
  @ApiOkResponse({ type: CdrPageDto })
  @ApiProblems(400, 401, 403)
  listMine(@CurrentPrincipal() principal: Principal, @Query() query: ListMyCdrsQuery): Promise<Page<CdrDto>> {
    if (!principal?.tenantId) {
      throw ProblemException.of('not-a-tenant', 'This route is for enterprise tokens only');
    }
    return this.list(query, principal.tenantId);
  }
}
