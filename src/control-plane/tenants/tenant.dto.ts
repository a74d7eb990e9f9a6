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
import { TENANT_KINDS, type TenantKind, type TenantStatus } from './tenant.entity.js';

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

class UpdateableTenantFields {
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

export class CreateTenantDto extends UpdateableTenantFields {
  @ApiPropertyOptional({
    enum: TENANT_KINDS,
    default: 'enterprise',
    description:
      "`interconnect`: a carrier's SIP gateway sits on it (profile §10). It owns no numbers, its trunks accept any " +
      'E.164 caller, its consumer TGs take off-net destination patterns. Fixed at creation.',
  })
  @IsOptional()
  @IsIn(TENANT_KINDS)
  kind?: TenantKind;
}

export class UpdateTenantDto extends PartialType(UpdateableTenantFields) {}

export class ListTenantsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['active', 'suspended', 'closed'] })
  @IsOptional()
  @IsIn(['active', 'suspended', 'closed'])
  status?: TenantStatus;

  @ApiPropertyOptional({ enum: TENANT_KINDS })
  @IsOptional()
  @IsIn(TENANT_KINDS)
  kind?: TenantKind;

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
  @ApiProperty({ enum: TENANT_KINDS })
  kind!: TenantKind;
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
