import type { CallRecord } from '../../contracts/call-record.js';
import type { CallMetrics } from './call-metrics.js';
import { LiveCall, type LiveCallInit } from './live-call.js';

/** What a new call of this edge is made of, besides what the factory adds (URI, edge, relay histogram). */
export type NewCall = Omit<LiveCallInit, 'uri' | 'edgeId' | 'relayLatency'>;

/** Makes this edge's LiveCalls: new ones, and ones taken over from a sibling (restored from their record). */
export class LiveCallFactory {
  constructor(
    private readonly callBase: string,
    private readonly edgeId: string,
    private readonly metrics: CallMetrics,
  ) {}

  create(init: NewCall): LiveCall {
    return new LiveCall({
      ...init,
      uri: `${this.callBase}/ript/v1/calls/${init.id}`,
      edgeId: this.edgeId,
      relayLatency: this.metrics.relaySeconds.labels({ trunk: init.trunkId }),
    });
  }

  restore(r: CallRecord, directives: LiveCallInit['directives']): LiveCall {
    return this.create({
      id: r.id,
      tenantId: r.tenantId,
      trunkId: r.trunkId,
      clientId: r.clientId,
      handler: r.handler,
      from: r.from,
      to: r.to,
      passport: r.passport,
      ...(r.verstat !== undefined ? { verstat: r.verstat } : {}),
      ...(r.sipCallId !== undefined ? { sipCallId: r.sipCallId } : {}),
      directives,
      line: r.line,
      restored: r,
    });
  }
}
