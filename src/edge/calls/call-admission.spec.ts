import { parseAdvertisement, type PassportVerification } from '@riptrunk/ript';
import type { EdgeConsumerTg, EdgeRange, EdgeTrunk } from '../../contracts/edge-snapshot.js';
import {
  type CallCheck,
  checkCall,
  checkLimits,
  checkRequest,
  type CallRefusal,
  isRefusal,
  type OnNetDirectory,
  offNetCandidates,
  retryAfterOf,
  routeOf,
} from './call-admission.js';
import type { StoredHandler } from './handler-store.js';

const trunk: EdgeTrunk = {
  id: 'trk_1',
  tenantId: 'ten_1',
  name: 'main',
  destinations: ['+1555010*', '+1408555*'],
  codecs: ['PCMU', 'opus'],
  advertisement: '1 in: PCMU; opus; 1 out: PCMU; opus;',
  maxConcurrentCalls: 2,
  maxCallsPerSecond: 5,
  state: 'active',
  callerIdRangeIds: null,
  version: 1,
};
const ranges: EdgeRange[] = [{ id: 'rng_1', tenantId: 'ten_1', start: '+14085550100', end: '+14085550199' }];
const handler: StoredHandler = {
  handlerId: 'h1',
  tenantId: 'ten_1',
  trunkId: 'trk_1',
  advertisement: '1 in: PCMU; opus; 1 out: PCMU; opus;',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};
const request = {
  handler: 'https://edge.example/ript/v1/tgs/trk_1/handlers/h1',
  destination: '+15550100001',
  from: '+14085550101',
};
const calleeTg: EdgeConsumerTg = {
  id: 'ctg_1',
  tenantId: 'ten_2',
  trunkId: 'trk_2',
  uri: 'https://pbx.example/tg',
  token: 't',
  handlersUri: 'https://pbx.example/tg/handlers',
  callsUri: 'https://pbx.example/tg/calls',
  destinations: ['+14085559*'],
  priority: 100,
};
const onNet = (over: Partial<OnNetDirectory> = {}): OnNetDirectory => ({
  rangeOwning: (n) =>
    n.startsWith('+14085559')
      ? { id: 'rng_2', tenantId: 'ten_2', start: '+14085559000', end: '+14085559999' }
      : undefined,
  tenantStatus: () => 'active',
  tenantKind: () => 'enterprise',
  consumerTgsOf: () => [calleeTg],
  interconnectConsumerTgs: () => [],
  ...over,
});

function check(over: Partial<CallCheck> = {}): CallCheck {
  return {
    trunk,
    trunkAd: () => parseAdvertisement(trunk.advertisement),
    request,
    handler,
    tenantRanges: () => ranges,
    onNet: onNet(),
    ...over,
  };
}

function refused(value: unknown): CallRefusal & { outcome: Exclude<CallRefusal['outcome'], 'invalid'> } {
  if (!isRefusal(value) || value.outcome === 'invalid') throw new Error(`expected a problem refusal: ${String(value)}`);
  return value as never;
}

describe('call admission: the request', () => {
  const base = { draining: false, trunk, retryAfter: '2' };

  it('accepts a valid request as it is', () => {
    expect(checkRequest({ ...base, body: request })).toEqual(request);
  });

  it('refuses while draining before looking at the body, with Retry-After', () => {
    expect(checkRequest({ ...base, draining: true, body: 'not even an object' })).toMatchObject({
      outcome: 'draining',
      status: 503,
      slug: 'edge-draining',
      headers: { 'retry-after': '2' },
    });
  });

  it('lists field errors: not an object, unknown and malformed fields', () => {
    expect(checkRequest({ ...base, body: [] })).toEqual({
      refused: true,
      outcome: 'invalid',
      errors: [{ pointer: '#', detail: 'the body must be a JSON object' }],
    });
    const invalid = checkRequest({ ...base, body: { ...request, from: '14085550101', colour: 'red' } });
    expect(invalid).toMatchObject({ outcome: 'invalid' });
    const pointers = (invalid as { errors: { pointer: string }[] }).errors.map((e) => e.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['#/colour', '#/from']));
  });

  it('refuses a disabled TG after validating the body', () => {
    const disabled = { ...trunk, state: 'disabled' as const };
    expect(checkRequest({ ...base, trunk: disabled, body: request })).toMatchObject({
      outcome: 'tg-disabled',
      status: 403,
      slug: 'tg-disabled',
      extra: { tg: 'trk_1' },
    });
    expect(checkRequest({ ...base, trunk: disabled, body: {} })).toMatchObject({ outcome: 'invalid' });
  });

  it('gives a Retry-After of at least one second', () => {
    expect(retryAfterOf(200)).toBe('1');
    expect(retryAfterOf(2500)).toBe('3');
  });
});

