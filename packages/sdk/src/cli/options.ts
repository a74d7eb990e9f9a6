import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { ParsedCommandLine } from './kit.js';

/** The flags of `riptrunk` (every verb parses the same table; each reads the ones it documents). */
export const OPTIONS = {
  profile: { type: 'string' },
  cacert: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  from: { type: 'string' },
  tone: { type: 'string' },
  play: { type: 'string' },
  record: { type: 'string' },
  seconds: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'public-url': { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'ca-key': { type: 'string' },
  answer: { type: 'boolean' },
  echo: { type: 'boolean' },
  decline: { type: 'boolean' },
  calls: { type: 'string' },
  out: { type: 'string' },
  'sip-listen': { type: 'string' },
  'sip-peer': { type: 'string' },
  'rtp-ports': { type: 'string' },
  'public-address': { type: 'string' },
  egress: { type: 'string' },
  country: { type: 'string' },
  'stir-trust': { type: 'string' },
  pbx: { type: 'string' },
  allow: { type: 'string' },
  'pbx-user': { type: 'string' },
  'pbx-password-file': { type: 'string' },
} satisfies ParseArgsConfig['options'];

export type CliValues = ParsedCommandLine<typeof OPTIONS>['values'];

export const profilePath = (values: CliValues): string =>
  values.profile ?? join(homedir(), '.riptrunk', 'profile.json');
