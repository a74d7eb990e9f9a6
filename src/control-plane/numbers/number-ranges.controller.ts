import { isE164 } from '@riptrunk/ript';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res, type PipeTransform } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Scopes } from '../../common/auth/scopes.decorator.js';
import { ApiProblems, IdempotencyKeyHeader, ResourceId } from '../../common/http/openapi-decorators.js';
import type { Page } from '../../common/http/pagination.js';
import { ProblemException } from '../../common/http/problem.js';
import {
  CreateNumberRangeDto,
  DeleteNumberRangeQuery,
  ListNumberRangesQuery,
  NumberLookupDto,
  NumberRangeDto,
  NumberRangePageDto,
} from './number-range.dto.js';
import { NumberRangesService } from './number-ranges.service.js';

@ApiTags('number-ranges')
@ApiBearerAuth()
@Scopes('admin')
@Controller('v1/tenants/:tenantId/number-ranges')
export class NumberRangesController {
  constructor(private readonly ranges: NumberRangesService) {}

  @Post()
  @IdempotencyKeyHeader()
  @ApiCreatedResponse({ type: NumberRangeDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async create(
    @ResourceId('tenantId', 'ten') tenantId: string,
    @Body() dto: CreateNumberRangeDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<NumberRangeDto> {
    const range = await this.ranges.create(tenantId, dto);
    void reply.header('location', `/v1/tenants/${tenantId}/number-ranges/${range.id}`);
    return this.ranges.toDto(range);
  }

  @Get()
  @ApiOkResponse({ type: NumberRangePageDto })
  @ApiProblems(400, 401, 403, 404)
  async list(
    @ResourceId('tenantId', 'ten') tenantId: string,
    @Query() query: ListNumberRangesQuery,
  ): Promise<Page<NumberRangeDto>> {
    const page = await this.ranges.list(tenantId, query);
    return { items: page.items.map((r) => this.ranges.toDto(r)), nextCursor: page.nextCursor };
  }

  @Get(':rangeId')
  @ApiOkResponse({ type: NumberRangeDto })
  @ApiProblems(401, 403, 404)
  async get(
    @ResourceId('tenantId', 'ten') tenantId: string,
    @ResourceId('rangeId', 'rng') id: string,
  ): Promise<NumberRangeDto> {
    return this.ranges.toDto(await this.ranges.get(tenantId, id));
  }

  @Delete(':rangeId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(400, 401, 403, 404, 409)
  async delete(
    @ResourceId('tenantId', 'ten') tenantId: string,
    @ResourceId('rangeId', 'rng') id: string,
    @Query() query: DeleteNumberRangeQuery,
  ): Promise<void> {
    await this.ranges.delete(tenantId, id, query.force ?? false);
  }
}

class E164Pipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isE164(value)) {
      throw ProblemException.validation([
        { pointer: '#/e164', detail: 'the number must be in E.164 form, e.g. +14085550100' },
      ]);
    }
    return value;
  }
}

@ApiTags('number-ranges')
@ApiBearerAuth()
@Scopes('admin')
@Controller('v1/numbers')
export class NumbersController {
  constructor(private readonly ranges: NumberRangesService) {}

  @Get(':e164')
  @ApiParam({ name: 'e164', example: '+14085550123', description: 'Canonical E.164 number' })
  @ApiOkResponse({ type: NumberLookupDto })
  @ApiProblems(400, 401, 403, 404)
  async lookup(@Param('e164', new E164Pipe()) e164: string): Promise<NumberLookupDto> {
    return this.ranges.lookup(e164);
  }
}
