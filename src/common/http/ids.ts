import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

/** Random base32 string of the given length (5 bits of entropy per character). */
export function randomBase32(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i] & 31];
  return out;
}

/** A prefixed resource id with 100 bits of randomness, e.g. `ten_5k2m…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBase32(20)}`;
}
