/**
 * The SIP `Identity` header (RFC 8224 §4.1) carrying a SHAKEN PASSporT (RFC 8588) on the gateway's SIP leg:
 *   Identity: <passport>;info=<x5u>;alg=ES256;ppt=shaken
 * build, parse (tolerant of whitespace, folding, case and parameter order; garbage gets IdentityHeaderError), and
 * verification of the PASSporT against the configured STI-CA trust anchors with stir/passport.ts, giving the
 * ATIS-1000074 `verstat` a gateway reports with the call (call-request.ts VERSTATS) and why.
 * Fetching `x5u` is the caller's (an injected function), so it decides which repositories it trusts.
 */
import '../stir/reflect-polyfill.js';
import { readFile } from 'node:fs/promises';
import * as x509 from '@peculiar/x509';
import type { Verstat } from '../call-request.js';
import { verifyPassport } from '../stir/passport.js';

export type IdentityHeaderErrorCode =
  | 'malformed' // not `token;param=value...`, a bad character, a duplicate parameter
  | 'not-a-passport' // the signed-identity-digest is not a compact JWS (three base64url parts)
  | 'compact-form' // RFC 8224 compact form (header and claims left out): not verifiable here
  | 'missing-info'; // no info parameter (mandatory, RFC 8224 §4.1)

export class IdentityHeaderError extends Error {
  readonly code: IdentityHeaderErrorCode;
  constructor(code: IdentityHeaderErrorCode, message: string) {
    super(message);
    this.name = 'IdentityHeaderError';
    this.code = code;
  }
}

export interface IdentityHeader {
  /** The PASSporT, compact JWS (full form). */
  passport: string;
  /** The info URI (the certificate's x5u), without angle brackets. */
  info: string;
  /** alg parameter (RFC 8224 defaults it to ES256 when absent). */
  alg: string;
  /** ppt parameter, or null when absent. */
  ppt: string | null;
  /** Every parameter, lower-case names, values unquoted and without brackets. */
  params: Record<string, string>;
}

const JWS_PART = /^[A-Za-z0-9_-]*$/;
const MAX_HEADER_LENGTH = 16384;

/** `<passport>;info=<x5u>;alg=ES256;ppt=shaken` (x5u: the PASSporT header's, unless given). */
export function buildIdentityHeader(passport: string, x5u?: string): string {
  const parts = typeof passport === 'string' ? passport.split('.') : [];
  if (parts.length !== 3 || parts.some((p) => p === '' || !JWS_PART.test(p))) {
    throw new IdentityHeaderError('not-a-passport', 'the PASSporT must be a full-form compact JWS');
  }
  let info = x5u;
  if (info === undefined) {
    try {
      const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as { x5u?: unknown };
      if (typeof header.x5u === 'string') info = header.x5u;
    } catch {
      // reported below
    }
  }
  if (!info) throw new IdentityHeaderError('missing-info', 'the PASSporT has no x5u and none was given');
  if (/[<>\s]/.test(info)) throw new IdentityHeaderError('malformed', `x5u '${info}' cannot be written in a header`);
  return `${passport};info=<${info}>;alg=ES256;ppt=shaken`;
}

