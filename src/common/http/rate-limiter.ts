import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';

export interface RateDecision {
  allowed: boolean;
  retryAfterSeconds: number;
}

/** Fixed-window counters in Redis, shared by every instance of the control plane. */
@Injectable()
export class RateLimiter {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  private key(bucket: string, window: number): string {
    return `${this.config.env.RIPTRUNK_REDIS_PREFIX}:rl:${bucket}:${window}`;
  }

  private retryAfter(window: number, windowSeconds: number): number {
    return Math.max(1, (window + 1) * windowSeconds - Math.floor(Date.now() / 1000));
  }

  /** Whether the bucket is still under its limit, without counting this request (for counting failures only). */
  async check(bucket: string, limit: number, windowSeconds = 60): Promise<RateDecision> {
    const window = Math.floor(Date.now() / 1000 / windowSeconds);
    const count = Number((await this.redis.get(this.key(bucket, window))) ?? 0);
    return { allowed: count < limit, retryAfterSeconds: this.retryAfter(window, windowSeconds) };
  }

  async hit(bucket: string, limit: number, windowSeconds = 60): Promise<RateDecision> {
    const window = Math.floor(Date.now() / 1000 / windowSeconds);
    const key = this.key(bucket, window);
    const [[, count]] = (await this.redis
      .multi()
      .incr(key)
      .expire(key, windowSeconds * 2)
      .exec()) as [[null, number]];
    return { allowed: count <= limit, retryAfterSeconds: this.retryAfter(window, windowSeconds) };
  }
}
