/**
 * Call events of profile §6: a long-lived JSON array, "[" then objects separated by ",", then "]".
 * Each object: {"type", "direction": "s2c"|"c2s", "ts": RFC 3339 with ms, "call": call URI, ...}.
 */
import { StringDecoder } from 'node:string_decoder';
import { MAX_SIP_CALL_ID_LENGTH } from './call-request.js';

export const EVENT_TYPES = [
  'proceeding',
  'alerting',
  'answered',
  'declined',
  'failed',
  'noanswer',
  'end',
  'migrate',
  'ping',
  'pong',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];
export type EventDirection = 's2c' | 'c2s';

/**
 * SIP interworking (profile §10): a gateway's final events may carry the SIP status that ended its SIP leg and that
 * leg's Call-ID, so that the other side (and the CDR) knows them; optional everywhere else.
 */
export interface SipOutcomeFields {
  'sip-status'?: number;
  'sip-call-id'?: string;
}

/** Extra fields of each event type. */
export interface EventFields {
  proceeding: Pick<SipOutcomeFields, 'sip-call-id'>;
  alerting: Pick<SipOutcomeFields, 'sip-call-id'>;
  answered: SipOutcomeFields;
  declined: SipOutcomeFields;
  failed: { reason: string } & SipOutcomeFields;
  noanswer: SipOutcomeFields;
  end: { reason: string } & SipOutcomeFields;
  migrate: { to: string };
  ping: { nonce: string };
  pong: { nonce: string };
}

export interface EventBase<T extends EventType> {
  type: T;
  direction: EventDirection;
  /** RFC 3339 with milliseconds, e.g. 2025-01-31T12:00:00.000Z. */
  ts: string;
  /** Call URI. */
  call: string;
}

export type RiptEventOf<T extends EventType> = EventBase<T> & EventFields[T];
export type RiptEvent = { [T in EventType]: RiptEventOf<T> }[EventType];

/** Types a client may send (c2s): it ends calls and answers/sends keepalives. */
export const CLIENT_EVENT_TYPES: readonly EventType[] = ['end', 'ping', 'pong'];

/** Required string fields per type, beyond the common ones. */
const REQUIRED_FIELDS: Readonly<Record<EventType, readonly string[]>> = {
  proceeding: [],
  alerting: [],
  answered: [],
  declined: [],
  failed: ['reason'],
  noanswer: [],
  end: ['reason'],
  migrate: ['to'],
  ping: ['nonce'],
  pong: ['nonce'],
};

/** A Call-ID as RFC 3261 §25.1 allows it (word ["@" word]): visible ASCII, bounded. */
const SIP_CALL_ID = new RegExp(`^[\\x21-\\x7e]{1,${MAX_SIP_CALL_ID_LENGTH}}$`);

/** Types that may carry `sip-call-id` (a gateway's progress and final events) and `sip-status` (answered, final). */
const SIP_CALL_ID_TYPES: ReadonlySet<EventType> = new Set(
  EVENT_TYPES.filter((t) => t !== 'migrate' && t !== 'ping' && t !== 'pong'),
);
const SIP_OUTCOME_TYPES: ReadonlySet<EventType> = new Set(['answered', 'declined', 'failed', 'noanswer', 'end']);

export const MAX_EVENT_STRING_LENGTH = 256;
export const MAX_URI_LENGTH = 2048;

export function isEventType(v: unknown): v is EventType {
  return typeof v === 'string' && (EVENT_TYPES as readonly string[]).includes(v);
}

/** RFC 3339 timestamp with milliseconds of a Date (UTC). */
export function formatEventTs(date: Date = new Date()): string {
  return date.toISOString();
}

export type CreateEventInit<T extends EventType> = {
  direction: EventDirection;
  call: string;
  /** Defaults to now. */
  ts?: string | Date;
} & EventFields[T];

