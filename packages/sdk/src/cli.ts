#!/usr/bin/env node
import { call, callOptions } from './cli/call.js';
import { certsRequest, certsRequestOptions } from './cli/certs.js';
import { firstPositional, parseCommandLine, printUsage, runCommandLine, UsageError } from './cli/kit.js';
import { onboard, onboardOptions } from './cli/onboard.js';
import { OPTIONS } from './cli/options.js';
import { serve, serveOptions } from './cli/serve.js';
import { tgs, tgsOptions } from './cli/tgs.js';
import { USAGE } from './cli/usage.js';

async function main(argv: string[]): Promise<void> {
  // Checked before the strict parse, so that the admin commands' own flags do not hide where they went.
  if (firstPositional(argv, OPTIONS) === 'admin') {
    throw new UsageError("the carrier's admin commands moved to riptrunk-admin (see riptrunk-admin --help)", false);
  }
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  const [command, ...rest] = positionals;
  if (values.help || !command) return printUsage(USAGE, !command && !values.help);
  switch (command) {
    case 'onboard':
      return onboard(onboardOptions(values, rest));
    case 'tgs':
      return tgs(tgsOptions(values));
    case 'call':
      return call(callOptions(values, rest));
    case 'serve':
      return serve(serveOptions(values));
    case 'gateway': {
      // loaded only for this command: the SIP stack, SDP and number metadata would slow every other one
      const { gateway, gatewayOptions } = await import('./cli/gateway.js');
      return gateway(gatewayOptions(values));
    }
    case 'certs':
      return certsRequest(certsRequestOptions(values, rest));
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

runCommandLine('riptrunk', () => main(process.argv.slice(2)));
