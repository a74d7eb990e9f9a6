import {
  CLIENT_EVENT_TYPES,
  createEvent,
  EVENT_TYPES,
  EventStreamError,
  EventStreamParser,
  EventStreamWriter,
  formatEventTs,
  isRfc3339Ms,
  validateClientEvent,
  validateEvent,
  type RiptEvent,
} from './events.js';

const CALL = 'https://edge.carrier.example/ript/v1/calls/5b1f0c8e-0000-4000-8000-000000000001';
const TS = '2025-01-31T12:00:00.123Z';

const sampleEvents: RiptEvent[] = [
  createEvent('proceeding', { direction: 's2c', call: CALL, ts: TS }),
  createEvent('alerting', { direction: 's2c', call: CALL, ts: TS }),
  createEvent('answered', { direction: 's2c', call: CALL, ts: TS }),
  createEvent('failed', { direction: 's2c', call: CALL, ts: TS, reason: 'media-timeout' }),
  createEvent('end', { direction: 'c2s', call: CALL, ts: TS, reason: 'normal "quoted" [x], {y} \\ done' }),
  createEvent('migrate', { direction: 's2c', call: CALL, ts: TS, to: 'https://edge2.carrier.example/ript/v1/calls/x' }),
  createEvent('ping', { direction: 'c2s', call: CALL, ts: TS, nonce: 'n-1' }),
  createEvent('pong', { direction: 's2c', call: CALL, ts: TS, nonce: 'ünïcødé ☎ 𝄞' }),
];

function writeStream(events: RiptEvent[], writer = new EventStreamWriter()): string {
  return writer.open() + events.map((e) => writer.write(e)).join('') + writer.close();
}

function parseAll(chunks: (string | Uint8Array)[]): Record<string, unknown>[] {
  const parser = new EventStreamParser();
  const out: Record<string, unknown>[] = [];
  for (const c of chunks) out.push(...parser.push(c));
  parser.end();
  return out;
}

function streamError(chunks: (string | Uint8Array)[], options = {}): EventStreamError {
  const parser = new EventStreamParser(options);
  try {
    for (const c of chunks) parser.push(c);
    parser.end();
  } catch (e) {
    if (e instanceof EventStreamError) return e;
    throw e;
  }
  throw new Error('no EventStreamError');
}

describe('createEvent', () => {
  it('builds events in canonical field order', () => {
    const e = createEvent('end', { direction: 'c2s', call: CALL, ts: TS, reason: 'normal' });
    expect(JSON.stringify(e)).toBe(`{"type":"end","direction":"c2s","ts":"${TS}","call":"${CALL}","reason":"normal"}`);
  });

  it('stamps the current time or a given Date', () => {
    const before = Date.now();
    const e = createEvent('answered', { direction: 's2c', call: CALL });
    expect(isRfc3339Ms(e.ts)).toBe(true);
    expect(Date.parse(e.ts)).toBeGreaterThanOrEqual(before);
    expect(createEvent('alerting', { direction: 's2c', call: CALL, ts: new Date(0) }).ts).toBe(
      '1970-01-01T00:00:00.000Z',
    );
    expect(formatEventTs(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)))).toBe('2025-01-02T03:04:05.006Z');
  });
});

describe('EventStreamWriter', () => {
  it('writes "[", events separated by ",", then "]"', () => {
    const w = new EventStreamWriter();
    expect(w.open()).toBe('[');
    expect(w.isOpen).toBe(true);
    const a = w.write(sampleEvents[0]);
    const b = w.write(sampleEvents[1]);
    expect(a.startsWith('{')).toBe(true);
    expect(b.startsWith(',{')).toBe(true);
    expect(w.close()).toBe(']');
    expect(w.isClosed).toBe(true);
    expect(w.eventsWritten).toBe(2);
    expect(JSON.parse('[' + a + b + ']')).toEqual(sampleEvents.slice(0, 2));
  });

  it('writes an empty stream', () => {
    const w = new EventStreamWriter();
    expect(w.open() + w.close()).toBe('[]');
    expect(new EventStreamWriter().close()).toBe('[]');
  });

  it('refuses misuse', () => {
    const w = new EventStreamWriter();
    expect(() => w.write(sampleEvents[0])).toThrow(/not yet opened/);
    w.open();
    expect(() => w.open()).toThrow(/already opened/);
    w.close();
    expect(() => w.write(sampleEvents[0])).toThrow(/closed/);
    expect(() => w.close()).toThrow(/already closed/);
  });

  it('produces valid JSON as a whole', () => {
    expect(JSON.parse(writeStream(sampleEvents))).toEqual(sampleEvents);
  });
});

