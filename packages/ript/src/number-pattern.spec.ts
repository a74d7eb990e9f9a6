import {
  compareE164,
  compareSpecificity,
  mostSpecificMatch,
  patternSpecificity,
  formatNumberPattern,
  isPatternWithin,
  matches,
  matchesAny,
  NumberPatternError,
  parseNumberPattern,
  tryParseNumberPattern,
} from './number-pattern.js';

function errorOf(input: string): NumberPatternError {
  try {
    parseNumberPattern(input);
  } catch (e) {
    if (e instanceof NumberPatternError) return e;
    throw e;
  }
  throw new Error(`no error for ${JSON.stringify(input)}`);
}

describe('compareE164', () => {
  it('compares numerically', () => {
    expect(compareE164('+2', '+10')).toBe(-1);
    expect(compareE164('+10', '+2')).toBe(1);
    expect(compareE164('+14085550100', '+14085550100')).toBe(0);
    expect(compareE164('+14085550100', '+14085550199')).toBe(-1);
  });
});

describe('parseNumberPattern', () => {
  it('parses a number', () => {
    expect(parseNumberPattern('+14085550100')).toEqual({ kind: 'number', number: '+14085550100' });
  });

  it('parses a range', () => {
    expect(parseNumberPattern('+14085550100-+14085550199')).toEqual({
      kind: 'range',
      start: '+14085550100',
      end: '+14085550199',
    });
  });

  it('parses a single-number range and a range of different lengths', () => {
    expect(parseNumberPattern('+1-+1')).toEqual({ kind: 'range', start: '+1', end: '+1' });
    expect(parseNumberPattern('+9-+100')).toEqual({ kind: 'range', start: '+9', end: '+100' });
  });

  it('parses a prefix and all', () => {
    expect(parseNumberPattern('+1*')).toEqual({ kind: 'prefix', prefix: '+1' });
    expect(parseNumberPattern('+44207*')).toEqual({ kind: 'prefix', prefix: '+44207' });
    expect(parseNumberPattern('*')).toEqual({ kind: 'all' });
  });

  it.each<[string, number, RegExp]>([
    ['', 0, /empty/],
    ['14085550100', 0, /expected '\+'/],
    ['+', 1, /expected a digit/],
    ['+0123', 1, /cannot start with 0/],
    ['+1234567890123456', 16, /more than 15 digits/],
    ['+1408x', 5, /unexpected character 'x'/],
    ['+1408 ', 5, /unexpected character ' '/],
    [' +1408', 0, /expected '\+'/],
    ['+1*5', 3, /after '\*'/],
    ['+1**', 3, /after '\*'/],
    ['+100-+99', 5, /below range start/],
    ['+100-', 5, /expected '\+'/],
    ['+100-100', 5, /expected '\+'/],
    ['+100-+', 6, /expected a digit/],
    ['+100-+200x', 9, /unexpected character 'x'/],
    ['+100-+200-+300', 9, /unexpected character '-'/],
    ['+100-+200*', 9, /unexpected character '\*'/],
    ['**', 0, /expected '\+'/],
    ['*1', 0, /expected '\+'/],
    ['+1-+01', 4, /cannot start with 0/],
  ])('rejects %j at %i', (input, position, message) => {
    const e = errorOf(input);
    expect(e.position).toBe(position);
    expect(e.message).toMatch(message);
    expect(e.message).toContain(`at ${position}`);
    expect(e.name).toBe('NumberPatternError');
  });

  it('tryParseNumberPattern returns null on errors', () => {
    expect(tryParseNumberPattern('+1x')).toBeNull();
    expect(tryParseNumberPattern('+1*')).toEqual({ kind: 'prefix', prefix: '+1' });
  });

  it.each(['+14085550100', '+14085550100-+14085550199', '+1*', '*', '+123456789012345*', '+5-+12'])(
    'round-trips %s',
    (s) => {
      expect(formatNumberPattern(parseNumberPattern(s))).toBe(s);
    },
  );
});

