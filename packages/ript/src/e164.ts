/**
 * E.164 as riptrunk compares numbers (profile §4): "+", a non-zero country-code digit, then 1 to 14 more digits, so
 * 2 to 15 digits in all. The one check; validators (class-validator `@Matches`) use the pattern itself.
 */
export const E164_PATTERN = /^\+[1-9][0-9]{1,14}$/;
export const E164_MAX_DIGITS = 15;

export function isE164(value: unknown): value is string {
  return typeof value === 'string' && E164_PATTERN.test(value);
}