describe('EventStreamParser', () => {
  const text = writeStream(sampleEvents);

  it('parses a whole stream in one chunk', () => {
    const parser = new EventStreamParser();
    expect(parser.push(text)).toEqual(sampleEvents);
    expect(parser.closed).toBe(true);
    expect(parser.eventsParsed).toBe(sampleEvents.length);
    parser.end();
  });

  it('yields events as soon as they are complete', () => {
    const parser = new EventStreamParser();
    expect(parser.push('[')).toEqual([]);
    expect(parser.push('{"type":"ping","nonce":"a"')).toEqual([]);
    expect(parser.push('}')).toEqual([{ type: 'ping', nonce: 'a' }]);
    expect(parser.push(',')).toEqual([]);
    expect(parser.push('{"type":"pong"}')).toEqual([{ type: 'pong' }]);
    expect(parser.closed).toBe(false);
    expect(parser.push(']')).toEqual([]);
    expect(parser.closed).toBe(true);
  });

  it('gives the same events for a split at every character offset', () => {
    for (let cut = 0; cut <= text.length; cut++) {
      expect(parseAll([text.slice(0, cut), text.slice(cut)])).toEqual(sampleEvents);
    }
  });

  it('gives the same events for a split at every byte offset of the UTF-8 bytes', () => {
    const bytes = Buffer.from(text, 'utf8');
    expect(bytes.length).toBeGreaterThan(text.length); // multi-byte characters are present
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(parseAll([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(sampleEvents);
    }
  });

  it('gives the same events when fed one byte at a time', () => {
    const bytes = Buffer.from(text, 'utf8');
    const chunks = Array.from({ length: bytes.length }, (_, i) => new Uint8Array(bytes.subarray(i, i + 1)));
    expect(parseAll(chunks)).toEqual(sampleEvents);
  });

  it('handles whitespace everywhere between tokens', () => {
    const spaced = ' \n[ \r\n\t{ "type" : "ping" , "nonce" : "x" }\n ,\n { "type":"pong","a":[1, {"b":"]"}] } \n] \n ';
    expect(parseAll([spaced])).toEqual([
      { type: 'ping', nonce: 'x' },
      { type: 'pong', a: [1, { b: ']' }] },
    ]);
    for (let cut = 0; cut <= spaced.length; cut++) {
      expect(parseAll([spaced.slice(0, cut), spaced.slice(cut)])).toHaveLength(2);
    }
  });

  it('handles strings with brackets, commas, braces and escapes', () => {
    const tricky = [
      { s: '}' },
      { s: '{' },
      { s: '],[' },
      { s: '\\' },
      { s: '\\"}' },
      { s: '"' },
      { s: '\u0000\u001f\n' },
      { '}': '{', nested: { a: ['}', { b: '"]' }] } },
    ];
    const t = '[' + tricky.map((o) => JSON.stringify(o)).join(',') + ']';
    for (let cut = 0; cut <= t.length; cut++) {
      expect(parseAll([t.slice(0, cut), t.slice(cut)])).toEqual(tricky);
    }
  });

  it('accepts an empty array and a stream cut between events', () => {
    expect(parseAll(['[]'])).toEqual([]);
    expect(parseAll([' [ ] '])).toEqual([]);
    const parser = new EventStreamParser();
    expect(parser.push('[{"a":1},{"b":2}')).toHaveLength(2);
    parser.end();
    expect(parser.closed).toBe(false);
    const empty = new EventStreamParser();
    empty.end();
    expect(empty.closed).toBe(false);
  });

  it.each<[string, number, RegExp]>([
    ['{"a":1}', 0, /expected '\['/],
    ['x', 0, /expected '\[', found "x"/],
    ['  nope', 2, /expected '\['/],
    ['[1]', 1, /expected an event object '\{', found "1"/],
    ['["a"]', 1, /expected an event object/],
    ['[[]]', 1, /expected an event object/],
    ['[{"a":1},]', 9, /expected an event object '\{', found "\]"/],
    ['[,{"a":1}]', 1, /expected an event object/],
    ['[{"a":1} {"b":2}]', 9, /expected ',' or '\]', found "\{"/],
    ['[{"a":1};', 8, /expected ',' or '\]', found ";"/],
    ['[{"a":1}]x', 9, /unexpected "x" after the closing '\]'/],
    ['[{"a":1}],', 9, /after the closing/],
    ['[{a:1}]', 2, /invalid JSON in event/],
    ['[{"a":1,}]', 8, /invalid JSON in event/],
    ['[{"a":1]', 7, /invalid JSON in event/],
    ['[{"a":tru}]', 1, /invalid JSON in event/], // no position from JSON.parse: the event's start
    ['[{"a":1}, {"b":"\\x"}]', 17, /invalid JSON in event/],
  ])('rejects %j at %i', (input, position, message) => {
    const e = streamError([input]);
    expect(e.message).toMatch(message);
    expect(e.position).toBe(position);
  });

  it('reports positions across chunks', () => {
    const e = streamError(['[{"a":1},', '\n', '{"b":2}', ' x']);
    expect(e.position).toBe(18);
    expect(e.message).toMatch(/expected ',' or '\]', found "x" at 18/);
  });

  it('reports a stream that ends inside an event', () => {
    const e = streamError(['[{"a":1},{"b":', '"unfinished']);
    expect(e.message).toMatch(/stream ended inside an event/);
    expect(e.position).toBe(9);
  });

  it('stays failed after an error', () => {
    const parser = new EventStreamParser();
    expect(() => parser.push('x')).toThrow(EventStreamError);
    expect(() => parser.push('[')).toThrow(/expected '\['/);
    expect(() => parser.end()).toThrow(EventStreamError);
  });

  it('limits the size of one event', () => {
    const big = JSON.stringify({ pad: 'x'.repeat(100) });
    expect(streamError(['[', big.slice(0, 50), big.slice(50)], { maxEventSize: 64 }).message).toMatch(/longer than 64/);
    expect(streamError(['[' + big + ']'], { maxEventSize: 64 }).position).toBe(1);
    expect(parseAll(['[' + big + ']'])).toHaveLength(1);
  });

  it('parses a long stream incrementally', () => {
    const parser = new EventStreamParser();
    const w = new EventStreamWriter();
    let got = parser.push(w.open()).length;
    for (let i = 0; i < 1000; i++) {
      const chunk = w.write(createEvent('ping', { direction: 'c2s', call: CALL, ts: TS, nonce: String(i) }));
      got += parser.push(chunk.slice(0, 7)).length;
      got += parser.push(chunk.slice(7)).length;
    }
    parser.push(w.close());
    expect(got).toBe(1000);
    expect(parser.closed).toBe(true);
  });
});

describe('isRfc3339Ms', () => {
  it.each([
    TS,
    '2024-02-29T23:59:59.999Z',
    '2025-01-31t12:00:00.000z',
    '2025-01-31T12:00:00.000+05:30',
    '2025-01-31T12:00:00.000-08:00',
  ])('accepts %s', (s) => expect(isRfc3339Ms(s)).toBe(true));

  it.each([
    '2025-01-31T12:00:00Z',
    '2025-01-31T12:00:00.12Z',
    '2025-01-31T12:00:00.1234Z',
    '2025-01-31 12:00:00.000Z',
    '2025-01-31T12:00:00.000',
    '2025-01-31T12:00:00.000+0530',
    '2025-02-29T00:00:00.000Z',
    '2025-04-31T00:00:00.000Z',
    '2025-13-01T00:00:00.000Z',
    '2025-00-01T00:00:00.000Z',
    '2025-01-00T00:00:00.000Z',
    '2025-01-01T24:00:00.000Z',
    '2025-01-01T23:60:00.000Z',
    '2025-01-01T23:59:60.000Z',
    '2025-01-01T00:00:00.000+24:00',
    '1735689600000',
  ])('rejects %s', (s) => expect(isRfc3339Ms(s)).toBe(false));

  it('rejects non-strings', () => {
    expect(isRfc3339Ms(1735689600000)).toBe(false);
    expect(isRfc3339Ms(null)).toBe(false);
  });
});

describe('validateEvent', () => {
  it('accepts every sample event', () => {
    for (const e of sampleEvents) expect(validateEvent(JSON.parse(JSON.stringify(e)))).toEqual({ ok: true, event: e });
  });

  it('accepts every event type', () => {
    for (const type of EVENT_TYPES) {
      const extra = {
        failed: { reason: 'r' },
        end: { reason: 'r' },
        migrate: { to: CALL + '2' },
        ping: { nonce: 'n' },
        pong: { nonce: 'n' },
      };
      const value = { type, direction: 's2c', ts: TS, call: CALL, ...((extra as Record<string, object>)[type] ?? {}) };
      expect(validateEvent(value).ok).toBe(true);
    }
  });

  it('drops unknown fields', () => {
    const r = validateEvent({ type: 'ping', direction: 'c2s', ts: TS, call: CALL, nonce: 'n', extra: 1, reason: 'x' });
    expect(r).toEqual({ ok: true, event: { type: 'ping', direction: 'c2s', ts: TS, call: CALL, nonce: 'n' } });
  });

  it('lists every field error', () => {
    const r = validateEvent({
      type: 'migrate',
      direction: 'up',
      ts: 'yesterday',
      call: 'http://x/calls/1',
      to: 'ftp://y',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.field)).toEqual(['direction', 'ts', 'call', 'to']);
  });

  it.each<[string, unknown, string]>([
    ['a non-object', 'end', ''],
    ['null', null, ''],
    ['an array', [], ''],
    ['an unknown type', { type: 'hangup', direction: 'c2s', ts: TS, call: CALL }, 'type'],
    ['a missing type', { direction: 'c2s', ts: TS, call: CALL }, 'type'],
    ['a missing reason', { type: 'end', direction: 'c2s', ts: TS, call: CALL }, 'reason'],
    ['an empty reason', { type: 'failed', direction: 's2c', ts: TS, call: CALL, reason: '' }, 'reason'],
    ['a numeric nonce', { type: 'ping', direction: 'c2s', ts: TS, call: CALL, nonce: 5 }, 'nonce'],
    ['a long nonce', { type: 'ping', direction: 'c2s', ts: TS, call: CALL, nonce: 'n'.repeat(257) }, 'nonce'],
    ['a relative migrate target', { type: 'migrate', direction: 's2c', ts: TS, call: CALL, to: '/calls/2' }, 'to'],
    ['a missing call', { type: 'answered', direction: 's2c', ts: TS }, 'call'],
    ['a non-URI call', { type: 'answered', direction: 's2c', ts: TS, call: 'call-1' }, 'call'],
    ['a numeric ts', { type: 'answered', direction: 's2c', ts: 1735689600000, call: CALL }, 'ts'],
  ])('rejects %s', (_name, value, field) => {
    const r = validateEvent(value);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.field)).toContain(field);
  });

  it('checks the expected direction, call and types', () => {
    const ping = { type: 'ping', direction: 'c2s', ts: TS, call: CALL, nonce: 'n' };
    expect(validateEvent(ping, { direction: 'c2s', call: CALL, allowedTypes: ['ping'] }).ok).toBe(true);
    expect(validateEvent(ping, { direction: 's2c' })).toEqual({
      ok: false,
      errors: [{ field: 'direction', message: "direction must be 's2c'" }],
    });
    expect(validateEvent(ping, { call: CALL + 'x' })).toEqual({
      ok: false,
      errors: [{ field: 'call', message: 'call does not match this call' }],
    });
    expect(validateEvent(ping, { allowedTypes: ['end'] })).toEqual({
      ok: false,
      errors: [{ field: 'type', message: "event type 'ping' is not allowed here" }],
    });
  });
});

