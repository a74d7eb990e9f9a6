import { canonicalNumber, MAX_RANGE_SIZE, NON_GEOGRAPHIC, parseRange } from './number-range.js';
import { conflictFromDetail } from './number-ranges.service.js';

function pointers(result: ReturnType<typeof parseRange>): string[] {
  return 'errors' in result ? result.errors.map((e) => e.pointer) : [];
}

describe('canonicalNumber', () => {
  it('canonicalises international input with separators to E.164 and tells the region', () => {
    expect(canonicalNumber('+1 (408) 555-0100')).toEqual({ e164: '+14085550100', country: 'US' });
    expect(canonicalNumber('+44 20 7123 4567')).toEqual({ e164: '+442071234567', country: 'GB' });
    expect(canonicalNumber('+800 1234 5678')).toEqual({ e164: '+80012345678', country: NON_GEOGRAPHIC });
  });

  it('rejects national form, letters, extensions, invalid and impossible numbers', () => {
    for (const input of ['14085550100', '+1408555010a', '+14085550100 ext. 12', '+19999999999', '+999', '+', 'abc']) {
      expect(canonicalNumber(input)).toEqual({ error: expect.any(String) });
    }
  });
});

describe('parseRange', () => {
  it('accepts start + end, start + count and a single start', () => {
    expect(parseRange({ start: '+14085550100', end: '+14085550199' })).toEqual({
      start: '+14085550100',
      end: '+14085550199',
      count: 100,
      country: 'US',
    });
    expect(parseRange({ start: '+14085550100', count: 100 })).toMatchObject({ end: '+14085550199', count: 100 });
    expect(parseRange({ start: '+14085550100' })).toMatchObject({ end: '+14085550100', count: 1 });
  });

  it('reports invalid ends with their pointers, all at once', () => {
    expect(pointers(parseRange({ start: '+1999', end: 'x' }))).toEqual(['#/start', '#/end']);
    expect(pointers(parseRange({ start: '+14085550100', end: '+14085550199', count: 3 }))).toEqual(['#/count']);
  });

  it('refuses start after end, mixed lengths and mixed countries', () => {
    expect(pointers(parseRange({ start: '+14085550199', end: '+14085550100' }))).toEqual(['#/end']);
    expect(pointers(parseRange({ start: '+4930123456', end: '+49301234567' }))).toEqual(['#/end']);
    const countries = parseRange({ start: '+14085550100', end: '+14165550100' });
    expect('errors' in countries && countries.errors[0].detail).toMatch(/another country than start \(CA, not US\)/);
  });

  it(`allows at most ${MAX_RANGE_SIZE} numbers`, () => {
    expect(parseRange({ start: '+14085550000', count: MAX_RANGE_SIZE })).toMatchObject({ end: '+14095549999' });
    expect(pointers(parseRange({ start: '+14085550000', count: MAX_RANGE_SIZE + 1 }))).toEqual(['#/count']);
    expect(parseRange({ start: '+14085550000', end: '+14095549999' })).toMatchObject({ count: MAX_RANGE_SIZE });
    expect(pointers(parseRange({ start: '+14085550000', end: '+14095550000' }))).toEqual(['#/end']);
  });

  it('refuses a count that runs past the last number of that length or into an invalid number', () => {
    expect(pointers(parseRange({ start: '+80099999999', count: 2 }))).toEqual(['#/count']);
    expect(pointers(parseRange({ start: '+19899999990', count: 20 }))).toEqual(['#/count']);
  });
});

describe('conflictFromDetail', () => {
  it('reads the existing range from a 23P01 detail', () => {
    expect(
      conflictFromDetail(
        'Key (numbers)=([14085550150,14085550250)) conflicts with existing key (numbers)=([14085550100,14085550200)).',
      ),
    ).toEqual({ id: null, tenantId: null, start: '+14085550100', end: '+14085550199' });
    expect(conflictFromDetail(undefined)).toBeNull();
  });
});