describe('matches', () => {
  it('matches an exact number', () => {
    expect(matches('+14085550100', '+14085550100')).toBe(true);
    expect(matches('+14085550100', '+14085550101')).toBe(false);
    expect(matches('+14085550100', '+140855501000')).toBe(false);
  });

  it('matches an inclusive range', () => {
    const r = parseNumberPattern('+14085550100-+14085550199');
    expect(matches(r, '+14085550100')).toBe(true);
    expect(matches(r, '+14085550150')).toBe(true);
    expect(matches(r, '+14085550199')).toBe(true);
    expect(matches(r, '+14085550099')).toBe(false);
    expect(matches(r, '+14085550200')).toBe(false);
    expect(matches(r, '+1408555015')).toBe(false); // shorter, numerically below
    expect(matches(r, '+140855501500')).toBe(false); // longer, numerically above
  });

  it('matches ranges numerically across lengths', () => {
    expect(matches('+90-+1000', '+500')).toBe(true);
    expect(matches('+90-+1000', '+90')).toBe(true);
    expect(matches('+90-+1000', '+1000')).toBe(true);
    expect(matches('+90-+1000', '+89')).toBe(false);
    expect(matches('+90-+1000', '+1001')).toBe(false);
    expect(matches('+90-+1000', '+10000')).toBe(false);
  });

  it('matches a prefix', () => {
    expect(matches('+1*', '+14085550100')).toBe(true);
    expect(matches('+1*', '+12')).toBe(true);
    expect(matches('+1*', '+1')).toBe(false); // not an E.164 number: too short
    expect(matches('+1*', '+44207')).toBe(false);
    expect(matches('+44*', '+442071838750')).toBe(true);
    expect(matches('+44*', '+4')).toBe(false);
  });

  it('matches everything with *', () => {
    expect(matches('*', '+14085550100')).toBe(true);
    expect(matches('*', '+99')).toBe(true);
  });

  it('never matches a non-E.164 input', () => {
    for (const p of ['*', '+1*', '+1-+9', '+1408']) {
      expect(matches(p, '14085550100')).toBe(false);
      expect(matches(p, '+1408 5550100')).toBe(false);
      expect(matches(p, '')).toBe(false);
    }
  });

  it('throws on an invalid pattern string', () => {
    expect(() => matches('+1x', '+12')).toThrow(NumberPatternError);
  });

  it('matchesAny', () => {
    expect(matchesAny(['+1*', '+44*'], '+442071838750')).toBe(true);
    expect(matchesAny(['+1*', '+44*'], '+33142685300')).toBe(false);
    expect(matchesAny([], '+1')).toBe(false);
  });
});

describe('isPatternWithin', () => {
  it.each<[string, string, boolean]>([
    ['+14085550100', '+14085550100-+14085550199', true],
    ['+14085550200', '+14085550100-+14085550199', false],
    ['+14085550100-+14085550149', '+14085550100-+14085550199', true],
    ['+14085550050-+14085550149', '+14085550100-+14085550199', false],
    ['+14085550150-+14085550200', '+14085550100-+14085550199', false],
    ['+14085550100-+14085550199', '+14085550100-+14085550199', true],
    ['+14085550100', '+1*', true],
    ['+14085550100-+14085550199', '+1408*', true],
    ['+14085550100-+14085550199', '+140855501*', true],
    ['+14085550100-+14085550199', '+1408555010*', false],
    ['+19-+100', '+1*', false], // spans lengths: contains +20
    ['+1408*', '+1*', true],
    ['+1*', '+1408*', false],
    ['+1408*', '+14085550100-+14085550199', false],
    ['+1408*', '+1408-+140899999999999', true],
    ['+123456789012345*', '+123456789012345', true], // 15-digit prefix is one number
    ['*', '*', true],
    ['*', '+1*', false],
    ['*', '+1-+999999999999999', true],
    ['+44*', '*', true],
    ['+14085550100', '+14085550100', true],
    ['+14085550100', '+14085550101', false],
    ['+14085550100-+14085550100', '+14085550100', true],
  ])('%s within %s: %s', (inner, outer, expected) => {
    expect(isPatternWithin(inner, outer)).toBe(expected);
  });
});

describe('specificity (off-net routing: longest pattern first)', () => {
  it('orders a number, a range, longer then shorter prefixes, then *', () => {
    const patterns = ['*', '+4*', '+442071838750', '+44*', '+442071838700-+442071838799', '+4420*'];
    expect([...patterns].sort(compareSpecificity)).toEqual([
      '+442071838750',
      '+442071838700-+442071838799',
      '+4420*',
      '+44*',
      '+4*',
      '*',
    ]);
  });

  it('prefers the narrower of two ranges, and ties equal ones', () => {
    expect(compareSpecificity('+441000-+441009', '+441000-+441099')).toBeLessThan(0);
    expect(compareSpecificity('+441000-+441099', '+441000-+441009')).toBeGreaterThan(0);
    expect(compareSpecificity('+442000-+442009', '+441000-+441009')).toBe(0);
    expect(compareSpecificity('+44*', '+33*')).toBe(0);
    // a range beats even a prefix longer than its ends
    expect(compareSpecificity('+1-+999999999999999', '+4420718387*')).toBeLessThan(0);
  });

  it('ranks parsed patterns and strings alike', () => {
    expect(patternSpecificity(parseNumberPattern('+44*'))).toEqual(patternSpecificity('+44*'));
    expect(patternSpecificity('+44*')).toEqual([1, 3]);
  });

  it('picks the most specific matching pattern, or null', () => {
    expect(mostSpecificMatch(['*', '+44*', '+4420*', '+33*'], '+442071838750')).toBe('+4420*');
    expect(mostSpecificMatch(['*', '+44*'], '+33123456789')).toBe('*');
    expect(mostSpecificMatch(['+44*', '+442071838750'], '+442071838750')).toBe('+442071838750');
    expect(mostSpecificMatch(['+44*', '+33*'], '+12125550100')).toBeNull();
    expect(mostSpecificMatch(['+44*'], 'not a number')).toBeNull();
    expect(mostSpecificMatch([], '+442071838750')).toBeNull();
  });
});
