import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Consumer TGs: where a tenant wants its inbound calls delivered, with the bearer token the provider presents. */
export class ConsumerTgs1732400000030 implements MigrationInterface {
  name = 'ConsumerTgs1732400000030';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE consumer_tgs (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        trunk_id text NOT NULL REFERENCES trunks(id),
        uri text NOT NULL CHECK (uri LIKE 'https://%'),
        token_sealed text NOT NULL,
        token_expires timestamptz(3),
        token_warned_at timestamptz(3),
        destinations text[] NOT NULL CHECK (cardinality(destinations) >= 1),
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'active', 'failed')),
        state_reason text,
        verify_attempts integer NOT NULL DEFAULT 0,
        handlers_uri text,
        calls_uri text,
        verified_at timestamptz(3),
        version integer NOT NULL DEFAULT 1,
        created_by text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX consumer_tgs_tenant ON consumer_tgs (tenant_id, created_at, id)`);
    await q.query(`CREATE INDEX consumer_tgs_trunk ON consumer_tgs (trunk_id)`);
    await q.query(
      `CREATE INDEX consumer_tgs_token_expires ON consumer_tgs (token_expires) WHERE token_warned_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS consumer_tgs');
  }
}
