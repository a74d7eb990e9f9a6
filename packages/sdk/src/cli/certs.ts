import { chmodSync, writeFileSync } from 'node:fs';
import { requestNumberCertificate } from '../certs.js';
import { ClientError } from '../http.js';
import { loadProfile } from '../profile.js';
import { RiptTrunkClient } from '../riptrunk-client.js';
import { e164Argument, printResult, UsageError } from './kit.js';
import { profilePath, type CliValues } from './options.js';

export interface CertsRequestOptions {
  number: string;
  /** Files are PREFIX.key.pem and PREFIX.cert.pem. */
  prefix: string;
  profile: string;
  json?: boolean;
}

export function certsRequestOptions(values: CliValues, [action, number]: string[]): CertsRequestOptions {
  if (action !== 'request' || !number) throw new UsageError('usage: riptrunk certs request <number> [--out PREFIX]');
  e164Argument(number, '<number>');
  return { number, prefix: values.out ?? number.slice(1), profile: profilePath(values), json: values.json };
}

/** `riptrunk certs request`: a STIR certificate for one number from the provider's CA, saved with its key. */
export async function certsRequest(o: CertsRequestOptions): Promise<void> {
  const client = await RiptTrunkClient.fromProfile(loadProfile(o.profile));
  try {
    const [listed] = await client.providerTgs();
    if (!listed) throw new ClientError('your provider has no trunk for you yet', 'no-tg');
    const cert = await requestNumberCertificate(client, o.number, await client.tgDescription(listed.uri));
    const keyFile = `${o.prefix}.key.pem`;
    const certFile = `${o.prefix}.cert.pem`;
    writeFileSync(keyFile, cert.keyPem, { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    writeFileSync(certFile, cert.certificate);
    const { keyPem: _key, ...shown } = cert;
    printResult(
      o.json,
      { ...shown, keyFile, certFile },
      `certificate ${cert.id} for ${cert.number}, valid until ${cert.notAfter}\n  key   ${keyFile} (mode 0600)\n  cert  ${certFile}\n  x5u   ${cert.x5u}`,
    );
  } finally {
    await client.close();
  }
}
