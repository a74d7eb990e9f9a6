import { randomBytes } from 'node:crypto';
import { sipReasonPhrase } from '@riptrunk/ript/sip';
import sip from 'sip';

export type { SipRequest, SipResponse, NameAddr, Remote } from 'sip';

/** The methods the gateway handles; anything else out of a dialog is 501 (RFC 3261 §8.2.1). */
export const ALLOWED_METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS'] as const;
export const ALLOW_HEADER = ALLOWED_METHODS.join(', ');

export const newTag = (): string => randomBytes(6).toString('hex');
export const newCallId = (host: string): string => `${randomBytes(12).toString('hex')}@${host}`;

export interface ResponseParts {
  reason?: string;
  /** The To tag of our side of the dialog (every response but 100). */
  toTag?: string;
  contact?: sip.NameAddr;
  sdp?: string;
  headers?: Record<string, string>;
}

/** A response to `rq`, with its own copy of To (makeResponse shares the request's object). */
export function responseTo(rq: sip.SipRequest, status: number, parts: ResponseParts = {}): sip.SipResponse {
  const rs = sip.makeResponse(rq, status, parts.reason ?? sipReasonPhrase(status));
  const to = rq.headers.to!;
  rs.headers.to = { ...to, params: { ...to.params } };
  if (parts.toTag && status !== 100 && !rs.headers.to.params.tag) rs.headers.to.params.tag = parts.toTag;
  if (parts.contact) rs.headers.contact = [parts.contact];
  if (status >= 200 || status === 183) {
    rs.headers.allow = ALLOW_HEADER;
  }
  for (const [name, value] of Object.entries(parts.headers ?? {})) rs.headers[name.toLowerCase()] = value;
  if (parts.sdp !== undefined) {
    rs.headers['content-type'] = 'application/sdp';
    rs.content = parts.sdp;
  }
  return rs;
}

/** The user part of a From/To/Request-URI (`sip:+44...@host`, `tel:+44...`), or null. */
export function userOf(uri: string | undefined): string | null {
  if (!uri) return null;
  const tel = /^tel:([^;?]+)/i.exec(uri);
  if (tel) return decodeURIComponent(tel[1]);
  const parsed = sip.parseUri(uri);
  return parsed?.user ? decodeURIComponent(parsed.user) : null;
}

/** A header that may appear once or several times, as the stack parsed it, as text. */
export function headerText(rq: { headers: Record<string, unknown> }, name: string): string | undefined {
  const v = rq.headers[name.toLowerCase()];
  return typeof v === 'string' ? v : undefined;
}

/** True when the message body is SDP (no Content-Type with a body is taken as SDP, as most stacks do). */
export function hasSdp(m: { headers: Record<string, unknown>; content?: string }): boolean {
  if (!m.content || !m.content.trim()) return false;
  const type = headerText(m, 'content-type');
  return !type || /^application\/sdp\b/i.test(type.trim());
}
