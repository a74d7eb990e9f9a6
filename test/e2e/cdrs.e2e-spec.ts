import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import * as client from 'openid-client';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/control-plane/app.module.js';
import { createHttpApp } from '../../src/common/http/server.js';
import { loadTlsMaterial } from '../../src/common/tls/tls-material.js';
import { EdgeRegistry } from '../../src/edge/config/edge-registry.js';
import { CdrProcessor } from '../../src/control-plane/cdrs/cdr.processor.js';
import { CdrPublisher } from '../../src/edge/cdrs/cdr-publisher.js';
import type { CallDetailRecord } from '../../src/contracts/cdr.js';
import { QUEUES } from '../../src/contracts/queues.js';
import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';
import { onboardWithOpenIdClient, tenantWithCode } from '../helpers/enterprise.js';
import type { TestClient } from '../helpers/http.js';
import { eventually, sleep } from '../helpers/wait.js';

describe('CDRs (profile §8): from the edge through BullMQ to /v1/cdrs', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let publisher: CdrPublisher;
  let queue: Queue;
  let acme: { tenantId: string; trunkId: string; api: TestClient };
  let globex: { tenantId: string; trunkId: string; api: TestClient };
  const closers: { close(): Promise<void> }[] = [];
  const published: CallDetailRecord[] = [];

  async function tenant(name: string, start: string) {
    const onboarded = await tenantWithCode(cp, name);
    await cp.admin.post(`/v1/tenants/${onboarded.tenantId}/number-ranges`, { start, count: 100 });
    const trunk = await cp.admin.post(`/v1/tenants/${onboarded.tenantId}/trunks`, {
      name,
      maxConcurrentCalls: 5,
      maxCallsPerSecond: 1,
    });
    const { config, agent } = await onboardWithOpenIdClient(cp, onboarded.code);
    closers.push(agent);
    const token = (await client.clientCredentialsGrant(config, { scope: 'trunk:read' })).access_token;
    return { tenantId: onboarded.tenantId, trunkId: trunk.body.id as string, api: cp.client(token) };
  }

  function cdr(owner: typeof acme, endedAt: string, overrides: Partial<CallDetailRecord> = {}): CallDetailRecord {
    const ended = Date.parse(endedAt);
    return {
      callId: randomUUID(),
      edgeId: edge.app.get(EdgeRegistry).id,
      tenantId: owner.tenantId,
      trunkId: owner.trunkId,
      direction: 'outbound',
      from: owner === acme ? '+14085550100' : '+14155550200',
      to: '+14155550123',
      startedAt: new Date(ended - 65_000).toISOString(),
      answeredAt: new Date(ended - 60_000).toISOString(),
      endedAt,
      reason: 'normal',
      framesReceived: 3000,
      framesSent: 2998,
      bytesReceived: 480_000,
      bytesSent: 479_680,
      lossReceived: 1,
      lossSent: 3,
      maxJitterMs: 4.25,
      sipCallId: null,
      sipStatus: null,
      ...overrides,
    };
  }

  const ids = (res: { body: { items: { id: string }[] } }) => res.body.items.map((c) => c.id);

  beforeAll(async () => {
    cp = await startControlPlane();
    edge = await startEdge(cp);
    publisher = edge.app.get(CdrPublisher);
    queue = new Queue(QUEUES.cdrs, {
      connection: { url: cp.config.env.REDIS_URL, maxRetriesPerRequest: null },
      prefix: cp.config.env.RIPTRUNK_REDIS_PREFIX,
    });
    acme = await tenant('Acme', '+14085550100');
    globex = await tenant('Globex', '+14155550200');
    published.push(
      cdr(acme, '2026-03-01T10:00:00.000Z', { sipCallId: 'a84b4c76e66710@pc33.atlanta.example', sipStatus: 486 }),
      cdr(acme, '2026-03-01T11:00:00.000Z', { from: '+14085550101', to: '+14085550102', direction: 'inbound' }),
      cdr(globex, '2026-03-01T12:00:00.000Z', { answeredAt: null, reason: 'declined', framesReceived: 0 }),
    );
  });
  afterAll(async () => {
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await Promise.all(closers.map((c) => c.close()));
    await edge?.close();
    await cp?.close();
  });

  it('stores a CDR published on the edge within a few seconds', async () => {
    const started = Date.now();
    for (const record of published) await publisher.publish(record);
    const res = await eventually(
      () => cp.admin.get('/v1/cdrs'),
      (r) => r.body.items?.length === 3,
      5000,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    // Newest first, by end of call.
    expect(ids(res)).toEqual([published[2].callId, published[1].callId, published[0].callId]);
    const { callId, ...fields } = published[0];
    expect(res.body.items[2]).toEqual({ id: callId, ...fields, recordedAt: expect.any(String) });
    expect(res.body.items[0]).toMatchObject({ answeredAt: null, reason: 'declined', tenantId: globex.tenantId });
    expect(res.body.nextCursor).toBeNull();
  });

  it('stores a CDR published twice once', async () => {
    const record = cdr(acme, '2026-03-01T09:00:00.000Z');
    await publisher.publish(record);
    await publisher.publish(record); // the same job
    await eventually(
      () => cp.admin.get(`/v1/cdrs?tenantId=${acme.tenantId}`),
      (r) => ids(r).includes(record.callId),
      5000,
    );
    // Once the job is done and removed, the same CDR again is a new job: stored as a no-op.
    await eventually(
      () => queue.getJob(record.callId),
      (job) => !job,
      5000,
    );
    await publisher.publish({ ...record, reason: 'changed' });
    await eventually(
      () => queue.getJob(record.callId),
      (job) => !job,
      5000,
    );
    const rows = await cp.app.get(DataSource).query('SELECT reason FROM cdrs WHERE id = $1', [record.callId]);
    expect(rows).toEqual([{ reason: 'normal' }]);
    published.push(record);
  });

  it('shows an enterprise its own CDRs only at /v1/me/cdrs', async () => {
    const mine = await acme.api.get('/v1/me/cdrs');
    expect(mine.status).toBe(200);
    expect(ids(mine).sort()).toEqual(
      published
        .filter((c) => c.tenantId === acme.tenantId)
        .map((c) => c.callId)
        .sort(),
    );
    const theirs = await globex.api.get('/v1/me/cdrs');
    expect(ids(theirs)).toEqual([published[2].callId]);
    expect(ids(theirs)).not.toContain(published[0].callId);
    // No way to ask for another tenant's, and no admin list for an enterprise.
    expect((await globex.api.get(`/v1/me/cdrs?tenantId=${acme.tenantId}`)).status).toBe(400);
    expect((await globex.api.get('/v1/cdrs')).status).toBe(403);
    expect((await cp.admin.get('/v1/me/cdrs')).status).toBe(403);
    expect((await cp.client().get('/v1/cdrs')).status).toBe(401);
  });

  it('filters by tenant, trunk, number (from or to) and end time', async () => {
    const q = (query: string) => cp.admin.get(`/v1/cdrs?${query}`);
    expect(ids(await q(`tenantId=${globex.tenantId}`))).toEqual([published[2].callId]);
    expect(ids(await q(`trunkId=${acme.trunkId}`))).toHaveLength(3);
    expect(ids(await q('number=%2B14085550102'))).toEqual([published[1].callId]); // as "to"
    expect(ids(await q('number=%2B14085550101'))).toEqual([published[1].callId]); // as "from"
    expect(ids(await q('number=+14085550101'))).toEqual([published[1].callId]); // '+' decoded as a space
    expect(ids(await q('number=14155550123')).sort()).toEqual(
      [published[0].callId, published[2].callId, published[3].callId].sort(),
    );
    expect(ids(await q('since=2026-03-01T10:00:00Z&until=2026-03-01T12:00:00Z'))).toEqual([
      published[1].callId,
      published[0].callId,
    ]);
    expect(ids(await acme.api.get('/v1/me/cdrs?number=%2B14155550123'))).toEqual([
      published[0].callId,
      published[3].callId,
    ]);
    expect(ids(await acme.api.get('/v1/me/cdrs?since=2026-03-01T10:30:00Z'))).toEqual([published[1].callId]);
    for (const bad of ['number=abc', 'tenantId=acme', 'since=yesterday', 'trunkId=trk_x', 'limit=0']) {
      const res = await q(bad);
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('urn:riptrunk:problem:validation');
    }
  });

  it('pages with a cursor, and refuses a bad one with 400', async () => {
    const first = await cp.admin.get('/v1/cdrs?limit=3');
    expect(first.body.items).toHaveLength(3);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await cp.admin.get(`/v1/cdrs?limit=3&cursor=${first.body.nextCursor}`);
    expect(ids(second)).toEqual([published[3].callId]);
    expect(second.body.nextCursor).toBeNull();
    for (const cursor of ['not-a-cursor', Buffer.from('{"t":"x","id":1}').toString('base64url')]) {
      const res = await cp.admin.get(`/v1/cdrs?cursor=${cursor}`);
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('urn:riptrunk:problem:invalid-cursor');
    }
    expect((await acme.api.get('/v1/me/cdrs?cursor=nope')).status).toBe(400);
  });

  it('keeps a queued CDR while the control plane is away, and stores it when one starts', async () => {
    await cp.app.get(CdrProcessor).worker.close(); // this control plane no longer takes jobs
    const record = cdr(globex, '2026-03-02T08:00:00.000Z');
    await publisher.publish(record);
    await sleep(300); // time in which a worker would take the job: none may
    expect(await queue.getJob(record.callId)).toBeDefined();
    const stored = () => cp.app.get(DataSource).query('SELECT id FROM cdrs WHERE id = $1', [record.callId]);
    expect(await stored()).toEqual([]);

    const restarted = await createHttpApp(
      AppModule.forRoot(cp.config),
      cp.config,
      await loadTlsMaterial({ dataDir: cp.config.dataDir }),
    );
    await restarted.init();
    try {
      expect(await eventually(stored, (rows) => rows.length === 1, 5000)).toEqual([{ id: record.callId }]);
    } finally {
      await restarted.close();
    }
  });
});
