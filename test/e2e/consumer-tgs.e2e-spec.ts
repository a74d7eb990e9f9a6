import * as client from 'openid-client';
import { DataSource } from 'typeorm';
import { runInTransaction } from '../../src/common/context/request-context.js';
import { ConsumerTgsService } from '../../src/control-plane/trunks/ript/consumer-tgs.service.js';
import { startControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { onboardWithOpenIdClient, tenantWithCode } from '../helpers/enterprise.js';
import type { TestClient } from '../helpers/http.js';
import { localhostCertificate, startTgServer, type TestTgServer } from '../helpers/tg-server.js';
import { eventually } from '../helpers/wait.js';

const TOKEN = 'provider-token-0123456789abcdef';

describe('RIPT TG discovery and consumer TG registration', () => {
  let cp: TestControlPlane;
  let api: TestClient;
  let tenantId: string;
  let trunkId: string;
  let consumertgs: string;
  let good: TestTgServer;
  const servers: TestTgServer[] = [];
  const closers: { close(): Promise<void> }[] = [];

  const tgDescription = (base: string) =>
    JSON.stringify({
      uri: `${base}/ript/v1/tgs/in`,
      links: { handlers: `${base}/ript/v1/tgs/in/handlers`, calls: `${base}/ript/v1/tgs/in/calls` },
    });

  beforeAll(async () => {
    cp = await startControlPlane({
      RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true',
      RIPTRUNK_VERIFY_ATTEMPTS: '2',
      RIPTRUNK_VERIFY_BACKOFF_MS: '50',
    });
    const onboarded = await tenantWithCode(cp, 'Globex');
    tenantId = onboarded.tenantId;
    await cp.admin.post(`/v1/tenants/${tenantId}/number-ranges`, { start: '+14155550100', end: '+14155550199' });
    const trunk = await cp.admin.post(`/v1/tenants/${tenantId}/trunks`, {
      name: 'globex-primary',
      maxConcurrentCalls: 10,
      maxCallsPerSecond: 2,
    });
    trunkId = trunk.body.id;
    const { config, agent } = await onboardWithOpenIdClient(cp, onboarded.code);
    closers.push(agent);
    api = cp.client((await client.clientCredentialsGrant(config, { scope: 'ript:tgs trunk:read' })).access_token);
    consumertgs = `/ript/v1/providertgs/${trunkId}/consumertgs`;
    good = await startTgServer(await localhostCertificate(true), (_path, auth) =>
      auth === `Bearer ${TOKEN}` || auth === `Bearer ${TOKEN}-rotated`
        ? { status: 200, body: tgDescription(good.url) }
        : { status: 401, body: '{"error":"invalid_token"}' },
    );
    servers.push(good);
  });
  afterAll(async () => {
    await Promise.all([...servers, ...closers].map((s) => s.close()));
    await cp?.close();
  });

  const register = (uri: string, extra: Record<string, unknown> = {}) =>
    api.post(consumertgs, {
      uri,
      token: TOKEN,
      'token-expires': '2030-01-01T00:00:00Z',
      outbound: { destinations: ['+14155550100-+14155550149'] },
      ...extra,
    });

  const stateOf = (location: string) =>
    eventually(
      () => api.get(location),
      (r) => r.body?.state !== 'pending',
    );

  it("lists the tenant's trunks as TG URIs on the edge", async () => {
    const res = await api.get('/.well-known/ript/v1/providertgs');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('private, max-age=60');
    expect(res.body.tgs).toEqual([
      expect.objectContaining({ uri: `${cp.config.edgePublicUrl}/ript/v1/tgs/${trunkId}`, name: 'globex-primary' }),
    ]);
  });

  it('registers a consumer TG and verifies it against a real HTTPS server: pending → active', async () => {
    const res = await register(`${good.url}/ript/v1/tgs/in`);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      state: 'pending',
      uri: `${good.url}/ript/v1/tgs/in`,
      outbound: { destinations: ['+14155550100-+14155550149'] },
    });
    expect(res.body.token).toBeUndefined();
    expect(res.headers.location).toBe(`${cp.url}${consumertgs}/${res.body.id}`);
    const settled = await stateOf(res.headers.location as string);
    expect(settled.body).toMatchObject({
      state: 'active',
      links: { handlers: `${good.url}/ript/v1/tgs/in/handlers`, calls: `${good.url}/ript/v1/tgs/in/calls` },
    });
    expect(good.requests.at(-1)).toEqual({ path: '/ript/v1/tgs/in', authorization: `Bearer ${TOKEN}` });
    const [row] = await cp.app
      .get(DataSource)
      .query('SELECT token_sealed FROM consumer_tgs WHERE id = $1', [res.body.id]);
    expect(row.token_sealed).not.toContain(TOKEN);
    const audit = await cp.admin.get(`/v1/audit-events?resourceId=${res.body.id}`);
    expect(JSON.stringify(audit.body)).not.toContain(TOKEN);
    const trunk = await cp.admin.get(`/v1/tenants/${tenantId}/trunks/${trunkId}`);
    expect(trunk.body.readiness).toEqual({ status: 'ready', reasons: [] });
    const admin = await cp.admin.get(`/v1/tenants/${tenantId}/consumer-tgs`);
    expect(admin.body.items.map((t: { id: string }) => t.id)).toContain(res.body.id);
  });

  it('rotates the token with PUT, verifying again while it stays active, and deletes', async () => {
    const created = await register(`${good.url}/ript/v1/tgs/in`);
    const location = created.headers.location as string;
    await stateOf(location);
    const updated = await api.put(location, { token: `${TOKEN}-rotated` });
    // a rotation drops no call: the registration stays active while the new token is verified
    expect(updated.body.state).toBe('active');
    await eventually(
      async () => good.requests.at(-1)?.authorization,
      (a) => a === `Bearer ${TOKEN}-rotated`,
    );
    expect((await api.get(location)).body.state).toBe('active');
    // a new URI is a new server: pending until verified
    const moved = await api.put(location, { uri: `${good.url}/ript/v1/tgs/moved` });
    expect(moved.body.state).toBe('pending');
    expect((await stateOf(location)).body.state).toBe('active');
    expect((await api.delete(location)).status).toBe(204);
    expect((await api.get(location)).status).toBe(404);
  });

  it.each([
    ['an untrusted certificate', true, /TLS certificate not trusted/],
    ['garbage', false, /not JSON/],
  ])('fails a consumer TG that answers with %s', async (_name, untrusted, reason) => {
    const server = await startTgServer(await localhostCertificate(!untrusted), () => ({
      status: 200,
      body: '<html>hello</html>',
      type: 'text/html',
    }));
    servers.push(server);
    const res = await register(`${server.url}/tg`);
    const settled = await stateOf(res.headers.location as string);
    expect(settled.body.state).toBe('failed');
    expect(settled.body.reason).toMatch(reason);
  });

  it('fails a consumer TG that refuses the token', async () => {
    const res = await register(`${good.url}/tg`, { token: 'some-other-token-123456' });
    const settled = await stateOf(res.headers.location as string);
    expect(settled.body).toMatchObject({ state: 'failed', reason: expect.stringMatching(/401/) });
  });

  it('raises one warning in the audit log for a token nearing token-expires', async () => {
    const soon = new Date(Date.now() + 86_400_000).toISOString();
    const res = await register(`${good.url}/ript/v1/tgs/in`, { 'token-expires': soon });
    const service = cp.app.get(ConsumerTgsService);
    const dataSource = cp.app.get(DataSource);
    expect(await runInTransaction(dataSource, 'test', () => service.warnExpiringTokens())).toBe(1);
    expect(await runInTransaction(dataSource, 'test', () => service.warnExpiringTokens())).toBe(0);
    const events = await cp.admin.get(`/v1/audit-events?resourceId=${res.body.id}&action=consumer-tg.token-expiring`);
    expect(events.body.items).toEqual([expect.objectContaining({ severity: 'warning', actor: 'system', tenantId })]);
  });

  it("refuses destinations outside the tenant's ranges with 403 naming them", async () => {
    const res = await register(`${good.url}/tg`, {
      outbound: { destinations: ['+14155550150', '+14085550100', '+14155550190-+14155550210'] },
    });
    expect(res.status).toBe(403);
    expect(res.body.numbers).toEqual(['+14085550100', '+14155550190-+14155550210']);
  });

  it("refuses prefixes and '*' from an enterprise, and a bad priority; keeps the priority it is given", async () => {
    const prefix = await register(`${good.url}/tg`, { outbound: { destinations: ['+1415555*'] } });
    expect(prefix.status).toBe(400);
    expect(prefix.body.errors[0].pointer).toBe('#/outbound/destinations/0');
    for (const priority of [-1, 1.5, 70000, '10']) {
      const bad = await register(`${good.url}/tg`, { priority });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { pointer: string }) => e.pointer)).toContain('#/priority');
    }
    const plain = await register(`${good.url}/ript/v1/tgs/in`);
    expect(plain.body.priority).toBe(100);
    const low = await register(`${good.url}/ript/v1/tgs/in`, { priority: 7 });
    expect(low.status).toBe(201);
    expect(low.body.priority).toBe(7);
    const changed = await api.put(low.headers.location as string, { priority: 3 });
    expect(changed.status).toBe(200);
    expect(changed.body.priority).toBe(3);
    const admin = await cp.admin.get(`/v1/tenants/${tenantId}/consumer-tgs/${low.body.id}`);
    expect(admin.body.priority).toBe(3);
    await api.delete(low.headers.location as string);
    await api.delete(plain.headers.location as string);
  });

  it('takes off-net destination patterns with a priority from an interconnect tenant', async () => {
    const tenant = await cp.admin.post('/v1/tenants', { name: 'Carrier IC', kind: 'interconnect' });
    expect(tenant.body.readiness).toEqual({
      status: 'incomplete',
      reasons: ['no-active-trunk', 'no-active-consumer-tg'],
    });
    const icTrunk = await cp.admin.post(`/v1/tenants/${tenant.body.id}/trunks`, {
      name: 'ic-gw',
      maxConcurrentCalls: 10,
      maxCallsPerSecond: 5,
    });
    expect(icTrunk.status).toBe(201);
    const code = await cp.admin.post(`/v1/tenants/${tenant.body.id}/onboarding-codes`, {});
    const { config, agent } = await onboardWithOpenIdClient(cp, code.body.code);
    closers.push(agent);
    const gw = cp.client((await client.clientCredentialsGrant(config, { scope: 'ript:tgs' })).access_token);
    const readinessOf = async () => (await cp.admin.get(`/v1/tenants/${tenant.body.id}`)).body.readiness;
    expect(await readinessOf()).toEqual({ status: 'incomplete', reasons: ['no-active-consumer-tg'] });
    const path = `/ript/v1/providertgs/${icTrunk.body.id}/consumertgs`;
    const res = await gw.post(path, {
      uri: `${good.url}/ript/v1/tgs/in`,
      token: TOKEN,
      outbound: { destinations: ['+44*', '+33100000000-+33199999999', '+12125550100', '*', '+44*'] },
      priority: 20,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      outbound: { destinations: ['+44*', '+33100000000-+33199999999', '+12125550100', '*'] },
      priority: 20,
    });
    const bad = await gw.post(path, {
      uri: `${good.url}/ript/v1/tgs/in`,
      token: TOKEN,
      outbound: { destinations: ['44*', '+4*4'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual([
      '#/outbound/destinations/0',
      '#/outbound/destinations/1',
    ]);
    const settled = await eventually(
      () => gw.get(res.headers.location as string),
      (r) => r.body?.state !== 'pending',
    );
    expect(settled.body.state).toBe('active');
    expect(await readinessOf()).toEqual({ status: 'ready', reasons: [] });
    // its trunk needs no number range either
    const trunkView = await cp.admin.get(`/v1/tenants/${tenant.body.id}/trunks/${icTrunk.body.id}`);
    expect(trunkView.body.readiness).toEqual({ status: 'ready', reasons: [] });
    await cp.admin.patch(`/v1/tenants/${tenant.body.id}/trunks/${icTrunk.body.id}`, { state: 'disabled' });
    expect(await readinessOf()).toEqual({ status: 'incomplete', reasons: ['no-active-trunk'] });
    await cp.admin.post(`/v1/tenants/${tenant.body.id}/suspend`);
    expect((await readinessOf()).reasons).toEqual(['tenant-suspended', 'no-active-trunk']);
  });

  it('refuses URIs that are not https and malformed bodies', async () => {
    expect((await register('http://pbx.example/tg')).status).toBe(400);
    expect((await register('not a url')).status).toBe(400);
    expect((await api.post(consumertgs, { uri: `${good.url}/tg` })).status).toBe(400);
  });

  it("refuses other tenants' TGs and tokens without the scope", async () => {
    const other = await tenantWithCode(cp, 'Other');
    const otherTrunk = await cp.admin.post(`/v1/tenants/${other.tenantId}/trunks`, {
      name: 'o',
      maxConcurrentCalls: 1,
      maxCallsPerSecond: 1,
    });
    const foreign = await api.post(`/ript/v1/providertgs/${otherTrunk.body.id}/consumertgs`, {
      uri: `${good.url}/tg`,
      token: TOKEN,
      outbound: { destinations: ['+14155550100'] },
    });
    expect(foreign.status).toBe(404);
    const { config, agent } = await onboardWithOpenIdClient(cp, other.code, 'trunk:read');
    closers.push(agent);
    const readOnly = cp.client((await client.clientCredentialsGrant(config)).access_token);
    expect((await readOnly.get('/.well-known/ript/v1/providertgs')).status).toBe(403);
  });
});

describe('consumer TG SSRF protection', () => {
  let cp: TestControlPlane;
  let api: TestClient;
  let trunkId: string;
  const closers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    cp = await startControlPlane();
    const { tenantId, code } = await tenantWithCode(cp, 'Ssrf');
    await cp.admin.post(`/v1/tenants/${tenantId}/number-ranges`, { start: '+14155550300', count: 10 });
    trunkId = (
      await cp.admin.post(`/v1/tenants/${tenantId}/trunks`, { name: 't', maxConcurrentCalls: 1, maxCallsPerSecond: 1 })
    ).body.id;
    const { config, agent } = await onboardWithOpenIdClient(cp, code);
    closers.push(agent);
    api = cp.client((await client.clientCredentialsGrant(config)).access_token);
  });
  afterAll(async () => {
    await Promise.all(closers.map((c) => c.close()));
    await cp?.close();
  });

  it.each([
    'https://127.0.0.1/tg',
    'https://localhost:9443/tg',
    'https://[::1]/tg',
    'https://169.254.169.254/latest',
    'https://10.0.0.8/tg',
  ])('refuses %s by default', async (uri) => {
    const res = await api.post(`/ript/v1/providertgs/${trunkId}/consumertgs`, {
      uri,
      token: TOKEN,
      outbound: { destinations: ['+14155550300'] },
    });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/private address/);
  });
});
