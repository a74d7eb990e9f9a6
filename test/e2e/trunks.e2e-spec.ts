import { DataSource } from 'typeorm';
import { newId } from '../../src/common/http/ids.js';
import { startControlPlane, type TestControlPlane } from '../helpers/control-plane.js';

describe('admin API: trunks', () => {
  let cp: TestControlPlane;
  let tenantId: string;
  let rangeSeq = 0;
  const base = (t = tenantId) => `/v1/tenants/${t}/trunks`;
  const minimal = { name: 'primary', maxConcurrentCalls: 50, maxCallsPerSecond: 5 };

  async function newTenant(name = 'Acme'): Promise<string> {
    const res = await cp.admin.post('/v1/tenants', { name });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  /** A number range inserted directly (independent of the number-ranges API). */
  async function newRange(tenant: string): Promise<string> {
    const id = newId('rng');
    const start = `+1408555${String(rangeSeq++).padStart(2, '0')}00`;
    await cp.app
      .get(DataSource)
      .query(`INSERT INTO number_ranges (id, tenant_id, start_e164, end_e164, country) VALUES ($1, $2, $3, $4, 'US')`, [
        id,
        tenant,
        start,
        start.replace(/00$/, '99'),
      ]);
    return id;
  }

  function pointers(body: { errors?: { pointer: string }[] }): string[] {
    return (body.errors ?? []).map((e) => e.pointer);
  }

  beforeAll(async () => {
    cp = await startControlPlane();
    tenantId = await newTenant();
  });
  afterAll(async () => {
    await cp?.close();
  });

  describe('authentication', () => {
    it('refuses requests without the admin token', async () => {
      for (const [method, body] of [
        ['GET', undefined],
        ['POST', minimal],
      ] as const) {
        const res = await cp.client().req(method, base(), { body });
        expect(res.status).toBe(401);
        expect(res.headers['content-type']).toContain('application/problem+json');
      }
      const wrong = await cp.client('wrong-token-wrong-token-wrong').get(base());
      expect(wrong.status).toBe(401);
      expect((await cp.admin.get(base())).body.items).toEqual([]);
    });
  });

  it('creates a trunk with defaults, an ETag, a Location and its advertisement', async () => {
    const res = await cp.admin.post(base(), minimal);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^trk_[0-9a-z]{20}$/),
      tenantId,
      name: 'primary',
      destinations: ['*'],
      codecs: ['opus', 'PCMU', 'PCMA'],
      alwaysOn: ['telephone-event', 'CN'],
      advertisement: '1 in: opus; PCMU; PCMA; telephone-event; CN; 1 out: opus; PCMU; PCMA; telephone-event; CN;',
      maxConcurrentCalls: 50,
      maxCallsPerSecond: 5,
      state: 'active',
      callerIdRangeIds: null,
      readiness: { status: 'incomplete', reasons: ['no-number-range', 'no-onboarded-client', 'no-active-consumer-tg'] },
      version: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(res.headers.location).toBe(`${base()}/${res.body.id}`);
    expect(res.headers.etag).toBe('"1"');

    const got = await cp.admin.get(`${base()}/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
    expect(got.headers.etag).toBe('"1"');

    const tenant = await cp.admin.get(`/v1/tenants/${tenantId}`);
    expect(tenant.body.readiness.reasons).not.toContain('no-active-trunk');
  });

  it('creates a fully specified trunk', async () => {
    const rangeId = await newRange(tenantId);
    const res = await cp.admin.post(base(), {
      name: 'full',
      destinations: ['+1*', '+44*', '+14085550100-+14085550199', '+33123456789'],
      codecs: ['PCMU', 'PCMA'],
      maxConcurrentCalls: 100000,
      maxCallsPerSecond: 10000,
      state: 'disabled',
      callerIdRangeIds: [rangeId],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      destinations: ['+1*', '+44*', '+14085550100-+14085550199', '+33123456789'],
      codecs: ['PCMU', 'PCMA'],
      advertisement: '1 in: PCMU; PCMA; telephone-event; CN; 1 out: PCMU; PCMA; telephone-event; CN;',
      maxConcurrentCalls: 100000,
      maxCallsPerSecond: 10000,
      state: 'disabled',
      callerIdRangeIds: [rangeId],
      readiness: { status: 'incomplete', reasons: ['trunk-disabled', 'no-onboarded-client', 'no-active-consumer-tg'] },
    });
  });

  it('lists with a cursor and filters by state', async () => {
    const t = await newTenant('Lister');
    for (const name of ['a', 'b', 'c']) {
      expect(
        (await cp.admin.post(base(t), { ...minimal, name, state: name === 'b' ? 'disabled' : 'active' })).status,
      ).toBe(201);
    }
    const first = await cp.admin.get(`${base(t)}?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((x: { name: string }) => x.name)).toEqual(['a', 'b']);
    expect(first.body.items[0]).toHaveProperty('readiness');
    const second = await cp.admin.get(`${base(t)}?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((x: { name: string }) => x.name)).toEqual(['c']);
    expect(second.body.nextCursor).toBeNull();
    const disabled = await cp.admin.get(`${base(t)}?state=disabled`);
    expect(disabled.body.items.map((x: { name: string }) => x.name)).toEqual(['b']);
    expect((await cp.admin.get(`${base(t)}?state=broken`)).status).toBe(400);
    expect((await cp.admin.get(`${base(t)}?limit=0`)).status).toBe(400);
    expect((await cp.admin.get(`${base(t)}?cursor=nope`)).status).toBe(400);
  });

  it('updates with merge semantics, ETag and If-Match', async () => {
    const { body: trunk, headers } = await cp.admin.post(base(), { ...minimal, name: 'merge', destinations: ['+1*'] });
    const etag = headers.etag as string;
    const url = `${base()}/${trunk.id}`;

    const patched = await cp.admin.patch(url, { codecs: ['G722', 'PCMU'] }, { headers: { 'if-match': etag } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: 'merge',
      destinations: ['+1*'],
      codecs: ['G722', 'PCMU'],
      advertisement: '1 in: G722; PCMU; telephone-event; CN; 1 out: G722; PCMU; telephone-event; CN;',
      maxConcurrentCalls: 50,
      maxCallsPerSecond: 5,
      version: 2,
    });
    expect(patched.headers.etag).toBe('"2"');
    expect(Date.parse(patched.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(trunk.updatedAt));

    const stale = await cp.admin.patch(url, { maxCallsPerSecond: 9 }, { headers: { 'if-match': etag } });
    expect(stale.status).toBe(412);
    expect(stale.body.type).toBe('urn:riptrunk:problem:precondition-failed');
    expect((await cp.admin.get(url)).body.maxCallsPerSecond).toBe(5);

    const noPrecondition = await cp.admin.patch(url, { maxConcurrentCalls: 7, name: 'merged' });
    expect(noPrecondition.status).toBe(200);
    expect(noPrecondition.body).toMatchObject({ name: 'merged', maxConcurrentCalls: 7, codecs: ['G722', 'PCMU'] });

    const empty = await cp.admin.patch(url, {});
    expect(empty.status).toBe(200);
    expect(empty.body.name).toBe('merged');
  });

  it('disables and re-enables a trunk through PATCH state; there is no DELETE', async () => {
    const t = await newTenant('Switch');
    await newRange(t);
    const { body: trunk } = await cp.admin.post(base(t), minimal);
    // Ready as far as the carrier's part goes; the enterprise has not onboarded yet.
    expect(trunk.readiness).toEqual({
      status: 'incomplete',
      reasons: ['no-onboarded-client', 'no-active-consumer-tg'],
    });
    expect((await cp.admin.get(`/v1/tenants/${t}`)).body.readiness.reasons).toEqual(['no-onboarded-client']);

    const disabled = await cp.admin.patch(`${base(t)}/${trunk.id}`, { state: 'disabled' });
    expect(disabled.body).toMatchObject({
      state: 'disabled',
      readiness: { reasons: ['trunk-disabled', 'no-onboarded-client', 'no-active-consumer-tg'] },
    });
    expect((await cp.admin.get(`/v1/tenants/${t}`)).body.readiness.reasons).toContain('no-active-trunk');

    const enabled = await cp.admin.patch(`${base(t)}/${trunk.id}`, { state: 'active' });
    expect(enabled.body).toMatchObject({
      state: 'active',
      readiness: { reasons: ['no-onboarded-client', 'no-active-consumer-tg'] },
    });

    expect((await cp.admin.delete(`${base(t)}/${trunk.id}`)).status).toBe(404);
    expect((await cp.admin.get(`${base(t)}/${trunk.id}`)).status).toBe(200);
  });

  it('refuses a duplicate name within a tenant with 409, on create and on rename', async () => {
    await cp.admin.post(base(), { ...minimal, name: 'dup' });
    const dup = await cp.admin.post(base(), { ...minimal, name: 'dup' });
    expect(dup.status).toBe(409);
    expect(dup.body.type).toBe('urn:riptrunk:problem:trunk-name-taken');
    expect(pointers(dup.body)).toEqual(['#/name']);

    const { body: other } = await cp.admin.post(base(), { ...minimal, name: 'dup-2' });
    const rename = await cp.admin.patch(`${base()}/${other.id}`, { name: 'dup' });
    expect(rename.status).toBe(409);
    expect((await cp.admin.patch(`${base()}/${other.id}`, { name: 'dup-2' })).status).toBe(200);

    const elsewhere = await cp.admin.post(base(await newTenant('Other')), { ...minimal, name: 'dup' });
    expect(elsewhere.status).toBe(201);
  });

  it('creates exactly once for a repeated Idempotency-Key', async () => {
    const headers = { 'idempotency-key': 'trunk-once' };
    const first = await cp.admin.post(base(), { ...minimal, name: 'idem' }, { headers });
    const retry = await cp.admin.post(base(), { ...minimal, name: 'idem' }, { headers });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers['idempotent-replayed']).toBe('true');
  });

  describe('caller ID ranges', () => {
    it("accepts the tenant's own ranges and null (all), and refuses another tenant's or unknown ranges", async () => {
      const t = await newTenant('Caller');
      const own = await newRange(t);
      const own2 = await newRange(t);
      const foreign = await newRange(await newTenant('Foreign'));
      const unknown = newId('rng');

      const refused = await cp.admin.post(base(t), { ...minimal, callerIdRangeIds: [own, foreign, unknown] });
      expect(refused.status).toBe(400);
      expect(refused.body.type).toBe('urn:riptrunk:problem:unknown-number-range');
      expect(refused.body.rangeIds).toEqual([foreign, unknown]);
      expect(pointers(refused.body)).toEqual(['#/callerIdRangeIds/1', '#/callerIdRangeIds/2']);
      expect(refused.body.detail).toContain(foreign);

      const { body: trunk } = await cp.admin.post(base(t), { ...minimal, callerIdRangeIds: [own] });
      expect(trunk.callerIdRangeIds).toEqual([own]);
      expect(trunk.readiness.reasons).not.toContain('no-number-range');

      const patchForeign = await cp.admin.patch(`${base(t)}/${trunk.id}`, { callerIdRangeIds: [foreign] });
      expect(patchForeign.status).toBe(400);
      expect(patchForeign.body.rangeIds).toEqual([foreign]);

      const two = await cp.admin.patch(`${base(t)}/${trunk.id}`, { callerIdRangeIds: [own, own2] });
      expect(two.body.callerIdRangeIds).toEqual([own, own2]);
      const none = await cp.admin.patch(`${base(t)}/${trunk.id}`, { callerIdRangeIds: [] });
      expect(none.body).toMatchObject({
        callerIdRangeIds: [],
        readiness: { reasons: ['no-number-range', 'no-onboarded-client', 'no-active-consumer-tg'] },
      });
      const all = await cp.admin.patch(`${base(t)}/${trunk.id}`, { callerIdRangeIds: null });
      expect(all.body).toMatchObject({
        callerIdRangeIds: null,
        readiness: { reasons: ['no-onboarded-client', 'no-active-consumer-tg'] },
      });
      const untouched = await cp.admin.patch(`${base(t)}/${trunk.id}`, { name: 'renamed' });
      expect(untouched.body.callerIdRangeIds).toBeNull();
    });

    it('refuses malformed and repeated range ids as field errors', async () => {
      const own = await newRange(tenantId);
      const res = await cp.admin.post(base(), { ...minimal, name: 'bad-ids', callerIdRangeIds: [own, own, 'x', 7] });
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('urn:riptrunk:problem:validation');
      expect(res.body.detail).toContain('callerIdRangeIds[1]');
      expect(res.body.detail).toContain('callerIdRangeIds[2] is not a number range id');
      expect((await cp.admin.post(base(), { ...minimal, callerIdRangeIds: own })).status).toBe(400);
    });
  });

  describe('bad input', () => {
    async function fieldErrors(body: unknown, method: 'POST' | 'PATCH' = 'POST', url = base()) {
      const res = await cp.admin.req(method, url, { body });
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('urn:riptrunk:problem:validation');
      return res.body as { detail: string; errors: { pointer: string; detail: string }[] };
    }

    it('refuses invalid number patterns, naming each with its position', async () => {
      const body = await fieldErrors({
        ...minimal,
        destinations: ['+1*', '+1-', '1408', '+0123', '+1408 555', '+2-+1', '**', '+1234567890123456', 5],
      });
      expect(body.errors.map((e) => e.pointer)).toEqual(['#/destinations']);
      const detail = body.errors[0].detail;
      for (const i of [1, 2, 3, 4, 5, 6, 7, 8]) expect(detail).toContain(`destinations[${i}]`);
      expect(detail).not.toContain('destinations[0]');
      expect(detail).toContain(`"+1-" is not a number pattern (expected '+' at 3)`);
      expect(detail).toContain('destinations[8] must be a string');
    });

    it('refuses empty, repeated, non-array and oversized destination lists', async () => {
      expect((await fieldErrors({ ...minimal, destinations: [] })).detail).toContain('at least one pattern');
      expect((await fieldErrors({ ...minimal, destinations: ['+1*', '+1*'] })).detail).toContain(
        'destinations[1] "+1*" is listed more than once',
      );
      await fieldErrors({ ...minimal, destinations: '+1*' });
      await fieldErrors({ ...minimal, destinations: null });
      await fieldErrors({ ...minimal, destinations: Array.from({ length: 101 }, (_, i) => `+1408555${1000 + i}`) });
    });

    it('refuses duplicate, unknown, always-on and missing codecs', async () => {
      expect((await fieldErrors({ ...minimal, codecs: ['PCMU', 'PCMA', 'PCMU'] })).detail).toContain(
        'codecs[2] "PCMU" is listed more than once',
      );
      const unknown = await fieldErrors({ ...minimal, codecs: ['G729', 'pcmu'] });
      expect(unknown.detail).toContain('codecs[0] "G729" is not a supported codec; choose from PCMU, PCMA, opus, G722');
      expect(unknown.detail).toContain('codecs[1] "pcmu"');
      expect((await fieldErrors({ ...minimal, codecs: ['PCMU', 'telephone-event'] })).detail).toContain(
        'codecs[1] "telephone-event" is always on',
      );
      expect((await fieldErrors({ ...minimal, codecs: ['CN'] })).detail).toContain('"CN" is always on');
      expect((await fieldErrors({ ...minimal, codecs: [] })).detail).toContain('at least one codec');
      await fieldErrors({ ...minimal, codecs: 'PCMU' });
      await fieldErrors({ ...minimal, codecs: [1] });
    });

    it('refuses limits that are zero, negative, fractional, absurd or strings', async () => {
      for (const bad of [0, -1, 1.5, 100001, 1e12, '50', null, true]) {
        const body = await fieldErrors({ ...minimal, maxConcurrentCalls: bad });
        expect(body.errors.map((e) => e.pointer)).toContain('#/maxConcurrentCalls');
      }
      for (const bad of [0, -5, 2.5, 10001, '5']) {
        const body = await fieldErrors({ ...minimal, maxCallsPerSecond: bad });
        expect(body.errors.map((e) => e.pointer)).toContain('#/maxCallsPerSecond');
      }
      const missing = await fieldErrors({ name: 'no-limits' });
      expect(missing.errors.map((e) => e.pointer)).toEqual(
        expect.arrayContaining(['#/maxConcurrentCalls', '#/maxCallsPerSecond']),
      );
    });

    it('reports every field error at once, with unknown fields and wrong types', async () => {
      const body = await fieldErrors({
        name: 42,
        destinations: 'everything',
        codecs: ['PCMU', 'PCMU'],
        maxConcurrentCalls: 0,
        maxCallsPerSecond: '5',
        state: 'on',
        advertisement: '1 in: PCMU;',
        extra: true,
      });
      expect(body.errors.map((e) => e.pointer)).toEqual(
        expect.arrayContaining([
          '#/name',
          '#/destinations',
          '#/codecs',
          '#/maxConcurrentCalls',
          '#/maxCallsPerSecond',
          '#/state',
          '#/advertisement',
          '#/extra',
        ]),
      );
      await fieldErrors({ ...minimal, name: '' });
      await fieldErrors({ ...minimal, name: '   ' });
      await fieldErrors({ ...minimal, name: 'x'.repeat(101) });
      await fieldErrors({ ...minimal, name: 'tab\there' });
    });

    it('refuses nulls, unknown and read-only fields in a PATCH', async () => {
      const { body: trunk } = await cp.admin.post(base(), { ...minimal, name: 'patch-bad' });
      const url = `${base()}/${trunk.id}`;
      for (const body of [
        { name: null },
        { codecs: null },
        { maxConcurrentCalls: null },
        { state: null },
        { state: 'deleted' },
        { destinations: ['+1-+'] },
        { maxCallsPerSecond: 0 },
        { id: 'trk_00000000000000000000' },
        { readiness: { status: 'ready' } },
        { alwaysOn: [] },
        { version: 9 },
      ]) {
        await fieldErrors(body, 'PATCH', url);
      }
      expect((await cp.admin.get(url)).body).toMatchObject({ name: 'patch-bad', version: 1 });
    });

    it('answers unknown tenants and trunks with 404', async () => {
      const ghost = 'ten_00000000000000000000';
      expect((await cp.admin.post(base(ghost), minimal)).status).toBe(404);
      const list = await cp.admin.get(base(ghost));
      expect(list.status).toBe(404);
      expect(list.body.type).toBe('urn:riptrunk:problem:tenant-not-found');
      expect((await cp.admin.get(`${base(ghost)}/trk_00000000000000000000`)).status).toBe(404);
      expect((await cp.admin.patch(`${base(ghost)}/trk_00000000000000000000`, { name: 'x' })).status).toBe(404);
      expect((await cp.admin.get(base('not-a-tenant'))).status).toBe(404);

      const missing = await cp.admin.get(`${base()}/trk_00000000000000000000`);
      expect(missing.status).toBe(404);
      expect(missing.body.type).toBe('urn:riptrunk:problem:trunk-not-found');
      expect((await cp.admin.get(`${base()}/trk_%27%20OR%201=1`)).status).toBe(404);
      expect((await cp.admin.patch(`${base()}/trk_00000000000000000000`, { name: 'x' })).status).toBe(404);
    });

    it("does not show or change a trunk through another tenant's path", async () => {
      const { body: trunk } = await cp.admin.post(base(), { ...minimal, name: 'mine' });
      const other = await newTenant('Nosy');
      expect((await cp.admin.get(`${base(other)}/${trunk.id}`)).status).toBe(404);
      expect((await cp.admin.patch(`${base(other)}/${trunk.id}`, { state: 'disabled' })).status).toBe(404);
      expect((await cp.admin.get(`${base()}/${trunk.id}`)).body.state).toBe('active');
    });
  });

  it('refuses changes for a closed tenant with 409, and still shows its trunks', async () => {
    const t = await newTenant('Closing');
    const { body: trunk } = await cp.admin.post(base(t), minimal);
    expect((await cp.admin.post(`/v1/tenants/${t}/close`)).status).toBe(200);
    const create = await cp.admin.post(base(t), { ...minimal, name: 'late' });
    expect(create.status).toBe(409);
    expect(create.body.type).toBe('urn:riptrunk:problem:tenant-closed');
    expect((await cp.admin.patch(`${base(t)}/${trunk.id}`, { state: 'disabled' })).status).toBe(409);
    const got = await cp.admin.get(`${base(t)}/${trunk.id}`);
    expect(got.status).toBe(200);
    expect(got.body.readiness.reasons).toContain('tenant-closed');
  });

  it('records create and update in the audit log with before and after', async () => {
    const { body: trunk } = await cp.admin.post(
      base(),
      { ...minimal, name: 'audited' },
      { headers: { 'x-request-id': 'req-trunk-1' } },
    );
    await cp.admin.patch(`${base()}/${trunk.id}`, { codecs: ['PCMA'], state: 'disabled' });
    const events = await cp.admin.get(`/v1/audit-events?resourceId=${trunk.id}`);
    expect(events.body.items.map((e: { action: string }) => e.action)).toEqual(['trunk.update', 'trunk.create']);
    const [update, create] = events.body.items;
    expect(create).toMatchObject({
      actor: 'operator',
      requestId: 'req-trunk-1',
      tenantId,
      resourceType: 'trunk',
      before: null,
      after: { name: 'audited', codecs: ['opus', 'PCMU', 'PCMA'], state: 'active' },
    });
    expect(update.before).toMatchObject({ codecs: ['opus', 'PCMU', 'PCMA'], state: 'active' });
    expect(update.after).toMatchObject({ codecs: ['PCMA'], state: 'disabled' });
  });

  it('rolls back a refused change entirely (no audit event, no version bump)', async () => {
    const { body: trunk } = await cp.admin.post(base(), { ...minimal, name: 'atomic' });
    await cp.admin.patch(`${base()}/${trunk.id}`, { callerIdRangeIds: [newId('rng')] });
    expect((await cp.admin.get(`${base()}/${trunk.id}`)).body.version).toBe(1);
    const events = await cp.admin.get(`/v1/audit-events?resourceId=${trunk.id}`);
    expect(events.body.items).toHaveLength(1);
  });
});
