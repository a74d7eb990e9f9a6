import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import { PageQuery } from '../../../common/http/pagination.js';
import type { OnboardingCodeStatus } from './onboarding-code.entity.js';

export const MAX_TTL_DAYS = 365;
const STATUSES: OnboardingCodeStatus[] = ['active', 'used', 'expired', 'revoked'];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

const IfPresent = () => ValidateIf((_object, value) => value !== undefined);

/** Either `ttlDays` or `expiresAt`, or neither (the configured default lifetime). */
export class CreateOnboardingCodeDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_TTL_DAYS,
    description: 'Lifetime in days; default RIPTRUNK_ONBOARDING_CODE_TTL_DAYS (7)',
  })
  @IfPresent()
  @IsInt()
  @Min(1)
  @Max(MAX_TTL_DAYS)
  ttlDays?: number;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2030-01-31T12:00:00Z',
    description: `RFC 3339 expiry, in the future and at most ${MAX_TTL_DAYS} days ahead; not with ttlDays`,
  })
  @IfPresent()
  @IsString()
  @Matches(RFC3339, { message: 'expiresAt must be an RFC 3339 date-time with an offset, e.g. 2030-01-31T12:00:00Z' })
  expiresAt?: string;
}

export class ListOnboardingCodesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: OnboardingCodeStatus;
}

export class OnboardingCodeDto {
  @ApiProperty({ example: 'obc_5k2m9q0d3x7c1v8b4n6p' })
  id!: string;
  @ApiProperty({ example: 'ten_5k2m9q0d3x7c1v8b4n6p' })
  tenantId!: string;
  @ApiProperty({ example: 'H4TW', description: 'The last four characters of the code' })
  hint!: string;
  @ApiProperty({ enum: STATUSES })
  status!: OnboardingCodeStatus;
  @ApiProperty()
  expiresAt!: string;
  @ApiProperty({ example: 'operator' })
  createdBy!: string;
  @ApiProperty()
  createdAt!: string;
  @ApiProperty({ nullable: true, type: String })
  usedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The OAuth client registered with the code' })
  usedByClientId!: string | null;
  @ApiProperty({ nullable: true, type: String })
  revokedAt!: string | null;
}

export class CreatedOnboardingCodeDto extends OnboardingCodeDto {
  @ApiProperty({
    example: 'RIPT-7K3M-Q9XD-2VBN-H4TW',
    description: 'Shown in this response only; never stored. Give it to the enterprise with the discovery URL.',
  })
  code!: string;
  @ApiProperty({ example: 'https://api.carrier.example/.well-known/ript' })
  discoveryUrl!: string;
}

export class OnboardingCodePageDto {
  @ApiProperty({ type: [OnboardingCodeDto] })
  items!: OnboardingCodeDto[];
  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}
