import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Stored create responses can hold secrets shown once (onboarding codes, client secrets): keep them encrypted. */
export class SealedIdempotencyBodies1732400000040 implements MigrationInterface {
  name = 'SealedIdempotencyBodies1732400000040';

  async up(q: QueryRunner): Promise<void> {
    await q.query('DELETE FROM idempotency_keys');
    await q.query('ALTER TABLE idempotency_keys DROP COLUMN body');
    await q.query('ALTER TABLE idempotency_keys ADD COLUMN body_sealed text NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DELETE FROM idempotency_keys');
    await q.query('ALTER TABLE idempotency_keys DROP COLUMN body_sealed');
    await q.query('ALTER TABLE idempotency_keys ADD COLUMN body jsonb');
  }
}
