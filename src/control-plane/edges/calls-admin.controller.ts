import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { Scopes } from '../../common/auth/scopes.decorator.js';
import { ControlEvents } from '../../common/events/control-events.js';
import { ApiProblems } from '../../common/http/openapi-decorators.js';
import { ProblemException } from '../../common/http/problem.js';
import type { CallRecord } from '../../contracts/call-record.js';
import { CallRecordStore } from '../../contracts/call-record-store.js';

export class ListLiveCallsQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^ten_[0-9a-z]{20}$/)
  tenantId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^trk_[0-9a-z]{20}$/)
  trunkId?: string;
}

type LiveCallView = Omit<CallRecord, 'passport' | 'clientDirectives' | 'serverDirectives'>;

/** The carrier's view of live calls across every edge (from the call state the edges keep in Redis). */
@ApiTags('calls')
@ApiBearerAuth()
@Scopes('admin')
@Controller('v1/calls')
export class CallsAdminController {
  constructor(
    private readonly calls: CallRecordStore,
    private readonly events: ControlEvents,
  ) {}

  private view(record: CallRecord): LiveCallView {
    const { passport: _p, clientDirectives: _c, serverDirectives: _s, ...rest } = record;
    return rest;
  }

  @Get()
  @ApiProblems(400, 401, 403)
  async list(@Query() query: ListLiveCallsQuery): Promise<{ items: LiveCallView[] }> {
    const items = (await this.calls.list())
      .filter((r) => !r.endedAt)
      .filter(
        (r) => (!query.tenantId || r.tenantId === query.tenantId) && (!query.trunkId || r.trunkId === query.trunkId),
      )
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map((r) => this.view(r));
    return { items };
  }

  /** Asks the edge that runs the call to end it (reason `ended-by-operator`); 202 since the edge does the work. */
  @Post(':callId/end')
  @HttpCode(202)
  @ApiProblems(401, 403, 404)
  async end(@Param('callId') callId: string): Promise<LiveCallView> {
    const record = await this.calls.get(callId);
    if (!record || record.endedAt) throw ProblemException.of('call-not-found', `No live call ${callId}`);
    this.events.publish({ type: 'call-end', callId, reason: 'ended-by-operator' });
    return this.view(record);
  }
}
