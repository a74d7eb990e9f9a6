// @riptrunk/ript first: it installs the Reflect polyfill that @peculiar/x509 needs.
import {
  ES256_SIGNING,
  generateEcKeys,
  isE164,
  privateKeyToPem,
  telephoneNumberOf,
  tnAuthListExtension,
} from '@riptrunk/ript';
import * as x509 from '@peculiar/x509';
import { ClientError } from './http.js';
import type { RiptTrunkClient, TgDescriptionDoc } from './riptrunk-client.js';

/** A STIR certificate for one of the tenant's numbers (profile §4 "Certificates"), with its private key. */
export interface NumberCertificate {
  id: string;
  number: string;
  /** The certificate (PEM). */
  certificate: string;
  /** The private key (PKCS#8 PEM); it never leaves this process unless the caller saves it. */
  keyPem: string;
  /** Public URL of the certificate chain, for the `x5u` of PASSporTs signed with the key. */
  x5u: string;
  serial: string;
  notBefore: string;
  notAfter: string;
}

/** A PKCS#10 request for `number` with a fresh P-256 key: subject CN and a TNAuthList extension request. */
export async function numberCsr(number: string) {
  const keys = await generateEcKeys();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [number] }],
    keys,
    signingAlgorithm: ES256_SIGNING,
    extensions: [tnAuthListExtension([{ type: 'one', number: telephoneNumberOf(number) }])],
  });
  return { csrPem: csr.toString('pem'), keys };
}

/** Generates a key and CSR for `number` and has the provider's STIR CA certify it through the TG's `certs` link. */
export async function requestNumberCertificate(
  client: RiptTrunkClient,
  number: string,
  tg: TgDescriptionDoc,
): Promise<NumberCertificate> {
  if (!isE164(number)) throw new ClientError(`${number} is not an E.164 number`, 'usage');
  const { csrPem, keys } = await numberCsr(number);
  const { body } = await client.request<Omit<NumberCertificate, 'keyPem'>>(
    'POST',
    tg.links.certs,
    { csr: csrPem },
    {},
    'ript:certs',
  );
  return { ...body, keyPem: await privateKeyToPem(keys.privateKey) };
}
