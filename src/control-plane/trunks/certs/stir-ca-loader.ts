import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { createCa, ES256_SIGNING, importPrivateKeyPem, isP256, type StirCa } from '@riptrunk/ript';
import { ConfigError } from '../../../common/config/env.js';
import { withDirLock, writeAtomically } from '../../../common/tls/tls-material.js';

export interface StirCaOptions {
  dataDir: string;
  /** Operator-supplied CA certificate and key (PEM files); both or neither. */
  certFile?: string;
  keyFile?: string;
}

export const STIR_CA_FILES = { cert: 'stir-ca.pem', key: 'stir-ca-key.pem', lock: 'stir-ca.lock' } as const;
export const STIR_CA_NAME = 'riptrunk STIR CA';

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
