/**
 * RFC 4733 §2.3 telephone-event payload: u8 event | E(1) R(1) volume(6) | u16 duration (RTP timestamp units).
 * A payload may carry several 4-byte blocks (RFC 4733 §2.5.1.5: redundancy); the last one is the current state.
 * A RIPT `telephone-event` frame carries this payload unchanged (profile §10).
 */
export const TELEPHONE_EVENT_SIZE = 4;
/** DTMF events 0-9, *, #, A-D (RFC 4733 §3.2). */
export const DTMF_EVENTS = '0123456789*#ABCD';

export interface TelephoneEvent {
  /** 0..255; 0-15 are DTMF digits (see DTMF_EVENTS). */
  event: number;
  end: boolean;
  /** Power level, 0..63 (-dBm0). */
  volume: number;
  /** In RTP timestamp units since the event's timestamp, 0..65535. */
  duration: number;
}

export class TelephoneEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TelephoneEventError';
  }
}

export function encodeTelephoneEvent(e: TelephoneEvent): Buffer {
  for (const [name, v, max] of [
    ['event', e.event, 255],
    ['volume', e.volume, 63],
    ['duration', e.duration, 0xffff],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${name} must be 0..${max}, got ${v}`);
  }
  const buf = Buffer.alloc(TELEPHONE_EVENT_SIZE);
  buf[0] = e.event;
  buf[1] = (e.end ? 0x80 : 0) | e.volume;
  buf.writeUInt16BE(e.duration, 2);
  return buf;
}

/** The event blocks of a payload (the last is the current one); throws TelephoneEventError if malformed. */
export function decodeTelephoneEvents(payload: Uint8Array): TelephoneEvent[] {
  if (payload.length === 0 || payload.length % TELEPHONE_EVENT_SIZE !== 0) {
    throw new TelephoneEventError(`a telephone-event payload is a multiple of 4 bytes, got ${payload.length}`);
  }
  const out: TelephoneEvent[] = [];
  for (let at = 0; at < payload.length; at += TELEPHONE_EVENT_SIZE) {
    out.push({
      event: payload[at],
      end: (payload[at + 1] & 0x80) !== 0,
      volume: payload[at + 1] & 0x3f,
      duration: (payload[at + 2] << 8) | payload[at + 3],
    });
  }
  return out;
}

/** The current event of a payload. */
export function decodeTelephoneEvent(payload: Uint8Array): TelephoneEvent {
  const events = decodeTelephoneEvents(payload);
  return events[events.length - 1];
}

/** The DTMF character of an event number, or null for other events. */
export function dtmfOf(event: number): string | null {
  return Number.isInteger(event) && event >= 0 && event < DTMF_EVENTS.length ? DTMF_EVENTS[event] : null;
}

/** The event number of a DTMF character (case-insensitive A-D). */
export function dtmfEventOf(digit: string): number {
  const i = DTMF_EVENTS.indexOf(digit.toUpperCase());
  if (digit.length !== 1 || i < 0) throw new RangeError(`'${digit}' is not a DTMF digit`);
  return i;
}
