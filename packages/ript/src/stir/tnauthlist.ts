import './reflect-polyfill.js';
import { AsnArray, AsnConvert, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import * as x509 from '@peculiar/x509';
import { isP256 } from './pki.js';

/**
 * The RFC 8226 TN Authorization List certificate extension, and the check a STIR verifier makes on a PASSporT
 * signer's certificate. Framework-free: the control plane issues with it, the edge verifies with it.
 *
 * ASN.1 (RFC 8226 §9, TN-Module-2016, `DEFINITIONS EXPLICIT TAGS`, with its errata):
 *
 *   TNAuthorizationList ::= SEQUENCE SIZE (1..MAX) OF TNEntry
 *   TNEntry ::= CHOICE {
 *     spc   [0] ServiceProviderCode,
 *     range [1] TelephoneNumberRange,
 *     one   [2] TelephoneNumber }
 *   ServiceProviderCode ::= IA5String
 *   TelephoneNumber ::= IA5String (SIZE (1..15)) (FROM ("0123456789#*"))
 *   TelephoneNumberRange ::= SEQUENCE { start TelephoneNumber, count INTEGER (2..MAX), ... }
 *
 * The tags are explicit, so `one` for +14085550100 is `A2 0D 16 0B "14085550100"` inside the SEQUENCE OF.
 */

/** id-pe-TNAuthList, { id-pe 26 }. */
export const TN_AUTH_LIST_OID = '1.3.6.1.5.5.7.1.26';

export type TnEntry =
  { type: 'spc'; spc: string } | { type: 'range'; start: string; count: number } | { type: 'one'; number: string };

export class TnAuthListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TnAuthListError';
  }
}