/** Builds an event with fields in the canonical order: type, direction, ts, call, then the rest. */
export function createEvent<T extends EventType>(type: T, init: CreateEventInit<T>): RiptEventOf<T> {
  const { direction, call, ts, ...rest } = init;
  const stamp = ts === undefined ? formatEventTs() : ts instanceof Date ? formatEventTs(ts) : ts;
  return { type, direction, ts: stamp, call, ...rest } as unknown as RiptEventOf<T>;
}

// ---------------------------------------------------------------- validation

const TS_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})\.\d{3}(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** RFC 3339 date-time with exactly three fraction digits (leap seconds are rejected). */
export function isRfc3339Ms(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = TS_RE.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return false;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return false;
  return true;
}

function isHttpsUri(s: string): boolean {
  if (s.length > MAX_URI_LENGTH) return false;
  try {
    return new URL(s).protocol === 'https:';
  } catch {
    return false;
  }
}

export interface EventFieldError {
  field: string;
  message: string;
}

export type EventValidation = { ok: true; event: RiptEvent } | { ok: false; errors: EventFieldError[] };

export interface ValidateEventOptions {
  /** Required direction. */
  direction?: EventDirection;
  /** Required call URI (exact match). */
  call?: string;
  /** Accepted types (default: all). */
  allowedTypes?: readonly EventType[];
}

/**
 * Checks an event object. On success returns a clean copy holding only the known fields of its
 * type (unknown extra fields are dropped). URIs (call, migrate.to) must be absolute https URLs.
 */
export function validateEvent(value: unknown, options: ValidateEventOptions = {}): EventValidation {
  const errors: EventFieldError[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, errors: [{ field: '', message: 'event must be a JSON object' }] };
  }
  const v = value as Record<string, unknown>;
  const type = v.type;
  if (!isEventType(type)) {
    errors.push({ field: 'type', message: `unknown event type ${JSON.stringify(type) ?? 'undefined'}` });
  } else if (options.allowedTypes && !options.allowedTypes.includes(type)) {
    errors.push({ field: 'type', message: `event type '${type}' is not allowed here` });
  }
  if (v.direction !== 's2c' && v.direction !== 'c2s') {
    errors.push({ field: 'direction', message: "direction must be 's2c' or 'c2s'" });
  } else if (options.direction && v.direction !== options.direction) {
    errors.push({ field: 'direction', message: `direction must be '${options.direction}'` });
  }
  if (!isRfc3339Ms(v.ts)) {
    errors.push({ field: 'ts', message: 'ts must be an RFC 3339 date-time with milliseconds' });
  }
  if (typeof v.call !== 'string' || !isHttpsUri(v.call)) {
    errors.push({ field: 'call', message: 'call must be an https URI' });
  } else if (options.call !== undefined && v.call !== options.call) {
    errors.push({ field: 'call', message: 'call does not match this call' });
  }
  const extra: Record<string, string | number> = {};
  if (isEventType(type) && SIP_OUTCOME_TYPES.has(type) && v['sip-status'] !== undefined) {
    const status = v['sip-status'];
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 699) {
      errors.push({ field: 'sip-status', message: 'sip-status must be a SIP status code (100-699)' });
    } else {
      extra['sip-status'] = status;
    }
  }
  if (isEventType(type) && SIP_CALL_ID_TYPES.has(type) && v['sip-call-id'] !== undefined) {
    const callId = v['sip-call-id'];
    if (typeof callId !== 'string' || !SIP_CALL_ID.test(callId)) {
      errors.push({
        field: 'sip-call-id',
        message: `sip-call-id must be a SIP Call-ID of 1 to ${MAX_SIP_CALL_ID_LENGTH} visible characters`,
      });
    } else {
      extra['sip-call-id'] = callId;
    }
  }
  if (isEventType(type)) {
    for (const field of REQUIRED_FIELDS[type]) {
      const f = v[field];
      if (typeof f !== 'string' || f.length === 0) {
        errors.push({ field, message: `${field} must be a non-empty string` });
      } else if (field === 'to' ? !isHttpsUri(f) : f.length > MAX_EVENT_STRING_LENGTH) {
        errors.push({
          field,
          message: field === 'to' ? 'to must be an https URI' : `${field} is longer than ${MAX_EVENT_STRING_LENGTH}`,
        });
      } else {
        extra[field] = f;
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const event = { type, direction: v.direction, ts: v.ts, call: v.call, ...extra } as RiptEvent;
  return { ok: true, event };
}

/** validateEvent for an event a client sent on PUT <call>/events. */
export function validateClientEvent(value: unknown, call?: string): EventValidation {
  return validateEvent(value, { direction: 'c2s', call, allowedTypes: CLIENT_EVENT_TYPES });
}

// ---------------------------------------------------------------- writer

/** Produces the chunks of an event stream: open() "[", write() "{...}" or ",{...}", close() "]". */
export class EventStreamWriter {
  private state: 'new' | 'open' | 'closed' = 'new';
  private count = 0;

  get eventsWritten(): number {
    return this.count;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  open(): string {
    if (this.state !== 'new') throw new Error('event stream already opened');
    this.state = 'open';
    return '[';
  }

  write(event: RiptEvent): string {
    if (this.state !== 'open')
      throw new Error(`cannot write to a ${this.state === 'new' ? 'not yet opened' : 'closed'} event stream`);
    const json = JSON.stringify(event);
    return this.count++ === 0 ? json : ',' + json;
  }

  /** "]" (or "[]" if the stream was never opened). */
  close(): string {
    if (this.state === 'closed') throw new Error('event stream already closed');
    const prefix = this.state === 'new' ? '[' : '';
    this.state = 'closed';
    return prefix + ']';
  }
}

// ---------------------------------------------------------------- parser

export class EventStreamError extends Error {
  /** Offset in the decoded text (UTF-16 code units) from the start of the stream. */
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at ${position}`);
    this.name = 'EventStreamError';
    this.position = position;
  }
}

export interface EventStreamParserOptions {
  /** Longest event object accepted, in characters (default 65536). */
  maxEventSize?: number;
}

const State = {
  BeforeArray: 0,
  FirstElementOrClose: 1,
  Element: 2,
  InObject: 3,
  CommaOrClose: 4,
  Closed: 5,
} as const;
type State = (typeof State)[keyof typeof State];

const CH_SPACE = 32;
const CH_TAB = 9;
const CH_LF = 10;
const CH_CR = 13;
const CH_QUOTE = 34;
const CH_BACKSLASH = 92;
const CH_OPEN_BRACKET = 91;
const CH_CLOSE_BRACKET = 93;
const CH_OPEN_BRACE = 123;
const CH_CLOSE_BRACE = 125;
const CH_COMMA = 44;

function isJsonSpace(c: number): boolean {
  return c === CH_SPACE || c === CH_LF || c === CH_CR || c === CH_TAB;
}

function describe(ch: string): string {
  return JSON.stringify(ch);
}

/**
 * Incremental parser of an event stream. push() string or byte chunks (UTF-8, split anywhere);
 * each call returns the event objects completed by that chunk, as parsed JSON objects (validate
 * them with validateEvent). Elements must be JSON objects. Errors throw EventStreamError with the
 * position, after which the parser stays failed. end() checks that the stream did not stop inside
 * an event; a stream cut between events (no "]") is not an error, see `closed`.
 */
export class EventStreamParser {
  readonly maxEventSize: number;
  private state: State = State.BeforeArray;
  private readonly decoder = new StringDecoder('utf8');
  /** Text of the current object from earlier chunks. */
  private pending = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Stream offset where the current chunk starts. */
  private offset = 0;
  /** Stream offset where the current object starts. */
  private objectStart = 0;
  private failure: EventStreamError | null = null;
  private _count = 0;

  constructor(options: EventStreamParserOptions = {}) {
    this.maxEventSize = options.maxEventSize ?? 65536;
  }

  /** True once the closing "]" was seen. */
  get closed(): boolean {
    return this.state === State.Closed;
  }

  get eventsParsed(): number {
    return this._count;
  }

  push(chunk: string | Uint8Array): Record<string, unknown>[] {
    if (this.failure) throw this.failure;
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    try {
      return this.scan(text);
    } catch (e) {
      if (e instanceof EventStreamError) this.failure = e;
      throw e;
    }
  }

  /** Ends the stream; throws if it stopped inside an event or before any "[" with data pending. */
  end(): void {
    if (this.failure) throw this.failure;
    const rest = this.decoder.end();
    if (rest) this.push(rest);
    if (this.state === State.InObject) {
      this.failure = new EventStreamError('stream ended inside an event that started', this.objectStart);
      throw this.failure;
    }
  }

  private fail(message: string, position: number): never {
    throw new EventStreamError(message, position);
  }

  private scan(text: string): Record<string, unknown>[] {
    const events: Record<string, unknown>[] = [];
    const n = text.length;
    let objectFrom = 0; // start of the current object within `text`
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      switch (this.state) {
        case State.InObject:
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (c === CH_BACKSLASH) this.escaped = true;
            else if (c === CH_QUOTE) this.inString = false;
          } else if (c === CH_QUOTE) {
            this.inString = true;
          } else if (c === CH_OPEN_BRACE || c === CH_OPEN_BRACKET) {
            this.depth++;
          } else if (c === CH_CLOSE_BRACE || c === CH_CLOSE_BRACKET) {
            if (--this.depth === 0) {
              const json = this.pending + text.slice(objectFrom, i + 1);
              this.pending = '';
              this.checkSize(json.length);
              events.push(this.parseObject(json));
              this.state = State.CommaOrClose;
            }
          }
          break;
        case State.BeforeArray:
          if (c === CH_OPEN_BRACKET) this.state = State.FirstElementOrClose;
          else if (!isJsonSpace(c)) this.fail(`expected '[', found ${describe(text[i])}`, this.offset + i);
          break;
        case State.FirstElementOrClose:
        case State.Element:
          if (c === CH_OPEN_BRACE) {
            this.state = State.InObject;
            this.depth = 1;
            this.inString = false;
            this.escaped = false;
            objectFrom = i;
            this.objectStart = this.offset + i;
          } else if (c === CH_CLOSE_BRACKET && this.state === State.FirstElementOrClose) {
            this.state = State.Closed;
          } else if (!isJsonSpace(c)) {
            this.fail(`expected an event object '{', found ${describe(text[i])}`, this.offset + i);
          }
          break;
        case State.CommaOrClose:
          if (c === CH_COMMA) this.state = State.Element;
          else if (c === CH_CLOSE_BRACKET) this.state = State.Closed;
          else if (!isJsonSpace(c)) this.fail(`expected ',' or ']', found ${describe(text[i])}`, this.offset + i);
          break;
        case State.Closed:
          if (!isJsonSpace(c)) this.fail(`unexpected ${describe(text[i])} after the closing ']'`, this.offset + i);
          break;
      }
    }
    if (this.state === State.InObject) {
      this.pending += text.slice(objectFrom);
      this.checkSize(this.pending.length);
    }
    this.offset += n;
    return events;
  }

  private checkSize(size: number): void {
    if (size > this.maxEventSize) {
      this.fail(`event longer than ${this.maxEventSize} characters`, this.objectStart);
    }
  }

  private parseObject(json: string): Record<string, unknown> {
    try {
      const value: unknown = JSON.parse(json);
      this._count++;
      return value as Record<string, unknown>;
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      const m = /position (\d+)/.exec(detail);
      const position = m ? this.objectStart + Number(m[1]) : this.objectStart;
      return this.fail(`invalid JSON in event (${detail})`, position);
    }
  }
}
