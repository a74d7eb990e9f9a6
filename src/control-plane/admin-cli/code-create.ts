import { printResult, requiredOption } from '@riptrunk/sdk';
import { adminRequest } from './admin-api.js';
import { commonOptions, type AdminValues, type CommonOptions } from './options.js';

export interface CodeCreateOptions extends CommonOptions {
  tenant: string;
}

export function codeCreateOptions(values: AdminValues): CodeCreateOptions {
  return { ...commonOptions(values), tenant: requiredOption(values, 'tenant') };
}

/** `riptrunk-admin code create`: a one-time onboarding code to hand to the enterprise. */
export async function codeCreate(o: CodeCreateOptions): Promise<void> {
  const c = await adminRequest(o, 'POST', `/v1/tenants/${o.tenant}/onboarding-codes`, {});
  printResult(
    o.json,
    c,
    `onboarding code ${String(c.code)} (expires ${String(c.expiresAt)})\ndiscovery: ${String(c.discoveryUrl)}`,
  );
}
