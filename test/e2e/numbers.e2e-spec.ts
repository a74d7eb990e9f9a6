import pg from 'pg';
import { newId } from '../../src/common/http/ids.js';
import { LOOKUP_SQL } from '../../src/control-plane/numbers/number-ranges.service.js';
import { startControlPlane, type TestControlPlane } from '../helpers/control-plane.js';

const PROBLEM = 'urn:riptrunk:problem:';

describe('admin API: number ranges', () => {
  let cp: TestControlPlane;
  let sql: pg.Client;

  beforeAll(async () => {
    cp = await startControlPlane();
    sql = new pg.Client({ connectionString: cp.db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await cp?.close();
  });

  async function tenant(name = 'Acme'): Promise<string> {
    const res = await cp.admin.post('/v1/tenants', { name });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  const rangesOf = (tenantId: string) => `/v1/tenants/${tenantId}/number-ranges`;

  /** Trunks are inserted straight into the table: this suite tests how ranges treat them, not the trunk API. */
  async function trunk(tenantId: string, name: string, callerIdRangeIds: string[] | null): Promise<string> {
    const id = newId('trk');
    await sql.query(
      `INSERT INTO trunks (id, tenant_id, name, destinations, codecs, max_concurrent_calls, max_calls_per_second,
                           caller_id_range_ids)
       VALUES ($1, $2, $3, '{"*"}', '{PCMU}', 10, 5, $4)`,
      [id, tenantId, name, callerIdRangeIds],
    );
    return id;
  }

  function expectProblem(res: { status: number; headers: Record<string, unknown>; body: any }, status: number) {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status, type: expect.stringMatching(/^urn:riptrunk:problem:/) });
  }

  function pointersOf(res: { body: any }): string[] {
    return (res.body.errors ?? []).map((e: { pointer: string }) => e.pointer);
  }

  describe('authentication', () => {
    it('refuses requests without the admin token with 401 problems', async () => {
      const t = await tenant('Auth');
      const anonymous = cp.client();
      for (const res of [
        await anonymous.post(rangesOf(t), { start: '+14085551000' }),
        await anonymous.get(rangesOf(t)),
        await anonymous.get('/v1/numbers/+14085551000'),
        await anonymous.delete(`${rangesOf(t)}/rng_00000000000000000000`),
      ]) {
        expectProblem(res, 401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      }
      expect((await cp.admin.get(rangesOf(t))).body.items).toEqual([]);
    });
  });

  describe('create, read, list', () => {
    it('adds a range given as start + end, with Location, and reads it back', async () => {
      const t = await tenant();
      const res = await cp.admin.post(rangesOf(t), { start: '+14085550100', end: '+14085550199' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^rng_[0-9a-z]{20}$/),
        tenantId: t,
        start: '+14085550100',
        end: '+14085550199',
        count: 100,
        country: 'US',
        createdAt: expect.any(String),
      });
      expect(new Date(res.body.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect(res.headers.location).toBe(`${rangesOf(t)}/${res.body.id}`);
      const got = await cp.admin.get(res.headers.location as string);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(res.body);
    });

    it('adds start + count and a single number, canonicalising formatted input', async () => {
      const t = await tenant();
      const counted = await cp.admin.post(rangesOf(t), { start: '+44 20 7123 4000', count: 1000 });
      expect(counted.status).toBe(201);
      expect(counted.body).toMatchObject({ start: '+442071234000', end: '+442071234999', count: 1000, country: 'GB' });
      const single = await cp.admin.post(rangesOf(t), { start: '+1 (408) 555-0300' });
      expect(single.status).toBe(201);
      expect(single.body).toMatchObject({ start: '+14085550300', end: '+14085550300', count: 1, country: 'US' });
      const max = await cp.admin.post(rangesOf(t), { start: '+33123000000', count: 10_000_000 });
      expect(max.status).toBe(201);
      expect(max.body).toMatchObject({ end: '+33132999999', count: 10_000_000, country: 'FR' });
    });

    it('lists a tenant’s ranges with cursor pagination, and only that tenant’s', async () => {
      const t = await tenant('Paged');
      const other = await tenant('Other');
      await cp.admin.post(rangesOf(other), { start: '+14085552000' });
      const ids: string[] = [];
      for (const start of ['+14085553000', '+14085553100', '+14085553200']) {
        ids.push((await cp.admin.post(rangesOf(t), { start, count: 10 })).body.id);
      }
      const first = await cp.admin.get(`${rangesOf(t)}?limit=2`);
      expect(first.status).toBe(200);
      expect(first.body.items.map((r: { id: string }) => r.id)).toEqual(ids.slice(0, 2));
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await cp.admin.get(`${rangesOf(t)}?limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body.items.map((r: { id: string }) => r.id)).toEqual(ids.slice(2));
      expect(second.body.nextCursor).toBeNull();
    });

    it('answers a bad cursor or limit with 400 problems', async () => {
      const t = await tenant();
      const cursor = await cp.admin.get(`${rangesOf(t)}?cursor=not-a-cursor`);
      expectProblem(cursor, 400);
      expect(cursor.body.type).toBe(`${PROBLEM}invalid-cursor`);
      expect(pointersOf(cursor)).toEqual(['#/cursor']);
      const forged = Buffer.from(JSON.stringify({ t: 'yesterday', id: 1 })).toString('base64url');
      expectProblem(await cp.admin.get(`${rangesOf(t)}?cursor=${forged}`), 400);
      expectProblem(await cp.admin.get(`${rangesOf(t)}?limit=0`), 400);
      expectProblem(await cp.admin.get(`${rangesOf(t)}?limit=abc`), 400);
      expectProblem(await cp.admin.get(`${rangesOf(t)}?unknown=1`), 400);
    });

    it('answers unknown and malformed tenants and ranges with 404', async () => {
      const unknown = 'ten_00000000000000000000';
      for (const res of [
        await cp.admin.post(rangesOf(unknown), { start: '+14085554000' }),
        await cp.admin.get(rangesOf(unknown)),
        await cp.admin.get(`${rangesOf(unknown)}/rng_00000000000000000000`),
        await cp.admin.delete(`${rangesOf(unknown)}/rng_00000000000000000000`),
      ]) {
        expectProblem(res, 404);
        expect(res.body.type).toBe(`${PROBLEM}tenant-not-found`);
      }
      expectProblem(await cp.admin.post(rangesOf('not-a-tenant'), { start: '+14085554000' }), 404);
      const t = await tenant();
      const missing = await cp.admin.get(`${rangesOf(t)}/rng_00000000000000000000`);
      expectProblem(missing, 404);
      expect(missing.body.type).toBe(`${PROBLEM}number-range-not-found`);
      expectProblem(await cp.admin.get(`${rangesOf(t)}/%27%20OR%201=1`), 404);
      // A range is only found under its own tenant.
      const { body: range } = await cp.admin.post(rangesOf(t), { start: '+14085554100' });
      const other = await tenant();
      expectProblem(await cp.admin.get(`${rangesOf(other)}/${range.id}`), 404);
      expectProblem(await cp.admin.delete(`${rangesOf(other)}/${range.id}`), 404);
      expect((await cp.admin.get(`${rangesOf(t)}/${range.id}`)).status).toBe(200);
    });

    it('refuses to add ranges to a closed tenant with 409 tenant-closed', async () => {
      const t = await tenant('Closing');
      expect((await cp.admin.post(`/v1/tenants/${t}/close`)).status).toBe(200);
      const res = await cp.admin.post(rangesOf(t), { start: '+14085554200', count: 10 });
      expectProblem(res, 409);
      expect(res.body.type).toBe(`${PROBLEM}tenant-closed`);
      expect((await cp.admin.get(rangesOf(t))).body.items).toEqual([]);
    });
  });

  describe('bad input', () => {
    let t: string;
    beforeAll(async () => {
      t = await tenant('Bad input');
    });

    async function rejects(body: unknown, expectedPointers: string[], detail?: RegExp) {
      const res = await cp.admin.post(rangesOf(t), body);
      expectProblem(res, 400);
      expect(res.body.type).toBe(`${PROBLEM}validation`);
      expect(pointersOf(res)).toEqual(expect.arrayContaining(expectedPointers));
      if (detail) expect(res.body.detail).toMatch(detail);
      return res;
    }

    it('rejects numbers that are not valid E.164 numbers, with the field’s pointer', async () => {
      await rejects({ start: '14085550100' }, ['#/start'], /international format/);
      await rejects({ start: '+1408555ABCD' }, ['#/start']);
      await rejects({ start: '+19999999999' }, ['#/start'], /not a valid phone number/);
      await rejects({ start: '+14085550100 ext. 5' }, ['#/start']);
      await rejects({ start: '+14085550100', end: '+999' }, ['#/end']);
      await rejects({ start: '', end: 'x' }, ['#/start', '#/end']);
      await rejects({ start: '+1'.padEnd(41, '0') }, ['#/start']);
    });

    it('rejects start after end, mixed lengths and ranges across countries', async () => {
      await rejects({ start: '+14085550199', end: '+14085550100' }, ['#/end'], /before start/);
      await rejects({ start: '+4930123456', end: '+49301234567' }, ['#/end'], /as many digits/);
      await rejects({ start: '+14085550100', end: '+14165550100' }, ['#/end'], /another country than start \(CA/);
      await rejects({ start: '+14085550100', end: '+33123456789' }, ['#/end'], /another country/);
      await rejects({ start: '+19899999990', count: 20 }, ['#/count'], /not a valid phone number/);
    });

    it('rejects more than 10,000,000 numbers, whether by count or by end', async () => {
      await rejects({ start: '+14085550000', count: 10_000_001 }, ['#/count']);
      await rejects({ start: '+14085550000', count: 1e12 }, ['#/count']);
      await rejects({ start: '+14085550000', end: '+14095550000' }, ['#/end'], /at most 10000000/);
    });

    it('rejects unknown fields, wrong types, both end and count, and a missing start', async () => {
      await rejects({ start: '+14085550100', count: 5, tenantId: 'ten_x', extra: 1 }, ['#/tenantId', '#/extra']);
      await rejects({ start: 14085550100 }, ['#/start']);
      await rejects({ start: '+14085550100', count: '100' }, ['#/count']);
      await rejects({ start: '+14085550100', count: 1.5 }, ['#/count']);
      await rejects({ start: '+14085550100', count: 0 }, ['#/count']);
      await rejects({ start: '+14085550100', count: -1 }, ['#/count']);
      await rejects({ start: ['+14085550100'], end: { n: 1 } }, ['#/start', '#/end']);
      await rejects({ start: '+14085550100', end: '+14085550199', count: 100 }, ['#/count'], /either end or count/);
      await rejects({}, ['#/start']);
      await rejects({ start: null }, ['#/start']);
    });

    it('answers malformed JSON, a non-object body and a wrong content type with 4xx problems', async () => {
      const malformed = await cp.admin.req('POST', rangesOf(t), {
        rawBody: '{"start": ',
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(malformed, 400);
      expectProblem(await cp.admin.post(rangesOf(t), ['+14085550100']), 400);
      expectProblem(await cp.admin.post(rangesOf(t), '+14085550100'), 400);
      const text = await cp.admin.req('POST', rangesOf(t), {
        rawBody: 'start=+14085550100',
        headers: { 'content-type': 'text/plain' },
      });
      expectProblem(text, 415);
    });

    it('kept nothing from any rejected request', async () => {
      expect((await cp.admin.get(rangesOf(t))).body.items).toEqual([]);
      const audit = await cp.admin.get(`/v1/audit-events?tenantId=${t}&action=number-range.create`);
      expect(audit.body.items).toEqual([]);
    });
  });

  describe('overlaps', () => {
    it('refuses an overlapping range, in the same or another tenant, naming the range it hits', async () => {
      const a = await tenant('Overlap A');
      const b = await tenant('Overlap B');
      const { body: existing } = await cp.admin.post(rangesOf(a), { start: '+12125560100', end: '+12125560199' });
      for (const [t, body] of [
        [a, { start: '+12125560150', end: '+12125560250' }],
        [b, { start: '+12125560000', end: '+12125560100' }],
        [b, { start: '+12125560199' }],
        [b, { start: '+12125560120', count: 5 }],
        [b, { start: '+12125000000', count: 1_000_000 }],
        [a, { start: '+12125560100', end: '+12125560199' }],
      ] as const) {
        const res = await cp.admin.post(rangesOf(t), body);
        expectProblem(res, 409);
        expect(res.body.type).toBe(`${PROBLEM}range-overlap`);
        expect(res.body.conflictingRange).toEqual({
          id: existing.id,
          tenantId: a,
          start: '+12125560100',
          end: '+12125560199',
        });
        expect(res.body.detail).toContain(existing.id);
      }
      // Adjacent ranges touch without overlapping.
      expect((await cp.admin.post(rangesOf(b), { start: '+12125560200', count: 100 })).status).toBe(201);
      expect((await cp.admin.post(rangesOf(b), { start: '+12125560099' })).status).toBe(201);
      expect((await cp.admin.get(rangesOf(a))).body.items).toHaveLength(1);
      expect((await cp.admin.get(rangesOf(b))).body.items).toHaveLength(2);
    });

    it('lets exactly one of 20 concurrent overlapping creates from 20 tenants win; the others get 409', async () => {
      const tenants = await Promise.all(Array.from({ length: 20 }, (_, i) => tenant(`Racer ${i}`)));
      const results = await Promise.all(
        tenants.map((t, i) =>
          cp.admin.post(rangesOf(t), { start: `+1408557${String(i * 10).padStart(4, '0')}`, count: 500 }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([201, ...Array(19).fill(409)]);
      const winner = results.find((r) => r.status === 201)!.body;
      for (const loser of results.filter((r) => r.status === 409)) {
        expect(loser.headers['content-type']).toContain('application/problem+json');
        expect(loser.body.type).toBe(`${PROBLEM}range-overlap`);
        expect(loser.body.conflictingRange).toEqual({
          id: winner.id,
          tenantId: winner.tenantId,
          start: winner.start,
          end: winner.end,
        });
      }
      const { rows } = await sql.query(
        `SELECT id FROM number_ranges WHERE numbers && int8range(14085570000, 14085580000)`,
      );
      expect(rows).toEqual([{ id: winner.id }]);
      const audits = await sql.query(
        `SELECT count(*)::int AS n FROM audit_events WHERE action = 'number-range.create' AND tenant_id = ANY($1)`,
        [tenants],
      );
      expect(audits.rows[0].n).toBe(1);
    });

    it('also serialises 20 concurrent identical creates for one tenant', async () => {
      const t = await tenant('Same tenant racer');
      const results = await Promise.all(
        Array.from({ length: 20 }, () => cp.admin.post(rangesOf(t), { start: '+14085580000', count: 100 })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, ...Array(19).fill(409)]);
      expect((await cp.admin.get(rangesOf(t))).body.items).toHaveLength(1);
    });

    it('is enforced by the database itself, not only by the code', async () => {
      const t = await tenant('Constraint');
      const { body: r } = await cp.admin.post(rangesOf(t), { start: '+14085590000', count: 10 });
      await expect(
        sql.query(
          `INSERT INTO number_ranges (id, tenant_id, start_e164, end_e164, country)
           VALUES ($1, $2, '+14085590005', '+14085590020', 'US')`,
          [newId('rng'), t],
        ),
      ).rejects.toMatchObject({ code: '23P01', constraint: 'number_ranges_no_overlap' });
      expect((await cp.admin.get(rangesOf(t))).body.items.map((x: { id: string }) => x.id)).toEqual([r.id]);
    });
  });

  describe('idempotency', () => {
    it('answers a retried create with the same Idempotency-Key from the first response', async () => {
      const t = await tenant('Idempotent');
      const headers = { 'idempotency-key': 'range-create-1' };
      const body = { start: '+14085600000', count: 50 };
      const first = await cp.admin.post(rangesOf(t), body, { headers });
      expect(first.status).toBe(201);
      const retry = await cp.admin.post(rangesOf(t), body, { headers });
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.headers.location).toBe(first.headers.location);
      const reused = await cp.admin.post(rangesOf(t), { start: '+14085600100', count: 50 }, { headers });
      expectProblem(reused, 422);
      // Without the key, the same body is a new create, which overlaps the first.
      expect((await cp.admin.post(rangesOf(t), body)).status).toBe(409);
      expect((await cp.admin.get(rangesOf(t))).body.items).toHaveLength(1);
    });

    it('does not keep the key of a create that failed, so a corrected retry can use it', async () => {
      const a = await tenant();
      const b = await tenant();
      await cp.admin.post(rangesOf(a), { start: '+14085610000', count: 10 });
      const headers = { 'idempotency-key': 'range-create-2' };
      expect((await cp.admin.post(rangesOf(b), { start: '+14085610005' }, { headers })).status).toBe(409);
      expect((await cp.admin.post(rangesOf(b), { start: '+14085610005' }, { headers })).status).toBe(409);
    });
  });

  describe('delete', () => {
    it('deletes an unused range with 204; its numbers can then be added again', async () => {
      const t = await tenant('Delete');
      const { body: r } = await cp.admin.post(rangesOf(t), { start: '+14085620000', count: 100 });
      const res = await cp.admin.delete(`${rangesOf(t)}/${r.id}`);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expectProblem(await cp.admin.get(`${rangesOf(t)}/${r.id}`), 404);
      const again = await cp.admin.delete(`${rangesOf(t)}/${r.id}`);
      expectProblem(again, 404);
      expect(again.body.type).toBe(`${PROBLEM}number-range-not-found`);
      expect((await cp.admin.post(rangesOf(await tenant()), { start: '+14085620050' })).status).toBe(201);
    });

    it('refuses with 409 range-in-use while a trunk lists the range, unless force=true', async () => {
      const t = await tenant('In use');
      const { body: used } = await cp.admin.post(rangesOf(t), { start: '+14085630000', count: 100 });
      const { body: kept } = await cp.admin.post(rangesOf(t), { start: '+14085631000', count: 100 });
      const listing = await trunk(t, 'listing', [used.id, kept.id]);
      const only = await trunk(t, 'only', [used.id]);
      const all = await trunk(t, 'all-ranges', null);
      const other = await trunk(t, 'other-range', [kept.id]);

      const refused = await cp.admin.delete(`${rangesOf(t)}/${used.id}`);
      expectProblem(refused, 409);
      expect(refused.body.type).toBe(`${PROBLEM}range-in-use`);
      expect(refused.body.usedBy).toEqual([{ kind: 'trunk', ids: [listing, only].sort() }]);
      expect((await cp.admin.get(`${rangesOf(t)}/${used.id}`)).status).toBe(200);
      expectProblem(await cp.admin.delete(`${rangesOf(t)}/${used.id}?force=false`), 409);
      expectProblem(await cp.admin.delete(`${rangesOf(t)}/${used.id}?force=yes`), 400);

      const versions = await sql.query(`SELECT id, version FROM trunks WHERE tenant_id = $1`, [t]);
      const forced = await cp.admin.delete(`${rangesOf(t)}/${used.id}?force=true`);
      expect(forced.status).toBe(204);
      expectProblem(await cp.admin.get(`${rangesOf(t)}/${used.id}`), 404);
      const { rows } = await sql.query(`SELECT id, caller_id_range_ids, version FROM trunks WHERE tenant_id = $1`, [t]);
      const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
      expect(byId[listing].caller_id_range_ids).toEqual([kept.id]);
      expect(byId[only].caller_id_range_ids).toEqual([]);
      expect(byId[all].caller_id_range_ids).toBeNull();
      expect(byId[other].caller_id_range_ids).toEqual([kept.id]);
      const before = Object.fromEntries(versions.rows.map((r) => [r.id, r.version]));
      expect(byId[listing].version).toBe(before[listing] + 1);
      expect(byId[all].version).toBe(before[all]);

      const audit = await cp.admin.get(`/v1/audit-events?resourceId=${listing}`);
      expect(audit.body.items[0]).toMatchObject({
        action: 'trunk.update',
        before: { callerIdRangeIds: [used.id, kept.id] },
        after: { callerIdRangeIds: [kept.id] },
      });
    });

    it('rolls back the whole forced delete when a part of it fails', async () => {
      const t = await tenant('Atomic');
      const { body: r } = await cp.admin.post(rangesOf(t), { start: '+14085640000', count: 10 });
      const listing = await trunk(t, 'atomic', [r.id]);
      await sql.query(`
        CREATE FUNCTION fail_range_delete() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
      await sql.query(
        `CREATE TRIGGER fail_range_delete BEFORE DELETE ON number_ranges FOR EACH ROW EXECUTE FUNCTION fail_range_delete()`,
      );
      try {
        const res = await cp.admin.delete(`${rangesOf(t)}/${r.id}?force=true`);
        expectProblem(res, 500);
        expect(res.body.correlationId).toEqual(expect.any(String));
      } finally {
        await sql.query(`DROP TRIGGER fail_range_delete ON number_ranges; DROP FUNCTION fail_range_delete()`);
      }
      const { rows } = await sql.query(`SELECT caller_id_range_ids FROM trunks WHERE id = $1`, [listing]);
      expect(rows[0].caller_id_range_ids).toEqual([r.id]);
      expect((await cp.admin.get(`${rangesOf(t)}/${r.id}`)).status).toBe(200);
      const audit = await cp.admin.get(`/v1/audit-events?tenantId=${t}&action=number-range.delete`);
      expect(audit.body.items).toEqual([]);
    });

    it('allows deleting the ranges of a closed tenant, so that their numbers can be reassigned', async () => {
      const t = await tenant('Closed with numbers');
      const { body: r } = await cp.admin.post(rangesOf(t), { start: '+14085650000', count: 10 });
      await cp.admin.post(`/v1/tenants/${t}/close`);
      expect((await cp.admin.delete(`${rangesOf(t)}/${r.id}`)).status).toBe(204);
    });
  });

  describe('number look-up', () => {
    it('names the tenant, the range and the trunks that may use a number', async () => {
      const t = await tenant('Lookup Co');
      const other = await tenant('Lookup Other');
      const { body: r } = await cp.admin.post(rangesOf(t), { start: '+14085660100', end: '+14085660199' });
      const { body: r2 } = await cp.admin.post(rangesOf(t), { start: '+14085661000', count: 10 });
      const all = await trunk(t, 'a-all', null);
      const listing = await trunk(t, 'b-listing', [r2.id, r.id]);
      await trunk(t, 'c-other-range', [r2.id]);
      await trunk(t, 'd-none', []);
      await trunk(other, 'e-other-tenant', null);

      const res = await cp.admin.get('/v1/numbers/+14085660123');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        number: '+14085660123',
        tenant: { id: t, name: 'Lookup Co', status: 'active' },
        range: { id: r.id, start: '+14085660100', end: '+14085660199' },
        trunks: [
          { id: all, name: 'a-all' },
          { id: listing, name: 'b-listing' },
        ],
      });
      for (const edge of ['+14085660100', '+14085660199', '%2B14085660150']) {
        const hit = await cp.admin.get(`/v1/numbers/${edge}`);
        expect(hit.status).toBe(200);
        expect(hit.body.range.id).toBe(r.id);
      }
      await cp.admin.post(`/v1/tenants/${t}/suspend`);
      expect((await cp.admin.get('/v1/numbers/+14085660123')).body.tenant.status).toBe('suspended');
    });

    it('answers 404 number-not-assigned for a number no range holds', async () => {
      const t = await tenant();
      const { body: r } = await cp.admin.post(rangesOf(t), { start: '+14085670100', count: 100 });
      for (const n of ['+14085670099', '+14085670200', '+140856701000', '+4408567010']) {
        const res = await cp.admin.get(`/v1/numbers/${n}`);
        expectProblem(res, 404);
        expect(res.body.type).toBe(`${PROBLEM}number-not-assigned`);
      }
      await cp.admin.delete(`${rangesOf(t)}/${r.id}`);
      expectProblem(await cp.admin.get('/v1/numbers/+14085670150'), 404);
    });

    it('answers 400 for a path value that is not E.164', async () => {
      for (const n of ['14085550100', '+04085550100', '+1408555010012345', '+1408abc', '%2B1%20408', 'null']) {
        const res = await cp.admin.get(`/v1/numbers/${n}`);
        expectProblem(res, 400);
        expect(pointersOf(res)).toEqual(['#/e164']);
      }
    });

    it('is answered from the gist index of the exclusion constraint, not a scan', async () => {
      const t = await tenant('Many ranges');
      await sql.query(
        `INSERT INTO number_ranges (id, tenant_id, start_e164, end_e164, country)
         SELECT 'rng_bulk' || lpad(i::text, 16, '0'), $1, '+3361' || lpad((i * 100)::text, 7, '0'),
                '+3361' || lpad((i * 100 + 99)::text, 7, '0'), 'FR'
           FROM generate_series(0, 19999) i`,
        [t],
      );
      await sql.query('ANALYZE number_ranges');
      const { rows } = await sql.query(`EXPLAIN ${LOOKUP_SQL}`, ['33610012345']);
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toContain('number_ranges_no_overlap');
      expect(plan).not.toMatch(/Seq Scan on number_ranges/);
      const res = await cp.admin.get('/v1/numbers/+33610012345');
      expect(res.status).toBe(200);
      expect(res.body.range).toEqual({
        id: 'rng_bulk0000000000000123',
        start: '+33610012300',
        end: '+33610012399',
      });
    });
  });

  it('audits creates and deletes with the tenant id', async () => {
    const t = await tenant('Audited');
    const { body: r } = await cp.admin.post(rangesOf(t), { start: '+14085680000', count: 10 });
    await cp.admin.delete(`${rangesOf(t)}/${r.id}`);
    const events = await cp.admin.get(`/v1/audit-events?resourceId=${r.id}`);
    expect(events.body.items.map((e: { action: string }) => e.action)).toEqual([
      'number-range.delete',
      'number-range.create',
    ]);
    const [deleted, created] = events.body.items;
    expect(created).toMatchObject({ tenantId: t, actor: 'operator', resourceType: 'number-range', before: null });
    expect(created.after).toMatchObject({ id: r.id, start: '+14085680000', end: '+14085680009', count: 10 });
    expect(deleted).toMatchObject({ tenantId: t, after: null, before: { id: r.id } });
  });
});