describe('call admission: the call', () => {
  it('routes a test line with directives from the handler and the trunk', () => {
    const plan = checkCall(check());
    if (isRefusal(plan)) throw new Error(plan.outcome);
    expect(plan.line).toBe('echo');
    expect(plan.consumerTgs).toBeUndefined();
    expect(plan.directives.client.map((d) => d.codec)).toContain('PCMU');
  });

  it('refuses a handler that is missing or another tenant’s', () => {
    expect(refused(checkCall(check({ handler: null })))).toMatchObject({
      outcome: 'handler-not-registered',
      status: 409,
      extra: { handler: request.handler },
    });
    expect(refused(checkCall(check({ handler: { ...handler, tenantId: 'ten_9' } }))).slug).toBe(
      'handler-not-registered',
    );
  });

  it('checks caller ID against the trunk’s ranges without a PASSporT', () => {
    const outside = refused(checkCall(check({ request: { ...request, from: '+14085550200' } })));
    expect(outside).toMatchObject({
      outcome: 'caller-id',
      status: 403,
      slug: 'caller-id-not-allowed',
      extra: { allowed: ['+14085550100-+14085550199'] },
    });
    const named = { ...trunk, callerIdRangeIds: [] };
    expect(refused(checkCall(check({ trunk: named }))).slug).toBe('caller-id-not-allowed');
  });

  it('takes a verified PASSporT for the caller ID it asserts, and only that one', () => {
    const withPassport = { ...request, from: '+12125550100', passport: 'a.b.c' };
    const ok: PassportVerification = {
      ok: true,
      orig: '+12125550100',
      dest: [request.destination],
      attest: 'A',
      x5u: 'https://cert.example/x',
      origid: 'o',
      iat: 1,
    };
    expect(isRefusal(checkCall(check({ request: withPassport, passport: ok })))).toBe(false);
    expect(
      refused(checkCall(check({ request: withPassport, passport: { ...ok, orig: '+12125550199' } }))),
    ).toMatchObject({ slug: 'caller-id-not-allowed', extra: { orig: '+12125550199' } });
    expect(
      refused(checkCall(check({ request: withPassport, passport: { ok: false, reason: 'stale' } }))),
    ).toMatchObject({ outcome: 'caller-id', slug: 'passport-invalid', extra: { reason: 'stale' } });
    expect(() => checkCall(check({ request: withPassport }))).toThrow(/verification/);
  });

  it('takes any E.164 caller on an interconnect trunk without a PASSporT, and checks one it sends as today', () => {
    const icTrunk = { ...trunk, tenantId: 'ten_ic' };
    const ic = {
      trunk: icTrunk,
      handler: { ...handler, tenantId: 'ten_ic' },
      tenantRanges: () => [],
      onNet: onNet({ tenantKind: (id) => (id === 'ten_ic' ? 'interconnect' : 'enterprise') }),
    };
    const pstnCaller = { ...request, destination: '+14085559001', from: '+442071838750' };
    expect(checkCall(check({ ...ic, request: pstnCaller }))).toMatchObject({ line: 'onnet' });
    const signed = { ...pstnCaller, passport: 'a.b.c' };
    const ok: PassportVerification = {
      ok: true,
      orig: '+442071838750',
      dest: ['+14085559001'],
      attest: 'B',
      x5u: 'https://cert.example/x',
      origid: 'o',
      iat: 1,
    };
    expect(checkCall(check({ ...ic, request: signed, passport: ok }))).toMatchObject({ line: 'onnet' });
    expect(
      refused(checkCall(check({ ...ic, request: signed, passport: { ok: false, reason: 'stale' } }))),
    ).toMatchObject({ slug: 'passport-invalid' });
    expect(
      refused(checkCall(check({ ...ic, request: signed, passport: { ...ok, orig: '+33123456789' } }))),
    ).toMatchObject({ slug: 'caller-id-not-allowed' });
    // the same caller from an enterprise trunk is refused
    expect(refused(checkCall(check({ request: pstnCaller }))).slug).toBe('caller-id-not-allowed');
  });

  it('refuses destinations the trunk may not call', () => {
    expect(refused(checkCall(check({ request: { ...request, destination: '+33123456789' } })))).toMatchObject({
      outcome: 'destination-not-allowed',
      status: 403,
      extra: { destination: '+33123456789', allowed: trunk.destinations },
    });
  });

  it('routes on-net numbers to the owner’s consumer TGs that take them, else 404', () => {
    const onnet = { ...request, destination: '+14085559001' };
    const plan = checkCall(check({ request: onnet }));
    if (isRefusal(plan)) throw new Error(plan.outcome);
    expect(plan).toMatchObject({ line: 'onnet', consumerTgs: [calleeTg] });

    const off = refused(checkCall(check({ request: onnet, onNet: onNet({ tenantStatus: () => 'suspended' }) })));
    expect(off).toMatchObject({ outcome: 'unreachable', status: 404, slug: 'destination-unreachable' });
    expect(off.detail).toMatch(/service is off/);
    const noTg = refused(checkCall(check({ request: onnet, onNet: onNet({ consumerTgsOf: () => [] }) })));
    expect(noTg).toMatchObject({ outcome: 'unreachable', status: 404, slug: 'callee-unavailable' });
    expect(noTg.detail).toMatch(/no active consumer TG/);
    const nowhere = refused(checkCall(check({ request: { ...request, destination: '+14085551234' } })));
    expect(nowhere).toMatchObject({ slug: 'destination-unreachable', detail: 'No route to +14085551234' });
    const unassigned = refused(checkCall(check({ request: { ...request, destination: '+15550100099' } })));
    expect(unassigned.detail).toMatch(/not an assigned test line/);
  });

  describe('off-net (profile §10)', () => {
    const gw = (id: string, destinations: string[], priority = 100): EdgeConsumerTg => ({
      ...calleeTg,
      id,
      tenantId: `ten_ic_${id}`,
      destinations,
      priority,
    });
    const a = gw('a', ['+44*'], 50);
    const b = gw('b', ['+4420*'], 200);
    const c = gw('c', ['*'], 1);
    const d = gw('d', ['+44*'], 10);
    const directory = (tgs: EdgeConsumerTg[], over: Partial<OnNetDirectory> = {}) =>
      onNet({ interconnectConsumerTgs: () => tgs, ...over });

    it('orders the matching interconnect consumer TGs by specificity, then priority', () => {
      expect(offNetCandidates('+442071838750', [a, b, c, d]).map((t) => t.id)).toEqual(['b', 'd', 'a', 'c']);
      expect(offNetCandidates('+33123456789', [a, b, c, d]).map((t) => t.id)).toEqual(['c']);
      expect(offNetCandidates('+33123456789', [a, b, d])).toEqual([]);
      // a TG counts with its most specific matching pattern
      const both = gw('e', ['*', '+442071838750'], 999);
      expect(offNetCandidates('+442071838750', [a, b, both]).map((t) => t.id)).toEqual(['e', 'b', 'a']);
    });

    it('routes off-net only what is neither a test line nor on-net, else 404', () => {
      const everywhere = directory([c]);
      expect(routeOf('+442071838750', everywhere)).toEqual({ line: 'onnet', consumerTgs: [c] });
      expect(routeOf('+15550100001', everywhere)).toEqual({ line: 'echo' });
      expect(routeOf('+14085559001', everywhere)).toEqual({ line: 'onnet', consumerTgs: [calleeTg] });
      // an on-net number whose owner cannot take it does not leak off-net
      const down = directory([c], { consumerTgsOf: () => [] });
      expect(routeOf('+14085559001', down)).toMatchObject({ status: 404, slug: 'callee-unavailable' });
      expect(routeOf('+442071838750', directory([]))).toMatchObject({
        status: 404,
        slug: 'destination-unreachable',
        detail: 'No route to +442071838750',
      });
    });

    it('never takes a number range of an interconnect tenant as on-net', () => {
      const icRange = directory([c], { tenantKind: (id) => (id === 'ten_2' ? 'interconnect' : 'enterprise') });
      expect(routeOf('+14085559001', icRange)).toEqual({ line: 'onnet', consumerTgs: [c] });
    });

    it('orders on-net consumer TGs by priority, keeping registration order between equals', () => {
      const first = { ...calleeTg, id: 'ctg_first', priority: 100 };
      const second = { ...calleeTg, id: 'ctg_second', priority: 100 };
      const preferred = { ...calleeTg, id: 'ctg_preferred', priority: 5 };
      const plan = routeOf('+14085559001', onNet({ consumerTgsOf: () => [first, second, preferred] }));
      expect(isRefusal(plan) ? plan : plan.consumerTgs?.map((t) => t.id)).toEqual([
        'ctg_preferred',
        'ctg_first',
        'ctg_second',
      ]);
    });

    it('lets an interconnect trunk reach on-net numbers only (no transit)', () => {
      const fromIc = { fromInterconnect: true };
      expect(routeOf('+14085559001', directory([c]), fromIc)).toEqual({ line: 'onnet', consumerTgs: [calleeTg] });
      expect(routeOf('+442071838750', directory([c]), fromIc)).toMatchObject({
        outcome: 'destination-not-allowed',
        status: 403,
        slug: 'interconnect-transit',
      });
      const icTrunk = { ...trunk, tenantId: 'ten_ic', destinations: ['*'] };
      const viaCheck = refused(
        checkCall(
          check({
            trunk: icTrunk,
            handler: { ...handler, tenantId: 'ten_ic' },
            request: { ...request, destination: '+442071838750', from: '+33123456789' },
            onNet: directory([c], { tenantKind: (id) => (id === 'ten_ic' ? 'interconnect' : 'enterprise') }),
          }),
        ),
      );
      expect(viaCheck.slug).toBe('interconnect-transit');
    });
  });

  it('refuses a handler with no codec in common, and the tone line without G.711', () => {
    const opusOnly = { ...handler, advertisement: '1 in: opus; 1 out: opus;' };
    expect(
      refused(checkCall(check({ handler: { ...handler, advertisement: '1 in: G722; 1 out: G722;' } }))),
    ).toMatchObject({ outcome: 'no-common-codec', status: 409, slug: 'no-common-codec' });
    expect(isRefusal(checkCall(check({ handler: opusOnly })))).toBe(false);
    const tone = refused(checkCall(check({ handler: opusOnly, request: { ...request, destination: '+15550100002' } })));
    expect(tone).toMatchObject({ outcome: 'no-common-codec', status: 409 });
    expect(tone.detail).toMatch(/^The tone test line plays PCMU or PCMA only/);
  });

  it('asks for the trunk’s advertisement and ranges only when it needs them', () => {
    const never = () => {
      throw new Error('not needed');
    };
    expect(refused(checkCall(check({ handler: null, trunkAd: never, tenantRanges: never }))).slug).toBe(
      'handler-not-registered',
    );
  });
});

describe('call admission: the limits', () => {
  it('lets the call go ahead within the limits', () => {
    expect(checkLimits(trunk, { ok: true, active: 1 }, '2')).toBeNull();
  });

  it('refuses at the concurrency limit with the TG’s Retry-After', () => {
    expect(checkLimits(trunk, { ok: false, limit: 'concurrency', retryAfterMs: null }, '2')).toMatchObject({
      outcome: 'concurrency-limit',
      status: 429,
      extra: { limit: 'max-concurrent-calls', value: 2 },
      headers: { 'retry-after': '2' },
    });
  });

  it('refuses at the call rate limit with a Retry-After from the limiter', () => {
    expect(checkLimits(trunk, { ok: false, limit: 'cps', retryAfterMs: 1500 }, '2')).toMatchObject({
      outcome: 'cps-limit',
      slug: 'cps-limit',
      extra: { limit: 'max-calls-per-second', value: 5 },
      headers: { 'retry-after': '2' },
    });
    expect(refused(checkLimits(trunk, { ok: false, limit: 'cps', retryAfterMs: 400 }, '9')).headers).toEqual({
      'retry-after': '1',
    });
  });
});
