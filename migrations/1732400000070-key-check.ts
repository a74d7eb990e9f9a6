import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One value sealed with the key-encryption key, so a start with another key is detected before secrets are used. */
export class KeyCheck1732400000070 implements MigrationInterface {
  name = 'KeyCheck1732400000070';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE key_check (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        sealed text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE key_check');
  }
}
