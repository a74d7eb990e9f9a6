import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

export type TenantStatus = 'active' | 'suspended' | 'closed';

/** `interconnect`: a carrier's SIP gateway sits on it (profile §10); it owns no numbers. */
export const TENANT_KINDS = ['enterprise', 'interconnect'] as const;
export type TenantKind = (typeof TENANT_KINDS)[number];

export interface TenantContact {
  name?: string;
  email: string;
  phone?: string;
  role?: string;
}

@Entity('tenants')
export class TenantEntity {
  @PrimaryColumn('text')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text', { name: 'external_ref', nullable: true, unique: true })
  externalRef!: string | null;

  @Column('text')
  status!: TenantStatus;

  @Column('text', { default: 'enterprise' })
  kind!: TenantKind;

  @Column('jsonb', { default: () => "'[]'" })
  contacts!: TenantContact[];

  @VersionColumn()
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