const TELEPHONE_NUMBER = /^[0-9#*]{1,15}$/;
const SERVICE_PROVIDER_CODE = /^[\x20-\x7e]{1,255}$/;

class AsnTelephoneNumberRange {
  @AsnProp({ type: AsnPropTypes.IA5String })
  start = '';

  @AsnProp({ type: AsnPropTypes.Integer })
  count = 2;
}

@AsnType({ type: AsnTypeTypes.Choice })
class AsnTnEntry {
  @AsnProp({ type: AsnPropTypes.IA5String, context: 0 })
  spc?: string;

  @AsnProp({ type: AsnTelephoneNumberRange, context: 1 })
  range?: AsnTelephoneNumberRange;

  @AsnProp({ type: AsnPropTypes.IA5String, context: 2 })
  one?: string;
}

@AsnType({ type: AsnTypeTypes.Sequence, itemType: AsnTnEntry })
class AsnTnAuthorizationList extends AsnArray<AsnTnEntry> {
  constructor(items?: AsnTnEntry[]) {
    super(items);
    Object.setPrototypeOf(this, AsnTnAuthorizationList.prototype);
  }
}

function checkEntry(entry: TnEntry): TnEntry {
  switch (entry.type) {
    case 'one':
      if (!TELEPHONE_NUMBER.test(entry.number)) {
        throw new TnAuthListError(`TelephoneNumber must be 1-15 of 0-9 # *, got ${JSON.stringify(entry.number)}`);
      }
      return entry;
    case 'range':
      if (!TELEPHONE_NUMBER.test(entry.start)) {
        throw new TnAuthListError(`range start must be 1-15 of 0-9 # *, got ${JSON.stringify(entry.start)}`);
      }
      if (!Number.isSafeInteger(entry.count) || entry.count < 2) {
        throw new TnAuthListError(`range count must be an integer of at least 2, got ${entry.count}`);
      }
      return entry;
    case 'spc':
      if (!SERVICE_PROVIDER_CODE.test(entry.spc)) {
        throw new TnAuthListError(`ServiceProviderCode must be 1-255 printable ASCII characters`);
      }
      return entry;
    default:
      throw new TnAuthListError(`unknown TNEntry type ${(entry as { type: unknown }).type as string}`);
  }
}

function toAsn(entry: TnEntry): AsnTnEntry {
  const asn = new AsnTnEntry();
  if (entry.type === 'one') asn.one = entry.number;
  else if (entry.type === 'spc') asn.spc = entry.spc;
  else asn.range = Object.assign(new AsnTelephoneNumberRange(), { start: entry.start, count: entry.count });
  return asn;
}

function fromAsn(asn: AsnTnEntry): TnEntry {
  if (asn.one !== undefined) return checkEntry({ type: 'one', number: asn.one });
  if (asn.spc !== undefined) return checkEntry({ type: 'spc', spc: asn.spc });
  if (asn.range !== undefined) return checkEntry({ type: 'range', start: asn.range.start, count: asn.range.count });
  throw new TnAuthListError('TNEntry has no alternative');
}

/** DER of a TNAuthorizationList (the extension's extnValue contents). */
export function encodeTnAuthList(entries: readonly TnEntry[]): ArrayBuffer {
  if (!entries.length) throw new TnAuthListError('TNAuthorizationList needs at least one entry');
  return AsnConvert.serialize(new AsnTnAuthorizationList(entries.map((e) => toAsn(checkEntry(e)))));
}

function bytesOf(source: ArrayBuffer | ArrayBufferView): Uint8Array {
  return source instanceof ArrayBuffer
    ? new Uint8Array(source)
    : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
}

/** The entries of a DER TNAuthorizationList; anything else (BER, trailing bytes, bad values) is a TnAuthListError. */
export function decodeTnAuthList(der: ArrayBuffer | ArrayBufferView): TnEntry[] {
  const input = bytesOf(der);
  let list: AsnTnAuthorizationList;
  try {
    list = AsnConvert.parse(input, AsnTnAuthorizationList);
  } catch (err) {
    throw new TnAuthListError(`not a TNAuthorizationList: ${(err as Error).message}`);
  }
  if (!list.length) throw new TnAuthListError('TNAuthorizationList is empty');
  const entries = Array.from(list, fromAsn);
  // Certificates are DER: exactly one encoding is valid, so re-encoding must give the input back.
  const canonical = new Uint8Array(encodeTnAuthList(entries));
  if (canonical.length !== input.length || canonical.some((b, i) => b !== input[i])) {
    throw new TnAuthListError('TNAuthorizationList is not DER-encoded (or has trailing bytes)');
  }
  return entries;
}

/** The TNAuthList certificate extension (non-critical) for a certificate generator or a CSR. */
export function tnAuthListExtension(entries: readonly TnEntry[], critical = false): x509.Extension {
  return new x509.Extension(TN_AUTH_LIST_OID, critical, encodeTnAuthList(entries));
}

/** The TNAuthList of a certificate or of a CSR's extension request; null when it has none. Throws when malformed. */
export function tnAuthListOf(holder: x509.X509Certificate | x509.Pkcs10CertificateRequest): TnEntry[] | null {
  const extension = holder.extensions.find((e) => e.type === TN_AUTH_LIST_OID);
  return extension ? decodeTnAuthList(extension.value) : null;
}

/** The digits of an E.164 number ("+14085550100" or "14085550100"), as a TelephoneNumber names it. */
export function telephoneNumberOf(number: string): string {
  return number.startsWith('+') ? number.slice(1) : number;
}

/**
 * Whether the list authorises the number: a `one` equal to it, or a `range` of numbers of the start's length
 * from start to start + count - 1. A `spc` needs a lookup of the provider's numbers and never covers one here.
 */
export function tnAuthListCovers(entries: readonly TnEntry[], number: string): boolean {
  const digits = telephoneNumberOf(number);
  if (!TELEPHONE_NUMBER.test(digits)) return false;
  return entries.some((entry) => {
    if (entry.type === 'one') return entry.number === digits;
    if (entry.type !== 'range' || entry.start.length !== digits.length) return false;
    if (!/^\d+$/.test(entry.start) || !/^\d+$/.test(digits)) return false;
    const offset = BigInt(digits) - BigInt(entry.start);
    return offset >= 0n && offset < BigInt(entry.count);
  });
}

export type StirCertificateFailure =
  | 'malformed'
  | 'untrusted-issuer'
  | 'not-yet-valid'
  | 'expired'
  | 'not-end-entity'
  | 'key-usage'
  | 'unsupported-key'
  | 'no-tnauthlist'
  | 'malformed-tnauthlist'
  | 'number-not-covered';

export type StirCertificateVerification =
  | { valid: true; certificate: x509.X509Certificate; tnAuthList: TnEntry[] }
  | { valid: false; reason: StirCertificateFailure; detail: string };

function certificatesIn(pem: string): x509.X509Certificate[] {
  return x509.PemConverter.decodeWithHeaders(pem)
    .filter((block) => block.type === 'CERTIFICATE')
    .map((block) => new x509.X509Certificate(block.rawData));
}

function isCa(cert: x509.X509Certificate): boolean {
  const constraints = cert.getExtension(x509.BasicConstraintsExtension);
  const usages = cert.getExtension(x509.KeyUsagesExtension);
  return Boolean(constraints?.ca) && (!usages || (usages.usages & x509.KeyUsageFlags.keyCertSign) !== 0);
}

/**
 * Checks a PASSporT signer's certificate: the first certificate of `certPem` (what an `x5u` URL serves: the leaf,
 * then possibly its CA, which is ignored) must be signed by a CA of `caPem` that is valid now, be valid now
 * itself, be an end-entity ES256 (P-256) signing certificate, and carry a TNAuthList that covers `number`.
 * `caPem` is trusted configuration: it throws when it holds no certificate.
 */
export async function verifyStirCertificate(
  certPem: string,
  caPem: string,
  number: string,
  options: { now?: Date } = {},
): Promise<StirCertificateVerification> {
  const now = options.now ?? new Date();
  const fail = (reason: StirCertificateFailure, detail: string): StirCertificateVerification => ({
    valid: false,
    reason,
    detail,
  });
  const cas = certificatesIn(caPem);
  if (!cas.length) throw new TypeError('caPem holds no CERTIFICATE');

  let leaf: x509.X509Certificate | undefined;
  try {
    leaf = certificatesIn(certPem)[0];
  } catch (err) {
    return fail('malformed', `The certificate does not parse: ${(err as Error).message}`);
  }
  if (!leaf) return fail('malformed', 'No PEM CERTIFICATE found');

  let issuer: x509.X509Certificate | undefined;
  for (const ca of cas) {
    if (ca.subject !== leaf.issuer) continue;
    const signed = await leaf.verify({ publicKey: ca, signatureOnly: true }).catch(() => false);
    if (signed) {
      issuer = ca;
      break;
    }
  }
  if (!issuer) return fail('untrusted-issuer', `The certificate (issuer ${leaf.issuer}) is not signed by the STIR CA`);
  if (!isCa(issuer) || now < issuer.notBefore || now > issuer.notAfter) {
    return fail('untrusted-issuer', `The issuing CA ${issuer.subject} is not a valid CA at ${now.toISOString()}`);
  }
  if (now < leaf.notBefore)
    return fail('not-yet-valid', `The certificate is valid from ${leaf.notBefore.toISOString()}`);
  if (now > leaf.notAfter) return fail('expired', `The certificate expired at ${leaf.notAfter.toISOString()}`);
  if (leaf.getExtension(x509.BasicConstraintsExtension)?.ca) {
    return fail('not-end-entity', 'The certificate is a CA certificate, not a signer certificate');
  }
  const usages = leaf.getExtension(x509.KeyUsagesExtension);
  if (usages && (usages.usages & x509.KeyUsageFlags.digitalSignature) === 0) {
    return fail('key-usage', 'The certificate is not for digitalSignature');
  }
  if (!isP256(leaf.publicKey)) return fail('unsupported-key', 'The certificate key is not EC P-256 (ES256)');

  let tnAuthList: TnEntry[] | null;
  try {
    tnAuthList = tnAuthListOf(leaf);
  } catch (err) {
    return fail('malformed-tnauthlist', `The TNAuthList extension is malformed: ${(err as Error).message}`);
  }
  if (!tnAuthList) return fail('no-tnauthlist', 'The certificate has no TNAuthList extension');
  if (!tnAuthListCovers(tnAuthList, number)) {
    return fail('number-not-covered', `The certificate's TNAuthList does not cover ${number}`);
  }
  return { valid: true, certificate: leaf, tnAuthList };
}

/** "SHAKEN <SPC>" at the end of a provider certificate's subject CN (ATIS-1000080 naming), the SPC captured. */
const PROVIDER_CN = /(?:^|\s)SHAKEN ([\x21-\x7e]{1,255})$/;

/**
 * The Service Provider Code of a provider-level (SHAKEN service provider) certificate, or null when it is not one.
 * Such a certificate carries a TNAuthList of exactly one `spc` entry and a subject CN ending in "SHAKEN <that SPC>".
 * Our STIR CA issues it to the provider's own edges only (enterprise CSRs naming an SPC are refused), so a
 * certificate of it that chains to our CA is the carrier's attestation certificate: valid for any `orig` the
 * carrier attests, as SHAKEN verifiers treat SP certificates. It does not check the chain: verifyStirCertificate does.
 */
export function providerSpcOf(cert: x509.X509Certificate): string | null {
  let entries: TnEntry[] | null;
  try {
    entries = tnAuthListOf(cert);
  } catch {
    return null;
  }
  if (!entries || entries.length !== 1 || entries[0].type !== 'spc') return null;
  const names = cert.subjectName.getField('CN');
  const match = names.length === 1 ? PROVIDER_CN.exec(names[0]) : null;
  return match && match[1] === entries[0].spc ? entries[0].spc : null;
}
