import type { FieldError } from '@riptrunk/ript';

/** The field error of a request body that is not a JSON object (none if it is one). */
export function jsonObjectErrors(body: unknown): FieldError[] {
  return typeof body !== 'object' || body === null || Array.isArray(body)
    ? [{ pointer: '#', detail: 'the body must be a JSON object' }]
    : [];
}

/** Field errors for members that are not in `known`. */
export function unknownFields(body: Record<string, unknown>, known: readonly string[]): FieldError[] {
  return Object.keys(body)
    .filter((k) => !known.includes(k))
    .map((k) => ({ pointer: `#/${k}`, detail: `${k} is not a known field` }));
}
