import { e164Argument, positiveIntOption, printResult, requiredOption } from '@riptrunk/sdk';
import { adminRequest } from './admin-api.js';
import { commonOptions, type AdminValues, type CommonOptions } from './options.js';

export interface NumbersAddOptions extends CommonOptions {
  tenant: string;
  start: string;
  /** The range is start..end, or `count` numbers from start. */
  end?: string;
  count?: number;
}

export function numbersAddOptions(values: AdminValues): NumbersAddOptions {
  const tenant = requiredOption(values, 'tenant');
  const start = e164Argument(requiredOption(values, 'start'), '--start');
  const range = values.end ? { end: e164Argument(values.end, '--end') } : { count: positiveIntOption(values, 'count') };
  return { ...commonOptions(values), tenant, start, ...range };
}

/** `riptrunk-admin numbers add`: a number range for the tenant. */
export async function numbersAdd(o: NumbersAddOptions): Promise<void> {
  const body = { start: o.start, ...(o.end ? { end: o.end } : { count: o.count }) };
  const r = await adminRequest(o, 'POST', `/v1/tenants/${o.tenant}/number-ranges`, body);
  printResult(o.json, r, `range ${String(r.id)}: ${String(r.start)} to ${String(r.end)} (${String(r.count)} numbers)`);
}
