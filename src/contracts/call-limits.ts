import type { Redis } from 'ioredis';

/**
 * A trunk's concurrency and calls-per-second limits, shared by every edge through Redis (profile §6, 429).
 *
 * Per trunk, two sorted sets in one hash slot:
 * - `calls`: one member per live call, scored with the end of its lease (ms). The owning edge renews the leases
 *   of its calls; a crashed edge's calls stop counting when their leases run out. Releasing removes the member.
 * - `cps`: one member per admitted call, scored with its admission time; a sliding one-second window.
 * Both checks and both insertions happen in one Lua script, on Redis' clock (TIME), so edges with skewed clocks
 * agree and two edges can never both take the last slot.
 */

const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local callId = ARGV[1]
local maxConcurrent = tonumber(ARGV[2])
local maxCps = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
if redis.call('ZSCORE', KEYS[1], callId) then
  return {1, redis.call('ZCARD', KEYS[1]), 0}
end
local active = redis.call('ZCARD', KEYS[1])
if active >= maxConcurrent then
  return {0, 1, 0}
end
local recent = redis.call('ZCARD', KEYS[2])
if recent >= maxCps then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {0, 2, tonumber(oldest[2]) + window - now}
end
redis.call('ZADD', KEYS[1], now + lease, callId)
redis.call('ZADD', KEYS[2], now, callId)
redis.call('PEXPIRE', KEYS[1], lease)
redis.call('PEXPIRE', KEYS[2], window * 2)
return {1, active + 1, 0}`;

const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', now + lease, ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], lease)
return renewed`;

export type LimitDecision =
  | { ok: true; active: number }
  | { ok: false; limit: 'concurrency'; retryAfterMs: null }
  | { ok: false; limit: 'cps'; retryAfterMs: number };

export interface TrunkLimits {
  maxConcurrentCalls: number;
  maxCallsPerSecond: number;
}

export const DEFAULT_LEASE_MS = 60_000;
const CPS_WINDOW_MS = 1000;

type ScriptRedis = Redis & {
  riptAcquire(k1: string, k2: string, ...args: (string | number)[]): Promise<[number, number, number]>;
  riptRenew(k1: string, ...args: (string | number)[]): Promise<number>;
};

export class CallLimits {
  private readonly redis: ScriptRedis;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    readonly leaseMs = DEFAULT_LEASE_MS,
  ) {
    this.redis = redis as ScriptRedis;
    // defineCommand is per connection object and idempotent in effect; EVALSHA with a fallback to EVAL.
    if (typeof this.redis.riptAcquire !== 'function') {
      redis.defineCommand('riptAcquire', { numberOfKeys: 2, lua: ACQUIRE });
      redis.defineCommand('riptRenew', { numberOfKeys: 1, lua: RENEW });
    }
  }

  concurrencyKey(trunkId: string): string {
    return `${this.prefix}:limits:{${trunkId}}:calls`;
  }

  cpsKey(trunkId: string): string {
    return `${this.prefix}:limits:{${trunkId}}:cps`;
  }

  /** Takes a slot for the call if both limits allow it (idempotent for the same call id). */
  async acquire(trunkId: string, callId: string, limits: TrunkLimits): Promise<LimitDecision> {
    const [ok, value, retryAfterMs] = await this.redis.riptAcquire(
      this.concurrencyKey(trunkId),
      this.cpsKey(trunkId),
      callId,
      limits.maxConcurrentCalls,
      limits.maxCallsPerSecond,
      this.leaseMs,
      CPS_WINDOW_MS,
    );
    if (ok === 1) return { ok: true, active: value };
    if (value === 1) return { ok: false, limit: 'concurrency', retryAfterMs: null };
    return { ok: false, limit: 'cps', retryAfterMs: Math.max(1, retryAfterMs) };
  }

  /** Frees the call's concurrency slot (its CPS admission stays in the window). */
  async release(trunkId: string, callId: string): Promise<void> {
    await this.redis.zrem(this.concurrencyKey(trunkId), callId);
  }

  /** Extends the leases of live calls of one trunk; returns how many were still held. */
  async renew(trunkId: string, callIds: readonly string[]): Promise<number> {
    if (callIds.length === 0) return 0;
    return this.redis.riptRenew(this.concurrencyKey(trunkId), this.leaseMs, ...callIds);
  }

  /** Live calls counted for the trunk across all edges (expired leases excluded). */
  async active(trunkId: string): Promise<number> {
    const now = Date.now();
    return this.redis.zcount(this.concurrencyKey(trunkId), `(${now}`, '+inf');
  }
}
