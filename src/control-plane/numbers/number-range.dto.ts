import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';
import { PageQuery } from '../../common/http/pagination.js';
import { canonicalNumber, MAX_RANGE_SIZE } from './number-range.js';

/** A valid phone number in international form (libphonenumber-js, full metadata); canonicalised later. */
function IsPhoneNumberInput(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPhoneNumberInput',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        // Non-strings are left to @IsString, so that they get one error, not two.
        validate: (value: unknown) => typeof value !== 'string' || !('error' in canonicalNumber(value)),
        defaultMessage: ({ property, value }: ValidationArguments) => {
          const parsed = canonicalNumber(String(value));
          return `${property} ${'error' in parsed ? parsed.error : 'is invalid'}`;
        },
      },
    });
}

export class CreateNumberRangeDto {
  @ApiProperty({
    example: '+14085550100',
    description: 'First number, international format; stored as canonical E.164. Alone, it adds that one number.',
  })
  @IsString()
  @MaxLength(40)
  @IsPhoneNumberInput()
  start!: string;

  @ApiPropertyOptional({
    example: '+14085550199',
    description: 'Last number (inclusive): same country and length as start. Give end or count, not both.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  @IsPhoneNumberInput()
  end?: string;

  @ApiPropertyOptional({ example: 100, minimum: 1, maximum: MAX_RANGE_SIZE, description: 'How many numbers' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RANGE_SIZE)
  count?: number;
}

export class ListNumberRangesQuery extends PageQuery {}

export class DeleteNumberRangeQuery {
  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description: 'Delete even while in use, removing the range from the trunks that list it',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  force?: boolean;
}

export class NumberRangeDto {
  @ApiProperty({ example: 'rng_5k2m9q0d3x7c1v8b4n6p' })
  id!: string;
  @ApiProperty({ example: 'ten_5k2m9q0d3x7c1v8b4n6p' })
  tenantId!: string;
  @ApiProperty({ example: '+14085550100' })
  start!: string;
  @ApiProperty({ example: '+14085550199' })
  end!: string;
  @ApiProperty({ example: 100 })
  count!: number;
  @ApiProperty({ example: 'US', description: 'ISO 3166 region of the numbers; "001" for non-geographic numbers' })
  country!: string;
  @ApiProperty()
  createdAt!: string;
}

export class NumberRangePageDto {
  @ApiProperty({ type: [NumberRangeDto] })
  items!: NumberRangeDto[];
  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}

export class NumberTenantDto {
  @ApiProperty({ example: 'ten_5k2m9q0d3x7c1v8b4n6p' })
  id!: string;
  @ApiProperty()
  name!: string;
  @ApiProperty({ enum: ['active', 'suspended', 'closed'] })
  status!: string;
}

export class NumberRangeRefDto {
  @ApiProperty({ example: 'rng_5k2m9q0d3x7c1v8b4n6p' })
  id!: string;
  @ApiProperty({ example: '+14085550100' })
  start!: string;
  @ApiProperty({ example: '+14085550199' })
  end!: string;
}

export class NumberTrunkRefDto {
  @ApiProperty({ example: 'trk_5k2m9q0d3x7c1v8b4n6p' })
  id!: string;
  @ApiProperty()
  name!: string;
}

export class NumberLookupDto {
  @ApiProperty({ example: '+14085550123' })
  number!: string;
  @ApiProperty({ type: NumberTenantDto })
  tenant!: NumberTenantDto;
  @ApiProperty({ type: NumberRangeRefDto })
  range!: NumberRangeRefDto;
  @ApiProperty({
    type: [NumberTrunkRefDto],
    description: "The tenant's trunks that may present this number as caller ID",
  })
  trunks!: NumberTrunkRefDto[];
}
