import { isE164 } from './e164.js';
/** The body of `POST <tg>/calls` (profile §6), as the edge and the SDK's inbound server both check it. */
export interface CallRequest {
  handler: string;
  destination: string;
  from: string;
  passport?: string;
  /**
   * SIP interworking (profile §10): the STIR verification result of a PASSporT the caller received from another
   * network (ATIS-1000074 `verstat` values), sent by a gateway on an interconnect trunk with that PASSporT.
   */
  verstat?: Verstat;
  /** SIP interworking: the Call-ID of the SIP leg of a gateway's call, kept in the CDR. */
  'sip-call-id'?: string;
}

/** The `verstat` values of ATIS-1000074 (SHAKEN), as a gateway reports them for a PASSporT it verified. */
export const VERSTATS = ['TN-Validation-Passed', 'TN-Validation-Failed', 'No-TN-Validation'] as const;
export type Verstat = (typeof VERSTATS)[number];

export const CALL_REQUEST_FIELDS = ['handler', 'destination', 'from', 'passport', 'verstat', 'sip-call-id'] as const;

/** Longest SIP Call-ID kept (RFC 3261 sets no limit; real ones are well under 128 characters). */
export const MAX_SIP_CALL_ID_LENGTH = 256;

const MAX_PASSPORT_LENGTH = 8192;
const MAX_URI_LENGTH = 2048;

/** The field errors of a call request's known fields (unknown fields are the caller's to report); none if valid. */
export function callRequestErrors(body: Record<string, unknown>): { pointer: string; detail: string }[] {
  const errors: { pointer: string; detail: string }[] = [];
  if (typeof body.handler !== 'string' || body.handler.length === 0 || body.handler.length > MAX_URI_LENGTH) {
    errors.push({ pointer: '#/handler', detail: 'handler must be the URI of a registered handler' });
  }
  for (const field of ['destination', 'from'] as const) {
    if (!isE164(body[field])) {
      errors.push({ pointer: `#/${field}`, detail: `${field} must be an E.164 number such as +14085550100` });
    }
  }
  if (
    body.passport !== undefined &&
    (typeof body.passport !== 'string' || body.passport.length === 0 || body.passport.length > MAX_PASSPORT_LENGTH)
  ) {
    errors.push({ pointer: '#/passport', detail: 'passport must be a compact PASSporT (JWS)' });
  }
  if (body.verstat !== undefined && !(VERSTATS as readonly unknown[]).includes(body.verstat)) {
    errors.push({ pointer: '#/verstat', detail: `verstat must be one of ${VERSTATS.join(', ')}` });
  }
  const sipCallId = body['sip-call-id'];
  if (
    sipCallId !== undefined &&
    (typeof sipCallId !== 'string' || sipCallId.length === 0 || sipCallId.length > MAX_SIP_CALL_ID_LENGTH)
  ) {
    errors.push({
      pointer: '#/sip-call-id',
      detail: `sip-call-id must be a SIP Call-ID of 1 to ${MAX_SIP_CALL_ID_LENGTH} characters`,
    });
  }
  return errors;
}
