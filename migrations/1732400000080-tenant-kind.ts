import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants get a kind (profile §10): `enterprise` (every tenant so far) or `interconnect`, the tenant a carrier's SIP
 * gateway sits on. An interconnect tenant owns no numbers: a trigger refuses a number range of one, so that no path
 * around the service's check (a race with a kind change, a script) can give it numbers.
 */
export class TenantKind1732400000080 implements MigrationInterface {
  name = 'TenantKind1732400000080';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tenants ADD COLUMN kind text NOT NULL DEFAULT 'enterprise'
        CHECK (kind IN ('enterprise', 'interconnect'))`);
    await q.query(`
      CREATE FUNCTION number_ranges_not_interconnect() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM tenants WHERE id = NEW.tenant_id AND kind = 'interconnect') THEN
          RAISE EXCEPTION 'tenant % is an interconnect tenant: it owns no numbers', NEW.tenant_id
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER number_ranges_not_interconnect BEFORE INSERT OR UPDATE OF tenant_id ON number_ranges
        FOR EACH ROW EXECUTE FUNCTION number_ranges_not_interconnect()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER IF EXISTS number_ranges_not_interconnect ON number_ranges');
    await q.query('DROP FUNCTION IF EXISTS number_ranges_not_interconnect()');
    await q.query('ALTER TABLE tenants DROP COLUMN kind');
  }
}
