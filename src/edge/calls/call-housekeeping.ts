import type { Logger } from '@nestjs/common';
import type { CallRecord } from '../../contracts/call-record.js';
import type { CallLimits } from '../../contracts/call-limits.js';
import type { CallMediaMetrics } from './call-media-metrics.js';
import type { CallRegistry } from './call-registry.js';
import type { CallStore } from './call-store.js';
import { recordOf } from './live-call-record.js';

/** Calls whose records are written in one go. */
const HOUSEKEEPING_BATCH = 50;
/** Counters and leases are written to Redis this often. */
const HOUSEKEEPING_MS = 10_000;

/** Refreshes the call records (counters, TTL) and the concurrency leases of the live calls, every 10 s. */
export class CallHousekeeping {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly registry: CallRegistry,
    private readonly callStore: CallStore,
    private readonly limits: CallLimits,
    private readonly mediaMetrics: CallMediaMetrics,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.run(), HOUSEKEEPING_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async run(): Promise<void> {
    const byTrunk = new Map<string, string[]>();
    let records: CallRecord[] = [];
    try {
      for (const call of this.registry.all()) {
        if (call.ended || call.migratingTo) continue;
        this.mediaMetrics.flush(call);
        records.push(recordOf(call));
        const ids = byTrunk.get(call.trunkId) ?? [];
        ids.push(call.id);
        byTrunk.set(call.trunkId, ids);
        if (records.length === HOUSEKEEPING_BATCH) {
          // in slices, so that thousands of calls do not hold up the media of all of them at once
          await this.callStore.saveAll(records);
          records = [];
          await new Promise((r) => setImmediate(r));
        }
      }
      await this.callStore.saveAll(records);
      for (const [trunkId, ids] of byTrunk) await this.limits.renew(trunkId, ids);
    } catch (err) {
      this.logger.warn(`refreshing call state failed: ${(err as Error).message}`);
    }
  }
}
