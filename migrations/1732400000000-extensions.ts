import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Extensions1732400000000 implements MigrationInterface {
  name = 'Extensions1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE EXTENSION IF NOT EXISTS btree_gist');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP EXTENSION IF EXISTS btree_gist');
  }
}
