import './reflect-polyfill.js';
import * as x509 from '@peculiar/x509';
import { CompactSign, compactVerify, importX509, type CryptoKey } from 'jose';
import { providerSpcOf, verifyStirCertificate } from './tnauthlist.js';

/**
 * STIR PASSporTs (RFC 8225) with the SHAKEN extension (RFC 8588), as riptrunk signs and verifies them (profile §6).
 * Framework-free: the edge uses it as authentication and verification service, the SDK and tests as verifiers.
 *
 * Signed form: header `{"alg":"ES256","ppt":"shaken","typ":"passport","x5u":...}`, payload
 * `{"attest","dest":{"tn":[...]},"iat","orig":{"tn"},"origid"}`, both in the deterministic JSON of RFC 8225 §9
 * (keys in lexicographic order, no whitespace) and telephone numbers in the canonical form of RFC 8224 §8.3
 * (digits only, no '+'). Numbers are E.164 with '+' everywhere else in riptrunk.
 */

export type Attestation = 'A' | 'B' | 'C';

export interface ShakenClaims {
  /** Calling number, E.164 ("+14085550100"; a leading '+' is optional). */
  orig: string;
  /** Called numbers, E.164. */
  dest: string[];
  attest: Attestation;
  /** Origination identifier (a UUID, RFC 8588 §4). */
  origid: string;
  /** Issued-at, seconds since the epoch; now by default. */
  iat?: number;
}

export type PassportVerification =
  | { ok: true; orig: string; dest: string[]; attest: string; x5u: string; origid: string; iat: number }
  | { ok: false; reason: string; detail?: string };

export interface VerifyPassportOptions {
  /** Fetches the PEM at an `x5u` URL (leaf certificate, possibly followed by its CA). Throw X5uRefusedError to refuse. */
  fetchCertificate: (x5u: string) => Promise<string>;
  /** The trusted STIR CA certificate(s), PEM. */
  caPem: string;
  /** When given, `dest` must contain this number (E.164, '+' optional). */
  expectedDest?: string;
  /** Seconds since the epoch (like `iat`); the current time by default. */
  now?: number;
  /** Largest accepted distance between `iat` and now, seconds (default 60, profile §6). */
  maxAgeSeconds?: number;
}

/** Thrown by a fetchCertificate that refuses an `x5u` URL (not one of the trusted certificate repository). */
export class X5uRefusedError extends Error {
  constructor(x5u: string) {
    super(`x5u ${x5u.slice(0, 200)} is not under the trusted certificate repository`);
    this.name = 'X5uRefusedError';
  }
}

export const PASSPORT_MAX_AGE_SECONDS = 60;
/** Longer tokens are refused unread: a SHAKEN PASSporT is a few hundred bytes. */
const MAX_TOKEN_LENGTH = 8192;
const MAX_DEST = 32;
const CANONICAL_TN = /^[0-9]{1,15}$/;
const ATTESTATIONS = new Set(['A', 'B', 'C']);

/** The RFC 8224 §8.3 canonical form of an E.164 number: its digits, without '+'. */
export function canonicalTn(number: string): string {
  const digits = number.startsWith('+') ? number.slice(1) : number;
  if (!CANONICAL_TN.test(digits)) throw new TypeError(`not an E.164 number: ${JSON.stringify(number)}`);
  return digits;
}

const encoder = new TextEncoder();

/** Signs a SHAKEN PASSporT (compact JWS) with an ES256 (P-256) private key whose certificate is at `x5u`. */
export async function signPassport(claims: ShakenClaims, key: CryptoKey, x5u: string): Promise<string> {
  if (!ATTESTATIONS.has(claims.attest)) throw new TypeError(`attest must be A, B or C, got ${claims.attest}`);
  if (!claims.dest.length) throw new TypeError('dest must name at least one number');
  if (!claims.origid) throw new TypeError('origid is required');
  const iat = claims.iat ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(iat)) throw new TypeError('iat must be an integer number of seconds');
  // Keys inserted in lexicographic order: JSON.stringify then gives RFC 8225 §9's deterministic form.
  const payload = {
    attest: claims.attest,
    dest: { tn: claims.dest.map(canonicalTn) },
    iat,
    orig: { tn: canonicalTn(claims.orig) },
    origid: claims.origid,
  };
  return new CompactSign(encoder.encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', ppt: 'shaken', typ: 'passport', x5u })
    .sign(key);
}

function base64urlJson(part: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) throw new Error('not base64url');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const fail = (reason: string, detail: string): PassportVerification => ({ ok: false, reason, detail });
/** A header value quoted in a reason, cut short. */
const shown = (value: unknown) => JSON.stringify(value ?? null).slice(0, 40);

/**
 * Verifies a SHAKEN PASSporT (profile §6): ES256 and `typ` passport only (`none`, HS* and the rest are refused before
 * any key is looked at), `ppt` shaken, `iat` within maxAgeSeconds of now, `dest` containing expectedDest, the `x5u`
 * certificate chaining to caPem and authorised for `orig` (its TNAuthList covers it, or it is the carrier's own
 * SHAKEN certificate: see providerSpcOf), and the signature made with that certificate's key.
 * Never throws for a bad token: the result says why it was refused (`reason`, a stable code, and `detail`).
 */