describe('validateClientEvent', () => {
  it('accepts end, ping and pong from the client', () => {
    expect(CLIENT_EVENT_TYPES).toEqual(['end', 'ping', 'pong']);
    expect(validateClientEvent({ type: 'end', direction: 'c2s', ts: TS, call: CALL, reason: 'normal' }, CALL).ok).toBe(
      true,
    );
    expect(validateClientEvent({ type: 'pong', direction: 'c2s', ts: TS, call: CALL, nonce: 'n' }).ok).toBe(true);
  });

  it('rejects server-only types, s2c direction and another call', () => {
    expect(validateClientEvent({ type: 'answered', direction: 'c2s', ts: TS, call: CALL }).ok).toBe(false);
    expect(validateClientEvent({ type: 'migrate', direction: 'c2s', ts: TS, call: CALL, to: CALL }).ok).toBe(false);
    expect(validateClientEvent({ type: 'end', direction: 's2c', ts: TS, call: CALL, reason: 'x' }).ok).toBe(false);
    expect(validateClientEvent({ type: 'end', direction: 'c2s', ts: TS, call: CALL, reason: 'x' }, CALL + '9').ok).toBe(
      false,
    );
  });

  it('validates what the stream parser yields', () => {
    const parser = new EventStreamParser();
    const events = parser.push(
      '[' + JSON.stringify(createEvent('ping', { direction: 'c2s', call: CALL, ts: TS, nonce: 'q' })) + ']',
    );
    expect(events.map((e) => validateClientEvent(e, CALL).ok)).toEqual([true]);
  });
});

