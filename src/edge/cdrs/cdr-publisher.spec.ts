import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../../common/config/app-config.js';
import { loadEnv } from '../../common/config/env.js';
import { QUEUES } from '../../contracts/queues.js';
import type { EdgeRegistry } from '../config/edge-registry.js';
import { CdrPublisher } from './cdr-publisher.js';
import { CdrValidationError, type CallDetailRecord } from '../../contracts/cdr.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A TCP relay to Redis that can be cut and restored on the same port, as a Redis restart looks to a client. */
class RedisRelay {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(): Promise<void> {
    const target = new URL(REDIS_URL);
    this.server = createServer((client) => {
      const upstream = createConnection(Number(target.port || 6379), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
}

async function eventually<T>(fn: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function cdr(overrides: Partial<CallDetailRecord> = {}): CallDetailRecord {
  return {
    callId: randomUUID(),
    edgeId: 'edge-test',
    tenantId: 'ten_00000000000000000000',
    trunkId: 'trk_00000000000000000000',
    direction: 'outbound',
    from: '+14085550100',
    to: '+14155550123',
    startedAt: '2026-01-01T10:00:00.000Z',
    answeredAt: '2026-01-01T10:00:02.000Z',
    endedAt: '2026-01-01T10:01:02.000Z',
    reason: 'normal',
    framesReceived: 3000,
    framesSent: 2990,
    bytesReceived: 480000,
    bytesSent: 478400,
    lossReceived: 2,
    lossSent: 10,
    maxJitterMs: 3.5,
    sipCallId: null,
    sipStatus: null,
    ...overrides,
  };
}

describe('CdrPublisher', () => {
  const prefix = `test_${randomBytes(4).toString('hex')}`;
  let dataDir: string;
  let relay: RedisRelay;
  let queue: Queue;
  const publishers: CdrPublisher[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    queue = new Queue(QUEUES.cdrs, { connection: { url: REDIS_URL, maxRetriesPerRequest: null }, prefix });
  });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'riptrunk-cdr-'));
    relay = new RedisRelay();
    await relay.start();
  });
  afterEach(async () => {
    await Promise.all(publishers.splice(0).map((p) => p.onApplicationShutdown()));
    await relay.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function publisher(redisUrl = relay.url): CdrPublisher {
    const config = new AppConfig(
      loadEnv({ NODE_ENV: 'test', REDIS_URL: redisUrl, RIPTRUNK_DATA_DIR: dataDir, RIPTRUNK_REDIS_PREFIX: prefix }),
    );
    const p = new CdrPublisher(config, { id: 'edge-test' } as EdgeRegistry);
    p.publishTimeoutMs = 300;
    p.onModuleInit();
    publishers.push(p);
    return p;
  }

  const jobs = (ids: string[]) => Promise.all(ids.map((id) => queue.getJob(id)));
  const allQueued = (ids: string[]) =>
    eventually(
      () => jobs(ids),
      (found) => found.every(Boolean),
    );
  const lines = (path: string) =>
    existsSync(path)
      ? readFileSync(path, 'utf8')
          .split('\n')
          .filter((l) => l.trim())
      : [];

  it('queues a CDR once, with the call id as job id, retries and removeOnComplete', async () => {
    const p = publisher();
    const record = cdr();
    await p.publish(record);
    await p.publish(record);
    const job = await queue.getJob(record.callId);
    expect(job?.name).toBe('cdr');
    expect(job?.data).toEqual(record);
    expect(job?.opts).toMatchObject({ attempts: 2000, backoff: { type: 'cdr' }, removeOnComplete: true });
    const waiting = await queue.getWaiting();
    expect(waiting.filter((j) => j.id === record.callId)).toHaveLength(1);
    expect(existsSync(p.spoolPath)).toBe(false);
  });

  it('refuses an invalid CDR', async () => {
    const p = publisher();
    await expect(p.publish(cdr({ from: '4085550100', framesSent: -1 }))).rejects.toThrow(CdrValidationError);
    await expect(p.publish(cdr({ endedAt: '2025-01-01T00:00:00Z' }))).rejects.toThrow(/endedAt is before startedAt/);
    await expect(p.publish({ ...cdr(), callId: 'a:b' })).rejects.toThrow(/callId/);
    await expect(p.publish(cdr({ sipStatus: 99 }))).rejects.toThrow(/sipStatus/);
    await expect(p.publish(cdr({ sipCallId: 'two words' }))).rejects.toThrow(/sipCallId/);
    await expect(p.publish(cdr({ sipCallId: 'x'.repeat(257) }))).rejects.toThrow(/sipCallId/);
  });

  it('spools while Redis is down and queues everything once it is back', async () => {
    const p = publisher();
    await p.publish(cdr()); // connected
    await relay.stop();
    const records = [cdr(), cdr(), cdr()];
    const started = Date.now();
    for (const r of records) await p.publish(r);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(p.pending).toBe(3);
    expect(lines(p.spoolPath).map((l) => JSON.parse(l).callId)).toEqual(records.map((r) => r.callId));
    expect(await jobs(records.map((r) => r.callId))).toEqual([undefined, undefined, undefined]);

    await relay.start(); // same port
    const queued = await allQueued(records.map((r) => r.callId));
    expect(queued.map((j) => j?.data)).toEqual(records);
    await eventually(
      async () => p.pending,
      (n) => n === 0,
    );
    expect(
      await eventually(
        async () => existsSync(p.spoolPath),
        (exists) => !exists,
      ),
    ).toBe(false);
  });

  it('replays the spool file when it starts again, skipping a line cut short by a crash', async () => {
    const down = publisher('redis://127.0.0.1:1'); // nothing listens there
    const records = [cdr(), cdr()];
    for (const r of records) await down.publish(r);
    await down.onApplicationShutdown();
    expect(lines(down.spoolPath)).toHaveLength(2);
    appendFileSync(down.spoolPath, '{"callId":"cut-sh'); // the edge died while appending
    const late = publisher('redis://127.0.0.1:1');
    const third = cdr();
    await late.publish(third); // starts on a line of its own
    await late.onApplicationShutdown();
    expect(lines(down.spoolPath)).toHaveLength(4);

    const restarted = publisher();
    const ids = [...records, third].map((r) => r.callId);
    expect((await allQueued(ids)).every(Boolean)).toBe(true);
    await eventually(
      async () => existsSync(restarted.spoolPath) || existsSync(`${restarted.spoolPath}.replay`),
      (exists) => !exists,
    );
    expect(existsSync(restarted.spoolPath)).toBe(false);
    expect(existsSync(`${restarted.spoolPath}.replay`)).toBe(false);
  });

  it('keeps at most maxBuffered CDRs in memory and replays the rest from the spool file', async () => {
    const p = publisher();
    p.maxBuffered = 2;
    await relay.stop();
    const records = Array.from({ length: 5 }, () => cdr());
    for (const r of records) await p.publish(r);
    expect(p.pending).toBe(2);
    expect(lines(p.spoolPath)).toHaveLength(5);
    await relay.start();
    expect((await allQueued(records.map((r) => r.callId))).every(Boolean)).toBe(true);
    await eventually(
      async () => existsSync(p.spoolPath) || existsSync(`${p.spoolPath}.replay`),
      (exists) => !exists,
    );
    expect(p.pending).toBe(0);
  });
});
