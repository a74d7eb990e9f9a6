import { printResult, requiredOption } from '@riptrunk/sdk';
import { adminRequest } from './admin-api.js';
import { commonOptions, type AdminValues, type CommonOptions } from './options.js';

export interface TenantCreateOptions extends CommonOptions {
  name: string;
  externalRef?: string;
}

export function tenantCreateOptions(values: AdminValues): TenantCreateOptions {
  return { ...commonOptions(values), name: requiredOption(values, 'name'), externalRef: values['external-ref'] };
}

/** `riptrunk-admin tenant create`. */
export async function tenantCreate(o: TenantCreateOptions): Promise<void> {
  const t = await adminRequest(o, 'POST', '/v1/tenants', {
    name: o.name,
    ...(o.externalRef ? { externalRef: o.externalRef } : {}),
  });
  printResult(o.json, t, `tenant ${String(t.id)} created`);
}