export async function verifyPassport(token: string, opts: VerifyPassportOptions): Promise<PassportVerification> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) {
    return fail('malformed', 'The PASSporT is not a compact JWS of a sensible size');
  }
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[2]) return fail('malformed', 'The PASSporT is not a signed compact JWS');
  let header: unknown;
  let payload: unknown;
  try {
    header = base64urlJson(parts[0]);
    payload = base64urlJson(parts[1]);
  } catch {
    return fail('malformed', 'The PASSporT header or payload is not base64url JSON');
  }
  if (!isObject(header) || !isObject(payload))
    return fail('malformed', 'The PASSporT header or payload is not an object');

  if (header.alg !== 'ES256') return fail('unsupported-alg', `alg must be ES256, got ${shown(header.alg)}`);
  if (header.typ !== 'passport') return fail('unsupported-typ', `typ must be passport, got ${shown(header.typ)}`);
  if (header.ppt !== 'shaken') return fail('unsupported-ppt', `ppt must be shaken, got ${shown(header.ppt)}`);
  const x5u = header.x5u;
  if (typeof x5u !== 'string' || !x5u.startsWith('https://'))
    return fail('x5u-not-allowed', 'x5u must be an https URL');

  const { attest, dest, iat, orig, origid } = payload;
  if (typeof attest !== 'string' || !ATTESTATIONS.has(attest))
    return fail('invalid-claims', 'attest must be A, B or C');
  if (!isObject(orig) || typeof orig.tn !== 'string' || !CANONICAL_TN.test(orig.tn)) {
    return fail('invalid-claims', 'orig.tn must be a telephone number in canonical form (digits)');
  }
  const destTns = isObject(dest) ? dest.tn : undefined;
  if (
    !Array.isArray(destTns) ||
    !destTns.length ||
    destTns.length > MAX_DEST ||
    !destTns.every((tn) => typeof tn === 'string' && CANONICAL_TN.test(tn))
  ) {
    return fail('invalid-claims', 'dest.tn must be a non-empty array of telephone numbers in canonical form');
  }
  if (typeof iat !== 'number' || !Number.isSafeInteger(iat)) return fail('invalid-claims', 'iat must be an integer');
  if (typeof origid !== 'string' || !origid) return fail('invalid-claims', 'origid is required');

  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const maxAge = opts.maxAgeSeconds ?? PASSPORT_MAX_AGE_SECONDS;
  if (Math.abs(now - iat) > maxAge) {
    return fail('stale', `iat is ${now - iat} s from now; at most ${maxAge} s is accepted`);
  }
  const destNumbers = (destTns as string[]).map((tn) => `+${tn}`);
  if (opts.expectedDest !== undefined) {
    let expected: string;
    try {
      expected = canonicalTn(opts.expectedDest);
    } catch {
      return fail('dest-mismatch', `${opts.expectedDest} is not a telephone number`);
    }
    if (!(destTns as string[]).includes(expected)) {
      return fail('dest-mismatch', `dest (${destNumbers.join(', ')}) does not contain +${expected}`);
    }
  }

  let certPem: string;
  try {
    certPem = await opts.fetchCertificate(x5u);
  } catch (err) {
    if (err instanceof X5uRefusedError || (err as Error)?.name === 'X5uRefusedError') {
      return fail('x5u-not-allowed', (err as Error).message);
    }
    return fail('x5u-unavailable', `The x5u certificate could not be fetched: ${(err as Error)?.message ?? err}`);
  }
  const origNumber = `+${orig.tn}`;
  let checked: Awaited<ReturnType<typeof verifyStirCertificate>>;
  try {
    checked = await verifyStirCertificate(certPem, opts.caPem, origNumber, { now: new Date(now * 1000) });
  } catch (err) {
    return fail('verifier-misconfigured', `The trusted STIR CA does not parse: ${(err as Error).message}`);
  }
  let leaf: x509.X509Certificate;
  if (checked.valid) {
    leaf = checked.certificate;
  } else {
    // Everything but the number checked out: accepted when it is the carrier's own attestation certificate.
    const provider = checked.reason === 'number-not-covered' ? providerCertificate(certPem) : undefined;
    if (!provider) return fail(`certificate-${checked.reason}`, checked.detail);
    leaf = provider;
  }

  try {
    const key = await importX509(leaf.toString('pem'), 'ES256');
    await compactVerify(token, key, { algorithms: ['ES256'] });
  } catch (err) {
    return fail('bad-signature', `The signature does not verify with the x5u certificate: ${(err as Error).message}`);
  }
  return { ok: true, orig: origNumber, dest: destNumbers, attest, x5u, origid, iat };
}

/** The first certificate of the PEM when it is a provider SHAKEN certificate, else undefined. */
function providerCertificate(certPem: string): x509.X509Certificate | undefined {
  try {
    const block = x509.PemConverter.decodeWithHeaders(certPem).find((b) => b.type === 'CERTIFICATE');
    const cert = block ? new x509.X509Certificate(block.rawData) : undefined;
    return cert && providerSpcOf(cert) ? cert : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether an `x5u` URL names one certificate file directly under `repository` (an https base URL ending in '/'):
 * same origin, no credentials, query or fragment, and a last segment of `[A-Za-z0-9_-]+.pem` (no '..', '%', '/').
 */
export function isX5uUnder(x5u: string, repository: string): boolean {
  if (!repository.startsWith('https://') || !repository.endsWith('/') || !x5u.startsWith(repository)) return false;
  if (!/^[A-Za-z0-9_-]{1,128}\.pem$/.test(x5u.slice(repository.length))) return false;
  try {
    const url = new URL(x5u);
    const base = new URL(repository);
    return url.origin === base.origin && !url.username && !url.password && url.href === x5u;
  } catch {
    return false;
  }
}

/** A fetchCertificate that refuses (X5uRefusedError) every x5u not under `repository`, and fetches the others. */
export function restrictX5u(
  repository: string,
  fetch: (x5u: string) => Promise<string>,
): (x5u: string) => Promise<string> {
  return async (x5u) => {
    if (!isX5uUnder(x5u, repository)) throw new X5uRefusedError(x5u);
    return fetch(x5u);
  };
}
