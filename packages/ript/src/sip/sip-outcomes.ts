/**
 * SIP status codes ⇄ RIPT call outcomes (profile §10):
 * - a SIP response on the gateway's outgoing INVITE becomes a RIPT event: 180/183 → alerting, 2xx → answered,
 *   486/600/603 → declined, 408/480/487 → noanswer, any other final code → failed with reason `sip-<code>`; every
 *   outcome carries the `sip-status`;
 * - a RIPT refusal of the gateway's `POST <tg>/calls` (problem slug / HTTP status) or a RIPT final event becomes the
 *   SIP final response the gateway sends on an incoming INVITE.
 */
import type { ProblemSlug } from '../problems/registry.js';

/** The RIPT event a SIP response maps to, with the fields it carries. */
export type SipResponseOutcome =
  | { type: 'proceeding'; 'sip-status': number }
  | { type: 'alerting'; 'sip-status': number; earlyMedia: boolean }
  | { type: 'answered'; 'sip-status': number }
  | { type: 'declined'; 'sip-status': number }
  | { type: 'noanswer'; 'sip-status': number }
  | { type: 'failed'; 'sip-status': number; reason: string };

export const DECLINED_SIP_STATUSES: readonly number[] = [486, 600, 603];
export const NOANSWER_SIP_STATUSES: readonly number[] = [408, 480, 487];

function checkStatus(status: number): void {
  if (!Number.isInteger(status) || status < 100 || status > 699) {
    throw new RangeError(`a SIP status code is an integer 100..699, got ${status}`);
  }
}

/** The reason a failed event carries for a SIP final status: `sip-503`. */
export function sipFailureReason(status: number): string {
  checkStatus(status);
  return `sip-${status}`;
}

/** The SIP status in a `sip-<code>` reason, or null. */
export function sipStatusOfReason(reason: string): number | null {
  const m = /^sip-([1-6]\d\d)$/.exec(reason);
  return m ? Number(m[1]) : null;
}

/**
 * The RIPT event of a SIP response to the gateway's INVITE. 183 is alerting with early media (RFC 3960); other
 * provisional codes (100, 181, 182, 199) are proceeding; 3xx is failed (the gateway follows no redirects).
 */
export function sipResponseToOutcome(status: number): SipResponseOutcome {
  checkStatus(status);
  const s = { 'sip-status': status };
  if (status === 180 || status === 183) return { type: 'alerting', ...s, earlyMedia: status === 183 };
  if (status < 200) return { type: 'proceeding', ...s };
  if (status < 300) return { type: 'answered', ...s };
  if (DECLINED_SIP_STATUSES.includes(status)) return { type: 'declined', ...s };
  if (NOANSWER_SIP_STATUSES.includes(status)) return { type: 'noanswer', ...s };
  return { type: 'failed', ...s, reason: sipFailureReason(status) };
}

/** RFC 3261 §21 (and RFC 3326/6432/8197/8224 additions) reason phrases of the codes riptrunk sends or maps. */
const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  415: 'Unsupported Media Type',
  420: 'Bad Extension',
  428: 'Use Identity Header',
  436: 'Bad Identity Info',
  437: 'Unsupported Credential',
  438: 'Invalid Identity Header',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  491: 'Request Pending',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
  607: 'Unwanted',
};

/** The reason phrase of a SIP status (its class's generic one for a code not listed). */
export function sipReasonPhrase(status: number): string {
  checkStatus(status);
  if (Object.hasOwn(REASON_PHRASES, status)) return REASON_PHRASES[status];
  return REASON_PHRASES[Math.floor(status / 100) * 100] ?? 'Error';
}

/** A SIP final response to send: status, reason phrase and extra headers (Retry-After). */
export interface SipFinalResponse {
  status: number;
  reason: string;
  headers: Record<string, string>;
}

function response(status: number, headers: Record<string, string> = {}): SipFinalResponse {
  return { status, reason: sipReasonPhrase(status), headers };
}

/** A refusal of `POST <tg>/calls`: the HTTP status, the problem slug when the body had a riptrunk one. */
export interface RiptRefusal {
  status: number;
  slug?: ProblemSlug | null;
  /** The Retry-After of the HTTP response (seconds or an HTTP date). */
  retryAfter?: string | number | null;
}

/** Retry-After when a limit refusal gave none (seconds). */
export const DEFAULT_SIP_RETRY_AFTER = 1;

