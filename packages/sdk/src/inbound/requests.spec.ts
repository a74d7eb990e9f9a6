import { parseAdvertisement } from '@riptrunk/ript';
import { bearerOf, HttpProblem, tokenMatches } from './http.js';
import { handlerIdOf, parseCallRequest, parseHandlerRequest } from './requests.js';

const TG = parseAdvertisement('1 in: PCMU; PCMA; 1 out: PCMU; PCMA;');

function problemOf(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    if (err instanceof HttpProblem) return { status: err.status, ...err.body() };
    throw err;
  }
  throw new Error('no problem');
}

describe('inbound request checks', () => {
  it('parses handler registrations, with the position of an advertisement error', () => {
    expect(parseHandlerRequest({ 'handler-id': 'pbx-1', advertisement: '1 in: PCMA; 1 out: PCMA;' }, TG)).toMatchObject(
      {
        id: 'pbx-1',
        advertisement: '1 in: PCMA; 1 out: PCMA;',
      },
    );
    expect(parseHandlerRequest({ advertisement: '1 in: PCMU;' }, TG, 'from-path').id).toBe('from-path');
    expect(problemOf(() => parseHandlerRequest({ 'handler-id': 'x', advertisement: '1 in: PCMU' }, TG))).toMatchObject({
      status: 400,
      type: 'urn:riptrunk:problem:advertisement-syntax',
      position: 10,
    });
    expect(
      problemOf(() => parseHandlerRequest({ 'handler-id': 'x', advertisement: '1 out: opus;' }, TG)),
    ).toMatchObject({ status: 400, type: 'urn:riptrunk:problem:no-common-codec' });
    expect(
      problemOf(() => parseHandlerRequest({ 'handler-id': 'other', advertisement: '1 in: PCMU;' }, TG, 'x')),
    ).toMatchObject({ errors: [{ pointer: '#/handler-id', detail: 'handler-id must match the handler URI' }] });
    expect(problemOf(() => parseHandlerRequest([], TG))).toMatchObject({ status: 400 });
  });

  it('validates call requests field by field', () => {
    expect(parseCallRequest({ handler: 'h', destination: '+14085550100', from: '+15550100001' })).toEqual({
      handler: 'h',
      destination: '+14085550100',
      from: '+15550100001',
    });
    const p = problemOf(() => parseCallRequest({ destination: '+0', from: 'x', passport: '', foo: 1 }));
    expect((p.errors as { pointer: string }[]).map((e) => e.pointer).sort()).toEqual([
      '#/destination',
      '#/foo',
      '#/from',
      '#/handler',
      '#/passport',
    ]);
  });

  it('takes the handler id from a handler URI path only', () => {
    const path = '/ript/v1/tgs/in/handlers';
    expect(handlerIdOf('https://a.example/ript/v1/tgs/in/handlers/pbx-1', path)).toBe('pbx-1');
    expect(handlerIdOf('https://other.example:8443/ript/v1/tgs/in/handlers/pbx%2D1', path)).toBe('pbx-1');
    for (const bad of [
      'http://a.example/ript/v1/tgs/in/handlers/pbx-1',
      'https://a.example/ript/v1/tgs/other/handlers/pbx-1',
      'https://a.example/ript/v1/tgs/in/handlers/a/b',
      'https://a.example/ript/v1/tgs/in/handlers/pbx-1?x=1',
      'https://a.example/ript/v1/tgs/in/handlers/%E0',
      'not a uri',
    ]) {
      expect(handlerIdOf(bad, path)).toBeNull();
    }
  });

  it('compares bearer tokens exactly', () => {
    const token = 'abcdefghijklmnopqrstuvwxyz012345';
    expect(tokenMatches(bearerOf(`Bearer ${token}`), token)).toBe(true);
    expect(tokenMatches(bearerOf(`bearer ${token}`), token)).toBe(true);
    expect(tokenMatches(bearerOf(`Bearer ${token}x`), token)).toBe(false);
    expect(tokenMatches(bearerOf(`Basic ${token}`), token)).toBe(false);
    expect(tokenMatches(bearerOf(undefined), token)).toBe(false);
    expect(tokenMatches(bearerOf('Bearer '), token)).toBe(false);
  });
});
