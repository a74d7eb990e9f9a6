import type { CallRecord } from '../../contracts/call-record.js';
import type { LiveCall } from './live-call.js';

/**
 * The Redis record of a call this edge runs (profile §1: a sibling edge can describe it, and take it over): its
 * identity, state and times, and the media counters so far. CallStore writes it; the CDR is made from it
 * (callDetailRecords).
 */
export function recordOf(call: LiveCall): CallRecord {
  const c = call.media.counters;
  const { c2s, s2c } = call.media.report();
  const leg = call.leg;
  const calleeReport = leg?.calleeReport();
  return {
    id: call.id,
    uri: call.uri,
    edgeId: call.edgeId,
    tenantId: call.tenantId,
    trunkId: call.trunkId,
    clientId: call.clientId,
    handler: call.handler,
    from: call.from,
    to: call.to,
    passport: call.passport,
    ...(call.verstat !== undefined ? { verstat: call.verstat } : {}),
    ...(call.sipCallId !== undefined ? { sipCallId: call.sipCallId } : {}),
    ...(call.sipStatus !== undefined ? { sipStatus: call.sipStatus } : {}),
    clientDirectives: call.directives.clientDirectives,
    serverDirectives: call.directives.serverDirectives,
    line: call.line,
    ...(call.callee ? { callee: call.callee } : {}),
    ...(call.migratingTo ? { migratingTo: call.migratingTo } : {}),
    state: call.state,
    reason: call.reason,
    createdAt: call.createdAt.toISOString(),
    answeredAt: call.answeredAt?.toISOString() ?? null,
    endedAt: call.endedAt?.toISOString() ?? null,
    framesIn: c.framesIn,
    framesOut: c.framesOut,
    bytesIn: c.bytesIn,
    bytesOut: c.bytesOut,
    framesDropped: c.malformed + c.oversized + c.wrongCodec,
    lossReceived: c2s.reduce((sum, s) => sum + Math.max(0, s.loss), 0),
    lossSent: s2c.reduce((sum, s) => sum + s.loss, 0),
    maxJitterMs: c2s.reduce((max, s) => Math.max(max, s.maxJitterMs), 0),
    clientStreams: c2s.map((s) => ({
      source: s.source,
      sink: s.sink,
      highestSeq: s.highestSeq,
      framesReceived: s.framesReceived,
    })),
    serverStreams: s2c.map((s) => ({ source: s.source, sink: s.sink, framesSent: s.framesSent })),
    ...(leg && calleeReport
      ? {
          calleeMedia: {
            framesReceived: leg.framesFromCallee,
            framesSent: leg.framesToCallee,
            bytesReceived: leg.bytesFromCallee,
            bytesSent: leg.bytesToCallee,
            ...calleeReport,
          },
        }
      : {}),
  };
}
