import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants, number ranges, trunks, onboarding codes, the audit log and idempotency keys. */
export class AdminApi1732400000001 implements MigrationInterface {
  name = 'AdminApi1732400000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenants (
        id text PRIMARY KEY,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        external_ref text UNIQUE,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
        contacts jsonb NOT NULL DEFAULT '[]',
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX tenants_created ON tenants (created_at, id)`);

    await q.query(`
      CREATE TABLE number_ranges (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        start_e164 text NOT NULL CHECK (start_e164 ~ '^\\+[1-9][0-9]{1,14}$'),
        end_e164 text NOT NULL CHECK (end_e164 ~ '^\\+[1-9][0-9]{1,14}$'),
        country text NOT NULL,
        numbers int8range NOT NULL
          GENERATED ALWAYS AS (int8range(substr(start_e164, 2)::bigint, substr(end_e164, 2)::bigint, '[]')) STORED,
        size bigint NOT NULL
          GENERATED ALWAYS AS (substr(end_e164, 2)::bigint - substr(start_e164, 2)::bigint + 1) STORED,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT number_ranges_same_length CHECK (length(start_e164) = length(end_e164)),
        CONSTRAINT number_ranges_ordered CHECK (substr(start_e164, 2)::bigint <= substr(end_e164, 2)::bigint),
        CONSTRAINT number_ranges_max_size CHECK (substr(end_e164, 2)::bigint - substr(start_e164, 2)::bigint < 10000000),
        CONSTRAINT number_ranges_no_overlap EXCLUDE USING gist (numbers WITH &&)
      )`);
    await q.query(`CREATE INDEX number_ranges_tenant ON number_ranges (tenant_id, created_at, id)`);

    await q.query(`
      CREATE TABLE trunks (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        destinations text[] NOT NULL,
        codecs text[] NOT NULL CHECK (cardinality(codecs) >= 1),
        max_concurrent_calls integer NOT NULL CHECK (max_concurrent_calls BETWEEN 1 AND 100000),
        max_calls_per_second integer NOT NULL CHECK (max_calls_per_second BETWEEN 1 AND 10000),
        state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'disabled')),
        caller_id_range_ids text[],
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT trunks_name_unique UNIQUE (tenant_id, name)
      )`);
    await q.query(`CREATE INDEX trunks_tenant ON trunks (tenant_id, created_at, id)`);

    await q.query(`
      CREATE TABLE onboarding_codes (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        code_hash text NOT NULL UNIQUE,
        hint text NOT NULL,
        expires_at timestamptz(3) NOT NULL,
        used_at timestamptz(3),
        used_by_client_id text,
        revoked_at timestamptz(3),
        created_by text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX onboarding_codes_tenant ON onboarding_codes (tenant_id, created_at, id)`);

    await q.query(`
      CREATE TABLE audit_events (
        id text PRIMARY KEY,
        at timestamptz(3) NOT NULL DEFAULT now(),
        actor text NOT NULL,
        action text NOT NULL,
        resource_type text NOT NULL,
        resource_id text NOT NULL,
        tenant_id text,
        request_id text,
        before jsonb,
        after jsonb,
        severity text NOT NULL DEFAULT 'info' CHECK (severity IN ('info', 'warning'))
      )`);
    await q.query(`CREATE INDEX audit_events_at ON audit_events (at, id)`);
    await q.query(`CREATE INDEX audit_events_tenant ON audit_events (tenant_id, at, id)`);
    await q.query(`CREATE INDEX audit_events_resource ON audit_events (resource_type, resource_id)`);

    await q.query(`
      CREATE TABLE idempotency_keys (
        actor text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status integer NOT NULL,
        body jsonb,
        headers jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT pk_idempotency_keys PRIMARY KEY (actor, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'idempotency_keys',
      'audit_events',
      'onboarding_codes',
      'trunks',
      'number_ranges',
      'tenants',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
