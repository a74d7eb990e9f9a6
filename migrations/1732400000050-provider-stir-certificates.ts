import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The provider's own SHAKEN certificates (one per edge start or renewal), kept with the tenants' per-number ones so
 * that they are served at the same public x5u URL: `kind` tells them apart; a provider certificate has no tenant,
 * trunk or number (its TNAuthList is the provider's SPC) and names the edge that asked for it.
 */
export class ProviderStirCertificates1732400000050 implements MigrationInterface {
  name = 'ProviderStirCertificates1732400000050';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE stir_certificates
        ADD COLUMN kind text NOT NULL DEFAULT 'number' CHECK (kind IN ('number', 'provider')),
        ADD COLUMN edge_id text,
        ALTER COLUMN tenant_id DROP NOT NULL,
        ALTER COLUMN trunk_id DROP NOT NULL,
        ALTER COLUMN number DROP NOT NULL,
        ADD CONSTRAINT stir_certificates_kind_fields CHECK (
          (kind = 'number' AND tenant_id IS NOT NULL AND trunk_id IS NOT NULL AND number IS NOT NULL)
          OR (kind = 'provider' AND tenant_id IS NULL AND trunk_id IS NULL AND number IS NULL)
        )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM stir_certificates WHERE kind = 'provider'`);
    await q.query(`
      ALTER TABLE stir_certificates
        DROP CONSTRAINT stir_certificates_kind_fields,
        ALTER COLUMN tenant_id SET NOT NULL,
        ALTER COLUMN trunk_id SET NOT NULL,
        ALTER COLUMN number SET NOT NULL,
        DROP COLUMN edge_id,
        DROP COLUMN kind`);
  }
}
