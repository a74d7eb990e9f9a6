import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Scopes } from '../auth/scopes.decorator.js';
import { ApiProblems } from '../http/openapi-decorators.js';
import { PageQuery, type Page } from '../http/pagination.js';
import type { AuditEventEntity } from './audit-event.entity.js';
import { AuditService } from './audit.service.js';

export class ListAuditEventsQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @Matches(/^ten_[0-9a-z]{20}$/) tenantId?: string;
  @ApiPropertyOptional({ example: 'tenant' }) @IsOptional() @IsString() @MaxLength(50) resourceType?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) resourceId?: string;
  @ApiPropertyOptional({ example: 'tenant.create' }) @IsOptional() @IsString() @MaxLength(100) action?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) actor?: string;
  @ApiPropertyOptional({ description: 'RFC 3339 lower bound (inclusive)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  since?: Date;
  @ApiPropertyOptional({ description: 'RFC 3339 upper bound (exclusive)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  until?: Date;
}

@ApiTags('audit')
@ApiBearerAuth()
@Scopes('admin')
@Controller('v1/audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiProblems(400, 401, 403)
  list(@Query() q: ListAuditEventsQuery): Promise<Page<AuditEventEntity>> {
    return this.audit.list(q);
  }
}
