import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consumer TGs get a priority (profile §10): among the consumer TGs that take a destination equally well, lower
 * first. It orders the off-net candidates of interconnect tenants (after the longest matching pattern) and the
 * on-net ones of a tenant with several consumer TGs.
 */
export class ConsumerTgPriority1732400000081 implements MigrationInterface {
  name = 'ConsumerTgPriority1732400000081';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE consumer_tgs ADD COLUMN priority integer NOT NULL DEFAULT 100
        CHECK (priority BETWEEN 0 AND 65535)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE consumer_tgs DROP COLUMN priority');
  }
}
