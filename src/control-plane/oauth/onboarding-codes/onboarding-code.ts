import { randomBytes } from 'node:crypto';
import { hashSecret } from '../../../common/crypto/secret-box.js';

/**
 * Onboarding codes: `RIPT-XXXX-XXXX-XXXX-XXXX`, 16 Crockford base32 characters (upper case) = 80 random bits.
 * Input is accepted case-insensitively, with or without the dashes and the `RIPT` prefix, and with Crockford's
 * look-alikes (O for 0, I and L for 1), so that a code read out or retyped by a person still works.
 */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_PREFIX = 'RIPT';
export const CODE_BITS = 80;
const CODE_CHARS = CODE_BITS / 5; // 16
const GROUP = 4;
const BODY = /^[0-9A-HJKMNP-TV-Z]{16}$/;

/** The 16 base32 characters of `bytes` (exactly 10 bytes), 5 bits each, most significant first. */
export function encodeBase32(bytes: Uint8Array): string {
  if (bytes.length * 8 !== CODE_BITS) throw new Error(`expected ${CODE_BITS / 8} bytes`);
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += CODE_ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

function format(body: string): string {
  const groups: string[] = [];
  for (let i = 0; i < CODE_CHARS; i += GROUP) groups.push(body.slice(i, i + GROUP));
  return `${CODE_PREFIX}-${groups.join('-')}`;
}

/** A new random code, in its display form. */
export function generateOnboardingCode(): string {
  return format(encodeBase32(randomBytes(CODE_BITS / 8)));
}

/**
 * The canonical display form of a code as typed or pasted, or null when it cannot be one of ours.
 * Spaces and dashes are ignored; the prefix is optional (a code body never contains an I, so it is unambiguous).
 */
export function normalizeOnboardingCode(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  let s = input.toUpperCase().replace(/[\s-]/g, '');
  if (s.length === CODE_PREFIX.length + CODE_CHARS && s.startsWith(CODE_PREFIX)) s = s.slice(CODE_PREFIX.length);
  s = s.replace(/O/g, '0').replace(/[IL]/g, '1');
  return BODY.test(s) ? format(s) : null;
}

/** What is stored instead of the code: SHA-256 of its canonical form (the code has 80 random bits). */
export function hashOnboardingCode(canonical: string): string {
  return hashSecret(canonical);
}

/** The last four characters, shown in lists so an operator can tell codes apart. */
export function onboardingCodeHint(canonical: string): string {
  return canonical.slice(-GROUP);
}
