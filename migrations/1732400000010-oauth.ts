import type { MigrationInterface, QueryRunner } from 'typeorm';

/** OAuth clients and the token signing keys. */
export class Oauth1732400000010 implements MigrationInterface {
  name = 'Oauth1732400000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        alg text NOT NULL DEFAULT 'ES256',
        public_jwk jsonb NOT NULL,
        private_jwk_sealed text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        retired_at timestamptz(3),
        expires_at timestamptz(3)
      )`);
    await q.query(`
      CREATE TABLE oauth_clients (
        id text PRIMARY KEY,
        tenant_id text REFERENCES tenants(id),
        kind text NOT NULL CHECK (kind IN ('enterprise', 'automation')),
        client_name text,
        token_endpoint_auth_method text NOT NULL
          CHECK (token_endpoint_auth_method IN ('private_key_jwt', 'client_secret_basic')),
        jwks jsonb,
        jwks_uri text,
        client_secret_hash text,
        registration_token_hash text,
        scopes text[] NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}',
        onboarding_code_id text REFERENCES onboarding_codes(id),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
        created_by text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        revoked_at timestamptz(3),
        CONSTRAINT oauth_clients_tenant_kind CHECK ((kind = 'enterprise') = (tenant_id IS NOT NULL)),
        CONSTRAINT oauth_clients_one_key_source CHECK (NOT (jwks IS NOT NULL AND jwks_uri IS NOT NULL)),
        CONSTRAINT oauth_clients_credentials CHECK (
          (token_endpoint_auth_method = 'client_secret_basic' AND client_secret_hash IS NOT NULL)
          OR (token_endpoint_auth_method = 'private_key_jwt' AND (jwks IS NOT NULL OR jwks_uri IS NOT NULL)))
      )`);
    await q.query(`CREATE INDEX oauth_clients_tenant ON oauth_clients (tenant_id, created_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS oauth_clients');
    await q.query('DROP TABLE IF EXISTS signing_keys');
  }
}
