import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/common/config/app-config.js';
import { loadEnv } from '../../src/common/config/env.js';
import { KeyCheckService, KeyMismatchError } from '../../src/common/crypto/key-check.service.js';
import { SecretBox } from '../../src/common/crypto/secret-box.js';
import { SigningKeysService } from '../../src/control-plane/oauth/signing-keys.service.js';
import { startControlPlane, testEnv, type TestControlPlane } from '../helpers/control-plane.js';

describe('the key-encryption key must match the database (key check at start)', () => {
  let cp: TestControlPlane;
  let db: DataSource;

  beforeAll(async () => {
    cp = await startControlPlane();
    db = cp.app.get(DataSource);
    await cp.client().get('/oauth/jwks'); // a signing key exists
  });
  afterAll(async () => cp?.close());

  const otherKey = () => new SecretBox(randomBytes(32));
  const sealedWith = async (box: SecretBox) =>
    db.query('UPDATE key_check SET sealed = $1 WHERE id = 1', [box.seal('riptrunk key check', 'key-check')]);

  it('records a check value at the first start and accepts the same key again', async () => {
    const [row] = await db.query('SELECT sealed FROM key_check');
    expect(row.sealed).toMatch(/^v1\./);
    await expect(cp.app.get(KeyCheckService).onModuleInit()).resolves.toBeUndefined();
    expect((await db.query('SELECT count(*)::int AS n FROM signing_keys'))[0].n).toBeGreaterThan(0);
  });

  it('refuses to start with another RIPTRUNK_KEY_ENCRYPTION_KEY, touching nothing', async () => {
    await sealedWith(otherKey());
    const key = randomBytes(32).toString('base64');
    const config = new AppConfig(loadEnv(testEnv({ RIPTRUNK_KEY_ENCRYPTION_KEY: key })));
    const check = new KeyCheckService(db, SecretBox.fromConfig(config), config);
    await expect(check.onModuleInit()).rejects.toBeInstanceOf(KeyMismatchError);
    expect((await db.query('SELECT count(*)::int AS n FROM signing_keys'))[0].n).toBeGreaterThan(0);
  });

  it('with a local key, discards what it cannot open and seals a new check value', async () => {
    await sealedWith(otherKey());
    await cp.app.get(KeyCheckService).onModuleInit();
    expect((await db.query('SELECT count(*)::int AS n FROM signing_keys'))[0].n).toBe(0);
    await expect(cp.app.get(KeyCheckService).onModuleInit()).resolves.toBeUndefined();
    const jwks = await cp.client().get('/oauth/jwks'); // a new signing key is made on demand
    expect(jwks.status).toBe(200);
  });

  it('judges a database from before the check value by its sealed secrets', async () => {
    const kid = await cp.app.get(SigningKeysService).rotate();
    await db.query('DELETE FROM key_check');
    await cp.app.get(KeyCheckService).onModuleInit(); // readable secrets: accepted, check value recorded
    expect((await db.query('SELECT count(*)::int AS n FROM signing_keys'))[0].n).toBe(1);
    await db.query('DELETE FROM key_check');
    await db.query('UPDATE signing_keys SET private_jwk_sealed = $1', [otherKey().seal('{}', kid)]);
    await cp.app.get(KeyCheckService).onModuleInit();
    expect((await db.query('SELECT count(*)::int AS n FROM signing_keys'))[0].n).toBe(0);
    expect((await db.query('SELECT count(*)::int AS n FROM key_check'))[0].n).toBe(1);
  });
});
