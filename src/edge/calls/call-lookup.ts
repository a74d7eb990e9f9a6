import type { Principal } from '../../common/auth/principal.js';
import type { ProblemException } from '../../common/http/problem.js';
import { describeRecord, type CallDescription, type CallRecord } from '../../contracts/call-record.js';
import { CALL_ID } from '../../contracts/cdr.js';
import { edgeProblem } from '../edge-problem.js';
import type { CallMigration } from './call-migration.js';
import type { CallRegistry } from './call-registry.js';
import type { CallStore } from './call-store.js';
import type { LiveCall } from './live-call.js';

/** A call found for a request: owned by this edge (live or ended, not yet gone), or only in Redis. */
export type FoundCall = { live: LiveCall; record?: undefined } | { live?: undefined; record: CallRecord };

export function callNotFound(callId: string): ProblemException {
  return edgeProblem('call-not-found', `No call ${callId}`);
}

/** Finds the caller's calls: here, or (read-only) in Redis; a call handed to this edge is adopted on first use. */
export class CallLookup {
  constructor(
    private readonly registry: CallRegistry,
    private readonly callStore: CallStore,
    private readonly migration: CallMigration,
    private readonly edgeId: string,
  ) {}

  /** The caller's call, here or (read-only) in Redis; 404 for unknown, another tenant's, or ended and gone. */
  async find(callId: string, principal: Principal): Promise<FoundCall> {
    const live = CALL_ID.test(callId) ? this.registry.get(callId) : undefined;
    if (live) {
      if (live.tenantId !== principal.tenantId) throw callNotFound(callId);
      return { live };
    }
    const record = CALL_ID.test(callId) ? await this.callStore.get(callId) : null;
    if (!record || record.tenantId !== principal.tenantId) throw callNotFound(callId);
    if (record.endedAt) throw edgeProblem('call-ended', `Call ${callId} has ended (${record.reason})`);
    if (record.migratingTo === this.edgeId) return { live: await this.migration.adopt(record) };
    return { record };
  }

  /** A call this edge runs and that has not ended (for PUT events, media streams). */
  async findActive(callId: string, principal: Principal): Promise<LiveCall> {
    const found = await this.find(callId, principal);
    if (found.live) {
      if (found.live.ended) {
        throw edgeProblem('call-ended', `Call ${callId} has ended (${found.live.reason})`);
      }
      return found.live;
    }
    if (found.record.edgeId !== this.edgeId) {
      throw edgeProblem('call-on-another-edge', `Call ${callId} is served by edge ${found.record.edgeId}`, {
        edge: found.record.edgeId,
      });
    }
    throw callNotFound(callId);
  }
}

/** `GET <call>`: the description with its state (and reason, once ended). */
export function describeFound(found: FoundCall): CallDescription {
  if (found.record) return describeRecord(found.record);
  const call = found.live;
  return { ...call.describe(), state: call.state, ...(call.reason ? { reason: call.reason } : {}) };
}
