import './reflect-polyfill.js';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const ES256_SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export const DAY_MS = 86_400_000;

/** A CA's certificate and private key, as needed to issue certificates. */
export interface IssuingCa {
  cert: x509.X509Certificate;
  privateKey: CryptoKey;
}

export async function generateEcKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Imports an EC P-256 private key from PEM, PKCS#8 ("PRIVATE KEY") or SEC1 ("EC PRIVATE KEY"). */
export async function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return (await webcrypto.subtle.importKey('pkcs8', der, EC_P256, true, ['sign'])) as CryptoKey;
}

/** Whether a public key (of a certificate or CSR) is an EC key on P-256, the only key ES256 signs with. */
export function isP256(publicKey: x509.PublicKey): boolean {
  try {
    const algorithm = publicKey.algorithm as { name: string; namedCurve?: string };
    return algorithm.name === 'ECDSA' && algorithm.namedCurve === 'P-256';
  } catch {
    return false; // an algorithm @peculiar/x509 does not know
  }
}

/** A random positive 128-bit serial number, in hex (RFC 5280 §4.1.2.2: at most 20 octets, positive). */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40; // positive, and no leading zero octet to strip
  return bytes.toString('hex');
}

export interface LeafCertificateParams {
  subject: x509.X509CertificateCreateParamsName;
  publicKey: x509.PublicKey | CryptoKey;
  notBefore: Date;
  notAfter: Date;
  /** Extensions besides the subject and authority key identifiers, which are always added. */
  extensions: x509.Extension[];
  serialNumber?: string;
}

/** An end-entity certificate signed by the CA with ES256, with a random serial and both key identifiers. */
export async function issueCertificate(ca: IssuingCa, params: LeafCertificateParams): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create({
    serialNumber: params.serialNumber ?? randomSerialNumber(),
    subject: params.subject,
    issuer: ca.cert.subjectName,
    notBefore: params.notBefore,
    notAfter: params.notAfter,
    signingAlgorithm: ES256_SIGNING,
    publicKey: params.publicKey,
    signingKey: ca.privateKey,
    extensions: [
      ...params.extensions,
      await x509.SubjectKeyIdentifierExtension.create(params.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
}

/** A self-signed CA certificate with an EC P-256 key. */
export async function createCa(
  commonName: string,
  years = 10,
): Promise<PemPair & { keys: CryptoKeyPair; cert: x509.X509Certificate }> {
  const keys = await generateEcKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${commonName}`,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + years * 365 * DAY_MS),
    signingAlgorithm: ES256_SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { keys, cert, certPem: cert.toString('pem'), keyPem: await privateKeyToPem(keys.privateKey) };
}

/** A TLS server certificate for the given DNS names and IP addresses, issued by the CA. */
export async function issueServerCertificate(
  ca: IssuingCa,
  names: { dns: string[]; ip: string[] },
  days = 825,
): Promise<PemPair> {
  const keys = await generateEcKeys();
  const cert = await issueCertificate(ca, {
    subject: `CN=${names.dns[0] ?? names.ip[0]}`,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + days * DAY_MS),
    publicKey: keys.publicKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ip.map((value) => ({ type: 'ip' as const, value })),
      ]),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyToPem(keys.privateKey) };
}
