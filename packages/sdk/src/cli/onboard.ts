import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { saveProfile } from '../profile.js';
import { RiptTrunkClient } from '../riptrunk-client.js';
import { printResult, UsageError } from './kit.js';
import { profilePath, type CliValues } from './options.js';

export interface OnboardOptions {
  providerUrl: string;
  code: string;
  profile: string;
  cacert?: string;
  json?: boolean;
}

export function onboardOptions(values: CliValues, [providerUrl, code]: string[]): OnboardOptions {
  if (!providerUrl || !code) throw new UsageError('onboard needs <provider-url> <onboarding-code>');
  return { providerUrl, code, profile: profilePath(values), cacert: values.cacert, json: values.json };
}

/** `riptrunk onboard`: registers with the onboarding code and saves the profile (mode 0600). */
export async function onboard(o: OnboardOptions): Promise<void> {
  if (!o.json) process.stderr.write(`discovering ${o.providerUrl} and registering with the onboarding code...\n`);
  const started = Date.now();
  const profile = await RiptTrunkClient.onboard(o.providerUrl, o.code, { caFile: o.cacert });
  mkdirSync(join(o.profile, '..'), { recursive: true, mode: 0o700 });
  saveProfile(o.profile, profile);
  printResult(
    o.json,
    { clientId: profile.clientId, profile: o.profile, issuer: profile.issuer, onboardingMs: Date.now() - started },
    `onboarded as ${profile.clientId} in ${Date.now() - started} ms; profile saved to ${o.profile} (mode 0600)`,
  );
}
