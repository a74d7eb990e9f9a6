import { DataSource } from 'typeorm';
import { mutationContext } from '../../src/common/context/request-context.js';
import { hashSecret } from '../../src/common/crypto/secret-box.js';
import { OnboardingCodesService } from '../../src/control-plane/oauth/onboarding-codes/onboarding-codes.service.js';
import { startControlPlane, type TestControlPlane } from '../helpers/control-plane.js';

const CODE = /^RIPT-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;
const DAY_MS = 86_400_000;

describe('admin API: onboarding codes', () => {
  let cp: TestControlPlane;
  let codes: OnboardingCodesService;
  let sql: DataSource;
  let tenantId: string;
  const base = (t = tenantId) => `/v1/tenants/${t}/onboarding-codes`;

  async function newTenant(name = 'Acme'): Promise<string> {
    const res = await cp.admin.post('/v1/tenants', { name });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function issue(t = tenantId, body?: unknown): Promise<{ id: string; code: string }> {
    const res = await cp.admin.post(base(t), body);
    expect(res.status).toBe(201);
    return res.body;
  }

  beforeAll(async () => {
    cp = await startControlPlane();
    codes = cp.app.get(OnboardingCodesService);
    sql = cp.app.get(DataSource);
    tenantId = await newTenant();
  });
  afterAll(async () => {
    await cp?.close();
  });

  it('refuses requests without the admin token', async () => {
    expect((await cp.client().post(base(), {})).status).toBe(401);
    expect((await cp.client().get(base())).status).toBe(401);
    expect((await cp.client('wrong-token-wrong-token-wrong').get(base())).status).toBe(401);
  });

  it('issues a code once, with the discovery URL and the default expiry, never stored in clear', async () => {
    const before = Date.now();
    const res = await cp.admin.post(base(), undefined, { headers: { 'x-request-id': 'req-code-1' } });
    expect(res.status).toBe(201);
    const created = res.body;
    expect(created).toEqual({
      id: expect.stringMatching(/^obc_[0-9a-z]{20}$/),
      tenantId,
      code: expect.stringMatching(CODE),
      hint: created.code.slice(-4),
      status: 'active',
      expiresAt: expect.any(String),
      createdBy: 'operator',
      createdAt: expect.any(String),
      usedAt: null,
      usedByClientId: null,
      revokedAt: null,
      discoveryUrl: `${cp.config.publicUrl}/.well-known/ript`,
    });
    const ttl = Date.parse(created.expiresAt) - before;
    expect(ttl).toBeGreaterThanOrEqual(7 * DAY_MS - 1000);
    expect(ttl).toBeLessThanOrEqual(7 * DAY_MS + 5000);
    expect(res.headers.location).toBe(`${base()}/${created.id}`);
    expect(res.headers['cache-control']).toBe('no-store');

    const { code, discoveryUrl: _d, ...shown } = created;
    const one = await cp.admin.get(`${base()}/${created.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(shown);
    const list = await cp.admin.get(base());
    expect(list.body.items).toEqual([shown]);
    for (const text of [one.text, list.text]) {
      expect(text).not.toContain(code);
      expect(text).not.toContain(code.slice(5));
    }

    const [row] = await sql.query('SELECT * FROM onboarding_codes WHERE id = $1', [created.id]);
    expect(row.code_hash).toBe(hashSecret(code));
    expect(JSON.stringify(row)).not.toContain(code.slice(5, 19));
    const audit = await sql.query('SELECT * FROM audit_events WHERE resource_id = $1', [created.id]);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'onboarding-code.create', actor: 'operator', request_id: 'req-code-1' });
    expect(audit[0].after).toMatchObject({ id: created.id, hint: created.hint, tenantId });
    expect(JSON.stringify(audit[0])).not.toContain(code.slice(5, 19));
    expect(JSON.stringify(audit[0])).not.toContain(row.code_hash);
  });

  it('issues different codes every time', async () => {
    const a = await issue();
    const b = await issue(tenantId, {});
    expect(a.code).not.toBe(b.code);
  });

  it('takes ttlDays or an RFC 3339 expiresAt', async () => {
    const now = Date.now();
    const day = await cp.admin.post(base(), { ttlDays: 1 });
    expect(day.status).toBe(201);
    expect(Math.abs(Date.parse(day.body.expiresAt) - (now + DAY_MS))).toBeLessThan(5000);
    const year = await cp.admin.post(base(), { ttlDays: 365 });
    expect(year.status).toBe(201);

    const at = new Date(now + 3 * DAY_MS);
    at.setUTCMilliseconds(250);
    const explicit = await cp.admin.post(base(), { expiresAt: at.toISOString() });
    expect(explicit.status).toBe(201);
    expect(explicit.body.expiresAt).toBe(at.toISOString());
    const offset = await cp.admin.post(base(), { expiresAt: '2099-01-01T12:00:00+02:00' });
    expect(offset.status).toBe(400); // more than 365 days ahead
    const withOffset = new Date(now + 2 * DAY_MS);
    const local = withOffset.toISOString().replace(/\.\d+Z$/, '+00:00');
    expect((await cp.admin.post(base(), { expiresAt: local })).status).toBe(201);
  });

  describe('bad input', () => {
    async function fieldErrors(body: unknown): Promise<{ pointer: string; detail: string }[]> {
      const res = await cp.admin.post(base(), body);
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('urn:riptrunk:problem:validation');
      return res.body.errors;
    }

    it('refuses bad lifetimes, wrong types and unknown fields', async () => {
      for (const ttlDays of [0, -1, 366, 1.5, '7', null]) {
        expect((await fieldErrors({ ttlDays })).map((e) => e.pointer)).toContain('#/ttlDays');
      }
      for (const expiresAt of [
        '2030-01-01',
        '2030-01-01T00:00:00',
        'tomorrow',
        '2030-02-30T00:00:00Z',
        '2030-01-01T25:00:00Z',
        '2000-01-01T00:00:00Z',
        new Date(Date.now() + 400 * DAY_MS).toISOString(),
        12345,
        null,
      ]) {
        expect((await fieldErrors({ expiresAt })).map((e) => e.pointer)).toContain('#/expiresAt');
      }
      const both = await fieldErrors({ ttlDays: 3, expiresAt: new Date(Date.now() + DAY_MS).toISOString() });
      expect(both[0].detail).toContain('either ttlDays or expiresAt');
      expect((await fieldErrors({ code: 'RIPT-AAAA-AAAA-AAAA-AAAA' })).map((e) => e.pointer)).toEqual(['#/code']);
      expect((await fieldErrors({ tenantId })).map((e) => e.pointer)).toEqual(['#/tenantId']);
      const array = await cp.admin.post(base(), [1]);
      expect(array.status).toBe(400);
    });

    it('replays a create with the same Idempotency-Key, keeping the response encrypted at rest', async () => {
      const first = await cp.admin.post(base(), {}, { headers: { 'idempotency-key': 'code-1' } });
      expect(first.status).toBe(201);
      const retry = await cp.admin.post(base(), {}, { headers: { 'idempotency-key': 'code-1' } });
      expect(retry.status).toBe(201);
      expect(retry.body.code).toBe(first.body.code);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      const [stored] = await sql.query(`SELECT * FROM idempotency_keys WHERE key = 'code-1'`);
      expect(JSON.stringify(stored)).not.toContain(first.body.code);
    });

    it('answers unknown tenants and codes with 404', async () => {
      const ghost = 'ten_00000000000000000000';
      expect((await cp.admin.post(base(ghost), {})).status).toBe(404);
      expect((await cp.admin.get(base(ghost))).status).toBe(404);
      expect((await cp.admin.get(`${base(ghost)}/obc_00000000000000000000`)).status).toBe(404);
      expect((await cp.admin.post(`${base(ghost)}/obc_00000000000000000000/revoke`)).status).toBe(404);
      const missing = await cp.admin.get(`${base()}/obc_00000000000000000000`);
      expect(missing.status).toBe(404);
      expect(missing.body.type).toBe('urn:riptrunk:problem:onboarding-code-not-found');
      expect((await cp.admin.post(`${base()}/obc_00000000000000000000/revoke`)).status).toBe(404);
      expect((await cp.admin.get(`${base()}/RIPT-AAAA`)).status).toBe(404);
    });

    it("does not show or revoke a code through another tenant's path", async () => {
      const { id } = await issue();
      const other = await newTenant('Nosy');
      expect((await cp.admin.get(`${base(other)}/${id}`)).status).toBe(404);
      expect((await cp.admin.post(`${base(other)}/${id}/revoke`)).status).toBe(404);
      expect((await cp.admin.get(`${base()}/${id}`)).body.status).toBe('active');
    });
  });

  it('refuses codes for suspended and closed tenants with 409', async () => {
    const t = await newTenant('Paused');
    const { code } = await issue(t);
    await cp.admin.post(`/v1/tenants/${t}/suspend`);
    const suspended = await cp.admin.post(base(t), {});
    expect(suspended.status).toBe(409);
    expect(suspended.body.type).toBe('urn:riptrunk:problem:tenant-suspended');
    expect(await codes.peek(code)).toEqual({ ok: false, reason: 'tenant-inactive' });
    expect(await codes.redeem(code, 'cli_1')).toEqual({ ok: false, reason: 'tenant-inactive' });
    await cp.admin.post(`/v1/tenants/${t}/resume`);
    expect((await codes.peek(code)).ok).toBe(true);
    await cp.admin.post(`/v1/tenants/${t}/close`);
    const closed = await cp.admin.post(base(t), {});
    expect(closed.status).toBe(409);
    expect(closed.body.type).toBe('urn:riptrunk:problem:tenant-closed');
    expect(await codes.redeem(code, 'cli_1')).toEqual({ ok: false, reason: 'tenant-inactive' });
    expect((await cp.admin.get(base(t))).body.items).toHaveLength(1);
  });

  it('revokes an unused code once, and a revoked code cannot be redeemed', async () => {
    const { id, code } = await issue();
    const revoked = await cp.admin.post(`${base()}/${id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id, status: 'revoked', revokedAt: expect.any(String) });
    expect(revoked.body).not.toHaveProperty('code');
    const again = await cp.admin.post(`${base()}/${id}/revoke`);
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('urn:riptrunk:problem:onboarding-code-revoked');
    expect(await codes.peek(code)).toEqual({ ok: false, reason: 'revoked' });
    expect(await codes.redeem(code, 'cli_x')).toEqual({ ok: false, reason: 'revoked' });
    expect((await cp.admin.get(`${base()}/${id}`)).body.status).toBe('revoked');

    const events = await cp.admin.get(`/v1/audit-events?resourceId=${id}`);
    expect(events.body.items.map((e: { action: string }) => e.action)).toEqual([
      'onboarding-code.revoke',
      'onboarding-code.create',
    ]);
    expect(events.body.items[0].before.revokedAt).toBeNull();
    expect(events.body.items[0].after.revokedAt).toEqual(expect.any(String));
    expect(JSON.stringify(events.body)).not.toContain(code.slice(5));
  });

  it('redeems a code exactly once, in any spelling, and records who used it', async () => {
    const { id, code } = await issue();
    expect(await codes.peek(code)).toEqual({ ok: true, tenantId, codeId: id });
    expect(await codes.peek(code.toLowerCase().replace(/-/g, ''))).toEqual({ ok: true, tenantId, codeId: id });
    expect(await codes.redeem(code.toLowerCase(), 'cli_first')).toEqual({ ok: true, tenantId, codeId: id });
    expect(await codes.redeem(code, 'cli_second')).toEqual({ ok: false, reason: 'used' });
    expect(await codes.peek(code)).toEqual({ ok: false, reason: 'used' });

    const got = await cp.admin.get(`${base()}/${id}`);
    expect(got.body).toMatchObject({ status: 'used', usedByClientId: 'cli_first', usedAt: expect.any(String) });
    const revoke = await cp.admin.post(`${base()}/${id}/revoke`);
    expect(revoke.status).toBe(409);
    expect(revoke.body.type).toBe('urn:riptrunk:problem:onboarding-code-used');
    const events = await cp.admin.get(`/v1/audit-events?resourceId=${id}&action=onboarding-code.redeem`);
    expect(events.body.items).toHaveLength(1);
    expect(events.body.items[0]).toMatchObject({ actor: 'client:cli_first', after: { usedByClientId: 'cli_first' } });
  });

  it('lets only one of many concurrent redeems win', async () => {
    const { code } = await issue();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => codes.redeem(code, `cli_${i}`)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.reason)).toEqual(Array(9).fill('used'));
  });

  it('rolls a redemption back with the transaction it ran in', async () => {
    const { code } = await issue();
    await expect(
      sql.transaction(async (manager) => {
        await mutationContext.run({ manager, requestId: 'tx-1', afterCommit: [] }, async () => {
          expect((await codes.redeem(code, 'cli_rolled_back')).ok).toBe(true);
        });
        throw new Error('registration failed');
      }),
    ).rejects.toThrow('registration failed');
    expect((await codes.peek(code)).ok).toBe(true);
  });

  it('refuses expired, unknown and malformed codes', async () => {
    const { id, code } = await issue(tenantId, { ttlDays: 1 });
    await sql.query(`UPDATE onboarding_codes SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    expect(await codes.peek(code)).toEqual({ ok: false, reason: 'expired' });
    expect(await codes.redeem(code, 'cli_late')).toEqual({ ok: false, reason: 'expired' });
    expect((await cp.admin.get(`${base()}/${id}`)).body.status).toBe('expired');
    expect((await cp.admin.post(`${base()}/${id}/revoke`)).status).toBe(200);

    expect(await codes.redeem('RIPT-0000-0000-0000-0000', 'cli_guess')).toEqual({ ok: false, reason: 'unknown' });
    for (const bad of ['', 'RIPT', 'not a code', `${code}X`, 'RIPT-UUUU-UUUU-UUUU-UUUU']) {
      expect(await codes.redeem(bad, 'cli_bad')).toEqual({ ok: false, reason: 'unknown' });
      expect(await codes.peek(bad)).toEqual({ ok: false, reason: 'unknown' });
    }
  });

  it('lists with a cursor and filters by computed status', async () => {
    const t = await newTenant('Statuses');
    const active = await issue(t);
    const used = await issue(t);
    const revoked = await issue(t);
    const expired = await issue(t);
    await codes.redeem(used.code, 'cli_s');
    await cp.admin.post(`${base(t)}/${revoked.id}/revoke`);
    await sql.query(`UPDATE onboarding_codes SET expires_at = now() - interval '1 minute' WHERE id = $1`, [expired.id]);

    const all = await cp.admin.get(base(t));
    expect(all.body.items.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
      [active.id, 'active'],
      [used.id, 'used'],
      [revoked.id, 'revoked'],
      [expired.id, 'expired'],
    ]);
    for (const [status, id] of [
      ['active', active.id],
      ['used', used.id],
      ['revoked', revoked.id],
      ['expired', expired.id],
    ]) {
      const page = await cp.admin.get(`${base(t)}?status=${status}`);
      expect(page.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    }
    const first = await cp.admin.get(`${base(t)}?limit=3`);
    expect(first.body.items).toHaveLength(3);
    const rest = await cp.admin.get(`${base(t)}?limit=3&cursor=${first.body.nextCursor}`);
    expect(rest.body.items.map((c: { id: string }) => c.id)).toEqual([expired.id]);
    expect(rest.body.nextCursor).toBeNull();
    expect((await cp.admin.get(`${base(t)}?status=gone`)).status).toBe(400);
  });
});
