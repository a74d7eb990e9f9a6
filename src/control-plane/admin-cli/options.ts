import type { ParseArgsConfig } from 'node:util';
import type { ParsedCommandLine } from '@riptrunk/sdk';
import type { AdminTarget } from './admin-api.js';

export const OPTIONS = {
  url: { type: 'string' },
  cacert: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  name: { type: 'string' },
  'external-ref': { type: 'string' },
  kind: { type: 'string' },
  tenant: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  count: { type: 'string' },
  'max-calls': { type: 'string' },
  cps: { type: 'string' },
  codecs: { type: 'string' },
} satisfies ParseArgsConfig['options'];

export type AdminValues = ParsedCommandLine<typeof OPTIONS>['values'];

/** What every admin command takes: where the admin API is, and --json. */
export interface CommonOptions extends AdminTarget {
  json?: boolean;
}

export function commonOptions(values: AdminValues): CommonOptions {
  return { url: values.url, cacert: values.cacert, json: values.json };
}

export const USAGE = `riptrunk-admin: the carrier's admin helpers, a client of the riptrunk control plane's admin API

Usage:
  riptrunk-admin tenant create --name NAME [--external-ref REF] [--kind enterprise|interconnect]
  riptrunk-admin numbers add --tenant ID --start E164 (--end E164 | --count N)
  riptrunk-admin trunk create --tenant ID --name NAME --max-calls N --cps N [--codecs opus,PCMU]
  riptrunk-admin code create --tenant ID

Options:
  --url URL        the control plane (default RIPTRUNK_URL, else https://localhost:8443)
  --cacert FILE    trust this CA for the control plane (e.g. .data/ca.pem of a local run)
  --json           machine-readable output
  -h, --help       this help

The operator token is read from RIPTRUNK_ADMIN_TOKEN.
Exit codes: 0 success, 1 failure, 2 usage error.`;
