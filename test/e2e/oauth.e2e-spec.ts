import { randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import { base64url, decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { DataSource } from 'typeorm';
import { connect as http2Connect } from 'node:http2';
import { SigningKeysService } from '../../src/control-plane/oauth/signing-keys.service.js';
import { startControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import {
  newEnterpriseKey,
  onboardWithOpenIdClient,
  tenantWithCode,
  type EnterpriseKey,
} from '../helpers/enterprise.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('OAuth authorization server and self-onboarding', () => {
  let cp: TestControlPlane;
  const agents: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await cp?.close();
  });

  async function onboard(name: string, scope?: string) {
    const { tenantId, code } = await tenantWithCode(cp, name);
    const result = await onboardWithOpenIdClient(cp, code, scope);
    agents.push(result.agent);
    return { tenantId, code, ...result };
  }

  function form(fields: Record<string, string>) {
    return {
      rawBody: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    };
  }

  async function assertion(
    clientId: string,
    key: EnterpriseKey,
    overrides: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
  ) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      jti: randomUUID(),
      iat: now,
      exp: now + 60,
      iss: clientId,
      sub: clientId,
      aud: cp.url,
      ...overrides,
    })
      .setProtectedHeader({ alg: 'ES256', kid: key.publicJwk.kid, ...header })
      .sign(key.privateKey);
  }

  async function tokenWith(clientAssertion: string, extra: Record<string, string> = {}) {
    return cp.client().req(
      'POST',
      '/oauth/token',
      form({
        grant_type: 'client_credentials',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: clientAssertion,
        ...extra,
      }),
    );
  }

  it('publishes RIPT discovery and RFC 8414 metadata', async () => {
    const ript = await cp.client().get('/.well-known/ript');
    expect(ript.body).toEqual({
      version: 'v1',
      providertgs: `${cp.url}/.well-known/ript/v1/providertgs`,
      oauth: `${cp.url}/.well-known/ript-oauth`,
    });
    for (const path of ['/.well-known/ript-oauth', '/.well-known/oauth-authorization-server']) {
      const meta = await cp.client().get(path);
      expect(meta.body).toMatchObject({
        issuer: cp.url,
        token_endpoint: `${cp.url}/oauth/token`,
        registration_endpoint: `${cp.url}/oauth/register`,
        grant_types_supported: ['client_credentials'],
      });
      expect(meta.body.token_endpoint_auth_methods_supported).toEqual(
        expect.arrayContaining(['private_key_jwt', 'client_secret_basic']),
      );
    }
  });

  it('onboards with openid-client: registration with the code, client_credentials with private_key_jwt, /v1/me', async () => {
    const { config, tenantId } = await onboard('Acme');
    const tokens = await client.clientCredentialsGrant(config, { scope: 'trunk:read ript:tgs' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBe(300);
    const header = decodeProtectedHeader(tokens.access_token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({
      iss: cp.url,
      sub: config.clientMetadata().client_id,
      tenant_id: tenantId,
      scope: 'trunk:read ript:tgs',
    });
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(claims.aud).toEqual([cp.url, cp.config.edgePublicUrl]);
    const me = await cp.client(tokens.access_token).get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.tenant).toMatchObject({ id: tenantId, kind: 'enterprise' });
    // An enterprise token never reaches the admin API.
    const admin = await cp.client(tokens.access_token).get('/v1/tenants');
    expect(admin.status).toBe(403);
  });

  it('binds a token to one audience with the resource parameter (RFC 8707)', async () => {
    const { config } = await onboard('Resource');
    const edgeOnly = await client.clientCredentialsGrant(config, { resource: cp.config.edgePublicUrl });
    expect(decodeJwt(edgeOnly.access_token).aud).toBe(cp.config.edgePublicUrl);
    expect((await cp.client(edgeOnly.access_token).get('/v1/me')).status).toBe(401);
    await expect(client.clientCredentialsGrant(config, { resource: 'https://evil.example' })).rejects.toMatchObject({
      error: 'invalid_target',
    });
  });

  it('refuses scopes the client was not granted', async () => {
    const { config } = await onboard('Scoped', 'trunk:read');
    await expect(client.clientCredentialsGrant(config, { scope: 'ript:calls' })).rejects.toMatchObject({
      error: 'invalid_scope',
    });
    await expect(client.clientCredentialsGrant(config, { scope: 'admin' })).rejects.toMatchObject({
      error: 'invalid_scope',
    });
  });

  describe('onboarding codes as initial access tokens', () => {
    const metadata = { token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] };

    it('is single use', async () => {
      const { code } = await tenantWithCode(cp, 'Once');
      const first = await cp.client(code).post('/oauth/register', metadata);
      expect(first.status).toBe(201);
      const again = await cp.client(code).post('/oauth/register', metadata);
      expect(again.status).toBe(401);
      expect(again.body).toMatchObject({
        error: 'invalid_token',
        error_description: expect.stringMatching(/already used/),
      });
    });

    it('refuses unknown, revoked and missing codes, and codes of a suspended tenant', async () => {
      expect((await cp.client('RIPT-AAAA-BBBB-CCCC-DDDD').post('/oauth/register', metadata)).status).toBe(401);
      expect((await cp.client().post('/oauth/register', metadata)).status).toBe(401);
      const { tenantId, code } = await tenantWithCode(cp, 'Revoked code');
      const [listed] = (await cp.admin.get(`/v1/tenants/${tenantId}/onboarding-codes`)).body.items;
      await cp.admin.post(`/v1/tenants/${tenantId}/onboarding-codes/${listed.id}/revoke`);
      const revoked = await cp.client(code).post('/oauth/register', metadata);
      expect(revoked.status).toBe(401);
      expect(revoked.body.error_description).toMatch(/revoked/);
      const other = await tenantWithCode(cp, 'Suspended');
      await cp.admin.post(`/v1/tenants/${other.tenantId}/suspend`);
      expect((await cp.client(other.code).post('/oauth/register', metadata)).status).toBe(401);
    });

    it('refuses an expired code', async () => {
      const { tenantId, code } = await tenantWithCode(cp, 'Expired');
      await cp.app
        .get(DataSource)
        .query("UPDATE onboarding_codes SET expires_at = now() - interval '1 minute' WHERE tenant_id = $1", [tenantId]);
      const expired = await cp.client(code).post('/oauth/register', metadata);
      expect(expired.status).toBe(401);
      expect(expired.body.error_description).toMatch(/expired/);
    });

    it('answers bad metadata with RFC 7591 errors and does not consume the code', async () => {
      const { code } = await tenantWithCode(cp, 'Bad metadata');
      const key = await newEnterpriseKey();
      const cases: [unknown, string][] = [
        [
          {
            token_endpoint_auth_method: 'private_key_jwt',
            jwks: { keys: [key.publicJwk] },
            jwks_uri: 'https://x.example/j',
          },
          'invalid_client_metadata',
        ],
        [{ token_endpoint_auth_method: 'tls_client_auth' }, 'invalid_client_metadata'],
        [{ grant_types: ['authorization_code'] }, 'invalid_client_metadata'],
        [{ redirect_uris: ['https://x.example/cb'] }, 'invalid_redirect_uri'],
      ];
      for (const [body, error] of cases) {
        const res = await cp.client(code).post('/oauth/register', body);
        expect(res.status).toBe(400);
        expect(res.body.error).toBe(error);
      }
      expect((await cp.client(code).post('/oauth/register', metadata)).status).toBe(201);
    });
  });

  describe('client assertions (RFC 7523)', () => {
    let clientId: string;
    let key: EnterpriseKey;

    beforeAll(async () => {
      const onboarded = await onboard('Assertions');
      clientId = onboarded.config.clientMetadata().client_id;
      key = onboarded.key;
    });

    it('accepts a good assertion with aud = issuer or the token endpoint', async () => {
      expect((await tokenWith(await assertion(clientId, key))).status).toBe(200);
      expect((await tokenWith(await assertion(clientId, key, { aud: `${cp.url}/oauth/token` }))).status).toBe(200);
    });

    it.each([
      ['a wrong aud', { aud: 'https://other.example' }],
      ['an expired one', { exp: Math.floor(Date.now() / 1000) - 120 }],
      ['a far-future exp', { exp: Math.floor(Date.now() / 1000) + 3600 }],
      ['no jti', { jti: undefined }],
    ])('refuses %s', async (_name, overrides) => {
      const res = await tokenWith(await assertion(clientId, key, overrides));
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
    });

    it('refuses a replayed jti', async () => {
      const signed = await assertion(clientId, key);
      expect((await tokenWith(signed)).status).toBe(200);
      const replay = await tokenWith(signed);
      expect(replay.status).toBe(401);
      expect(replay.body.error_description).toMatch(/jti/);
    });

    it('refuses a wrong key, alg none and HS256 signed with the public key', async () => {
      const other = await newEnterpriseKey(key.publicJwk.kid);
      expect((await tokenWith(await assertion(clientId, other))).status).toBe(401);
      const now = Math.floor(Date.now() / 1000);
      const payload = base64url.encode(
        JSON.stringify({ iss: clientId, sub: clientId, aud: cp.url, jti: randomUUID(), exp: now + 60 }),
      );
      const none = `${base64url.encode(JSON.stringify({ alg: 'none' }))}.${payload}.`;
      expect((await tokenWith(none)).status).toBe(401);
      const hs = await new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(cp.url)
        .setExpirationTime('1m')
        .sign(new TextEncoder().encode(JSON.stringify(key.publicJwk)));
      expect((await tokenWith(hs)).status).toBe(401);
    });

    it('refuses jwks_uri on private addresses at registration, IP literals included', async () => {
      for (const uri of ['https://10.255.255.1/', 'https://[::ffff:10.0.0.1]/', 'https://[64:ff9b::a9fe:a9fe]/']) {
        const { code } = await tenantWithCode(cp, `Jwks ${uri}`);
        const reg = await cp.client(code).post('/oauth/register', {
          token_endpoint_auth_method: 'private_key_jwt',
          jwks_uri: uri,
        });
        expect([uri, reg.status, reg.body]).toEqual([
          uri,
          400,
          {
            error: 'invalid_client_metadata',
            error_description: 'jwks_uri resolves to a loopback or private address',
          },
        ]);
      }
    });

    it('answers a generic error when the jwks_uri cannot be fetched', async () => {
      const { code } = await tenantWithCode(cp, 'Unreachable keys');
      const reg = await cp.client(code).post('/oauth/register', {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: 'https://keys.riptrunk-test.invalid/jwks',
      });
      expect(reg.status).toBe(201);
      const res = await tokenWith(await assertion(reg.body.client_id, key));
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        error: 'invalid_client',
        error_description: 'client_assertion rejected: the key set at jwks_uri could not be used',
      });
    });

    it('refuses other grant types', async () => {
      const res = await tokenWith(await assertion(clientId, key), { grant_type: 'password' });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unsupported_grant_type');
    });
  });

  describe('access tokens at the control plane', () => {
    let token: string;

    beforeAll(async () => {
      const { config } = await onboard('Tokens');
      token = (await client.clientCredentialsGrant(config)).access_token;
    });

    it('refuses tampered, unknown-key, wrong-typ, wrong-aud and expired tokens', async () => {
      const [h, p, s] = token.split('.');
      const claims = decodeJwt(token);
      const tampered = `${h}.${base64url.encode(JSON.stringify({ ...claims, scope: 'admin' }))}.${s}`;
      expect((await cp.client(tampered).get('/v1/me')).status).toBe(401);
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const kid = decodeProtectedHeader(token).kid!;
      const forge = (header: Record<string, unknown>, body: Record<string, unknown>) =>
        new SignJWT({ ...claims, ...body })
          .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt', ...header })
          .sign(privateKey);
      expect((await cp.client(await forge({}, {})).get('/v1/me')).status).toBe(401);
      void publicKey;
      void p;
      // Signed with the server's own current key, but wrong in one claim each.
      const keys = cp.app.get(SigningKeysService);
      const signing = await keys.signingKey();
      const resign = (header: Record<string, unknown>, body: Record<string, unknown>) =>
        new SignJWT({ ...claims, ...body })
          .setProtectedHeader({ alg: 'ES256', kid: signing.kid, typ: 'at+jwt', ...header })
          .sign(signing.privateKey);
      expect((await cp.client(await resign({}, {})).get('/v1/me')).status).toBe(200);
      expect((await cp.client(await resign({ typ: 'JWT' }, {})).get('/v1/me')).status).toBe(401);
      expect((await cp.client(await resign({}, { aud: 'https://elsewhere.example' })).get('/v1/me')).status).toBe(401);
      expect(
        (await cp.client(await resign({}, { exp: Math.floor(Date.now() / 1000) - 10 })).get('/v1/me')).status,
      ).toBe(401);
      expect((await cp.client(await resign({}, { iss: 'https://other-issuer.example' })).get('/v1/me')).status).toBe(
        401,
      );
    });
  });

  it('revokes and introspects tokens (RFC 7009, RFC 7662)', async () => {
    const { config } = await onboard('Revocation');
    const { access_token } = await client.clientCredentialsGrant(config);
    const active = await client.tokenIntrospection(config, access_token);
    expect(active).toMatchObject({ active: true, client_id: config.clientMetadata().client_id });
    await client.tokenRevocation(config, access_token);
    expect((await client.tokenIntrospection(config, access_token)).active).toBe(false);
    expect((await cp.client(access_token).get('/v1/me')).status).toBe(401);
  });

  it('manages the registration (RFC 7592): read, key rollover, delete', async () => {
    const { code } = await tenantWithCode(cp, 'Managed');
    const key1 = await newEnterpriseKey('k1');
    const reg = await cp.client(code).post('/oauth/register', {
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key1.publicJwk] },
    });
    expect(reg.status).toBe(201);
    expect(reg.body.client_secret).toBeUndefined();
    const { client_id, registration_access_token, registration_client_uri } = reg.body;
    expect(registration_client_uri).toBe(`${cp.url}/oauth/register/${client_id}`);
    const path = `/oauth/register/${client_id}`;
    const manage = cp.client(registration_access_token);
    expect((await manage.get(path)).body.client_id).toBe(client_id);
    expect((await cp.client('wrong').get(path)).status).toBe(401);
    const key2 = await newEnterpriseKey('k2');
    const rolled = await manage.put(path, {
      client_id,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key2.publicJwk] },
    });
    expect(rolled.status).toBe(200);
    expect((await tokenWith(await assertion(client_id, key1))).status).toBe(401);
    const ok = await tokenWith(await assertion(client_id, key2));
    expect(ok.status).toBe(200);
    expect((await manage.delete(path)).status).toBe(204);
    expect((await cp.client(ok.body.access_token).get('/v1/me')).status).toBe(401);
    expect((await tokenWith(await assertion(client_id, key2))).status).toBe(401);
  });

  it('registers client_secret_basic clients, and rotates the secret on update', async () => {
    const { code } = await tenantWithCode(cp, 'Secrets');
    const reg = await cp.client(code).post('/oauth/register', { token_endpoint_auth_method: 'client_secret_basic' });
    expect(reg.body.client_secret).toEqual(expect.any(String));
    const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const token = (secret: string) =>
      cp.client().req('POST', '/oauth/token', {
        ...form({ grant_type: 'client_credentials' }),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic(reg.body.client_id, secret),
        },
      });
    expect((await token(reg.body.client_secret)).status).toBe(200);
    const wrong = await token('nope');
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic/);
    const updated = await cp.client(reg.body.registration_access_token).put(`/oauth/register/${reg.body.client_id}`, {
      client_id: reg.body.client_id,
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(updated.body.client_secret).toEqual(expect.any(String));
    expect((await token(reg.body.client_secret)).status).toBe(401);
    expect((await token(updated.body.client_secret)).status).toBe(200);
  });

  it('makes tokens useless at once when the tenant is suspended or the client revoked by an admin', async () => {
    const { config, tenantId } = await onboard('Suspendable');
    const { access_token } = await client.clientCredentialsGrant(config);
    await cp.admin.post(`/v1/tenants/${tenantId}/suspend`);
    expect((await cp.client(access_token).get('/v1/me')).status).toBe(401);
    await expect(client.clientCredentialsGrant(config)).rejects.toMatchObject({ error: 'invalid_client' });
    await cp.admin.post(`/v1/tenants/${tenantId}/resume`);
    expect((await cp.client(access_token).get('/v1/me')).status).toBe(200);
    const clients = await cp.admin.get(`/v1/tenants/${tenantId}/clients`);
    expect(clients.body.items).toHaveLength(1);
    await cp.admin.post(`/v1/tenants/${tenantId}/clients/${clients.body.items[0].id}/revoke`);
    expect((await cp.client(access_token).get('/v1/me')).status).toBe(401);
  });

  it('lets carrier automation clients use the admin API with their own tokens', async () => {
    const created = await cp.admin.post('/v1/clients', { name: 'robot' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'automation', scopes: ['admin'] });
    const auth = `Basic ${Buffer.from(`${created.body.id}:${created.body.clientSecret}`).toString('base64')}`;
    const res = await cp.client().req('POST', '/oauth/token', {
      ...form({ grant_type: 'client_credentials' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth },
    });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token).tenant_id).toBeUndefined();
    expect((await cp.client(res.body.access_token).get('/v1/tenants')).status).toBe(200);
    expect((await cp.client(res.body.access_token).get('/v1/me')).status).toBe(403);
  });

  it('rotates signing keys and keeps the old key published for live tokens', async () => {
    const { config } = await onboard('Rotation');
    const before = (await client.clientCredentialsGrant(config)).access_token;
    const kidBefore = decodeProtectedHeader(before).kid;
    const kidAfter = await cp.app.get(SigningKeysService).rotate();
    expect(kidAfter).not.toBe(kidBefore);
    const jwks = await cp.client().get('/oauth/jwks');
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toEqual(expect.arrayContaining([kidBefore, kidAfter]));
    expect(jwks.body.keys.every((k: Record<string, unknown>) => !('d' in k))).toBe(true);
    expect((await cp.client(before).get('/v1/me')).status).toBe(200);
    const after = (await client.clientCredentialsGrant(config)).access_token;
    expect(decodeProtectedHeader(after).kid).toBe(kidAfter);
  });
});

