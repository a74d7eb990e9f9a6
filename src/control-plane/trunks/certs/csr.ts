import * as x509 from '@peculiar/x509';
import { ProblemException } from '../../../common/http/problem.js';
import { isE164, isP256, TnAuthListError, tnAuthListOf, type ProblemSlug, type TnEntry } from '@riptrunk/ript';

/** Longest accepted CSR, PEM; a P-256 CSR with a TNAuthList request is well under 1 KB. */
export const MAX_CSR_LENGTH = 16 * 1024;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n?([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
const CSR_LABELS = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function badCsr(slug: ProblemSlug, detail: string, extra: Record<string, unknown> = {}): ProblemException {
  return ProblemException.of(slug, detail, { errors: [{ pointer: '#/csr', detail }], ...extra });
}

export interface StirCsr {
  csr: x509.Pkcs10CertificateRequest;
  /** The TNAuthList the CSR requests, or null when it requests none. */
  tnAuthList: TnEntry[] | null;
  commonName: string | null;
}

/** The DER of the one PEM "CERTIFICATE REQUEST" block (RFC 7468; text around it is ignored, as §2 allows). */
function csrDer(pem: string): Uint8Array {
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  if (!blocks.length) {
    throw badCsr('malformed-csr', 'csr must be a PEM PKCS#10 request ("-----BEGIN CERTIFICATE REQUEST-----")');
  }
  if (blocks.length > 1) throw badCsr('malformed-csr', 'csr must hold exactly one PEM block');
  const [, label, body, endLabel] = blocks[0];
  if (!CSR_LABELS.has(label) || endLabel !== label) {
    throw badCsr('malformed-csr', `csr must be a PEM "CERTIFICATE REQUEST" block, not "${label}"`);
  }
  const base64 = body.replace(/\s+/g, '');
  if (!base64 || !BASE64.test(base64)) throw badCsr('malformed-csr', 'csr PEM body is not valid base64');
  return Buffer.from(base64, 'base64');
}

function describeKey(publicKey: x509.PublicKey): string {
  try {
    const algorithm = publicKey.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
    if (algorithm.name.startsWith('RSA')) {
      return algorithm.modulusLength ? `an RSA key (${algorithm.modulusLength} bits)` : 'an RSA key';
    }
    if (algorithm.namedCurve) return `an EC key on ${algorithm.namedCurve}`;
    return `a ${algorithm.name} key`;
  } catch {
    return 'a key of an unsupported algorithm';
  }
}

/**
 * Parses and checks a PKCS#10 CSR for a STIR certificate: one well-formed PEM block, an EC P-256 key (ES256 is
 * the only PASSporT algorithm, RFC 8225), a valid self-signature, and a well-formed TNAuthList request if any.
 * Every failure is a 400 problem.
 */
export async function parseStirCsr(pem: string): Promise<StirCsr> {
  if (pem.length > MAX_CSR_LENGTH) throw badCsr('malformed-csr', `csr must be at most ${MAX_CSR_LENGTH} characters`);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrDer(pem));
    void csr.publicKey; // parsed lazily: fail here on a broken SubjectPublicKeyInfo
  } catch (err) {
    if (err instanceof ProblemException) throw err;
    throw badCsr('malformed-csr', `csr is not a PKCS#10 certificate request: ${(err as Error).message}`);
  }
  if (!isP256(csr.publicKey)) {
    throw badCsr(
      'unsupported-csr-key',
      `The CSR has ${describeKey(csr.publicKey)}; STIR certificates need an EC P-256 key (ES256)`,
    );
  }
  const signed = await csr.verify().catch(() => false);
  if (!signed) throw badCsr('invalid-csr-signature', 'The CSR signature does not verify with its own public key');
  let tnAuthList: TnEntry[] | null;
  try {
    tnAuthList = tnAuthListOf(csr);
  } catch (err) {
    const reason = err instanceof TnAuthListError ? err.message : 'the extension request does not parse';
    throw badCsr('malformed-tnauthlist', `The CSR's TNAuthList extension request is malformed: ${reason}`);
  }
  const commonName = csr.subjectName.getField('CN')[0] ?? null;
  return { csr, tnAuthList, commonName };
}

/** Visual separators allowed in a number typed by a person: "+1 (408) 555-0100". */
const SEPARATORS = /[\s().-]/g;

/** A number in international form ('+' required: digits alone could be a national number). */
function e164From(input: string): string | null {
  const compact = input.replace(SEPARATORS, '');
  return isE164(compact) ? compact : null;
}

/**
 * The one telephone number the certificate is for, canonical E.164. Taken from, in order: the TNAuthList
 * extension request of the CSR (exactly one TNEntry `one`), the `number` field of the request, the subject CN of
 * the CSR when it is a number in international form ('+' first). When the TNAuthList and `number` both name one
 * they must agree.
 */
export function stirCsrNumber(parsed: StirCsr, bodyNumber?: string): string {
  let fromBody: string | null = null;
  if (bodyNumber !== undefined) {
    fromBody = e164From(bodyNumber);
    if (!fromBody) {
      const detail = 'number must be an E.164 telephone number, e.g. +14085550100';
      throw ProblemException.of('invalid-number', detail, { errors: [{ pointer: '#/number', detail }] });
    }
  }
  if (parsed.tnAuthList) {
    const entries = parsed.tnAuthList;
    if (entries.length !== 1 || entries[0].type !== 'one') {
      throw badCsr(
        'not-one-number',
        "The CSR's TNAuthList must name exactly one telephone number (one TNEntry `one`); ranges and SPCs are not issued",
      );
    }
    const fromTn = isE164(`+${entries[0].number}`) ? `+${entries[0].number}` : null;
    if (!fromTn) {
      throw badCsr('invalid-number', `The CSR's TNAuthList number ${entries[0].number} is not an E.164 number`);
    }
    if (fromBody && fromBody !== fromTn) {
      const detail = `number ${fromBody} differs from ${fromTn} in the CSR's TNAuthList`;
      throw ProblemException.of('number-mismatch', detail, { errors: [{ pointer: '#/number', detail }] });
    }
    return fromTn;
  }
  if (fromBody) return fromBody;
  const fromCn = parsed.commonName ? e164From(parsed.commonName) : null;
  if (fromCn) return fromCn;
  throw badCsr(
    'number-required',
    'Name the telephone number: a TNAuthList extension request in the CSR, a "number" field, or an E.164 subject CN',
  );
}
