import { randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import { DataSource } from 'typeorm';
import { decodeJwt } from 'jose';
import { buildOpenApiDocument } from '../../src/common/http/openapi.js';
import { ENTERPRISE_SCOPES } from '../../src/control-plane/oauth/client-metadata.js';
import { startControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { onboardWithOpenIdClient, tenantWithCode } from '../helpers/enterprise.js';
import type { TestResponse } from '../helpers/http.js';
import { localhostCertificate, startTgServer, type TestTgServer } from '../helpers/tg-server.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

interface Route {
  method: string;
  /** The documented path, e.g. /v1/tenants/{tenantId}/trunks/{trunkId}. */
  template: string;
}

/** One tenant with something of every kind: a number range, a trunk, onboarding codes, a client, a consumer TG, a CDR. */
interface Tenant {
  name: string;
  tenantId: string;
  rangeId: string;
  firstNumber: string;
  trunkId: string;
  codeId: string;
  clientId: string;
  consumerTgId: string;
  /** An access token of the tenant's enterprise client with every enterprise scope. */
  token: string;
}

const isAdminRoute = (path: string) => /^\/v1(\/|$)/.test(path) && !/^\/v1\/me(\/|$)/.test(path);
const isMeRoute = (path: string) => /^\/v1\/me(\/|$)/.test(path);

describe('tenant isolation: a tenant sees only itself', () => {
  let cp: TestControlPlane;
  let tgServer: TestTgServer;
  let a: Tenant;
  let b: Tenant;
  let routes: Route[];
  const closers: { close(): Promise<void> }[] = [];

  async function created(res: Promise<TestResponse>, what: string): Promise<Record<string, any>> {
    const r = await res;
    if (r.status !== 201) throw new Error(`${what}: ${r.status} ${r.text}`);
    return r.body;
  }

  async function setUpTenant(name: string, firstNumber: string): Promise<Tenant> {
    const { tenantId, code } = await tenantWithCode(cp, name);
    const range = await created(
      cp.admin.post(`/v1/tenants/${tenantId}/number-ranges`, { start: firstNumber, count: 10 }),
      `${name} range`,
    );
    const trunk = await created(
      cp.admin.post(`/v1/tenants/${tenantId}/trunks`, { name: 't', maxConcurrentCalls: 5, maxCallsPerSecond: 2 }),
      `${name} trunk`,
    );
    const onboarded = await onboardWithOpenIdClient(cp, code, ENTERPRISE_SCOPES.join(' '));
    closers.push(onboarded.agent);
    const { access_token } = await client.clientCredentialsGrant(onboarded.config, {
      scope: ENTERPRISE_SCOPES.join(' '),
    });
    const consumerTg = await created(
      cp.client(access_token).post(`/ript/v1/providertgs/${trunk.id}/consumertgs`, {
        uri: `${tgServer.url}/ript/v1/tgs/${name}`,
        token: `consumer-token-${name}-0123456789`,
        outbound: { destinations: [firstNumber] },
      }),
      `${name} consumer TG`,
    );
    // A call detail record, as the control plane stores it from the edges' `cdrs` queue.
    await cp.app.get(DataSource).query(
      `INSERT INTO cdrs (id, edge_id, tenant_id, trunk_id, direction, from_number, to_number, started_at, ended_at,
         reason, frames_received, frames_sent, bytes_received, bytes_sent, loss_received, loss_sent, max_jitter_ms)
       VALUES ($1, 'edge-test', $2, $3, 'outbound', $4, '+14155550123', now(), now(), 'normal', 0, 0, 0, 0, 0, 0, 0)`,
      [randomUUID(), tenantId, trunk.id, firstNumber],
    );
    // A second, unused code, so that the tenant has one that could still be revoked.
    const unused = await created(cp.admin.post(`/v1/tenants/${tenantId}/onboarding-codes`, {}), `${name} code`);
    return {
      name,
      tenantId,
      rangeId: range.id,
      firstNumber,
      trunkId: trunk.id,
      codeId: unused.id,
      clientId: onboarded.config.clientMetadata().client_id,
      consumerTgId: consumerTg.id,
      token: access_token,
    };
  }

  /** The ids that must never appear in another tenant's view. */
  const idsOf = (t: Tenant) => [t.tenantId, t.rangeId, t.trunkId, t.codeId, t.clientId, t.consumerTgId, t.firstNumber];

  /** A documented path with its parameters filled with tenant t's real ids; an unknown parameter fails the test. */
  function fill(template: string, t: Tenant): string {
    return template.replace(/\{([^}]+)\}/g, (_match, name: string, offset: number) => {
      const collection = template.slice(0, offset).split('/').filter(Boolean).at(-1);
      const byName: Record<string, string | undefined> = {
        tenantId: t.tenantId,
        trunkId: t.trunkId,
        tgId: t.trunkId,
        rangeId: t.rangeId,
        codeId: t.codeId,
        clientId: t.clientId,
        e164: t.firstNumber,
        // Live calls come and go; the scope check comes before the look-up, so any well-formed id serves.
        callId: '00000000-0000-4000-8000-000000000000',
        edgeId: 'edge-any',
        id: { 'consumer-tgs': t.consumerTgId, consumertgs: t.consumerTgId }[collection ?? ''],
      };
      const value = byName[name];
      if (!value) {
        throw new Error(
          `${template}: no value for path parameter {${name}}; teach test/e2e/tenant-isolation.e2e-spec.ts about it`,
        );
      }
      return encodeURIComponent(value);
    });
  }

  function call(method: string, path: string, token?: string): Promise<TestResponse> {
    const writes = !['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE'].includes(method);
    return cp.client().req(method, path, { ...(token ? { token } : {}), ...(writes ? { body: {} } : {}) });
  }

  beforeAll(async () => {
    cp = await startControlPlane({ RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' });
    tgServer = await startTgServer(await localhostCertificate(true), (path) => ({
      status: 200,
      body: JSON.stringify({ uri: `${tgServer.url}${path}`, links: {} }),
    }));
    a = await setUpTenant('A', '+14085550100');
    b = await setUpTenant('B', '+14085550200');
    const document = buildOpenApiDocument(cp.app);
    routes = Object.entries(document.paths).flatMap(([template, item]) =>
      METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((m) => ({ method: m.toUpperCase(), template })),
    );
  });
  afterAll(async () => {
    await Promise.all(closers.map((c) => c.close()));
    await tgServer?.close();
    await cp?.close();
  });

  it('sets up two tenants with distinct objects and all-scope enterprise tokens', () => {
    for (const t of [a, b]) {
      expect(decodeJwt(t.token)).toMatchObject({ tenant_id: t.tenantId, client_id: t.clientId });
      expect(String(decodeJwt(t.token).scope).split(' ').sort()).toEqual(
        ['ript:calls', 'ript:certs', 'ript:tgs', 'trunk:read'].sort(),
      );
    }
    const shared = idsOf(a).filter((id) => idsOf(b).includes(id));
    expect(shared).toEqual([]);
  });

  it('enumerates the admin API from the OpenAPI document', () => {
    const admin = routes.filter((r) => isAdminRoute(r.template)).map((r) => `${r.method} ${r.template}`);
    // Guards the enumeration itself: if the document stopped listing these, the sweeps below would prove nothing.
    expect(admin).toEqual(
      expect.arrayContaining([
        'GET /v1/tenants',
        'POST /v1/tenants/{tenantId}/suspend',
        'PATCH /v1/tenants/{tenantId}/trunks/{trunkId}',
        'DELETE /v1/tenants/{tenantId}/number-ranges/{rangeId}',
        'POST /v1/tenants/{tenantId}/onboarding-codes/{codeId}/revoke',
        'POST /v1/tenants/{tenantId}/clients/{clientId}/revoke',
        'GET /v1/numbers/{e164}',
        'GET /v1/tenants/{tenantId}/consumer-tgs/{id}',
      ]),
    );
    expect(admin.length).toBeGreaterThanOrEqual(25);
    expect(routes.filter((r) => isMeRoute(r.template)).length).toBeGreaterThanOrEqual(4);
  });

  it("the operator reaches every admin GET route with B's ids (so the ids below are real)", async () => {
    const failures: string[] = [];
    for (const { method, template } of routes.filter((r) => isAdminRoute(r.template) && r.method === 'GET')) {
      const res = await call(method, fill(template, b), cp.config.env.RIPTRUNK_ADMIN_TOKEN);
      if (res.status !== 200) failures.push(`${method} ${template} -> ${res.status} ${res.text.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
  });

  it("refuses A's enterprise token on every admin route and method with 403 insufficient-scope", async () => {
    const failures: string[] = [];
    for (const { method, template } of routes.filter((r) => isAdminRoute(r.template))) {
      const res = await call(method, fill(template, b), a.token);
      if (res.status !== 403 || res.body?.type !== 'urn:riptrunk:problem:insufficient-scope')
        failures.push(`${method} ${template} -> ${res.status} ${res.text.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
  });

  it('refuses every /v1 route without a token with 401', async () => {
    const failures: string[] = [];
    for (const { method, template } of routes.filter((r) => isAdminRoute(r.template) || isMeRoute(r.template))) {
      const res = await call(method, fill(template, b));
      if (res.status !== 401) failures.push(`${method} ${template} -> ${res.status} ${res.text.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
  });

  it("shows A only A's own objects on every /v1/me route, never B's", async () => {
    const meRoutes = routes.filter((r) => isMeRoute(r.template));
    for (const { method, template } of meRoutes) {
      const res = await call(method, fill(template, a), a.token);
      expect({ route: `${method} ${template}`, status: res.status }).toEqual({
        route: `${method} ${template}`,
        status: 200,
      });
      const leaked = idsOf(b).filter((id) => res.text.includes(id));
      expect({ route: `${method} ${template}`, leaked }).toEqual({ route: `${method} ${template}`, leaked: [] });
      expect(idsOf(a).some((id) => res.text.includes(id))).toBe(true);
    }
    const me = await cp.client(a.token).get('/v1/me');
    expect(me.body.tenant.id).toBe(a.tenantId);
    expect(me.body.trunks.map((t: { id: string }) => t.id)).toEqual([a.trunkId]);
    expect(me.body.numberRanges.map((r: { id: string }) => r.id)).toEqual([a.rangeId]);
    expect(me.body.clients.map((c: { id: string }) => c.id)).toEqual([a.clientId]);
  });

  it("answers A's token on B's trunk in the RIPT API with 404", async () => {
    const api = cp.client(a.token);
    const consumertgs = `/ript/v1/providertgs/${b.trunkId}/consumertgs`;
    expect((await api.get(consumertgs)).status).toBe(404);
    const registered = await api.post(consumertgs, {
      uri: `${tgServer.url}/ript/v1/tgs/intruder`,
      token: 'intruder-token-0123456789',
      outbound: { destinations: [a.firstNumber] },
    });
    expect(registered.status).toBe(404);
    expect((await api.get(`${consumertgs}/${b.consumerTgId}`)).status).toBe(404);
    expect((await api.put(`${consumertgs}/${b.consumerTgId}`, { token: 'intruder-token-0123456789' })).status).toBe(
      404,
    );
    expect((await api.delete(`${consumertgs}/${b.consumerTgId}`)).status).toBe(404);
    const discovery = await api.get('/.well-known/ript/v1/providertgs');
    expect(discovery.status).toBe(200);
    expect(discovery.text).toContain(a.trunkId);
    expect(discovery.text).not.toContain(b.trunkId);
  });

  it("leaves B's objects untouched by everything A tried", async () => {
    const tenant = await cp.admin.get(`/v1/tenants/${b.tenantId}`);
    expect(tenant.body.status).toBe('active');
    expect((await cp.admin.get(`/v1/tenants/${b.tenantId}/number-ranges/${b.rangeId}`)).status).toBe(200);
    expect((await cp.admin.get(`/v1/tenants/${b.tenantId}/onboarding-codes/${b.codeId}`)).body.status).toBe('active');
    const ctg = await cp.client(b.token).get(`/ript/v1/providertgs/${b.trunkId}/consumertgs/${b.consumerTgId}`);
    expect(ctg.status).toBe(200);
    expect(ctg.body.uri).toBe(`${tgServer.url}/ript/v1/tgs/B`);
    const me = await cp.client(b.token).get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.clients.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
      [b.clientId, 'active'],
    ]);
  });
});
