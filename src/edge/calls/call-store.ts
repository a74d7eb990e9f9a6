import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../common/config/app-config.js';
import { REDIS } from '../../common/redis/redis.module.js';
import type { CallRecord } from './live-call.js';

/** A live call's record outlives a dead edge by this much (the owner refreshes it well before). */
export const LIVE_RECORD_TTL_S = 120;
/** An ended call's record stays this long, so that every edge answers 404 "ended" rather than "unknown". */
export const ENDED_RECORD_TTL_S = 600;

/** Live call state in Redis (profile §1: a sibling edge can describe, and later take over, a call). */
@Injectable()
export class CallStore {
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    config: AppConfig,
  ) {
    this.prefix = config.env.RIPTRUNK_REDIS_PREFIX;
  }

  key(callId: string): string {
    return `${this.prefix}:calls:${callId}`;
  }

  async save(record: CallRecord): Promise<void> {
    const ttl = record.endedAt ? ENDED_RECORD_TTL_S : LIVE_RECORD_TTL_S;
    await this.redis.set(this.key(record.id), JSON.stringify(record), 'EX', ttl);
  }

  /** Writes many records in one round trip (the periodic refresh of counters and TTLs). */
  async saveAll(records: readonly CallRecord[]): Promise<void> {
    if (records.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const r of records) {
      pipeline.set(this.key(r.id), JSON.stringify(r), 'EX', r.endedAt ? ENDED_RECORD_TTL_S : LIVE_RECORD_TTL_S);
    }
    await pipeline.exec();
  }

  async get(callId: string): Promise<CallRecord | null> {
    const json = await this.redis.get(this.key(callId));
    return json ? (JSON.parse(json) as CallRecord) : null;
  }
}
