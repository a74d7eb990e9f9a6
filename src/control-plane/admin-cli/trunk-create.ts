import { positiveIntOption, printResult, requiredOption } from '@riptrunk/sdk';
import { adminRequest } from './admin-api.js';
import { commonOptions, type AdminValues, type CommonOptions } from './options.js';

export interface TrunkCreateOptions extends CommonOptions {
  tenant: string;
  name: string;
  maxCalls: number;
  cps: number;
  codecs?: string[];
}

export function trunkCreateOptions(values: AdminValues): TrunkCreateOptions {
  return {
    ...commonOptions(values),
    tenant: requiredOption(values, 'tenant'),
    name: requiredOption(values, 'name'),
    maxCalls: positiveIntOption(values, 'max-calls'),
    cps: positiveIntOption(values, 'cps'),
    ...(values.codecs ? { codecs: values.codecs.split(',') } : {}),
  };
}

/** `riptrunk-admin trunk create`. */
export async function trunkCreate(o: TrunkCreateOptions): Promise<void> {
  const t = await adminRequest(o, 'POST', `/v1/tenants/${o.tenant}/trunks`, {
    name: o.name,
    maxConcurrentCalls: o.maxCalls,
    maxCallsPerSecond: o.cps,
    ...(o.codecs ? { codecs: o.codecs } : {}),
  });
  printResult(o.json, t, `trunk ${String(t.id)} created`);
}
