import { eventually } from '../../test/helpers/wait.js';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { CallLimits } from './call-limits.js';

// Runs against the Redis of the test environment (REDIS_URL), under a prefix of its own.
describe('CallLimits (Redis Lua)', () => {
  let redis: Redis;
  let prefix: string;
  let limits: CallLimits;

  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  });
  beforeEach(() => {
    prefix = `test_limits_${randomBytes(4).toString('hex')}`;
    limits = new CallLimits(redis, prefix, 60_000);
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('admits calls up to max-concurrent-calls, then refuses until one is released', async () => {
    const l = { maxConcurrentCalls: 2, maxCallsPerSecond: 100 };
    expect(await limits.acquire('trk_a', 'c1', l)).toEqual({ ok: true, active: 1 });
    expect(await limits.acquire('trk_a', 'c2', l)).toEqual({ ok: true, active: 2 });
    expect(await limits.acquire('trk_a', 'c3', l)).toEqual({ ok: false, limit: 'concurrency', retryAfterMs: null });
    expect(await limits.active('trk_a')).toBe(2);
    await limits.release('trk_a', 'c1');
    expect(await limits.acquire('trk_a', 'c3', l)).toMatchObject({ ok: true, active: 2 });
    // other trunks are counted apart
    expect(await limits.acquire('trk_b', 'c9', l)).toMatchObject({ ok: true, active: 1 });
  });

  it('is idempotent for the same call id', async () => {
    const l = { maxConcurrentCalls: 1, maxCallsPerSecond: 100 };
    expect(await limits.acquire('trk_a', 'c1', l)).toMatchObject({ ok: true });
    expect(await limits.acquire('trk_a', 'c1', l)).toMatchObject({ ok: true, active: 1 });
  });

  it('admits max-calls-per-second in a sliding second, with the wait until the oldest leaves it', async () => {
    const l = { maxConcurrentCalls: 100, maxCallsPerSecond: 2 };
    expect(await limits.acquire('trk_a', 'c1', l)).toMatchObject({ ok: true });
    expect(await limits.acquire('trk_a', 'c2', l)).toMatchObject({ ok: true });
    const refused = await limits.acquire('trk_a', 'c3', l);
    expect(refused).toMatchObject({ ok: false, limit: 'cps' });
    const wait = (refused as { retryAfterMs: number }).retryAfterMs;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(1000);
    // releasing frees concurrency, not the admissions of the last second
    await limits.release('trk_a', 'c1');
    expect(await limits.acquire('trk_a', 'c3', l)).toMatchObject({ ok: false, limit: 'cps' });
    await new Promise((r) => setTimeout(r, wait + 20));
    expect(await limits.acquire('trk_a', 'c3', l)).toMatchObject({ ok: true });
  });

  it('lets the slots of calls whose lease ran out go, and renews live leases', async () => {
    // Leases long enough that a loaded machine's late timers do not flip the outcome: a renewal at 1.2 s of a 2 s
    // lease keeps the slot past 2 s; after that it goes once the renewed lease runs out.
    const short = new CallLimits(redis, prefix, 2000);
    const l = { maxConcurrentCalls: 1, maxCallsPerSecond: 100 };
    expect(await short.acquire('trk_a', 'c1', l)).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 1200));
    expect(await short.renew('trk_a', ['c1', 'gone'])).toBe(1);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await short.acquire('trk_a', 'c2', l)).toMatchObject({ ok: false, limit: 'concurrency' });
    const freed = await eventually(
      () => short.acquire('trk_a', 'c2', l),
      (r) => r.ok,
      5000,
      100,
    );
    expect(freed).toMatchObject({ ok: true, active: 1 });
  }, 15_000);

  it('never admits more than the limit under concurrent attempts', async () => {
    const l = { maxConcurrentCalls: 5, maxCallsPerSecond: 1000 };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => new CallLimits(redis, prefix).acquire('trk_a', `c${i}`, l)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(5);
  });
});
