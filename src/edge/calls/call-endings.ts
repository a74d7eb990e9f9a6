import type { Logger } from '@nestjs/common';
import { callDetailRecords, type CallOutcome } from '../../contracts/call-record.js';
import type { CallLimits } from '../../contracts/call-limits.js';
import type { CdrPublisher } from '../cdrs/cdr-publisher.js';
import type { CallMediaMetrics } from './call-media-metrics.js';
import type { CallRegistry } from './call-registry.js';
import type { CallStore } from './call-store.js';
import type { LiveCall } from './live-call.js';
import { recordOf } from './live-call-record.js';

export interface CallEndingsDeps {
  registry: CallRegistry;
  limits: CallLimits;
  callStore: CallStore;
  cdrs: CdrPublisher;
  mediaMetrics: CallMediaMetrics;
  edgeId: string;
  logger: Logger;
}

/** How calls end on this edge: events and streams, then limits, the record and the CDR. */
export class CallEndings {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly d: CallEndingsDeps) {}

  /** Ends a call (idempotent): events, streams, then limits, record and CDR (the promise, which never rejects). */
  end(call: LiveCall, outcome: CallOutcome, byClient = false): Promise<void> {
    if (!call.finish(outcome, byClient)) return Promise.resolve();
    call.leg?.hangup(call.reason ?? 'normal');
    this.d.registry.untrack(call);
    this.d.mediaMetrics.flush(call);
    if (call.delivered) this.d.registry.forget(call.id);
    const done = this.afterEnd(call);
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
    return done;
  }

  /** Forgets a call refused after it was counted: no events, record or CDR (the caller gets the error). */
  abandon(call: LiveCall): void {
    if (call.finish({ kind: 'failed', reason: 'refused' }, true)) this.d.registry.untrack(call);
    this.d.registry.forget(call.id);
    void this.d.limits.release(call.trunkId, call.id).catch(() => undefined);
  }

  /** Waits for the endings under way (their records and CDRs). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async afterEnd(call: LiveCall): Promise<void> {
    const record = recordOf(call);
    const results = await Promise.allSettled([
      this.d.limits.release(call.trunkId, call.id),
      this.d.callStore.save(record),
      ...callDetailRecords(record, this.d.edgeId).map((cdr) => this.d.cdrs.publish(cdr)),
    ]);
    for (const r of results) {
      if (r.status === 'rejected') this.d.logger.error(`ending call ${call.id}: ${(r.reason as Error).message}`);
    }
  }
}
