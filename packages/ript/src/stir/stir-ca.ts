import './reflect-polyfill.js';
import type { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { DAY_MS, issueCertificate, type IssuingCa } from './pki.js';
import { telephoneNumberOf, tnAuthListExtension } from './tnauthlist.js';

/** The provider's STIR CA (RFC 8226 issuer of the per-number certificates): EC P-256, signs with ES256. */
export interface StirCa extends IssuingCa {
  certPem: string;
}

/** Lifetime of an issued certificate unless the CA expires sooner. */
export const STIR_CERT_DAYS = 365;
/** Issued certificates are valid from a little before issuance, for verifiers whose clocks run behind. */
const BACKDATE_MS = 5 * 60_000;

export interface StirCertificateParams {
  /** The subject's public key, EC P-256 (from its CSR). */
  publicKey: x509.PublicKey | webcrypto.CryptoKey;
  /** The one telephone number, canonical E.164 ("+14085550100"). */
  number: string;
  days?: number;
  now?: Date;
}

export class StirCaExpiredError extends Error {
  constructor(notAfter: Date) {
    super(`The STIR CA expires at ${notAfter.toISOString()} and cannot issue certificates any more`);
    this.name = 'StirCaExpiredError';
  }
}

/**
 * An RFC 8226 certificate for one telephone number: subject CN = the E.164 number, a TNAuthList with that number
 * as a TNEntry `one` (digits without '+'), keyUsage digitalSignature, cA false, both key identifiers, a random
 * serial; valid for `days` (365) from issuance but never beyond the CA.
 */
export async function issueStirCertificate(ca: StirCa, params: StirCertificateParams): Promise<x509.X509Certificate> {
  const now = params.now ?? new Date();
  const notAfter = new Date(
    Math.min(now.getTime() + (params.days ?? STIR_CERT_DAYS) * DAY_MS, ca.cert.notAfter.getTime()),
  );
  if (notAfter.getTime() <= now.getTime() + DAY_MS) throw new StirCaExpiredError(ca.cert.notAfter);
  const notBefore = new Date(Math.max(now.getTime() - BACKDATE_MS, ca.cert.notBefore.getTime()));
  return issueCertificate(ca, {
    subject: [{ CN: [params.number] }],
    publicKey: params.publicKey,
    notBefore,
    notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      tnAuthListExtension([{ type: 'one', number: telephoneNumberOf(params.number) }]),
    ],
  });
}

/** Lifetime of a provider (edge attestation) certificate: short, since every edge start and renewal gets a new one. */
export const PROVIDER_CERT_DAYS = 30;

export interface ProviderCertificateParams {
  publicKey: x509.PublicKey | webcrypto.CryptoKey;
  /** The provider's Service Provider Code (RIPTRUNK_STIR_SPC). */
  spc: string;
  days?: number;
  now?: Date;
}

/**
 * The provider's own SHAKEN attestation certificate (held by an edge, the STIR authentication service of the
 * tenants): subject `CN=SHAKEN <SPC>`, a TNAuthList of one `spc` entry, keyUsage digitalSignature, cA false; valid
 * `days` (30). Verifiers accept it for any `orig` (see providerSpcOf).
 */
export async function issueProviderStirCertificate(
  ca: StirCa,
  params: ProviderCertificateParams,
): Promise<x509.X509Certificate> {
  const now = params.now ?? new Date();
  const notAfter = new Date(
    Math.min(now.getTime() + (params.days ?? PROVIDER_CERT_DAYS) * DAY_MS, ca.cert.notAfter.getTime()),
  );
  if (notAfter.getTime() <= now.getTime() + DAY_MS) throw new StirCaExpiredError(ca.cert.notAfter);
  const notBefore = new Date(Math.max(now.getTime() - BACKDATE_MS, ca.cert.notBefore.getTime()));
  return issueCertificate(ca, {
    subject: [{ CN: [`SHAKEN ${params.spc}`] }],
    publicKey: params.publicKey,
    notBefore,
    notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      tnAuthListExtension([{ type: 'spc', spc: params.spc }]),
    ],
  });
}
