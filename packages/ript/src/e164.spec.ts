import { E164_PATTERN, isE164 } from './e164.js';

describe('E.164', () => {
  it.each(['+12', '+14085550100', '+442071838750', '+123456789012345'])('accepts %s', (n) => {
    expect(isE164(n)).toBe(true);
    expect(E164_PATTERN.test(n)).toBe(true);
  });

  it.each([
    '',
    '+',
    '+1',
    '+0123',
    '14085550100',
    '+04085550100',
    '+1234567890123456',
    '+1 408 555 0100',
    '+1-408',
    ' +14085550100',
    '+14085550100 ',
    '+1408555010a',
    '++1408',
    '+１２３', // full-width digits
  ])('refuses %j', (n) => expect(isE164(n)).toBe(false));

  it('refuses what is not a string', () => {
    for (const v of [undefined, null, 14085550100, ['+14085550100']]) expect(isE164(v)).toBe(false);
  });
});