describe('OAuth rate limits', () => {
  let cp: TestControlPlane;

  beforeAll(async () => {
    cp = await startControlPlane({ RIPTRUNK_OAUTH_RATE_LIMIT: '3' });
  });
  afterAll(async () => {
    await cp?.close();
  });

  it('answers 429 with Retry-After past the per-address limit', async () => {
    const statuses: number[] = [];
    let retryAfter: unknown;
    for (let i = 0; i < 5; i++) {
      const res = await cp.client().req('POST', '/oauth/token', {
        rawBody: 'grant_type=client_credentials',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers['retry-after'];
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('counts failures per client and address: a stranger cannot lock a client out', async () => {
    const { code } = await tenantWithCode(cp, 'Victim');
    const reg = await cp.client(code).post('/oauth/register', { token_endpoint_auth_method: 'client_secret_basic' });
    expect(reg.status).toBe(201);
    // Two source addresses on the loopback network: the attacker's and the real client's.
    const tokenFrom = (localAddress: string, secret: string) =>
      new Promise<number>((resolve, reject) => {
        // localAddress reaches net.connect; the session options type does not list it.
        const options = { ca: cp.ca, servername: 'localhost', localAddress };
        const session = http2Connect(`https://127.0.0.1:${new URL(cp.url).port}`, options);
        session.on('error', reject);
        const req = session.request({
          ':method': 'POST',
          ':path': '/oauth/token',
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${reg.body.client_id}:${secret}`).toString('base64')}`,
        });
        let status = 0;
        req.on('response', (h) => (status = Number(h[':status'])));
        req.resume();
        req.on('error', reject);
        req.on('close', () => {
          session.close();
          resolve(status);
        });
        req.end('grant_type=client_credentials');
      });
    const attacker: number[] = [];
    for (let i = 0; i < 5; i++) attacker.push(await tokenFrom('127.0.0.2', 'wrong secret'));
    expect(attacker).toEqual([401, 401, 401, 429, 429]);
    // The real client, from its own address, still gets tokens: more than the limit of them.
    const victim: number[] = [];
    for (let i = 0; i < 3; i++) victim.push(await tokenFrom('127.0.0.3', reg.body.client_secret));
    expect(victim).toEqual([200, 200, 200]);
  });
});
