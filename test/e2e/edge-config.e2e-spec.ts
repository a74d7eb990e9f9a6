import * as client from 'openid-client';
import type { Redis } from 'ioredis';
import { configVersionKey } from '../../src/contracts/control-events.js';
import { REDIS } from '../../src/common/redis/redis.module.js';
import { EdgeConfigStore } from '../../src/edge/config/edge-config.store.js';
import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';
import { onboardWithOpenIdClient, tenantWithCode } from '../helpers/enterprise.js';
import type { TestClient } from '../helpers/http.js';
import { eventually } from '../helpers/wait.js';

describe('edge configuration sync and TG descriptions', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let tenantId: string;
  let trunkId: string;
  let tg: TestClient;
  let config: client.Configuration;
  const closers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    cp = await startControlPlane();
    edge = await startEdge(cp);
    const onboarded = await tenantWithCode(cp, 'Acme');
    tenantId = onboarded.tenantId;
    await cp.admin.post(`/v1/tenants/${tenantId}/number-ranges`, { start: '+14085550100', end: '+14085550199' });
    trunkId = (
      await cp.admin.post(`/v1/tenants/${tenantId}/trunks`, {
        name: 'acme-primary',
        destinations: ['+1*', '+44*'],
        codecs: ['opus', 'PCMU', 'PCMA'],
        maxConcurrentCalls: 50,
        maxCallsPerSecond: 5,
      })
    ).body.id;
    const result = await onboardWithOpenIdClient(cp, onboarded.code);
    config = result.config;
    closers.push(result.agent);
    tg = edge.client((await client.clientCredentialsGrant(config, { resource: edge.url })).access_token);
  });
  afterAll(async () => {
    await Promise.all(closers.map((c) => c.close()));
    await edge?.close();
    await cp?.close();
  });

  const tgPath = () => `/ript/v1/tgs/${trunkId}`;

  it('serves the TG description of the profile, with ETag and 304', async () => {
    const res = await tg.get(tgPath());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      uri: `${edge.url}/ript/v1/tgs/${trunkId}`,
      name: 'acme-primary',
      outbound: { origins: ['+14085550100-+14085550199'], destinations: ['+1*', '+44*'] },
      limits: { 'max-concurrent-calls': 50, 'max-calls-per-second': 5 },
      advertisement: expect.stringMatching(/^1 in: opus; PCMU; PCMA; .*1 out: opus; PCMU; PCMA;/),
      'retry-backoff': 2000,
      'media-timeout': 5000,
      links: {
        handlers: `${edge.url}/ript/v1/tgs/${trunkId}/handlers`,
        calls: `${edge.url}/ript/v1/tgs/${trunkId}/calls`,
        consumertgs: `${cp.url}/ript/v1/providertgs/${trunkId}/consumertgs`,
        certs: `${cp.url}/ript/v1/providertgs/${trunkId}/certs`,
      },
    });
    expect(res.headers['cache-control']).toBe('private, max-age=60');
    const etag = res.headers.etag as string;
    const again = await tg.get(tgPath(), { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect((await tg.get(tgPath(), { headers: { 'if-none-match': '"stale"' } })).status).toBe(200);
  });

  it('shows an admin change to the trunk limits at the edge within 1 s', async () => {
    const started = Date.now();
    const patched = await cp.admin.patch(`/v1/tenants/${tenantId}/trunks/${trunkId}`, { maxConcurrentCalls: 7 });
    expect(patched.status).toBe(200);
    const seen = await eventually(
      () => tg.get(tgPath()),
      (r) => r.body.limits['max-concurrent-calls'] === 7,
      1000,
    );
    expect(seen.body.limits['max-concurrent-calls']).toBe(7);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('repairs a missed update with a re-sync', async () => {
    const redis = cp.app.get<Redis>(REDIS);
    await redis.incrby(configVersionKey(cp.config.env.RIPTRUNK_REDIS_PREFIX), 3); // three events "lost"
    await cp.admin.patch(`/v1/tenants/${tenantId}/trunks/${trunkId}`, { maxCallsPerSecond: 9 });
    const seen = await eventually(
      () => tg.get(tgPath()),
      (r) => r.body.limits['max-calls-per-second'] === 9,
      2000,
    );
    expect(seen.body.limits['max-calls-per-second']).toBe(9);
    const counter = Number(await redis.get(configVersionKey(cp.config.env.RIPTRUNK_REDIS_PREFIX)));
    expect(edge.app.get(EdgeConfigStore).version).toBe(counter);
  });

  it('lists the edge with its configuration version', async () => {
    const res = await eventually(
      () => cp.admin.get('/v1/edges'),
      (r) => r.body.items?.[0]?.configVersion === r.body.configVersion,
      5000,
    );
    expect(res.body.items).toEqual([
      expect.objectContaining({
        id: `edge-${edge.config.env.EDGE_PORT}`,
        publicUrl: edge.url,
        state: 'ready',
        liveCalls: 0,
      }),
    ]);
  });

  it("refuses tokens for the control plane only, without the scope, or for another tenant's TG", async () => {
    const cpOnly = (await client.clientCredentialsGrant(config, { resource: cp.url })).access_token;
    expect((await edge.client(cpOnly).get(tgPath())).status).toBe(401);
    const readOnly = (await client.clientCredentialsGrant(config, { scope: 'trunk:read', resource: edge.url }))
      .access_token;
    expect((await edge.client(readOnly).get(tgPath())).status).toBe(403);
    const other = await tenantWithCode(cp, 'Other');
    const otherTrunk = await cp.admin.post(`/v1/tenants/${other.tenantId}/trunks`, {
      name: 'x',
      maxConcurrentCalls: 1,
      maxCallsPerSecond: 1,
    });
    await eventually(
      () => Promise.resolve(edge.app.get(EdgeConfigStore).trunk(otherTrunk.body.id)),
      (t) => !!t,
      1000,
    );
    expect((await tg.get(`/ript/v1/tgs/${otherTrunk.body.id}`)).status).toBe(404);
  });

  it('refuses a disabled TG, and the tokens of a suspended tenant or revoked client within 1 s', async () => {
    await cp.admin.patch(`/v1/tenants/${tenantId}/trunks/${trunkId}`, { state: 'disabled' });
    expect(
      (
        await eventually(
          () => tg.get(tgPath()),
          (r) => r.status === 403,
          1000,
        )
      ).status,
    ).toBe(403);
    await cp.admin.patch(`/v1/tenants/${tenantId}/trunks/${trunkId}`, { state: 'active' });
    expect(
      (
        await eventually(
          () => tg.get(tgPath()),
          (r) => r.status === 200,
          1000,
        )
      ).status,
    ).toBe(200);

    await cp.admin.post(`/v1/tenants/${tenantId}/suspend`);
    expect(
      (
        await eventually(
          () => tg.get(tgPath()),
          (r) => r.status === 401,
          1000,
        )
      ).status,
    ).toBe(401);
    await cp.admin.post(`/v1/tenants/${tenantId}/resume`);
    expect(
      (
        await eventually(
          () => tg.get(tgPath()),
          (r) => r.status === 200,
          1000,
        )
      ).status,
    ).toBe(200);

    const clients = await cp.admin.get(`/v1/tenants/${tenantId}/clients`);
    await cp.admin.post(`/v1/tenants/${tenantId}/clients/${clients.body.items[0].id}/revoke`);
    expect(
      (
        await eventually(
          () => tg.get(tgPath()),
          (r) => r.status === 401,
          1000,
        )
      ).status,
    ).toBe(401);
  });
});
