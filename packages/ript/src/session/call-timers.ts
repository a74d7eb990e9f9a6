/**
 * The timers of a call a RIPT server runs (profile §6-§7): the events grace (no events stream open), the answer
 * timeout (never answered) and the media timeout (answered, no media). Pure: the caller ends the call.
 */

/** What the timers look at, all times in ms. */
export interface TimedCall {
  /** Since when no events stream is open; null while one is. */
  eventsIdleSince: number | null;
  answered: boolean;
  createdAt: number;
  answeredAt: number | null;
  /** Arrival of the last media frame, 0 before the first. */
  lastMediaAt: number;
}

export interface CallTimeouts {
  eventsGraceMs: number;
  mediaTimeoutMs: number;
  /** Undefined: the call has no answer timeout (the edge's test lines answer at once). */
  answerTimeoutMs?: number;
}

/** The timer that ran out: the call ends with it as its reason. */
export type CallTimerExpiry = 'no-events-stream' | 'noanswer' | 'media-timeout';

/** The first timer of a live call that ran out at `now`, or null. */
export function expiredTimer(call: TimedCall, now: number, timeouts: CallTimeouts): CallTimerExpiry | null {
  if (call.eventsIdleSince !== null && now - call.eventsIdleSince >= timeouts.eventsGraceMs) return 'no-events-stream';
  if (call.answered) {
    const last = Math.max(call.answeredAt ?? 0, call.lastMediaAt);
    return now - last >= timeouts.mediaTimeoutMs ? 'media-timeout' : null;
  }
  if (timeouts.answerTimeoutMs !== undefined && now - call.createdAt >= timeouts.answerTimeoutMs) return 'noanswer';
  return null;
}

/** An ended call is kept (GET, final events) this long before it is forgotten. */
export function lingerOver(endedAt: number | null, now: number, lingerMs: number): boolean {
  return now - (endedAt ?? now) >= lingerMs;
}
