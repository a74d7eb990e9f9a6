import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../common/config/app-config.js';
import { REDIS } from '../../common/redis/redis.module.js';
import type { CallRecord } from './live-call.js';

/** A live call's record outlives a dead edge by this much (the owner refreshes it well before). */
export const LIVE_RECORD_TTL_S = 120;
/** An ended call's record stays this long, so that every edge answers 404 "ended" rather than "unknown". */
export const ENDED_RECORD_TTL_S = 600;

/** The set of an edge's live call ids outlives the edge by this much (the reaper runs every few seconds). */
export const EDGE_CALLS_TTL_S = 3600;

export function callRecordKey(prefix: string, callId: string): string {
  return `${prefix}:calls:${callId}`;
}

export function edgeCallsKey(prefix: string, edgeId: string): string {
  return `${prefix}:edge-calls:${edgeId}`;
}

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
    return callRecordKey(this.prefix, callId);
  }

  async save(record: CallRecord): Promise<void> {
    await this.saveAll([record]);
  }

  /**
   * Writes records in one round trip (also the periodic refresh of counters and TTLs), and keeps each edge's set of
   * live call ids, which the control plane reads to end the calls of an edge that died.
   */
  async saveAll(records: readonly CallRecord[]): Promise<void> {
    if (records.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const r of records) {
      pipeline.set(this.key(r.id), JSON.stringify(r), 'EX', r.endedAt ? ENDED_RECORD_TTL_S : LIVE_RECORD_TTL_S);
      const edgeCalls = edgeCallsKey(this.prefix, r.edgeId);
      if (r.endedAt) pipeline.srem(edgeCalls, r.id);
      else pipeline.sadd(edgeCalls, r.id).expire(edgeCalls, EDGE_CALLS_TTL_S);
    }
    await pipeline.exec();
  }

  /** Removes a call from an edge's set of live calls (it moved to another edge). */
  async forget(edgeId: string, callId: string): Promise<void> {
    await this.redis.srem(edgeCallsKey(this.prefix, edgeId), callId);
  }

  async get(callId: string): Promise<CallRecord | null> {
    const json = await this.redis.get(this.key(callId));
    return json ? (JSON.parse(json) as CallRecord) : null;
  }
}
