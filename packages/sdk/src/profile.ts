import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { ClientError } from './http.js';

/** What onboarding leaves behind: enough to get tokens and find the provider again. Saved with mode 0600. */
export interface EnterpriseProfile {
  version: 1;
  providerUrl: string;
  issuer: string;
  tokenEndpoint: string;
  clientId: string;
  /** The client's private ES256 key (JWK); it never leaves this file. */
  privateJwk: JWK;
  registrationClientUri?: string;
  registrationAccessToken?: string;
  providerTgs: string;
  caFile?: string;
  tenantId?: string;
  onboardedAt: string;
}

export function saveProfile(path: string, profile: EnterpriseProfile): void {
  writeFileSync(path, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its mode on write
}

export function loadProfile(path: string): EnterpriseProfile {
  if (!existsSync(path)) throw new ClientError(`no profile at ${path}: run \`riptrunk onboard\` first`, 'profile');
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new ClientError(`${path} is readable by others (mode ${mode.toString(8)}); run chmod 600 ${path}`, 'profile');
  }
  let value: Partial<EnterpriseProfile>;
  try {
    value = JSON.parse(readFileSync(path, 'utf8')) as Partial<EnterpriseProfile>;
  } catch {
    throw new ClientError(`${path} is not a valid profile (not JSON)`, 'profile');
  }
  for (const field of ['providerUrl', 'issuer', 'tokenEndpoint', 'clientId', 'privateJwk', 'providerTgs'] as const) {
    if (!value[field]) throw new ClientError(`${path} is not a valid profile (no ${field})`, 'profile');
  }
  if (value.version !== 1) throw new ClientError(`${path} has an unsupported profile version`, 'profile');
  return value as EnterpriseProfile;
}
