import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { createCa, importPrivateKeyPem, issueServerCertificate } from '@riptrunk/ript';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** The private CA's certificate; absent when an operator supplied the certificate. */
  ca?: string;
}

export interface TlsOptions {
  dataDir: string;
  certFile?: string;
  keyFile?: string;
  /** Extra DNS names for the generated certificate (e.g. `control-plane` inside docker compose). */
  extraNames?: string[];
}

const SERVER_NAMES = { dns: ['localhost'], ip: ['127.0.0.1', '::1'] };

/**
 * The server certificate and key: the operator's files when given, else a private CA and a
 * localhost certificate generated on first start under the data directory.
 */
export async function loadTlsMaterial(options: TlsOptions): Promise<TlsMaterial> {
  if (options.certFile && options.keyFile) {
    return { cert: readFileSync(options.certFile, 'utf8'), key: readFileSync(options.keyFile, 'utf8') };
  }
  const caPem = join(options.dataDir, 'ca.pem');
  const caKey = join(options.dataDir, 'ca-key.pem');
  const certPem = join(options.dataDir, 'server.pem');
  const keyPem = join(options.dataDir, 'server-key.pem');
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  await withDirLock(join(options.dataDir, 'tls.lock'), async () => {
    await ensureCaAndServerCert(caPem, caKey, certPem, keyPem, options.extraNames ?? []);
  });
  return { cert: readFileSync(certPem, 'utf8'), key: readFileSync(keyPem, 'utf8'), ca: readFileSync(caPem, 'utf8') };
}

async function ensureCaAndServerCert(
  caPem: string,
  caKey: string,
  certPem: string,
  keyPem: string,
  extraNames: string[],
): Promise<void> {
  const names = { dns: [...new Set([...SERVER_NAMES.dns, ...extraNames])], ip: SERVER_NAMES.ip };
  if (!existsSync(caPem) || !existsSync(caKey)) {
    const ca = await createCa('riptrunk local CA');
    writeAtomically(caKey, ca.keyPem, 0o600);
    writeAtomically(caPem, ca.certPem, 0o644);
  }
  const ca = readFileSync(caPem, 'utf8');
  const current = existsSync(certPem) ? readFileSync(certPem, 'utf8') : undefined;
  if (!current || !existsSync(keyPem) || !issuedBy(current, ca) || !coversNames(current, names.dns)) {
    const issued = await issueServerCertificate(
      { cert: new x509.X509Certificate(ca), privateKey: await importPrivateKeyPem(readFileSync(caKey, 'utf8')) },
      names,
    );
    writeAtomically(keyPem, issued.keyPem, 0o600);
    writeAtomically(certPem, issued.certPem, 0o644);
  }
}

/** Serialises first-start generation between processes started together (control plane and edge). */
export async function withDirLock<T>(lockDir: string, fn: () => Promise<T>, staleMs = 30_000): Promise<T> {
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (Date.now() - statSync(lockDir).mtimeMs > staleMs) rmSync(lockDir, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function coversNames(certPem: string, dns: string[]): boolean {
  const san = new x509.X509Certificate(certPem).getExtension(x509.SubjectAlternativeNameExtension);
  const present = new Set(san?.names.items.filter((n) => n.type === 'dns').map((n) => n.value) ?? []);
  return dns.every((name) => present.has(name));
}

function issuedBy(certPem: string, caPem: string): boolean {
  const cert = new x509.X509Certificate(certPem);
  return cert.issuer === new x509.X509Certificate(caPem).subject && cert.notAfter.getTime() > Date.now() + 86_400_000;
}

/** Write-then-rename so that two processes starting together never read a half-written file. */
export function writeAtomically(path: string, content: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

/** The server's TLS material as configured: the operator's files, else the generated local PKI. */
export function loadServerTls(config: {
  dataDir: string;
  env: { RIPTRUNK_TLS_CERT?: string; RIPTRUNK_TLS_KEY?: string; RIPTRUNK_TLS_NAMES?: string };
}): Promise<TlsMaterial> {
  return loadTlsMaterial({
    dataDir: config.dataDir,
    certFile: config.env.RIPTRUNK_TLS_CERT,
    keyFile: config.env.RIPTRUNK_TLS_KEY,
  });
}
