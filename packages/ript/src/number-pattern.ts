import { E164_MAX_DIGITS, isE164 } from './e164.js';
/**
 * Number patterns of profile §4: "+14085550100", an inclusive range "+A-+B", a prefix "+1*", or "*".
 * Pure syntax: no whitespace is allowed, numbers are "+" then 1-15 digits, the first non-zero.
 * Ranges compare numerically, so "+1-+200" also contains "+150" (ends of different lengths are allowed).
 */
export type NumberPattern =
  | { readonly kind: 'number'; readonly number: string }
  | { readonly kind: 'range'; readonly start: string; readonly end: string }
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'all' };

export class NumberPatternError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at ${position}`);
    this.name = 'NumberPatternError';
    this.position = position;
  }
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Reads "+digits" at `pos`; returns the end offset. */
function readNumber(input: string, pos: number): number {
  if (input.charCodeAt(pos) !== 43 /* + */) {
    throw new NumberPatternError(pos >= input.length ? "expected '+'" : `expected '+', found '${input[pos]}'`, pos);
  }
  let i = pos + 1;
  if (!isDigit(input.charCodeAt(i))) throw new NumberPatternError('expected a digit', i);
  if (input.charCodeAt(i) === 48) throw new NumberPatternError('an E.164 number cannot start with 0', i);
  while (isDigit(input.charCodeAt(i))) i++;
  if (i - pos - 1 > E164_MAX_DIGITS) {
    throw new NumberPatternError(`more than ${E164_MAX_DIGITS} digits`, pos + 1 + E164_MAX_DIGITS);
  }
  return i;
}

/** Numeric comparison of two E.164 strings (no leading zeros, so length first, then lexical). */
export function compareE164(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function parseNumberPattern(input: string): NumberPattern {
  if (typeof input !== 'string' || input.length === 0) throw new NumberPatternError('empty number pattern', 0);
  if (input === '*') return { kind: 'all' };
  const end = readNumber(input, 0);
  const first = input.slice(0, end);
  if (end === input.length) return { kind: 'number', number: first };
  const c = input[end];
  if (c === '*') {
    if (end + 1 !== input.length) throw new NumberPatternError("unexpected character after '*'", end + 1);
    return { kind: 'prefix', prefix: first };
  }
  if (c === '-') {
    const secondEnd = readNumber(input, end + 1);
    if (secondEnd !== input.length) {
      throw new NumberPatternError(`unexpected character '${input[secondEnd]}'`, secondEnd);
    }
    const second = input.slice(end + 1);
    if (compareE164(first, second) > 0) {
      throw new NumberPatternError(`range end ${second} is below range start ${first}`, end + 1);
    }
    return { kind: 'range', start: first, end: second };
  }
  throw new NumberPatternError(`unexpected character '${c}'`, end);
}

/** Like parseNumberPattern, but returns null instead of throwing. */
export function tryParseNumberPattern(input: string): NumberPattern | null {
  try {
    return parseNumberPattern(input);
  } catch (e) {
    if (e instanceof NumberPatternError) return null;
    throw e;
  }
}

export function formatNumberPattern(p: NumberPattern): string {
  switch (p.kind) {
    case 'number':
      return p.number;
    case 'range':
      return `${p.start}-${p.end}`;
    case 'prefix':
      return `${p.prefix}*`;
    case 'all':
      return '*';
  }
}

function toPattern(p: NumberPattern | string): NumberPattern {
  return typeof p === 'string' ? parseNumberPattern(p) : p;
}

/** Whether the E.164 number matches the pattern; false for anything that is not E.164 syntax. */
export function matches(pattern: NumberPattern | string, e164: string): boolean {
  if (!isE164(e164)) return false;
  const p = toPattern(pattern);
  switch (p.kind) {
    case 'number':
      return p.number === e164;
    case 'range':
      return compareE164(p.start, e164) <= 0 && compareE164(e164, p.end) <= 0;
    case 'prefix':
      return e164.startsWith(p.prefix);
    case 'all':
      return true;
  }
}

export function matchesAny(patterns: readonly (NumberPattern | string)[], e164: string): boolean {
  return patterns.some((p) => matches(p, e164));
}

const LOWEST_E164 = '+1';
const HIGHEST_E164 = '+' + '9'.repeat(E164_MAX_DIGITS);

type IntervalPattern = Exclude<NumberPattern, { kind: 'prefix' }>;

function interval(p: IntervalPattern): [string, string] {
  switch (p.kind) {
    case 'number':
      return [p.number, p.number];
    case 'range':
      return [p.start, p.end];
    case 'all':
      return [LOWEST_E164, HIGHEST_E164];
  }
}

/** Numeric span of a prefix: from "+P" itself to "+P99..9" (15 digits). */
function prefixSpan(prefix: string): [string, string] {
  return [prefix, prefix.padEnd(1 + E164_MAX_DIGITS, '9')];
}

/**
 * Whether every number matched by `inner` is matched by `outer` (one outer pattern; a set covered
 * only by the union of several outer patterns is not detected).
 */
export function isPatternWithin(inner: NumberPattern | string, outer: NumberPattern | string): boolean {
  const i = toPattern(inner);
  const o = toPattern(outer);
  if (o.kind === 'all') return true;
  if (o.kind === 'prefix') {
    if (i.kind === 'prefix') return i.prefix.startsWith(o.prefix);
    // a numeric interval stays under one prefix only if both ends have the same length
    const [lo, hi] = interval(i);
    return lo.length === hi.length && lo.startsWith(o.prefix) && hi.startsWith(o.prefix);
  }
  const [outerLo, outerHi] = interval(o);
  const [lo, hi] = i.kind === 'prefix' ? prefixSpan(i.prefix) : interval(i);
  return compareE164(outerLo, lo) <= 0 && compareE164(hi, outerHi) <= 0;
}

/**
 * How specific a pattern is, for choosing among patterns that match one number (profile §10 off-net routing,
 * "longest pattern first"): a full number beats a range, a range beats any prefix, a longer prefix beats a shorter
 * one, and `*` comes last. Among ranges the narrower one wins. Compare with compareSpecificity.
 */
export function patternSpecificity(pattern: NumberPattern | string): readonly [rank: number, within: number] {
  const p = toPattern(pattern);
  switch (p.kind) {
    case 'number':
      return [3, 0];
    case 'range':
      // fewer numbers is more specific; 15-digit ends are exact as doubles
      return [2, -(Number(p.end.slice(1)) - Number(p.start.slice(1)))];
    case 'prefix':
      return [1, p.prefix.length];
    case 'all':
      return [0, 0];
  }
}

/** Sort order of patterns by specificity, most specific first (negative when `a` is the more specific). */
export function compareSpecificity(a: NumberPattern | string, b: NumberPattern | string): number {
  const [rankA, withinA] = patternSpecificity(a);
  const [rankB, withinB] = patternSpecificity(b);
  return rankB - rankA || withinB - withinA;
}

/** The most specific of the patterns that match the number, or null when none does. */
export function mostSpecificMatch<P extends NumberPattern | string>(patterns: readonly P[], e164: string): P | null {
  let best: P | null = null;
  for (const p of patterns) {
    if (matches(p, e164) && (best === null || compareSpecificity(p, best) < 0)) best = p;
  }
  return best;
}
