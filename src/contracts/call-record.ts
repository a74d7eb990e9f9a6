import type { Verstat } from '@riptrunk/ript';
import type { CallDetailRecord } from './cdr.js';

/**
 * A call as Redis keeps it, so that any edge can describe it and take it over, and the control plane can list it,
 * end it, and write its CDRs when its edge died (profile §1, §8).
 */

/** The provider's test lines (profile §6). */
export type TestLine = 'echo' | 'tone' | 'declined';

/** Where a call goes: a provider test line, or on-net to another tenant's consumer TG. */
export type CallRoute = TestLine | 'onnet';

export type CallState = 'proceeding' | 'alerting' | 'answered' | 'declined' | 'failed' | 'noanswer' | 'ended';

/** How a call ends: with `end` only, or with a final progress event (`declined`, `failed`, `noanswer`) first. */
export type CallOutcome =
  { kind: 'end'; reason: string } | { kind: 'failed'; reason: string } | { kind: 'declined' } | { kind: 'noanswer' };

/** The body of `POST <tg>/calls` and `GET <call>` (profile §6), plus `state` and `reason` for GET. */
export interface CallDescription {
  uri: string;
  handler: string;
  direction: 'outbound';
  from: string;
  to: string;
  clientDirectives: string;
  serverDirectives: string;
  /** Absent for a call from an interconnect trunk that came without one (the edge signs no PSTN caller). */
  passport?: string;
  state?: CallState;
  reason?: string;
}

/** What Redis keeps about a call, so that any edge can describe it (and, later, take it over). */
export interface CallRecord {
  id: string;
  uri: string;
  edgeId: string;
  tenantId: string;
  trunkId: string;
  clientId: string | null;
  handler: string;
  from: string;
  to: string;
  /** Null: a call from an interconnect trunk without a PASSporT (the edge signs none for it). */
  passport: string | null;
  /** A call from an interconnect trunk: the `verstat` its gateway sent, passed on to the callee. */
  verstat?: Verstat;
  /** The call request's `sip-call-id` (a gateway's call), for the CDR. */
  sipCallId?: string;
  /** The `sip-status` of the callee side's final event, for the CDR. */
  sipStatus?: number;
  clientDirectives: string;
  serverDirectives: string;
  line: CallRoute;
  /** On-net calls: the callee's call at its consumer TG, and that TG. */
  callee?: { uri: string; consumerTgId: string; tenantId: string; trunkId: string };
  /** Set while the owning edge drains: the sibling edge that takes the call over when the client comes. */
  migratingTo?: string;
  state: CallState;
  reason: string | null;
  createdAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  framesDropped: number;
  /** Loss measured on received streams and reported by the client's acks on sent ones; max jitter received. */
  lossReceived: number;
  lossSent: number;
  maxJitterMs: number;
  /** Receive state of the client's streams, so that an edge taking the call over counts on. */
  clientStreams?: { source: number; sink: number; highestSeq: number; framesReceived: number }[];
  serverStreams?: { source: number; sink: number; framesSent: number }[];
  /** On-net calls: the callee leg's counters, from the edge's side of that leg. */
  calleeMedia?: LegCounters;
}

export interface LegCounters {
  framesReceived: number;
  framesSent: number;
  bytesReceived: number;
  bytesSent: number;
  lossReceived: number;
  lossSent: number;
  maxJitterMs: number;
}

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

function cdrReason(reason: string | null): string {
  const clean = (reason ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
  return clean.trim() ? clean : 'unspecified';
}

/**
 * The CDRs of an ended call (profile §8): the caller's, and for an on-net call the callee tenant's (its inbound leg,
 * id `<call id>-in`). Built from the record so that the control plane can write them for a call whose edge died.
 */
export function callDetailRecords(r: CallRecord, edgeId: string): CallDetailRecord[] {
  const common = {
    edgeId,
    from: r.from,
    to: r.to,
    startedAt: r.createdAt,
    answeredAt: r.answeredAt,
    endedAt: r.endedAt ?? new Date().toISOString(),
    reason: cdrReason(r.reason),
    sipCallId: r.sipCallId ?? null,
    sipStatus: r.sipStatus ?? null,
  };
  const cdrs: CallDetailRecord[] = [
    {
      ...common,
      callId: r.id,
      tenantId: r.tenantId,
      trunkId: r.trunkId,
      direction: 'outbound',
      framesReceived: r.framesIn,
      framesSent: r.framesOut,
      bytesReceived: r.bytesIn,
      bytesSent: r.bytesOut,
      lossReceived: r.lossReceived ?? 0,
      lossSent: r.lossSent ?? 0,
      maxJitterMs: r.maxJitterMs ?? 0,
    },
  ];
  if (r.callee && r.calleeMedia) {
    cdrs.push({
      ...common,
      callId: `${r.id}-in`,
      tenantId: r.callee.tenantId,
      trunkId: r.callee.trunkId,
      direction: 'inbound',
      ...r.calleeMedia,
    });
  }
  return cdrs;
}

/** GET <call> from a stored record (on any edge). */
export function describeRecord(r: CallRecord): CallDescription {
  return {
    uri: r.uri,
    handler: r.handler,
    direction: 'outbound',
    from: r.from,
    to: r.to,
    clientDirectives: r.clientDirectives,
    serverDirectives: r.serverDirectives,
    ...(r.passport !== null ? { passport: r.passport } : {}),
    state: r.state,
    ...(r.reason ? { reason: r.reason } : {}),
  };
}