/** The Retry-After to send in SIP: delta-seconds only (RFC 3261 §20.33), from seconds or an HTTP date. */
function sipRetryAfter(value: string | number | null | undefined, now: number): string {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return String(Math.ceil(value));
  if (typeof value === 'string' && value.trim() !== '') {
    const v = value.trim();
    if (/^\d+$/.test(v)) return String(Number(v));
    const at = Date.parse(v);
    if (!Number.isNaN(at)) return String(Math.max(0, Math.ceil((at - now) / 1000)));
  }
  return String(DEFAULT_SIP_RETRY_AFTER);
}

/** Slugs whose SIP answer is not the generic one of their HTTP status. */
const SLUG_TO_SIP: Partial<Record<ProblemSlug, number>> = {
  'destination-unreachable': 404,
  // the number is assigned, its customer takes no calls right now
  'callee-unavailable': 480,
  // from an interconnect trunk, a number that is none of ours: to the SIP core, no such number here
  'interconnect-transit': 404,
  'number-not-assigned': 404,
  'no-common-codec': 488,
  'callee-protocol-error': 502,
  'callee-unreachable': 503,
  'passport-invalid': 438,
  // the gateway's own set-up is wrong (its token, its TG, its handler): let the core try another gateway
  'tg-not-found': 503,
  'handler-not-found': 503,
  'handler-not-registered': 503,
  'tg-disabled': 403,
  unauthorized: 503,
};

/**
 * The SIP final response for a RIPT refusal of the gateway's call: 404 destination-unreachable → 404, 403 → 403,
 * 429 limits → 503 with Retry-After, 503 (draining) → 503 (with Retry-After when given), 401 and the gateway's own
 * TG/handler problems → 503 (so that the core fails over), 409 no-common-codec → 488, 502 → 502, anything else → 500.
 */
export function riptRefusalToSip(refusal: RiptRefusal, now: number = Date.now()): SipFinalResponse {
  const { status, slug } = refusal;
  const mapped = slug ? SLUG_TO_SIP[slug] : undefined;
  const code = mapped ?? httpStatusToSip(status);
  const withRetry: Record<string, string> =
    status === 429 || (code === 503 && refusal.retryAfter !== undefined && refusal.retryAfter !== null)
      ? { 'Retry-After': sipRetryAfter(refusal.retryAfter, now) }
      : {};
  return response(code, withRetry);
}

function httpStatusToSip(status: number): number {
  switch (status) {
    case 400:
      return 400;
    case 401:
      return 503;
    case 403:
      return 403;
    case 404:
      return 404;
    case 429:
    case 503:
      return 503;
    case 502:
      return 502;
    case 504:
      return 504;
    default:
      return 500;
  }
}

/** A final RIPT event of a call the gateway placed for an incoming INVITE (before it was answered). */
export type RiptFinalEvent =
  | { type: 'declined'; 'sip-status'?: number }
  | { type: 'noanswer'; 'sip-status'?: number; timedOut?: boolean }
  | { type: 'failed'; reason: string; 'sip-status'?: number }
  | { type: 'end'; reason: string; 'sip-status'?: number };

/** Failed reasons of the edge and the SDK with a SIP code of their own. */
const FAILED_REASON_TO_SIP: Readonly<Record<string, number>> = {
  'callee-unreachable': 503,
  'callee-protocol-error': 502,
  'media-timeout': 408,
  'edge-shutdown': 503,
  'edge-error': 500,
  refused: 403,
};

function carried(status: number | undefined, classes: readonly number[]): number | null {
  if (status === undefined || !Number.isInteger(status)) return null;
  return classes.includes(Math.floor(status / 100)) ? status : null;
}

/**
 * The SIP final response for a RIPT final event before answer: declined → the carried sip-status or 603, noanswer →
 * the carried one or 480 (408 when it timed out), failed → the carried one, the code of a `sip-<code>` reason, the
 * edge reason's code (503 unreachable/shutdown, 502 protocol error, 408 media timeout) or 500; `end` before answer →
 * 487 Request Terminated. A carried sip-status is used only when it is a final error code (4xx-6xx).
 */
export function riptFinalToSip(event: RiptFinalEvent): SipFinalResponse {
  const own = carried(event['sip-status'], [4, 5, 6]);
  switch (event.type) {
    case 'declined':
      return response(own ?? 603);
    case 'noanswer':
      return response(own ?? (event.timedOut ? 408 : 480));
    case 'failed': {
      const fromReason = sipStatusOfReason(event.reason);
      const code =
        own ??
        carried(fromReason ?? undefined, [4, 5, 6]) ??
        (Object.hasOwn(FAILED_REASON_TO_SIP, event.reason) ? FAILED_REASON_TO_SIP[event.reason] : 500);
      return response(code);
    }
    case 'end':
      return response(own ?? 487);
  }
}
