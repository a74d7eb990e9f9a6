import { DataSource } from 'typeorm';
import { startControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { http2Post } from '../helpers/http.js';

describe('admin API: tenants', () => {
  let cp: TestControlPlane;

  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(async () => {
    await cp?.close();
  });

  describe('authentication', () => {
    it('refuses a missing, malformed or wrong token with 401 problem and WWW-Authenticate', async () => {
      for (const token of [undefined, 'wrong-token-wrong-token-wrong']) {
        const res = await cp.client(token).get('/v1/tenants');
        expect(res.status).toBe(401);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      }
      const basic = await cp.client().get('/v1/tenants', { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
      expect(basic.status).toBe(401);
    });
  });

  it('creates, reads, lists and updates a tenant, with an ETag', async () => {
    const created = await cp.admin.post('/v1/tenants', {
      name: 'Acme Corp',
      externalRef: 'ACCT-1',
      contacts: [{ email: 'noc@acme.example', role: 'technical' }],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Acme Corp',
      externalRef: 'ACCT-1',
      status: 'active',
      readiness: { status: 'incomplete', reasons: ['no-number-range', 'no-active-trunk', 'no-onboarded-client'] },
    });
    expect(created.body.id).toMatch(/^ten_[0-9a-z]{20}$/);
    expect(created.headers.location).toBe(`/v1/tenants/${created.body.id}`);
    const etag = created.headers.etag as string;

    const got = await cp.admin.get(`/v1/tenants/${created.body.id}`);
    expect(got.status).toBe(200);
    expect(got.headers.etag).toBe(etag);

    const patched = await cp.admin.patch(
      `/v1/tenants/${created.body.id}`,
      { name: 'Acme Corporation' },
      { headers: { 'if-match': etag } },
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Acme Corporation', externalRef: 'ACCT-1' });
    expect(patched.body.contacts).toHaveLength(1);
    expect(patched.headers.etag).not.toBe(etag);

    const stale = await cp.admin.patch(
      `/v1/tenants/${created.body.id}`,
      { name: 'Stale' },
      { headers: { 'if-match': etag } },
    );
    expect(stale.status).toBe(412);
    expect((await cp.admin.get(`/v1/tenants/${created.body.id}`)).body.name).toBe('Acme Corporation');
  });

  it('paginates with a cursor and filters by status and name', async () => {
    const names = ['Page A', 'Page B', 'Page C'];
    for (const name of names) await cp.admin.post('/v1/tenants', { name });
    const first = await cp.admin.get('/v1/tenants?limit=2&name=page');
    expect(first.body.items.map((t: { name: string }) => t.name)).toEqual(['Page A', 'Page B']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await cp.admin.get(`/v1/tenants?limit=2&name=page&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((t: { name: string }) => t.name)).toEqual(['Page C']);
    expect(second.body.nextCursor).toBeNull();
    const bad = await cp.admin.get('/v1/tenants?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe('urn:riptrunk:problem:invalid-cursor');
    const suspended = await cp.admin.get('/v1/tenants?status=suspended');
    expect(suspended.body.items).toEqual([]);
  });

  it('suspends, resumes and closes; a closed tenant cannot change', async () => {
    const { body: t } = await cp.admin.post('/v1/tenants', { name: 'Lifecycle' });
    expect((await cp.admin.post(`/v1/tenants/${t.id}/suspend`)).body.status).toBe('suspended');
    expect((await cp.admin.post(`/v1/tenants/${t.id}/suspend`)).status).toBe(409);
    expect((await cp.admin.post(`/v1/tenants/${t.id}/resume`)).body.status).toBe('active');
    const closed = await cp.admin.post(`/v1/tenants/${t.id}/close`);
    expect(closed.status).toBe(200);
    expect(closed.body.readiness.reasons).toContain('tenant-closed');
    expect((await cp.admin.post(`/v1/tenants/${t.id}/resume`)).status).toBe(409);
    const patch = await cp.admin.patch(`/v1/tenants/${t.id}`, { name: 'Reopened?' });
    expect(patch.status).toBe(409);
    expect(patch.body.type).toBe('urn:riptrunk:problem:tenant-closed');
  });

  it('answers a retried create from its Idempotency-Key, and 422 for the same key with another body', async () => {
    const headers = { 'idempotency-key': 'create-globex-1' };
    const first = await cp.admin.post('/v1/tenants', { name: 'Globex' }, { headers });
    const retry = await cp.admin.post('/v1/tenants', { name: 'Globex' }, { headers });
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers.location).toBe(first.headers.location);
    const other = await cp.admin.post('/v1/tenants', { name: 'Globex 2' }, { headers });
    expect(other.status).toBe(422);
    const list = await cp.admin.get('/v1/tenants?name=globex');
    expect(list.body.items).toHaveLength(1);
  });

  it('creates exactly once when the same Idempotency-Key races', async () => {
    const headers = { 'idempotency-key': 'race-1' };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => cp.admin.post('/v1/tenants', { name: 'Racer' }, { headers })),
    );
    expect(new Set(results.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect((await cp.admin.get('/v1/tenants?name=racer')).body.items).toHaveLength(1);
  });

  it('creates interconnect tenants, which own no numbers; kind defaults to enterprise and is fixed', async () => {
    const enterprise = await cp.admin.post('/v1/tenants', { name: 'Plain Enterprise' });
    expect(enterprise.body.kind).toBe('enterprise');
    const ic = await cp.admin.post('/v1/tenants', { name: 'Carrier Interconnect', kind: 'interconnect' });
    expect(ic.status).toBe(201);
    expect(ic.body).toMatchObject({ kind: 'interconnect', status: 'active' });
    expect((await cp.admin.get(`/v1/tenants/${ic.body.id}`)).body.kind).toBe('interconnect');
    const listed = await cp.admin.get('/v1/tenants?kind=interconnect');
    expect(listed.body.items.map((t: { id: string }) => t.id)).toEqual([ic.body.id]);

    const range = await cp.admin.post(`/v1/tenants/${ic.body.id}/number-ranges`, { start: '+14085559000', count: 10 });
    expect(range.status).toBe(409);
    expect(range.headers['content-type']).toContain('application/problem+json');
    expect(range.body.type).toBe('urn:riptrunk:problem:interconnect-owns-no-numbers');
    expect((await cp.admin.get(`/v1/tenants/${ic.body.id}/number-ranges`)).body.items).toEqual([]);
    // the database refuses one too, whatever path it comes by
    await expect(
      cp.app
        .get(DataSource)
        .query(
          `INSERT INTO number_ranges (id, tenant_id, start_e164, end_e164, country) VALUES ($1, $2, $3, $3, 'US')`,
          ['rng_00000000000000000000', ic.body.id, '+14085559100'],
        ),
    ).rejects.toThrow(/interconnect tenant/);
    // the enterprise tenant takes the same range
    const owned = await cp.admin.post(`/v1/tenants/${enterprise.body.id}/number-ranges`, {
      start: '+14085559000',
      count: 10,
    });
    expect(owned.status).toBe(201);

    const badKind = await cp.admin.post('/v1/tenants', { name: 'Odd', kind: 'carrier' });
    expect(badKind.status).toBe(400);
    expect(badKind.body.errors.map((e: { pointer: string }) => e.pointer)).toContain('#/kind');
    const change = await cp.admin.patch(`/v1/tenants/${ic.body.id}`, { kind: 'enterprise' });
    expect(change.status).toBe(400);
    expect((await cp.admin.get(`/v1/tenants/${ic.body.id}`)).body.kind).toBe('interconnect');
  });

  it('refuses a duplicate externalRef with 409', async () => {
    await cp.admin.post('/v1/tenants', { name: 'Dup 1', externalRef: 'DUP' });
    const dup = await cp.admin.post('/v1/tenants', { name: 'Dup 2', externalRef: 'DUP' });
    expect(dup.status).toBe(409);
    expect(dup.body.type).toBe('urn:riptrunk:problem:external-ref-taken');
  });

  describe('bad input', () => {
    it('reports every field error at once and rejects unknown fields', async () => {
      const res = await cp.admin.post('/v1/tenants', {
        name: 42,
        externalRef: '',
        contacts: [{ email: 'nope' }],
        extra: 1,
      });
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('urn:riptrunk:problem:validation');
      const pointers = res.body.errors.map((e: { pointer: string }) => e.pointer);
      expect(pointers).toEqual(expect.arrayContaining(['#/name', '#/externalRef', '#/contacts/0/email', '#/extra']));
    });

    it('answers malformed JSON, a wrong content type and an oversized body with 4xx problems', async () => {
      const malformed = await cp.admin.req('POST', '/v1/tenants', {
        rawBody: '{"name": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.status).toBe(400);
      expect(malformed.headers['content-type']).toContain('application/problem+json');
      const wrongType = await cp.admin.req('POST', '/v1/tenants', {
        rawBody: 'name=x',
        headers: { 'content-type': 'text/plain' },
      });
      expect(wrongType.status).toBe(415);
      expect(wrongType.headers['content-type']).toContain('application/problem+json');
      const huge = await http2Post(cp, '/v1/tenants', JSON.stringify({ name: 'x'.repeat(10 * 1024 * 1024) }));
      expect(huge.status).toBe(413);
      expect(huge.contentType).toContain('application/problem+json');
      expect(JSON.parse(huge.body).type).toBe('urn:riptrunk:problem:payload-too-large');
    });

    it('rejects prototype-poisoning JSON', async () => {
      const res = await cp.admin.req('POST', '/v1/tenants', {
        rawBody: '{"name":"x","__proto__":{"admin":true}}',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
    });

    it('stores SQL and JSON injection strings as plain text', async () => {
      const name = `Robert'); DROP TABLE tenants;-- {"$ne":null}`;
      const res = await cp.admin.post('/v1/tenants', { name, externalRef: `' OR '1'='1` });
      expect(res.status).toBe(201);
      expect((await cp.admin.get(`/v1/tenants/${res.body.id}`)).body.name).toBe(name);
      expect((await cp.admin.get(`/v1/tenants?name=${encodeURIComponent("'); DROP")}`)).body.items).toHaveLength(1);
    });

    it('answers unknown and malformed tenant ids with 404', async () => {
      expect((await cp.admin.get('/v1/tenants/ten_00000000000000000000')).status).toBe(404);
      expect((await cp.admin.get('/v1/tenants/%27%20OR%201=1')).status).toBe(404);
    });
  });

  it('records each mutation in the audit log with actor, request id and diff', async () => {
    const created = await cp.admin.post(
      '/v1/tenants',
      { name: 'Audited' },
      { headers: { 'x-request-id': 'req-audit-1' } },
    );
    await cp.admin.patch(`/v1/tenants/${created.body.id}`, { name: 'Audited 2' });
    const events = await cp.admin.get(`/v1/audit-events?resourceId=${created.body.id}`);
    expect(events.status).toBe(200);
    expect(events.body.items.map((e: { action: string }) => e.action)).toEqual(['tenant.update', 'tenant.create']);
    const [update, create] = events.body.items;
    expect(create).toMatchObject({ actor: 'operator', requestId: 'req-audit-1', tenantId: created.body.id });
    expect(update.before.name).toBe('Audited');
    expect(update.after.name).toBe('Audited 2');
  });
});
