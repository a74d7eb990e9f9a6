import { isE164 } from './e164.js';
/** The body of `POST <tg>/calls` (profile §6), as the edge and the SDK's inbound server both check it. */
export interface CallRequest {
  handler: string;
  destination: string;
  from: string;
  passport?: string;
}

export const CALL_REQUEST_FIELDS = ['handler', 'destination', 'from', 'passport'] as const;

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
  return errors;
}