describe('validateEvent: sip-status (profile §10)', () => {
  const base = { direction: 's2c', ts: TS, call: CALL };

  it('keeps the SIP status of final events', () => {
    const failed = validateEvent({ ...base, type: 'failed', reason: 'sip-503', 'sip-status': 503 });
    expect(failed).toEqual({ ok: true, event: { ...base, type: 'failed', reason: 'sip-503', 'sip-status': 503 } });
    const declined = validateEvent({ ...base, type: 'declined', 'sip-status': 486 });
    expect(declined).toEqual({ ok: true, event: { ...base, type: 'declined', 'sip-status': 486 } });
  });

  it('refuses a status that is not a SIP code, and drops it from other types', () => {
    for (const bad of [99, 700, 486.5, '486']) {
      expect(validateEvent({ ...base, type: 'end', reason: 'normal', 'sip-status': bad })).toMatchObject({
        ok: false,
        errors: [{ field: 'sip-status' }],
      });
    }
    expect(validateEvent({ ...base, type: 'alerting', 'sip-status': 180 })).toEqual({
      ok: true,
      event: { ...base, type: 'alerting' },
    });
    expect(validateEvent({ ...base, type: 'answered', 'sip-status': 200 })).toEqual({
      ok: true,
      event: { ...base, type: 'answered', 'sip-status': 200 },
    });
  });

  it('keeps the SIP Call-ID of final events and refuses a malformed one', () => {
    const end = validateEvent({
      ...base,
      type: 'end',
      reason: 'normal',
      'sip-status': 200,
      'sip-call-id': 'a84b4c76e66710@pc33',
    });
    expect(end).toEqual({
      ok: true,
      event: { ...base, type: 'end', reason: 'normal', 'sip-status': 200, 'sip-call-id': 'a84b4c76e66710@pc33' },
    });
    expect(validateEvent({ ...base, type: 'answered', 'sip-call-id': 'c1@gw' })).toEqual({
      ok: true,
      event: { ...base, type: 'answered', 'sip-call-id': 'c1@gw' },
    });
    for (const bad of ['', 'with space', 'x'.repeat(257), 42]) {
      expect(validateEvent({ ...base, type: 'declined', 'sip-call-id': bad })).toMatchObject({
        ok: false,
        errors: [{ field: 'sip-call-id' }],
      });
    }
  });
});
