import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { PageQuery } from '../../common/http/pagination.js';
import { IsPlainText } from '../../common/http/validators.js';
import { ReadinessDto } from '../tenants/tenant.dto.js';
import { ALWAYS_ON_CODECS, DEFAULT_TRUNK_CODECS, TRUNK_CODECS, type TrunkCodec } from './trunk-advertisement.js';
import type { TrunkState } from './trunk.entity.js';
import { IsNumberPatternList, IsNumberRangeIdList, IsTrunkCodecList } from './trunk.validators.js';

export const MAX_CONCURRENT_CALLS = 100_000;
export const MAX_CALLS_PER_SECOND = 10_000;
export const MAX_DESTINATIONS = 100;
export const MAX_CALLER_ID_RANGES = 1000;
const TRUNK_STATES: TrunkState[] = ['active', 'disabled'];

/** Present (not undefined) fields are validated, so an explicit null is refused where null means nothing. */
const IfPresent = () => ValidateIf((_object, value) => value !== undefined);

export class CreateTrunkDto {
  @ApiProperty({ example: 'acme-primary', maxLength: 100, description: 'Unique within the tenant' })
  @IsPlainText(100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['+1*', '+44*'],
    default: ['*'],
    maxItems: MAX_DESTINATIONS,
    description: 'Allowed destination number patterns: "+14085550100", "+A-+B" (inclusive), "+1*" (prefix), "*" (all)',
  })
  @IfPresent()
  @IsArray()
  @ArrayMinSize(1, { message: 'destinations must list at least one pattern; use "*" for every destination' })
  @ArrayMaxSize(MAX_DESTINATIONS)
  @IsNumberPatternList()
  destinations?: string[];

  @ApiPropertyOptional({
    type: [String],
    enum: TRUNK_CODECS,
    example: ['opus', 'PCMU', 'PCMA'],
    default: DEFAULT_TRUNK_CODECS,
    description: `Media codecs in preference order, each at most once. ${ALWAYS_ON_CODECS.join(' and ')} are always on and not listed.`,
  })
  @IfPresent()
  @IsArray()
  @ArrayMinSize(1, { message: 'codecs must list at least one codec' })
  @ArrayMaxSize(TRUNK_CODECS.length, { message: `codecs can list at most ${TRUNK_CODECS.length} codecs` })
  @IsTrunkCodecList()
  codecs?: TrunkCodec[];

  @ApiProperty({ minimum: 1, maximum: MAX_CONCURRENT_CALLS, example: 50 })
  @IsInt()
  @Min(1)
  @Max(MAX_CONCURRENT_CALLS)
  maxConcurrentCalls!: number;

  @ApiProperty({ minimum: 1, maximum: MAX_CALLS_PER_SECOND, example: 5 })
  @IsInt()
  @Min(1)
  @Max(MAX_CALLS_PER_SECOND)
  maxCallsPerSecond!: number;

  @ApiPropertyOptional({
    enum: TRUNK_STATES,
    default: 'active',
    description: 'A disabled trunk refuses new calls; trunks are disabled, never deleted',
  })
  @IfPresent()
  @IsIn(TRUNK_STATES)
  state?: TrunkState;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    example: ['rng_5k2m9q0d3x7c1v8b4n6p'],
    description: "Number ranges of the tenant usable as caller ID; null or absent = all of the tenant's ranges",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_CALLER_ID_RANGES)
  @IsNumberRangeIdList()
  callerIdRangeIds?: string[] | null;
}

/** Merge semantics: absent fields keep their value; `callerIdRangeIds: null` goes back to every range. */
export class UpdateTrunkDto extends PartialType(CreateTrunkDto, { skipNullProperties: false }) {}

export class ListTrunksQuery extends PageQuery {
  @ApiPropertyOptional({ enum: TRUNK_STATES })
  @IsOptional()
  @IsIn(TRUNK_STATES)
  state?: TrunkState;
}

export class TrunkDto {
  @ApiProperty({ example: 'trk_5k2m9q0d3x7c1v8b4n6p' })
  id!: string;
  @ApiProperty({ example: 'ten_5k2m9q0d3x7c1v8b4n6p' })
  tenantId!: string;
  @ApiProperty()
  name!: string;
  @ApiProperty({ type: [String], example: ['+1*', '+44*'] })
  destinations!: string[];
  @ApiProperty({ type: [String], enum: TRUNK_CODECS, example: ['opus', 'PCMU', 'PCMA'] })
  codecs!: string[];
  @ApiProperty({
    type: [String],
    example: [...ALWAYS_ON_CODECS],
    description: 'Read-only: codecs every trunk carries after its own',
  })
  alwaysOn!: string[];
  @ApiProperty({
    example: '1 in: opus; PCMU; PCMA; telephone-event; CN; 1 out: opus; PCMU; PCMA; telephone-event; CN;',
    description: "Read-only: the TG's advertisement (profile §5)",
  })
  advertisement!: string;
  @ApiProperty()
  maxConcurrentCalls!: number;
  @ApiProperty()
  maxCallsPerSecond!: number;
  @ApiProperty({ enum: TRUNK_STATES })
  state!: TrunkState;
  @ApiProperty({ type: [String], nullable: true, description: 'null = every number range of the tenant' })
  callerIdRangeIds!: string[] | null;
  @ApiProperty({ type: ReadinessDto })
  readiness!: ReadinessDto;
  @ApiProperty()
  version!: number;
  @ApiProperty()
  createdAt!: string;
  @ApiProperty()
  updatedAt!: string;
}

export class TrunkPageDto {
  @ApiProperty({ type: [TrunkDto] })
  items!: TrunkDto[];
  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}
