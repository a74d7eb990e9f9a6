import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

export type ConsumerTgState = 'pending' | 'active' | 'failed';

/** An enterprise's inbound TG, registered through the provider TG's `consumertgs` link. */
@Entity('consumer_tgs')
export class ConsumerTgEntity {
  @PrimaryColumn('text')
  id!: string;

  @Column('text', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text', { name: 'trunk_id' })
  trunkId!: string;

  @Column('text')
  uri!: string;

  /** The provider's bearer token for this TG, sealed with the key-encryption key. */
  @Column('text', { name: 'token_sealed' })
  tokenSealed!: string;

  @Column({ type: 'timestamptz', name: 'token_expires', nullable: true, precision: 3 })
  tokenExpires!: Date | null;

  @Column({ type: 'timestamptz', name: 'token_warned_at', nullable: true, precision: 3 })
  tokenWarnedAt!: Date | null;

  @Column('text', { array: true })
  destinations!: string[];

  /** Lower first among the consumer TGs that take a destination equally well (default 100). */
  @Column('integer', { default: 100 })
  priority!: number;

  @Column('text')
  state!: ConsumerTgState;

  @Column('text', { name: 'state_reason', nullable: true })
  stateReason!: string | null;

  @Column('integer', { name: 'verify_attempts' })
  verifyAttempts!: number;

  @Column('text', { name: 'handlers_uri', nullable: true })
  handlersUri!: string | null;

  @Column('text', { name: 'calls_uri', nullable: true })
  callsUri!: string | null;

  @Column({ type: 'timestamptz', name: 'verified_at', nullable: true, precision: 3 })
  verifiedAt!: Date | null;

  @VersionColumn()
  version!: number;

  @Column('text', { name: 'created_by' })
  createdBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
