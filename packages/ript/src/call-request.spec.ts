import { CALL_REQUEST_FIELDS, callRequestErrors } from './call-request.js';

const valid = { handler: 'https://edge.example/h/1', destination: '+442071838750', from: '+14085550100' };

describe('callRequestErrors', () => {
  it('accepts a minimal request and the interworking fields', () => {
    expect(callRequestErrors(valid)).toEqual([]);
    expect(
      callRequestErrors({ ...valid, passport: 'a.b.c', verstat: 'TN-Validation-Passed', 'sip-call-id': 'abc@host' }),
    ).toEqual([]);
    expect(CALL_REQUEST_FIELDS).toEqual(expect.arrayContaining(['verstat', 'sip-call-id']));
  });

  it('names each bad field', () => {
    const errors = callRequestErrors({ handler: '', destination: '+1', from: 'x', verstat: 'A', 'sip-call-id': '' });
    expect(errors.map((e) => e.pointer)).toEqual([
      '#/handler',
      '#/destination',
      '#/from',
      '#/verstat',
      '#/sip-call-id',
    ]);
    expect(callRequestErrors({ ...valid, 'sip-call-id': 'x'.repeat(257) })[0]?.pointer).toBe('#/sip-call-id');
  });
});
