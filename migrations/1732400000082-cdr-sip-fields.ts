import type { MigrationInterface, QueryRunner } from 'typeorm';

/** CDRs of calls through a SIP gateway (profile §10) keep the SIP leg's Call-ID and its final SIP status. */
export class CdrSipFields1732400000082 implements MigrationInterface {
  name = 'CdrSipFields1732400000082';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE cdrs
        ADD COLUMN sip_call_id text CHECK (length(sip_call_id) BETWEEN 1 AND 256),
        ADD COLUMN sip_status integer CHECK (sip_status BETWEEN 100 AND 699)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE cdrs DROP COLUMN sip_call_id, DROP COLUMN sip_status');
  }
}
