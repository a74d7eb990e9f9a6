import { E164_PATTERN } from '@riptrunk/ript';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../../common/http/pagination.js';
import { IsPlainText } from '../../common/http/validators.js';
import type { TenantStatus } from './tenant.entity.js';

export class TenantContactDto {
  @ApiPropertyOptional({ example: 'Ada Lovelace' })
  @IsOptional()
  @IsPlainText(200)
  name?: string;

  @ApiProperty({ example: 'noc@acme.example' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiPropertyOptional({ example: '+14085550100' })
  @IsOptional()
  @Matches(E164_PATTERN, { message: 'phone must be an E.164 number' })
  phone?: string;

  @ApiPropertyOptional({ example: 'technical' })
  @IsOptional()
  @IsPlainText(50)
  role?: string;
}

export class CreateTenantDto {
  @ApiProperty({ example: 'Acme Corp', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @IsPlainText(200)
  name!: string;

  @ApiPropertyOptional({ example: 'ACCT-000123', description: "The carrier's own account id; unique" })
  @IsOptional()
  @IsString()
  @Matches(/^[\x20-\x7e]{1,100}$/, { message: 'externalRef must be 1-100 printable ASCII characters' })
  externalRef?: string;

  @ApiPropertyOptional({ type: [TenantContactDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => TenantContactDto)
  contacts?: TenantContactDto[];
}

export class UpdateTenantDto extends PartialType(CreateTenantDto) {}

export class ListTenantsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['active', 'suspended', 'closed'] })
  @IsOptional()
  @IsIn(['active', 'suspended', 'closed'])
  status?: TenantStatus;

  @ApiPropertyOptional({ description: 'Case-insensitive substring of the name' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;
}

export class ReadinessDto {
  @ApiProperty({ enum: ['ready', 'incomplete'] })
  status!: 'ready' | 'incomplete';

  @ApiProperty({ type: [String], example: ['no-number-range'] })
  reasons!: string[];
}

export class TenantDto {
  @ApiProperty({ example: 'ten_5k2m9q0d3x7c1v8b4n6p' })
  id!: string;
  @ApiProperty()
  name!: string;
  @ApiProperty({ nullable: true, type: String })
  externalRef!: string | null;
  @ApiProperty({ enum: ['active', 'suspended', 'closed'] })
  status!: TenantStatus;
  @ApiProperty({ type: [TenantContactDto] })
  contacts!: TenantContactDto[];
  @ApiProperty({ type: ReadinessDto })
  readiness!: ReadinessDto;
  @ApiProperty()
  version!: number;
  @ApiProperty()
  createdAt!: string;
  @ApiProperty()
  updatedAt!: string;
}

export class TenantPageDto {
  @ApiProperty({ type: [TenantDto] })
  items!: TenantDto[];
  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}
