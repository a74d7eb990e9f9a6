import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A create's response, kept so that a retry with the same Idempotency-Key gets the same answer. */
@Entity('idempotency_keys')
export class IdempotencyKeyEntity {
  @PrimaryColumn('text')
  actor!: string;

  @PrimaryColumn('text')
  key!: string;

  @Column('text', { name: 'request_hash' })
  requestHash!: string;

  @Column('int')
  status!: number;

  /** The response body, sealed: it may hold a secret that is shown once. */
  @Column('text', { name: 'body_sealed' })
  bodySealed!: string;

  @Column('jsonb')
  headers!: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
