import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../common/config/app-config.js';
import { REDIS } from '../../common/redis/redis.module.js';
import { QUEUES } from '../../contracts/queues.js';
import { CallLimits } from '../../contracts/call-limits.js';
import { callDetailRecords, type CallRecord } from '../../contracts/call-record.js';
import { CallRecordStore } from '../../contracts/call-record-store.js';
import { EdgeFleetStore } from '../../contracts/edge-registry.js';
import { CdrsRepository } from '../cdrs/cdrs.repository.js';

export const REAP_DEAD_EDGES = 'reap-dead-edges';
export const EDGE_FAILURE_REASON = 'edge-failure';

/**
 * Ends the calls of an edge that died (its heartbeat entry expired, profile §8): each live call's record is marked
 * ended with reason `edge-failure`, its concurrency slot is freed and its CDRs are stored with the counters the edge
 * last wrote. Claiming a call is an SREM from the edge's set, so two control planes never end one call twice.
 */
@Processor(QUEUES.edgeReaper)
export class EdgeReaperProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(EdgeReaperProcessor.name);
  private readonly limits: CallLimits;

  constructor(
    @InjectQueue(QUEUES.edgeReaper) private readonly queue: Queue,
    @Inject(REDIS) redis: Redis,
    private readonly cdrs: CdrsRepository,
    private readonly config: AppConfig,
    private readonly calls: CallRecordStore,
    private readonly fleet: EdgeFleetStore,
  ) {
    super();
    this.limits = new CallLimits(redis, config.env.RIPTRUNK_REDIS_PREFIX);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      REAP_DEAD_EDGES,
      { every: this.config.env.RIPTRUNK_EDGE_REAP_MS },
      { name: REAP_DEAD_EDGES, opts: { removeOnComplete: 10, removeOnFail: 100 } },
    );
  }

  async process(): Promise<{ calls: number }> {
    return { calls: await this.reap() };
  }

  /** Ends the calls of every dead edge; returns how many it ended. */
  async reap(): Promise<number> {
    let ended = 0;
    for (const edgeId of await this.calls.edgesWithCalls()) {
      if (await this.fleet.isAlive(edgeId)) continue;
      for (const callId of await this.calls.callsOfEdge(edgeId)) {
        if (!(await this.calls.claim(edgeId, callId))) continue; // another control plane took it
        if (await this.endCall(callId, edgeId)) ended++;
      }
    }
    if (ended > 0) this.logger.warn(`ended ${ended} calls of dead edges`);
    return ended;
  }

  private async endCall(callId: string, edgeId: string): Promise<boolean> {
    const record = await this.calls.get(callId);
    if (!record || record.endedAt || record.edgeId !== edgeId) return false;
    const ended: CallRecord = {
      ...record,
      state: 'failed',
      reason: EDGE_FAILURE_REASON,
      endedAt: new Date().toISOString(),
    };
    await this.calls.save(ended);
    await this.limits.release(record.trunkId, callId);
    for (const cdr of callDetailRecords(ended, edgeId)) await this.cdrs.insertOnce(cdr);
    return true;
  }
}
