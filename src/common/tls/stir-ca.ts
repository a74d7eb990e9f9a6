import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { ConfigError } from '../config/env.js';
import {
  createCa,
  DAY_MS,
  ES256_SIGNING,
  importPrivateKeyPem,
  isP256,
  issueCertificate,
  type IssuingCa,
} from './pki.js';
import { telephoneNumberOf, tnAuthListExtension } from './tnauthlist.js';
import { withDirLock, writeAtomically } from './tls-material.js';

/** The provider's STIR CA (RFC 8226 issuer of the per-number certificates): EC P-256, signs with ES256. */
export interface StirCa extends IssuingCa {
  certPem: string;
}

export interface StirCaOptions {
  dataDir: string;
  /** Operator-supplied CA certificate and key (PEM files); both or neither. */
  certFile?: string;
  keyFile?: string;
}

export const STIR_CA_FILES = { cert: 'stir-ca.pem', key: 'stir-ca-key.pem', lock: 'stir-ca.lock' } as const;
export const STIR_CA_NAME = 'riptrunk STIR CA';

/** Lifetime of an issued certificate unless the CA expires sooner. */
export const STIR_CERT_DAYS = 365;
/** Issued certificates are valid from a little before issuance, for verifiers whose clocks run behind. */
const BACKDATE_MS = 5 * 60_000;

/**
 * The STIR CA: the operator's files when given (RIPTRUNK_STIR_CA_CERT / RIPTRUNK_STIR_CA_KEY), else a CA generated
 * on first start under the data directory, under the same kind of lock as the TLS CA so that processes starting
 * together generate it once. Unusable material is a ConfigError naming the setting or file.
 */
export async function loadStirCa(options: StirCaOptions): Promise<StirCa> {
  if (options.certFile || options.keyFile) {
    if (!options.certFile || !options.keyFile) {
      throw new ConfigError(['RIPTRUNK_STIR_CA_CERT and RIPTRUNK_STIR_CA_KEY: set both or neither']);
    }
    return checkStirCa(
      readSetting(options.certFile, 'RIPTRUNK_STIR_CA_CERT'),
      readSetting(options.keyFile, 'RIPTRUNK_STIR_CA_KEY'),
      { cert: 'RIPTRUNK_STIR_CA_CERT', key: 'RIPTRUNK_STIR_CA_KEY' },
    );
  }
  const certPath = join(options.dataDir, STIR_CA_FILES.cert);
  const keyPath = join(options.dataDir, STIR_CA_FILES.key);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  await withDirLock(join(options.dataDir, STIR_CA_FILES.lock), async () => {
    if (existsSync(certPath) && existsSync(keyPath)) return;
    const ca = await createCa(STIR_CA_NAME);
    writeAtomically(keyPath, ca.keyPem, 0o600);
    writeAtomically(certPath, ca.certPem, 0o644);
  });
  return checkStirCa(readFileSync(certPath, 'utf8'), readFileSync(keyPath, 'utf8'), { cert: certPath, key: keyPath });
}

function readSetting(path: string, setting: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${setting}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
}

/** Parses and checks CA material: a valid CA certificate with an EC P-256 key, and the private key that matches it. */
async function checkStirCa(certPem: string, keyPem: string, names: { cert: string; key: string }): Promise<StirCa> {
  const problem = (name: string, detail: string) => new ConfigError([`${name}: ${detail}`]);
  let cert: x509.X509Certificate;
  try {
    const block = x509.PemConverter.decodeWithHeaders(certPem).find((b) => b.type === 'CERTIFICATE');
    if (!block) throw new Error('no PEM CERTIFICATE');
    cert = new x509.X509Certificate(block.rawData);
  } catch (err) {
    throw problem(names.cert, `not a PEM certificate (${(err as Error).message})`);
  }
  if (!isP256(cert.publicKey)) throw problem(names.cert, 'the STIR CA must have an EC P-256 key (ES256)');
  const constraints = cert.getExtension(x509.BasicConstraintsExtension);
  const usages = cert.getExtension(x509.KeyUsagesExtension);
  if (!constraints?.ca || (usages && !(usages.usages & x509.KeyUsageFlags.keyCertSign))) {
    throw problem(names.cert, 'not a CA certificate (basicConstraints cA and keyCertSign are required)');
  }
  if (cert.notAfter.getTime() <= Date.now()) {
    throw problem(names.cert, `the STIR CA expired at ${cert.notAfter.toISOString()}`);
  }
  let privateKey: webcrypto.CryptoKey;
  try {
    privateKey = await importPrivateKeyPem(keyPem);
  } catch (err) {
    throw problem(names.key, `not a PEM EC P-256 private key (${(err as Error).message})`);
  }
  const challenge = webcrypto.getRandomValues(new Uint8Array(32));
  const signature = await webcrypto.subtle.sign(ES256_SIGNING, privateKey, challenge);
  const publicKey = await cert.publicKey.export({ name: 'ECDSA', namedCurve: 'P-256' } as webcrypto.EcKeyImportParams, [
    'verify',
  ]);
  if (!(await webcrypto.subtle.verify(ES256_SIGNING, publicKey, signature, challenge))) {
    throw problem(names.key, `the private key does not match the certificate ${names.cert}`);
  }
  return { cert, certPem: cert.toString('pem'), privateKey };
}

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
