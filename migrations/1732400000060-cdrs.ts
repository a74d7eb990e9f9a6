import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Call detail records (profile §8), one per ended call, written from the edges' `cdrs` queue. The id is the call's
 * id, so a CDR delivered twice is inserted once (ON CONFLICT DO NOTHING). No foreign keys: a CDR is a record of what
 * happened and is kept whatever becomes of the tenant or trunk.
 */
export class Cdrs1732400000060 implements MigrationInterface {
  name = 'Cdrs1732400000060';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cdrs (
        id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,128}$'),
        edge_id text NOT NULL,
        tenant_id text NOT NULL,
        trunk_id text NOT NULL,
        direction text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
        from_number text NOT NULL,
        to_number text NOT NULL,
        started_at timestamptz(3) NOT NULL,
        answered_at timestamptz(3),
        ended_at timestamptz(3) NOT NULL,
        reason text NOT NULL,
        frames_received bigint NOT NULL CHECK (frames_received >= 0),
        frames_sent bigint NOT NULL CHECK (frames_sent >= 0),
        bytes_received bigint NOT NULL CHECK (bytes_received >= 0),
        bytes_sent bigint NOT NULL CHECK (bytes_sent >= 0),
        loss_received bigint NOT NULL CHECK (loss_received >= 0),
        loss_sent bigint NOT NULL CHECK (loss_sent >= 0),
        max_jitter_ms double precision NOT NULL CHECK (max_jitter_ms >= 0),
        recorded_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT cdrs_times CHECK (
          started_at <= ended_at AND (answered_at IS NULL OR answered_at BETWEEN started_at AND ended_at)
        )
      )`);
    // Lists are keyset-paginated on (ended_at, id), filtered by tenant, trunk or number (from or to).
    await q.query(`CREATE INDEX cdrs_ended ON cdrs (ended_at, id)`);
    await q.query(`CREATE INDEX cdrs_tenant_ended ON cdrs (tenant_id, ended_at, id)`);
    await q.query(`CREATE INDEX cdrs_trunk_ended ON cdrs (trunk_id, ended_at, id)`);
    await q.query(`CREATE INDEX cdrs_from_ended ON cdrs (from_number, ended_at, id)`);
    await q.query(`CREATE INDEX cdrs_to_ended ON cdrs (to_number, ended_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS cdrs');
  }
}
