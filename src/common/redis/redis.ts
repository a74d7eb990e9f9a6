import { Redis, type RedisOptions } from 'ioredis';
import { DependencyUnavailableError, describeUrl } from '../dependency-unavailable.js';

/** ioredis options for a redis:// or rediss:// URL, for libraries that own their connections (BullMQ). */
export function redisOptions(url: string): RedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

/** Every key matching `pattern` (SCAN, so Redis is never blocked the way KEYS would). */
export async function scanKeys(redis: Redis, pattern: string, count = 500): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys;
}

/** The one place Redis connections are made: BullMQ, pub/sub and the edge's call state all use it. */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis({ ...redisOptions(url), enableReadyCheck: true, ...options });
}

export async function checkRedis(url: string): Promise<void> {
  const redis = createRedis(url, {
    lazyConnect: true,
    retryStrategy: () => null,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
  });
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => (lastError = err));
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new DependencyUnavailableError('Redis', describeUrl(url), (lastError ?? (err as Error)).message);
  } finally {
    redis.disconnect();
  }
}
