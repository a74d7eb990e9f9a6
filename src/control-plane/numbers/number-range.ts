import { parsePhoneNumberWithError, ParseError } from 'libphonenumber-js/max';
import type { FieldError } from '../../common/http/problem.js';

/** The largest range one create may add (the database enforces the same bound). */
export const MAX_RANGE_SIZE = 10_000_000;

/** What a caller may type for a number: international form with visual separators, e.g. "+1 (408) 555-0100". */
const NUMBER_INPUT = /^\+[\d\s().-]{2,40}$/;

/** ISO 3166 region code libphonenumber uses for non-geographic numbering (+800, +882, ...). */
export const NON_GEOGRAPHIC = '001';

export interface CanonicalNumber {
  e164: string;
  country: string;
}

export interface ParsedRange {
  start: string;
  end: string;
  count: number;
  country: string;
}

export type RangeInput = { start: string; end?: string; count?: number };

/** The number as canonical E.164 with its region, or why it is not a valid number. */
export function canonicalNumber(input: string): CanonicalNumber | { error: string } {
  if (!NUMBER_INPUT.test(input)) {
    return { error: 'must be a phone number in international format, e.g. +14085550100' };
  }
  try {
    const phone = parsePhoneNumberWithError(input);
    if (!phone.isValid()) return { error: `${phone.number} is not a valid phone number` };
    return { e164: phone.number, country: phone.country ?? NON_GEOGRAPHIC };
  } catch (err) {
    if (err instanceof ParseError) return { error: `is not a phone number (${err.message.toLowerCase()})` };
    throw err;
  }
}

/** Integer value of an E.164 number's digits (at most 15 digits, so exact in a double). */
export function e164Value(e164: string): number {
  return Number(e164.slice(1));
}

/**
 * Validates a create request into a canonical inclusive range, collecting every field error: both ends valid
 * numbers, in the same country and of the same length, start <= end, at most {@link MAX_RANGE_SIZE} numbers.
 */
export function parseRange(input: RangeInput): ParsedRange | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (input.end !== undefined && input.count !== undefined) {
    errors.push({ pointer: '#/count', detail: 'give either end or count, not both' });
  }
  const start = canonicalNumber(input.start);
  if ('error' in start) errors.push({ pointer: '#/start', detail: `start ${start.error}` });
  let end: CanonicalNumber | { error: string } | undefined;
  if (input.end !== undefined) {
    end = canonicalNumber(input.end);
    if ('error' in end) errors.push({ pointer: '#/end', detail: `end ${end.error}` });
  }
  if (errors.length || 'error' in start || (end && 'error' in end)) return { errors };

  const fail = (pointer: string, detail: string) => ({ errors: [{ pointer, detail }] });
  const startValue = e164Value(start.e164);
  if (!end) {
    const count = input.count ?? 1;
    if (count > MAX_RANGE_SIZE) {
      return fail('#/count', `count must not be greater than ${MAX_RANGE_SIZE}`);
    }
    const endE164 = `+${startValue + count - 1}`;
    if (endE164.length !== start.e164.length) {
      return fail('#/count', `the range would run past the last ${start.e164.length - 1}-digit number`);
    }
    end = canonicalNumber(endE164);
    if ('error' in end) return fail('#/count', `the range's last number ${endE164} is not a valid phone number`);
    if (end.country !== start.country) {
      return fail('#/count', `the range would end in another country (${end.country}, not ${start.country})`);
    }
    return { start: start.e164, end: end.e164, count, country: start.country };
  }

  const endValue = e164Value(end.e164);
  if (end.country !== start.country) {
    errors.push({
      pointer: '#/end',
      detail: `end is in another country than start (${end.country}, not ${start.country})`,
    });
  }
  if (end.e164.length !== start.e164.length) {
    errors.push({ pointer: '#/end', detail: 'end must have as many digits as start' });
  } else if (endValue < startValue) {
    errors.push({ pointer: '#/end', detail: 'end must not be before start' });
  } else if (endValue - startValue + 1 > MAX_RANGE_SIZE) {
    errors.push({ pointer: '#/end', detail: `a range holds at most ${MAX_RANGE_SIZE} numbers` });
  }
  if (errors.length) return { errors };
  return { start: start.e164, end: end.e164, count: endValue - startValue + 1, country: start.country };
}
