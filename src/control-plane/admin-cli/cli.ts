#!/usr/bin/env node
// riptrunk-admin: the carrier's admin commands. An HTTP client of the admin API: it boots no NestJS and opens no database.
import { parseCommandLine, printUsage, runCommandLine, UsageError } from '@riptrunk/sdk';
import { codeCreate, codeCreateOptions } from './code-create.js';
import { numbersAdd, numbersAddOptions } from './numbers-add.js';
import { OPTIONS, USAGE } from './options.js';
import { tenantCreate, tenantCreateOptions } from './tenant-create.js';
import { trunkCreate, trunkCreateOptions } from './trunk-create.js';

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  const [resource, action] = positionals;
  if (values.help || !resource) return printUsage(USAGE, !resource && !values.help);
  const command = `${resource} ${action}`;
  switch (command) {
    case 'tenant create':
      return tenantCreate(tenantCreateOptions(values));
    case 'numbers add':
      return numbersAdd(numbersAddOptions(values));
    case 'trunk create':
      return trunkCreate(trunkCreateOptions(values));
    case 'code create':
      return codeCreate(codeCreateOptions(values));
    default:
      throw new UsageError(`unknown command: ${action === undefined ? resource : command}`);
  }
}

runCommandLine('riptrunk-admin', () => main(process.argv.slice(2)));
