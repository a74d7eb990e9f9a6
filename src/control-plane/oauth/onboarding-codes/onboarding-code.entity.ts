import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type OnboardingCodeStatus = 'active' | 'used' | 'expired' | 'revoked';

/** An onboarding code; only its SHA-256 hash is kept, the code itself is shown once at creation. */
@Entity('onboarding_codes')
export class OnboardingCodeEntity {
  @PrimaryColumn('text')
  id!: string;

  @Column('text', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text', { name: 'code_hash', unique: true })
  codeHash!: string;

  /** The last four characters of the code. */
  @Column('text')
  hint!: string;

  @Column({ type: 'timestamptz', name: 'expires_at', precision: 3 })
  expiresAt!: Date;

  @Column({ type: 'timestamptz', name: 'used_at', precision: 3, nullable: true })
  usedAt!: Date | null;

  @Column('text', { name: 'used_by_client_id', nullable: true })
  usedByClientId!: string | null;

  @Column({ type: 'timestamptz', name: 'revoked_at', precision: 3, nullable: true })
  revokedAt!: Date | null;

  @Column('text', { name: 'created_by' })
  createdBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}

/** Used and revoked are final; otherwise the code is active until it expires. */
export function onboardingCodeStatus(
  code: Pick<OnboardingCodeEntity, 'usedAt' | 'revokedAt' | 'expiresAt'>,
  now = new Date(),
): OnboardingCodeStatus {
  if (code.usedAt) return 'used';
  if (code.revokedAt) return 'revoked';
  return code.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active';
}
