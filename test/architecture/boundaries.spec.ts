import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { REPO_ROOT } from '../helpers/import-graph.js';

// Each boundary rule of eslint.config.js fires on a deliberate violation, and clean imports pass. The linted
// files are not on disk, so type-aware linting is off for them (the boundaries are syntactic).
const eslint = new ESLint({ cwd: REPO_ROOT, overrideConfig: [tseslint.configs.disableTypeChecked] });

/** `probe` is "<file> imports <specifier>": lints that import as if it were in that file. */
async function lint(probe: string): Promise<{ ruleId: string | null; message: string }[]> {
  const [filePath, specifier] = probe.split(' imports ');
  const [result] = await eslint.lintText(`import '${specifier}';\n`, { filePath });
  return result.messages.map(({ ruleId, message }) => ({ ruleId, message }));
}

const EDGE = /The edge never imports the control plane/;
const CONTROL_PLANE = /The control plane never imports the edge/;
const COMMON = /src\/common is plumbing/;
const CONTRACTS = /src\/contracts is what crosses between the processes/;
const PACKAGE_SRC = /A package imports nothing from the server/;
const PACKAGE_DEPENDENCY = /The published packages carry no server dependency/;
const CONTROLLER_STORAGE = /A controller holds no/;

describe('the boundary rules of eslint.config.js', () => {
  it.each<[string, RegExp]>([
    ['src/edge/calls/probe.ts imports ../../control-plane/tenants/tenant.entity.js', EDGE],
    ['src/edge/main.ts imports ../control-plane/app.module.js', EDGE],
    ['src/control-plane/edges/probe.ts imports ../../edge/calls/call-metrics.js', CONTROL_PLANE],
    ['src/common/http/probe.ts imports ../../control-plane/tenants/tenant.entity.js', COMMON],
    ['src/common/probe.ts imports ../edge/calls/call-metrics.js', COMMON],
    ['src/contracts/probe.ts imports ../control-plane/tenants/tenant.entity.js', CONTRACTS],
    ['packages/sdk/src/probe.ts imports ../../../src/common/tls/tls-material.js', PACKAGE_SRC],
    ['packages/sdk/src/inbound/probe.ts imports @nestjs/common', PACKAGE_DEPENDENCY],
    ['packages/ript/src/probe.ts imports ioredis', PACKAGE_DEPENDENCY],
    ['src/control-plane/tenants/probe.controller.ts imports typeorm', CONTROLLER_STORAGE],
    ['src/control-plane/tenants/probe.controller.ts imports ../../common/context/db.js', CONTROLLER_STORAGE],
    ['src/edge/calls/probe.controller.ts imports ioredis', CONTROLLER_STORAGE],
    ['src/edge/calls/probe.controller.ts imports ../../control-plane/tenants/tenant.entity.js', EDGE],
    ['src/common/audit/probe.controller.ts imports ../redis/redis.module.js', CONTROLLER_STORAGE],
  ])('refuses: %s', async (probe, message) => {
    expect(await lint(probe)).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringMatching(message) }]);
  });

  it.each([
    'src/edge/calls/probe.ts imports ../../contracts/call-record.js',
    'src/control-plane/probe.ts imports @riptrunk/sdk',
    'src/common/probe.ts imports ../contracts/queues.js',
    'packages/sdk/src/probe.ts imports @riptrunk/ript',
    'packages/sdk/src/inbound/probe.ts imports ../call.js',
    'src/control-plane/tenants/probe.controller.ts imports ./tenants.service.js',
    'src/control-plane/tenants/probe.ts imports ../../common/context/db.js',
  ])('lets pass: %s', async (probe) => {
    expect(await lint(probe)).toEqual([]);
  });
});
