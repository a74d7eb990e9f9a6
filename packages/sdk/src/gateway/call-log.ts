/** One line per call (the `riptrunk gateway` log): who called whom, both call ids, and how it ended. */
export interface CallLogEntry {
  event: 'call';
  direction: 'egress' | 'ingress';
  from: string;
  to: string;
  sipCallId: string | null;
  riptCall: string | null;
  /** answered-then-ended, declined, noanswer, failed, cancelled, refused */
  outcome: string;
  /** The SIP final status sent or received (200 for an answered call). */
  sipStatus: number | null;
  reason: string | null;
  setupMs: number | null;
  durationMs: number;
  rtpIn: number;
  rtpOut: number;
}

export function formatCallLog(e: CallLogEntry): string {
  const status = e.sipStatus !== null ? ` sip ${e.sipStatus}` : '';
  const reason = e.reason ? ` (${e.reason})` : '';
  return (
    `${e.direction} ${e.from} -> ${e.to} call-id ${e.sipCallId ?? '-'} ript ${e.riptCall ?? '-'}: ` +
    `${e.outcome}${status}${reason}, ${(e.durationMs / 1000).toFixed(1)} s, rtp ${e.rtpIn} in / ${e.rtpOut} out`
  );
}
