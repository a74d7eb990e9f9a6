import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

export type TrunkState = 'active' | 'disabled';

/** A provider trunk group (TG) of a tenant. */
@Entity('trunks')
export class TrunkEntity {
  @PrimaryColumn('text')
  id!: string;

  @Column('text', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  name!: string;

  /** Allowed destination number patterns (profile §4), canonical form. */
  @Column('text', { array: true })
  destinations!: string[];

  /** Media codecs in preference order; telephone-event and CN are implied. */
  @Column('text', { array: true })
  codecs!: string[];

  @Column('integer', { name: 'max_concurrent_calls' })
  maxConcurrentCalls!: number;

  @Column('integer', { name: 'max_calls_per_second' })
  maxCallsPerSecond!: number;

  @Column('text')
  state!: TrunkState;

  /** Number ranges usable as caller ID; null = every range of the tenant. */
  @Column('text', { name: 'caller_id_range_ids', array: true, nullable: true })
  callerIdRangeIds!: string[] | null;

  @VersionColumn()
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