/** Parses an Identity header value; throws IdentityHeaderError. */
export function parseIdentityHeader(value: string): IdentityHeader {
  if (typeof value !== 'string' || value.length > MAX_HEADER_LENGTH) {
    throw new IdentityHeaderError('malformed', 'the Identity header is missing or too long');
  }
  const text = value.replace(/\r?\n[ \t]+/g, ' ').trim(); // unfold (RFC 3261 §7.3.1)
  if (text === '') throw new IdentityHeaderError('malformed', 'the Identity header is empty');
  // split on ';' outside <...> and "..."
  const segments: string[] = [];
  let current = '';
  let inAngle = false;
  let inQuote = false;
  for (const ch of text) {
    if (ch === '"' && !inAngle) inQuote = !inQuote;
    else if (ch === '<' && !inQuote) inAngle = true;
    else if (ch === '>' && !inQuote) inAngle = false;
    if (ch === ';' && !inAngle && !inQuote) {
      segments.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (inAngle || inQuote) throw new IdentityHeaderError('malformed', 'unbalanced < > or quotes in the Identity header');
  segments.push(current);
  const digest = segments[0].trim().replace(/^"(.*)"$/, '$1');
  const parts = digest.split('.');
  if (parts.length !== 3 || !parts.every((p) => JWS_PART.test(p))) {
    throw new IdentityHeaderError('not-a-passport', 'the Identity header does not start with a compact JWS');
  }
  if (parts[2] === '') throw new IdentityHeaderError('not-a-passport', 'the PASSporT has no signature');
  if (parts[0] === '' || parts[1] === '') {
    throw new IdentityHeaderError('compact-form', 'compact-form PASSporTs (RFC 8224 §6.2.1) are not supported');
  }
  const params: Record<string, string> = {};
  for (const raw of segments.slice(1)) {
    const seg = raw.trim();
    const m = /^([A-Za-z0-9._~!%*+`'-]+)\s*(?:=\s*(.*))?$/.exec(seg);
    if (!m) throw new IdentityHeaderError('malformed', `bad Identity parameter '${seg.slice(0, 40)}'`);
    const name = m[1].toLowerCase();
    if (Object.hasOwn(params, name))
      throw new IdentityHeaderError('malformed', `duplicate Identity parameter '${name}'`);
    let v = (m[2] ?? '').trim();
    if (/^<.*>$/.test(v)) v = v.slice(1, -1).trim();
    else if (/^".*"$/.test(v)) v = v.slice(1, -1);
    else if (/[\s<>"]/.test(v)) throw new IdentityHeaderError('malformed', `bad value of Identity parameter '${name}'`);
    params[name] = v;
  }
  const info = params.info;
  if (!info) throw new IdentityHeaderError('missing-info', 'the Identity header has no info parameter');
  return { passport: digest, info, alg: params.alg ?? 'ES256', ppt: params.ppt ?? null, params };
}

export interface IdentityVerification {
  verstat: Verstat;
  /** A stable code: 'verified', 'no-identity', 'no-trust-anchors', a parse error code or a PASSporT failure. */
  reason: string;
  detail?: string;
  /** The PASSporT verified or refused (passed on to the callee with the verstat). */
  passport?: string;
  attest?: string;
  orig?: string;
  dest?: string[];
}

export interface VerifyIdentityOptions {
  /** The trusted STI-CA certificates, PEM (loadTrustAnchors). Empty: nothing can be verified (No-TN-Validation). */
  trustAnchorsPem: string;
  /** Fetches the PEM at an x5u (leaf, then its CA); throw X5uRefusedError for repositories not trusted. */
  fetchCertificate: (x5u: string) => Promise<string>;
  /** The called number (E.164): the PASSporT's dest must contain it. */
  expectedDest?: string;
  /** The calling number (E.164) of the From / P-Asserted-Identity: the PASSporT's orig must be it. */
  expectedOrig?: string;
  /** Seconds since the epoch. */
  now?: number;
  maxAgeSeconds?: number;
}

const failed = (reason: string, detail: string, passport?: string): IdentityVerification => ({
  verstat: 'TN-Validation-Failed',
  reason,
  detail,
  ...(passport ? { passport } : {}),
});

/**
 * Verifies the Identity header(s) of an incoming INVITE: none → No-TN-Validation (the call goes on, unverified);
 * one that verifies (the first of several that does) → TN-Validation-Passed with its claims; otherwise
 * TN-Validation-Failed with the reason of the first one. Never throws for bad input.
 */
export async function verifyIdentity(
  headers: string | readonly string[] | undefined | null,
  options: VerifyIdentityOptions,
): Promise<IdentityVerification> {
  const values = (headers === undefined || headers === null ? [] : typeof headers === 'string' ? [headers] : headers)
    .map((h) => h.trim())
    .filter((h) => h !== '');
  if (values.length === 0) return { verstat: 'No-TN-Validation', reason: 'no-identity' };
  if (!/-----BEGIN CERTIFICATE-----/.test(options.trustAnchorsPem ?? '')) {
    return { verstat: 'No-TN-Validation', reason: 'no-trust-anchors', detail: 'no STI-CA certificate is trusted' };
  }
  let first: IdentityVerification | null = null;
  for (const value of values) {
    const result = await verifyOne(value, options);
    if (result.verstat === 'TN-Validation-Passed') return result;
    first ??= result;
  }
  return first!;
}

async function verifyOne(value: string, options: VerifyIdentityOptions): Promise<IdentityVerification> {
  let header: IdentityHeader;
  try {
    header = parseIdentityHeader(value);
  } catch (err) {
    if (err instanceof IdentityHeaderError) return failed(`identity-${err.code}`, err.message);
    throw err;
  }
  const { passport } = header;
  if (header.alg !== 'ES256') return failed('unsupported-alg', `alg must be ES256, got ${header.alg}`, passport);
  if (header.ppt !== null && header.ppt !== 'shaken') {
    return failed('unsupported-ppt', `ppt must be shaken, got ${header.ppt}`, passport);
  }
  const result = await verifyPassport(passport, {
    fetchCertificate: options.fetchCertificate,
    caPem: options.trustAnchorsPem,
    expectedDest: options.expectedDest,
    now: options.now,
    maxAgeSeconds: options.maxAgeSeconds,
  });
  if (!result.ok) return failed(result.reason, result.detail ?? result.reason, passport);
  if (result.x5u !== header.info) {
    return failed('info-mismatch', `info <${header.info}> is not the PASSporT's x5u ${result.x5u}`, passport);
  }
  if (options.expectedOrig !== undefined && result.orig !== options.expectedOrig) {
    return failed('orig-mismatch', `orig ${result.orig} is not the caller ${options.expectedOrig}`, passport);
  }
  return {
    verstat: 'TN-Validation-Passed',
    reason: 'verified',
    passport,
    attest: result.attest,
    orig: result.orig,
    dest: result.dest,
  };
}

export class TrustStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrustStoreError';
  }
}

export interface TrustAnchors {
  /** The CA certificates, PEM, for verifyIdentity's trustAnchorsPem. */
  pem: string;
  /** Their subjects, for logs. */
  subjects: string[];
}

/** The CA certificates of a PEM bundle; every CERTIFICATE block must parse and be a CA certificate. */
export function parseTrustAnchors(bundle: string, source = 'the trust bundle'): TrustAnchors {
  let blocks: { type: string; rawData: ArrayBuffer }[];
  try {
    blocks = x509.PemConverter.decodeWithHeaders(bundle);
  } catch (err) {
    throw new TrustStoreError(`${source} is not PEM: ${(err as Error).message}`);
  }
  const certs: x509.X509Certificate[] = [];
  for (const [i, block] of blocks.filter((b) => b.type === 'CERTIFICATE').entries()) {
    let cert: x509.X509Certificate;
    try {
      cert = new x509.X509Certificate(block.rawData);
    } catch (err) {
      throw new TrustStoreError(`certificate ${i + 1} of ${source} does not parse: ${(err as Error).message}`);
    }
    if (!cert.getExtension(x509.BasicConstraintsExtension)?.ca) {
      throw new TrustStoreError(`certificate ${i + 1} of ${source} (${cert.subject}) is not a CA certificate`);
    }
    certs.push(cert);
  }
  if (certs.length === 0) throw new TrustStoreError(`${source} holds no CERTIFICATE`);
  return { pem: certs.map((c) => c.toString('pem')).join('\n'), subjects: certs.map((c) => c.subject) };
}

/** Loads the STI-CA trust anchors from a PEM bundle file (RIPTRUNK_STIR_TRUST_FILE). */
export async function loadTrustAnchors(path: string): Promise<TrustAnchors> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new TrustStoreError(`cannot read STIR trust file ${path}: ${(err as Error).message}`);
  }
  return parseTrustAnchors(text, `STIR trust file ${path}`);
}
