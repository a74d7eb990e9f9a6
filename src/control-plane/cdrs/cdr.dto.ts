import { E164_PATTERN } from '@riptrunk/ript';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsDate, IsOptional, Matches } from 'class-validator';
import { PageQuery } from '../../common/http/pagination.js';

/** "+14085550100"; also accepts the digits alone, and a '+' that a query string decoded as a space. */
const toE164 = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  return /^\d+$/.test(trimmed) ? `+${trimmed}` : trimmed;
};

export class ListMyCdrsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'RFC 3339; CDRs of calls that ended at or after it' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  since?: Date;

  @ApiPropertyOptional({ description: 'RFC 3339; CDRs of calls that ended before it' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  until?: Date;

  @ApiPropertyOptional({ example: 'trk_5k2m9q0d3x7c1v8b4n6p' })
  @IsOptional()
  @Matches(/^trk_[0-9a-z]{20}$/, { message: 'trunkId must be a trunk id (trk_...)' })
  trunkId?: string;

  @ApiPropertyOptional({ example: '+14085550100', description: 'E.164; CDRs with this number as from or to' })
  @IsOptional()
  @Transform(toE164)
  @Matches(E164_PATTERN, { message: 'number must be an E.164 number, e.g. +14085550100' })
  number?: string;
}

export class ListCdrsQuery extends ListMyCdrsQuery {
  @ApiPropertyOptional({ example: 'ten_5k2m9q0d3x7c1v8b4n6p' })
  @IsOptional()
  @Matches(/^ten_[0-9a-z]{20}$/, { message: 'tenantId must be a tenant id (ten_...)' })
  tenantId?: string;
}

export class CdrDto {
  @ApiProperty({ description: "The call's id", example: '0b6a4c1e-4f0e-4b8e-9a53-2b0f7c1d9e21' })
  id!: string;
  @ApiProperty({ description: 'The edge that handled the call' })
  edgeId!: string;
  @ApiProperty()
  tenantId!: string;
  @ApiProperty()
  trunkId!: string;
  @ApiProperty({
    enum: ['outbound', 'inbound'],
    description: "outbound: placed by the enterprise; inbound: delivered to the enterprise's consumer TG",
  })
  direction!: 'outbound' | 'inbound';
  @ApiProperty({ example: '+14085550100' })
  from!: string;
  @ApiProperty({ example: '+14155550123' })
  to!: string;
  @ApiProperty()
  startedAt!: string;
  @ApiProperty({ nullable: true, type: String })
  answeredAt!: string | null;
  @ApiProperty()
  endedAt!: string;
  @ApiProperty({ example: 'normal' })
  reason!: string;
  @ApiProperty({ description: 'Media frames the enterprise sent to the edge' })
  framesReceived!: number;
  @ApiProperty({ description: 'Media frames the edge sent to the enterprise' })
  framesSent!: number;
  @ApiProperty()
  bytesReceived!: number;
  @ApiProperty()
  bytesSent!: number;
  @ApiProperty({ description: 'Frames lost on the way to the edge' })
  lossReceived!: number;
  @ApiProperty({ description: 'Frames lost on the way to the enterprise (from its acks)' })
  lossSent!: number;
  @ApiProperty({ description: 'Largest interarrival jitter at the edge, ms' })
  maxJitterMs!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "A call through a SIP gateway: the Call-ID of its SIP leg (the call request's sip-call-id)",
  })
  sipCallId!: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: "The SIP status of the callee side's final event, when a SIP gateway sent one",
  })
  sipStatus!: number | null;
  @ApiProperty({ description: 'When the control plane stored it' })
  recordedAt!: string;
}

export class CdrPageDto {
  @ApiProperty({ type: [CdrDto] })
  items!: CdrDto[];
  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}
