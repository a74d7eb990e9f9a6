import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Scopes } from '../../../common/auth/scopes.decorator.js';
import { ApiProblems, IdempotencyKeyHeader, ResourceId } from '../../../common/http/openapi-decorators.js';
import type { Page } from '../../../common/http/pagination.js';
import {
  CreatedOnboardingCodeDto,
  CreateOnboardingCodeDto,
  ListOnboardingCodesQuery,
  OnboardingCodeDto,
  OnboardingCodePageDto,
} from './onboarding-code.dto.js';
import { OnboardingCodesService } from './onboarding-codes.service.js';

/**
 * Single-use codes an enterprise redeems at `POST /oauth/register` (profile §3). The code is in the create
 * response only; lists show its last four characters. Codes are revoked with POST .../revoke, never deleted.
 */
@ApiTags('onboarding-codes')
@ApiBearerAuth()
@Scopes('admin')
@Controller('v1/tenants/:tenantId/onboarding-codes')
export class OnboardingCodesController {
  constructor(private readonly codes: OnboardingCodesService) {}

  @Post()
  @ApiOperation({
    summary: 'Issue an onboarding code for the tenant',
    description:
      'The code appears in this response only (the code itself is stored hashed), so the response is ' +
      '`Cache-Control: no-store`. A retry with the same Idempotency-Key replays this response from an encrypted ' +
      'record kept for 24 hours.',
  })
  @ApiBody({ type: CreateOnboardingCodeDto, required: false })
  @IdempotencyKeyHeader()
  @ApiCreatedResponse({ type: CreatedOnboardingCodeDto })
  @ApiProblems(400, 401, 403, 404, 409)
  async create(
    @ResourceId('tenantId', 'ten') tenantId: string,
    @Body() dto: CreateOnboardingCodeDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedOnboardingCodeDto> {
    const created = await this.codes.create(tenantId, dto ?? {});
    void reply
      .header('location', `/v1/tenants/${tenantId}/onboarding-codes/${created.id}`)
      .header('cache-control', 'no-store');
    return created;
  }

  @Get()
  @ApiOkResponse({ type: OnboardingCodePageDto })
  @ApiProblems(400, 401, 403, 404)
  async list(
    @ResourceId('tenantId', 'ten') tenantId: string,
    @Query() query: ListOnboardingCodesQuery,
  ): Promise<Page<OnboardingCodeDto>> {
    const page = await this.codes.list(tenantId, query);
    const now = new Date();
    return { items: page.items.map((c) => this.codes.toDto(c, now)), nextCursor: page.nextCursor };
  }

  @Get(':codeId')
  @ApiOkResponse({ type: OnboardingCodeDto })
  @ApiProblems(401, 403, 404)
  async get(
    @ResourceId('tenantId', 'ten') tenantId: string,
    @ResourceId('codeId', 'obc') id: string,
  ): Promise<OnboardingCodeDto> {
    return this.codes.toDto(await this.codes.get(tenantId, id));
  }

  @Post(':codeId/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an unused code (also allowed once expired or for a closed tenant)' })
  @ApiOkResponse({ type: OnboardingCodeDto })
  @ApiProblems(401, 403, 404, 409)
  async revoke(
    @ResourceId('tenantId', 'ten') tenantId: string,
    @ResourceId('codeId', 'obc') id: string,
  ): Promise<OnboardingCodeDto> {
    return this.codes.toDto(await this.codes.revoke(tenantId, id));
  }
}
