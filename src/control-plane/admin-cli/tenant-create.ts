import { printResult, requiredOption, UsageError } from '@riptrunk/sdk';
import { adminRequest } from './admin-api.js';
import { commonOptions, type AdminValues, type CommonOptions } from './options.js';

export interface TenantCreateOptions extends CommonOptions {
  name: string;
  externalRef?: string;
  /** `interconnect`: the tenant a carrier's SIP gateway sits on (profile §10); default `enterprise`. */
  kind?: 'enterprise' | 'interconnect';
}

export function tenantCreateOptions(values: AdminValues): TenantCreateOptions {
  const kind = values.kind;
  if (kind !== undefined && kind !== 'enterprise' && kind !== 'interconnect') {
    throw new UsageError('--kind must be enterprise or interconnect');
  }
  return {
    ...commonOptions(values),
    name: requiredOption(values, 'name'),
    externalRef: values['external-ref'],
    ...(kind ? { kind } : {}),
  };
}

/** `riptrunk-admin tenant create`. */
export async function tenantCreate(o: TenantCreateOptions): Promise<void> {
  const t = await adminRequest(o, 'POST', '/v1/tenants', {
    name: o.name,
    ...(o.externalRef ? { externalRef: o.externalRef } : {}),
    ...(o.kind ? { kind: o.kind } : {}),
  });
  printResult(o.json, t, `${String(t.kind)} tenant ${String(t.id)} created`);
}
