import { E164_PATTERN, MAX_SIP_CALL_ID_LENGTH } from '@riptrunk/ript';

/**
 * A call detail record (profile §8): one per ended call, sent by the edge that handled the call to the control plane
 * (BullMQ queue `cdrs`), stored there once (its id is the call's id) and listed at `GET /v1/cdrs`.
 *
 * Media counters are from the edge's point of view on the call's leg with the enterprise: `received` is what the
 * enterprise sent to the edge, `sent` what the edge sent to the enterprise. Framework-free.
 */
export interface CallDetailRecord {
  /** The call's id (the UUID in its URI); the CDR's id too, so that a CDR delivered twice is stored once. */
  callId: string;
  /** The edge that handled the call (EdgeRegistry.id). */
  edgeId: string;
  tenantId: string;
  trunkId: string;
  /** `outbound`: placed by the enterprise at the edge; `inbound`: placed by the edge at the enterprise's consumer TG. */
  direction: 'outbound' | 'inbound';
  /** Calling and called numbers, E.164. */
  from: string;
  to: string;
  /** RFC 3339 timestamps: call created, answered (null if never), ended. */
  startedAt: string;
  answeredAt: string | null;
  endedAt: string;
  /** Why it ended: the `end`/`failed`/`declined` reason or state (`normal`, `declined`, `media-timeout`, ...). */
  reason: string;
  /** Distinct media frames and their payload bytes, each way. */
  framesReceived: number;
  framesSent: number;
  bytesReceived: number;
  bytesSent: number;
  /** Frames lost (highest seq + 1 − frames received): measured by the edge on received streams, from the peer's acks on sent ones. */
  lossReceived: number;
  lossSent: number;
  /** Largest RFC 3550 interarrival jitter seen on a received stream, ms. */
  maxJitterMs: number;
  /** The call request's `sip-call-id` (a call through a SIP gateway), else null. */
  sipCallId: string | null;
  /** The `sip-status` of the callee side's final event (a SIP gateway's), else null. */
  sipStatus: number | null;
}

export class CdrValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid CDR: ${problems.join('; ')}`);
    this.name = 'CdrValidationError';
  }
}

/** Call ids are BullMQ job ids and primary keys: UUIDs in practice, no ':' (BullMQ's separator). */
export const CALL_ID = /^[A-Za-z0-9_-]{1,128}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const COUNTERS = ['framesReceived', 'framesSent', 'bytesReceived', 'bytesSent', 'lossReceived', 'lossSent'] as const;

/**
 * Checks a CDR (the publisher before queueing it, the control plane before storing it) and returns a clean copy
 * with exactly the fields above. Throws a CdrValidationError naming every bad field.
 */
export function parseCallDetailRecord(value: unknown): CallDetailRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CdrValidationError(['not an object']);
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  const text = (field: string, pattern?: RegExp, max = 200): string => {
    const x = v[field];
    if (typeof x !== 'string' || !x || x.length > max || (pattern && !pattern.test(x))) {
      problems.push(`${field} is missing or malformed`);
      return '';
    }
    return x;
  };
  const time = (field: string): string => {
    const x = text(field, RFC3339, 40);
    return x && !Number.isNaN(Date.parse(x))
      ? new Date(x).toISOString()
      : (problems.push(`${field} is not a date`), '');
  };
  const count = (field: string): number => {
    const x = v[field];
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) {
      problems.push(`${field} must be a non-negative integer`);
      return 0;
    }
    return x;
  };
  const direction = v.direction;
  if (direction !== 'outbound' && direction !== 'inbound') problems.push('direction must be outbound or inbound');
  const maxJitterMs = v.maxJitterMs;
  if (typeof maxJitterMs !== 'number' || !Number.isFinite(maxJitterMs) || maxJitterMs < 0) {
    problems.push('maxJitterMs must be a non-negative number');
  }
  // absent in CDRs of edges older than these fields
  const sipCallId = v.sipCallId === undefined || v.sipCallId === null ? null : v.sipCallId;
  if (
    sipCallId !== null &&
    (typeof sipCallId !== 'string' || !/^[\x21-\x7e]+$/.test(sipCallId) || sipCallId.length > MAX_SIP_CALL_ID_LENGTH)
  ) {
    problems.push(`sipCallId must be 1-${MAX_SIP_CALL_ID_LENGTH} visible ASCII characters`);
  }
  const sipStatus = v.sipStatus === undefined || v.sipStatus === null ? null : v.sipStatus;
  if (
    sipStatus !== null &&
    (typeof sipStatus !== 'number' || !Number.isInteger(sipStatus) || sipStatus < 100 || sipStatus > 699)
  ) {
    problems.push('sipStatus must be a SIP status code (100-699)');
  }
  const cdr: CallDetailRecord = {
    callId: text('callId', CALL_ID),
    edgeId: text('edgeId', /^[A-Za-z0-9_.-]{1,255}$/, 255), // hostname-pid by default
    tenantId: text('tenantId', /^ten_[0-9a-z]{20}$/),
    trunkId: text('trunkId', /^trk_[0-9a-z]{20}$/),
    direction: direction as CallDetailRecord['direction'],
    from: text('from', E164_PATTERN),
    to: text('to', E164_PATTERN),
    startedAt: time('startedAt'),
    answeredAt: v.answeredAt === null || v.answeredAt === undefined ? null : time('answeredAt'),
    endedAt: time('endedAt'),
    reason: text('reason', /^[\x20-\x7e]+$/, 100),
    ...(Object.fromEntries(COUNTERS.map((field) => [field, count(field)])) as Record<
      (typeof COUNTERS)[number],
      number
    >),
    maxJitterMs: maxJitterMs as number,
    sipCallId: sipCallId as string | null,
    sipStatus: sipStatus as number | null,
  };
  if (!problems.length) {
    const started = Date.parse(cdr.startedAt);
    const ended = Date.parse(cdr.endedAt);
    if (ended < started) problems.push('endedAt is before startedAt');
    if (cdr.answeredAt) {
      const answered = Date.parse(cdr.answeredAt);
      if (answered < started || answered > ended) problems.push('answeredAt is not between startedAt and endedAt');
    }
  }
  if (problems.length) throw new CdrValidationError(problems);
  return cdr;
}
