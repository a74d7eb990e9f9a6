import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { REPO_ROOT } from '../helpers/import-graph.js';

// Each boundary rule of eslint.config.js fires on a deliberate violation, and a clean import passes. The linted
// files are not on disk, so type-aware linting is off for them (the boundaries are syntactic).
const eslint = new ESLint({ cwd: REPO_ROOT, overrideConfig: [tseslint.configs.disableTypeChecked] });

async function lint(filePath: string, code: string): Promise<{ ruleId: string | null; message: string }[]> {
  const [result] = await eslint.lintText(`${code}\n`, { filePath });
  return result.messages.map(({ ruleId, message }) => ({ ruleId, message }));
}

const refused = (message: RegExp) => [{ ruleId: 'no-restricted-imports', message: expect.stringMatching(message) }];

describe('the boundary rules of eslint.config.js', () => {
  it.each([
    [
      'an edge file importing the control plane',
      'src/edge/calls/probe.ts',
      "import '../../control-plane/tenants/tenant.entity.js';",
      /The edge never imports the control plane/,
    ],
    [
      'the edge entry importing the control plane',
      'src/edge/main.ts',
      "import '../control-plane/app.module.js';",
      /The edge never imports the control plane/,
    ],
    [
      'a control-plane file importing the edge',
      'src/control-plane/edges/probe.ts',
      "import '../../edge/calls/call-metrics.js';",
      /The control plane never imports the edge/,
    ],
    [
      'src/common importing the control plane',
      'src/common/http/probe.ts',
      "import '../../control-plane/tenants/tenant.entity.js';",
      /src\/common is plumbing/,
    ],
    [
      'src/common importing the edge',
      'src/common/probe.ts',
      "import '../edge/calls/call-metrics.js';",
      /src\/common is plumbing/,
    ],
    [
      'src/contracts importing the control plane',
      'src/contracts/probe.ts',
      "import '../control-plane/tenants/tenant.entity.js';",
      /src\/contracts is what crosses between the processes/,
    ],
    [
      'a packages/sdk file importing from src/',
      'packages/sdk/src/probe.ts',
      "import '../../../src/common/tls/tls-material.js';",
      /A package imports nothing from the server/,
    ],
    [
      "a packages/sdk file importing '@nestjs/common'",
      'packages/sdk/src/inbound/probe.ts',
      "import '@nestjs/common';",
      /The published packages carry no server dependency/,
    ],
    [
      "a packages/ript file importing 'ioredis'",
      'packages/ript/src/probe.ts',
      "import 'ioredis';",
      /The published packages carry no server dependency/,
    ],
  ])('refuses %s', async (_what, filePath, code, message) => {
    expect(await lint(filePath, code)).toEqual(refused(message));
  });

  it.each([
    ['an edge file importing the contracts', 'src/edge/calls/probe.ts', "import '../../contracts/call-record.js';"],
    ['the control plane importing a package', 'src/control-plane/probe.ts', "import '@riptrunk/sdk';"],
    ['src/common importing src/contracts', 'src/common/probe.ts', "import '../contracts/queues.js';"],
    ['packages/sdk importing @riptrunk/ript', 'packages/sdk/src/probe.ts', "import '@riptrunk/ript';"],
    ['packages/sdk importing a file of its own', 'packages/sdk/src/inbound/probe.ts', "import '../call.js';"],
  ])('lets %s pass', async (_what, filePath, code) => {
    expect(await lint(filePath, code)).toEqual([]);
  });
});
