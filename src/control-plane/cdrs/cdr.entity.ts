import { Column, Entity, PrimaryColumn, type ValueTransformer } from 'typeorm';

/** bigint counters come back from pg as strings; they stay far below 2^53. */
const bigintNumber: ValueTransformer = {
  to: (value: number) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/** A call detail record (profile §8); the id is the call's id. */
@Entity('cdrs')
export class CdrEntity {
  @PrimaryColumn('text')
  id!: string;

  @Column('text', { name: 'edge_id' })
  edgeId!: string;

  @Column('text', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text', { name: 'trunk_id' })
  trunkId!: string;

  @Column('text')
  direction!: 'outbound' | 'inbound';

  @Column('text', { name: 'from_number' })
  from!: string;

  @Column('text', { name: 'to_number' })
  to!: string;

  @Column({ type: 'timestamptz', name: 'started_at', precision: 3 })
  startedAt!: Date;

  @Column({ type: 'timestamptz', name: 'answered_at', precision: 3, nullable: true })
  answeredAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'ended_at', precision: 3 })
  endedAt!: Date;

  @Column('text')
  reason!: string;

  @Column('bigint', { name: 'frames_received', transformer: bigintNumber })
  framesReceived!: number;

  @Column('bigint', { name: 'frames_sent', transformer: bigintNumber })
  framesSent!: number;

  @Column('bigint', { name: 'bytes_received', transformer: bigintNumber })
  bytesReceived!: number;

  @Column('bigint', { name: 'bytes_sent', transformer: bigintNumber })
  bytesSent!: number;

  @Column('bigint', { name: 'loss_received', transformer: bigintNumber })
  lossReceived!: number;

  @Column('bigint', { name: 'loss_sent', transformer: bigintNumber })
  lossSent!: number;

  @Column('double precision', { name: 'max_jitter_ms' })
  maxJitterMs!: number;

  @Column('text', { name: 'sip_call_id', nullable: true })
  sipCallId!: string | null;

  @Column('integer', { name: 'sip_status', nullable: true })
  sipStatus!: number | null;

  @Column({ type: 'timestamptz', name: 'recorded_at', precision: 3, default: () => 'now()' })
  recordedAt!: Date;
}
