import { validateEvent } from '../events.js';
import * as ript from './index.js';
import {
  riptFinalToSip,
  riptRefusalToSip,
  sipReasonPhrase,
  sipResponseToOutcome,
  sipStatusOfReason,
} from './sip-outcomes.js';

describe('SIP response → RIPT event', () => {
  it('maps the codes of profile §10', () => {
    const table = [100, 180, 181, 183, 200, 202, 302, 404, 486, 600, 603, 408, 480, 487, 488, 500, 503].map((s) => [
      s,
      sipResponseToOutcome(s).type,
    ]);
    expect(table).toEqual([
      [100, 'proceeding'],
      [180, 'alerting'],
      [181, 'proceeding'],
      [183, 'alerting'],
      [200, 'answered'],
      [202, 'answered'],
      [302, 'failed'],
      [404, 'failed'],
      [486, 'declined'],
      [600, 'declined'],
      [603, 'declined'],
      [408, 'noanswer'],
      [480, 'noanswer'],
      [487, 'noanswer'],
      [488, 'failed'],
      [500, 'failed'],
      [503, 'failed'],
    ]);
  });

  it('carries the sip-status, early media for 183 and the code in a failed reason', () => {
    expect(sipResponseToOutcome(183)).toEqual({ type: 'alerting', 'sip-status': 183, earlyMedia: true });
    expect(sipResponseToOutcome(180)).toEqual({ type: 'alerting', 'sip-status': 180, earlyMedia: false });
    expect(sipResponseToOutcome(486)).toEqual({ type: 'declined', 'sip-status': 486 });
    expect(sipResponseToOutcome(503)).toEqual({ type: 'failed', 'sip-status': 503, reason: 'sip-503' });
  });

  it('gives final outcomes that are valid RIPT events', () => {
    for (const status of [486, 480, 503]) {
      const o = sipResponseToOutcome(status);
      const v = validateEvent({ ...o, direction: 's2c', ts: '2026-01-01T00:00:00.000Z', call: 'https://e/c/1' });
      expect(v.ok).toBe(true);
      if (v.ok) expect((v.event as { 'sip-status'?: number })['sip-status']).toBe(status);
    }
  });

  it('rejects what is not a SIP status', () => {
    for (const bad of [99, 700, 200.5, NaN]) expect(() => sipResponseToOutcome(bad)).toThrow(RangeError);
  });

  it('reads sip-<code> reasons back', () => {
    expect(sipStatusOfReason('sip-503')).toBe(503);
    expect(sipStatusOfReason('sip-50')).toBeNull();
    expect(sipStatusOfReason('media-timeout')).toBeNull();
  });
});

describe('RIPT refusal → SIP final response', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('maps the slugs and statuses of POST calls', () => {
    const cases: [Parameters<typeof riptRefusalToSip>[0], number][] = [
      [{ status: 404, slug: 'destination-unreachable' }, 404],
      [{ status: 403, slug: 'caller-id' }, 403],
      [{ status: 403, slug: 'destination-not-allowed' }, 403],
      [{ status: 403, slug: 'passport-invalid' }, 438],
      [{ status: 409, slug: 'no-common-codec' }, 488],
      [{ status: 409, slug: 'handler-not-registered' }, 503],
      [{ status: 401 }, 503],
      [{ status: 400, slug: 'validation' }, 400],
      [{ status: 502, slug: 'callee-protocol-error' }, 502],
      [{ status: 503, slug: 'callee-unreachable' }, 503],
      [{ status: 503, slug: 'draining' }, 503],
      [{ status: 500 }, 500],
      [{ status: 418 }, 500],
    ];
    expect(cases.map(([r]) => riptRefusalToSip(r, now).status)).toEqual(cases.map(([, s]) => s));
    expect(riptRefusalToSip({ status: 404, slug: 'destination-unreachable' }).reason).toBe('Not Found');
    expect(riptRefusalToSip({ status: 404, slug: 'destination-unreachable' }).headers).toEqual({});
  });

  it('turns trunk limits into 503 with Retry-After in seconds', () => {
    expect(riptRefusalToSip({ status: 429, slug: 'cps-limit', retryAfter: '2' }, now)).toEqual({
      status: 503,
      reason: 'Service Unavailable',
      headers: { 'Retry-After': '2' },
    });
    expect(riptRefusalToSip({ status: 429, slug: 'concurrency-limit' }, now).headers).toEqual({ 'Retry-After': '1' });
    expect(riptRefusalToSip({ status: 429, retryAfter: 1.2 }, now).headers).toEqual({ 'Retry-After': '2' });
    expect(
      riptRefusalToSip({ status: 429, retryAfter: 'Thu, 01 Jan 2026 00:00:05 GMT' }, now).headers['Retry-After'],
    ).toBe('5');
    expect(riptRefusalToSip({ status: 503, slug: 'draining', retryAfter: '30' }, now).headers).toEqual({
      'Retry-After': '30',
    });
    expect(riptRefusalToSip({ status: 503, slug: 'draining' }, now).headers).toEqual({});
  });
});

describe('RIPT final event → SIP final response', () => {
  it('declined → 603 or the carried sip-status', () => {
    expect(riptFinalToSip({ type: 'declined' })).toEqual({ status: 603, reason: 'Decline', headers: {} });
    expect(riptFinalToSip({ type: 'declined', 'sip-status': 486 }).status).toBe(486);
    expect(riptFinalToSip({ type: 'declined', 'sip-status': 200 }).status).toBe(603);
  });

  it('noanswer → 480, 408 when timed out, or the carried one', () => {
    expect(riptFinalToSip({ type: 'noanswer' }).status).toBe(480);
    expect(riptFinalToSip({ type: 'noanswer', timedOut: true }).status).toBe(408);
    expect(riptFinalToSip({ type: 'noanswer', 'sip-status': 487 }).status).toBe(487);
  });

  it('failed → carried, sip-<code> reason, edge reasons, else 500', () => {
    expect(riptFinalToSip({ type: 'failed', reason: 'x', 'sip-status': 502 }).status).toBe(502);
    expect(riptFinalToSip({ type: 'failed', reason: 'sip-486' }).status).toBe(486);
    expect(riptFinalToSip({ type: 'failed', reason: 'callee-unreachable' }).status).toBe(503);
    expect(riptFinalToSip({ type: 'failed', reason: 'callee-protocol-error' }).status).toBe(502);
    expect(riptFinalToSip({ type: 'failed', reason: 'media-timeout' }).status).toBe(408);
    expect(riptFinalToSip({ type: 'failed', reason: 'constructor' }).status).toBe(500);
    expect(riptFinalToSip({ type: 'failed', reason: 'sip-180' }).status).toBe(500);
  });

  it('end before answer → 487', () => {
    expect(riptFinalToSip({ type: 'end', reason: 'caller-hung-up' })).toEqual({
      status: 487,
      reason: 'Request Terminated',
      headers: {},
    });
  });

  it('has reason phrases for every code it sends', () => {
    expect(sipReasonPhrase(488)).toBe('Not Acceptable Here');
    expect(sipReasonPhrase(438)).toBe('Invalid Identity Header');
    expect(sipReasonPhrase(499)).toBe('Bad Request');
    expect(sipReasonPhrase(599)).toBe('Server Internal Error');
    expect(() => sipReasonPhrase(1000)).toThrow(RangeError);
  });

  it('is exported from @riptrunk/ript/sip', () => {
    expect(ript.sipResponseToOutcome).toBe(sipResponseToOutcome);
    expect(ript.riptRefusalToSip).toBe(riptRefusalToSip);
  });
});
