import type { MigrationInterface, QueryRunner } from 'typeorm';

/** STIR certificates (RFC 8226) issued to tenants for one of their numbers, served publicly at their x5u URL. */
export class StirCertificates1732400000020 implements MigrationInterface {
  name = 'StirCertificates1732400000020';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE stir_certificates (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        trunk_id text NOT NULL REFERENCES trunks(id),
        number text NOT NULL CHECK (number ~ '^\\+[1-9][0-9]{1,14}$'),
        serial text NOT NULL CHECK (serial ~ '^[0-9a-f]{2,40}$'),
        pem text NOT NULL,
        issuer_pem text NOT NULL,
        not_before timestamptz(3) NOT NULL,
        not_after timestamptz(3) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT stir_certificates_validity CHECK (not_before < not_after),
        CONSTRAINT stir_certificates_serial_unique UNIQUE (serial)
      )`);
    await q.query(`CREATE INDEX stir_certificates_tenant ON stir_certificates (tenant_id, created_at, id)`);
    await q.query(`CREATE INDEX stir_certificates_trunk ON stir_certificates (trunk_id)`);
    await q.query(`CREATE INDEX stir_certificates_number ON stir_certificates (number)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS stir_certificates');
  }
}
