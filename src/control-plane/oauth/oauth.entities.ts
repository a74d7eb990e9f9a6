import type { JWK } from 'jose';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Scope } from '../../common/auth/principal.js';

@Entity('signing_keys')
export class SigningKeyEntity {
  @PrimaryColumn('text')
  kid!: string;

  @Column('text')
  alg!: 'ES256';

  @Column('jsonb', { name: 'public_jwk' })
  publicJwk!: JWK;

  @Column('text', { name: 'private_jwk_sealed' })
  privateJwkSealed!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  /** When it stopped signing new tokens. */
  @Column({ type: 'timestamptz', name: 'retired_at', nullable: true, precision: 3 })
  retiredAt!: Date | null;

  /** When the last token it signed has expired; it leaves the JWKS then. */
  @Column({ type: 'timestamptz', name: 'expires_at', nullable: true, precision: 3 })
  expiresAt!: Date | null;
}

export type AuthMethod = 'private_key_jwt' | 'client_secret_basic';

@Entity('oauth_clients')
export class OAuthClientEntity {
  @PrimaryColumn('text')
  id!: string;

  @Column('text', { name: 'tenant_id', nullable: true })
  tenantId!: string | null;

  @Column('text')
  kind!: 'enterprise' | 'automation';

  @Column('text', { name: 'client_name', nullable: true })
  clientName!: string | null;

  @Column('text', { name: 'token_endpoint_auth_method' })
  tokenEndpointAuthMethod!: AuthMethod;

  @Column('jsonb', { nullable: true })
  jwks!: { keys: JWK[] } | null;

  @Column('text', { name: 'jwks_uri', nullable: true })
  jwksUri!: string | null;

  @Column('text', { name: 'client_secret_hash', nullable: true })
  clientSecretHash!: string | null;

  @Column('text', { name: 'registration_token_hash', nullable: true })
  registrationTokenHash!: string | null;

  @Column('text', { array: true })
  scopes!: Scope[];

  /** Other RFC 7591 metadata the client registered (software_id, contacts...), echoed back. */
  @Column('jsonb')
  metadata!: Record<string, unknown>;

  @Column('text', { name: 'onboarding_code_id', nullable: true })
  onboardingCodeId!: string | null;

  @Column('text')
  status!: 'active' | 'revoked';

  @Column('text', { name: 'created_by' })
  createdBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true, precision: 3 })
  revokedAt!: Date | null;
}
