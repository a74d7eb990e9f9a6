import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsISO8601,
  IsInt,
  Max,
  Min,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

/** A consumer TG's `priority`, the same on registration and on update. */
function PriorityProperty(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      minimum: 0,
      maximum: 65535,
      default: 100,
      description: 'Lower first among the consumer TGs that take a destination equally well',
    }),
    IsOptional(),
    IsInt(),
    Min(0),
    Max(65535),
  );
}

export class ConsumerTgOutboundDto {
  @ApiProperty({
    type: [String],
    example: ['+14085550100-+14085550149'],
    description:
      "Numbers the provider delivers here: numbers or ranges of the tenant's own; for an interconnect tenant, " +
      "off-net destination patterns ('+44*', '*', numbers, ranges) instead",
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  destinations!: string[];
}

/** Profile §4 consumer TG registration; member names follow the drafts. */
export class RegisterConsumerTgDto {
  @ApiProperty({ example: 'https://pbx.acme.example/ript/v1/tgs/in' })
  @IsString()
  @MaxLength(2048)
  uri!: string;

  @ApiProperty({ description: 'Bearer token the provider presents to the consumer TG', writeOnly: true })
  @IsString()
  @Matches(/^[\x21-\x7e]{16,4096}$/, { message: 'token must be 16-4096 visible ASCII characters' })
  token!: string;

  @ApiPropertyOptional({ name: 'token-expires', example: '2027-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  'token-expires'?: string;

  @ApiProperty({ type: ConsumerTgOutboundDto })
  @ValidateNested()
  @Type(() => ConsumerTgOutboundDto)
  outbound!: ConsumerTgOutboundDto;

  @PriorityProperty()
  priority?: number;
}

export class UpdateConsumerTgDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  uri?: string;

  @ApiPropertyOptional({ writeOnly: true })
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{16,4096}$/, { message: 'token must be 16-4096 visible ASCII characters' })
  token?: string;

  @ApiPropertyOptional({ name: 'token-expires' })
  @IsOptional()
  @IsISO8601({ strict: true })
  'token-expires'?: string;

  @ApiPropertyOptional({ type: ConsumerTgOutboundDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConsumerTgOutboundDto)
  outbound?: ConsumerTgOutboundDto;

  @PriorityProperty()
  priority?: number;
}
