import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('audit_events')
@Index(['tenantId', 'at'])
@Index(['resourceType', 'resourceId'])
export class AuditEventEntity {
  @PrimaryColumn('text')
  id!: string;

  @CreateDateColumn({ name: 'at', type: 'timestamptz', precision: 3 })
  at!: Date;

  @Column('text')
  actor!: string;

  @Column('text')
  action!: string;

  @Column('text', { name: 'resource_type' })
  resourceType!: string;

  @Column('text', { name: 'resource_id' })
  resourceId!: string;

  @Column('text', { name: 'tenant_id', nullable: true })
  tenantId!: string | null;

  @Column('text', { name: 'request_id', nullable: true })
  requestId!: string | null;

  @Column('jsonb', { nullable: true })
  before!: Record<string, unknown> | null;

  @Column('jsonb', { nullable: true })
  after!: Record<string, unknown> | null;

  @Column('text', { nullable: true })
  severity!: 'info' | 'warning' | null;
}
