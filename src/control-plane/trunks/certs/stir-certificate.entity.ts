import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A STIR certificate (RFC 8226): `number`, issued for one number of a tenant through one of its provider TGs, or
 * `provider`, the provider's own SHAKEN certificate held by an edge (no tenant, trunk or number; TNAuthList = SPC).
 */
@Entity('stir_certificates')
export class StirCertificateEntity {
  @PrimaryColumn('text')
  id!: string;

  @Column('text', { default: 'number' })
  kind!: 'number' | 'provider';

  @Column('text', { name: 'tenant_id', nullable: true })
  tenantId!: string | null;

  @Column('text', { name: 'trunk_id', nullable: true })
  trunkId!: string | null;

  /** Canonical E.164, the one number of the TNAuthList (null for a provider certificate). */
  @Column('text', { nullable: true })
  number!: string | null;

  /** The edge a provider certificate was issued to. */
  @Column('text', { name: 'edge_id', nullable: true })
  edgeId!: string | null;

  /** Lower-case hex, as in the certificate. */
  @Column('text')
  serial!: string;

  /** The certificate, PEM. */
  @Column('text')
  pem!: string;

  /** The CA certificate that signed it, PEM (kept so that the x5u chain survives a CA change). */
  @Column('text', { name: 'issuer_pem' })
  issuerPem!: string;

  @Column({ type: 'timestamptz', name: 'not_before', precision: 3 })
  notBefore!: Date;

  @Column({ type: 'timestamptz', name: 'not_after', precision: 3 })
  notAfter!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
