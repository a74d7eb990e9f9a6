import { isIP } from 'node:net';
import { readFileChecked } from './files.js';
import { requiredOption, UsageError } from './kit.js';

/** Where `riptrunk serve` gets its TLS certificate: files, or (for a local run) a CA that issues one. */
export type ServeTlsOptions = {
  cert?: string;
  key?: string;
  /** The CA's private key; its certificate is `caFile`. */
  caKey?: string;
};

const WILDCARD = new Set(['0.0.0.0', '::']);

/** The PEM certificate chain and key, read from --cert/--key or issued for the listening names by --ca-key. */
export async function serveTlsMaterial(
  o: ServeTlsOptions,
  caFile: string | undefined,
  host: string,
  publicUrl?: string,
): Promise<{ cert: string; key: string }> {
  if (o.cert || o.key) {
    return { cert: readFileChecked(requiredOption(o, 'cert')), key: readFileChecked(requiredOption(o, 'key')) };
  }
  if (!o.caKey) {
    throw new UsageError('serve needs --cert FILE --key FILE (or, for a local run, --ca-key FILE with --cacert FILE)');
  }
  if (!caFile) throw new UsageError('--ca-key needs --cacert FILE, the certificate of that CA');
  const { X509Certificate } = await import('@peculiar/x509');
  const { importPrivateKeyPem, issueServerCertificate } = await import('@riptrunk/ript');
  const ca = {
    cert: new X509Certificate(readFileChecked(caFile)),
    privateKey: await importPrivateKeyPem(readFileChecked(o.caKey)),
  };
  const names = new Set(['localhost', ...(publicUrl ? [new URL(publicUrl).hostname] : []), host]);
  const dns = [...names].filter((n) => !isIP(n) && !WILDCARD.has(n));
  const ip = ['127.0.0.1', ...[...names].filter((n) => isIP(n) && !WILDCARD.has(n) && n !== '127.0.0.1')];
  const pair = await issueServerCertificate(ca, { dns, ip });
  return { cert: pair.certPem, key: pair.keyPem };
}
