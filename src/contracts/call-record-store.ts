import type { Redis } from 'ioredis';
import {
  callRecordKey,
  EDGE_CALLS_TTL_S,
  edgeCallsKey,
  ENDED_RECORD_TTL_S,
  LIVE_RECORD_TTL_S,
  type CallRecord,
} from './call-record.js';
import { CALL_ID } from './cdr.js';
import { scanKeys } from '../common/redis/redis.js';

/**
 * The one place that reads and writes call records in Redis: the edges that own and take over calls, and the
 * control plane that lists, ends and reaps them. Framework-free so that both processes construct it.
 */
export class CallRecordStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

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

  /** The record of a call, or null for an unknown (or malformed) call id. */
  async get(callId: string): Promise<CallRecord | null> {
    if (!CALL_ID.test(callId)) return null;
    const json = await this.redis.get(this.key(callId));
    return json ? (JSON.parse(json) as CallRecord) : null;
  }

  /** Every record Redis holds (live and recently ended), read in batches. */
  async list(): Promise<CallRecord[]> {
    const keys = await scanKeys(this.redis, this.key('*'));
    const records: CallRecord[] = [];
    for (let i = 0; i < keys.length; i += 500) {
      for (const v of await this.redis.mget(keys.slice(i, i + 500))) if (v) records.push(JSON.parse(v) as CallRecord);
    }
    return records;
  }

  /** The ids of the edges that have a set of live calls, dead or alive. */
  async edgesWithCalls(): Promise<string[]> {
    const empty = edgeCallsKey(this.prefix, '');
    return (await scanKeys(this.redis, edgeCallsKey(this.prefix, '*'), 200)).map((key) => key.slice(empty.length));
  }

  async callsOfEdge(edgeId: string): Promise<string[]> {
    return this.redis.smembers(edgeCallsKey(this.prefix, edgeId));
  }

  /** Takes a call out of an edge's set; false when another control plane claimed it first. */
  async claim(edgeId: string, callId: string): Promise<boolean> {
    return (await this.redis.srem(edgeCallsKey(this.prefix, edgeId), callId)) === 1;
  }
}
