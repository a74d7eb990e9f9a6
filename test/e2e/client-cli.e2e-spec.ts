import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { detectTone, loadProfile, readWav, RiptTrunkClient, saveProfile } from '@riptrunk/sdk';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  freePort,
  startControlPlane,
  startEdge,
  TEST_ADMIN_TOKEN,
  type TestControlPlane,
  type TestEdge,
} from '../helpers/control-plane.js';
import { tenantWithCode } from '../helpers/enterprise.js';

const exec = promisify(execFile);
const CA = '.data/test/ca.pem';

/** Runs a compiled CLI (`npm test` builds first) and returns its exit code and output. */
async function run(
  bin: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The enterprise CLI, `riptrunk`. */
const cli = (args: string[], env?: Record<string, string>) => run('packages/sdk/dist/cli.js', args, env);
/** The carrier's admin CLI, `riptrunk-admin`. */
const adminCli = (args: string[], env?: Record<string, string>) =>
  run('dist/src/control-plane/admin-cli/cli.js', args, env);

describe('enterprise SDK and riptrunk CLI', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let dir: string;

  beforeAll(async () => {
    cp = await startControlPlane();
    edge = await startEdge(cp);
    dir = mkdtempSync(join(tmpdir(), 'riptrunk-cli-'));
  });
  afterAll(async () => {
    await edge?.close();
    await cp?.close();
  });

  it('onboards with the SDK and reuses access tokens until they near expiry', async () => {
    const { code, tenantId } = await tenantWithCode(cp, 'Sdk');
    await cp.admin.post(`/v1/tenants/${tenantId}/trunks`, {
      name: 'sdk-trunk',
      maxConcurrentCalls: 3,
      maxCallsPerSecond: 1,
    });
    const profile = await RiptTrunkClient.onboard(cp.url, code, { caFile: CA });
    expect(profile.clientId).toMatch(/^cli_/);
    const path = join(dir, 'sdk.json');
    saveProfile(path, profile);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const client = await RiptTrunkClient.fromProfile(loadProfile(path));
    try {
      const tgs = await client.providerTgs();
      expect(tgs).toEqual([expect.objectContaining({ name: 'sdk-trunk' })]);
      expect(await client.accessToken(cp.url)).toBe(await client.accessToken(cp.url));
    } finally {
      await client.close();
    }
  });

  it('drives the carrier admin helpers and onboarding from the command line', async () => {
    const env = { RIPTRUNK_URL: cp.url, RIPTRUNK_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
    const tenant = await adminCli(['tenant', 'create', '--name', 'Cli Corp', '--cacert', CA, '--json'], env);
    expect(tenant.code).toBe(0);
    const tenantId = JSON.parse(tenant.stdout).id as string;
    expect(JSON.parse(tenant.stdout).kind).toBe('enterprise');
    const ic = await adminCli(['tenant', 'create', '--name', 'Cli IC', '--kind', 'interconnect', '--cacert', CA], env);
    expect(ic.code).toBe(0);
    expect(ic.stdout).toMatch(/^interconnect tenant ten_[0-9a-z]{20} created/);
    const badKind = await adminCli(['tenant', 'create', '--name', 'Odd', '--kind', 'carrier', '--cacert', CA], env);
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toMatch(/--kind must be enterprise or interconnect/);
    const range = await adminCli(
      ['numbers', 'add', '--tenant', tenantId, '--start', '+14085550700', '--count', '50', '--cacert', CA],
      env,
    );
    expect(range.stdout).toMatch(/\+14085550700 to \+14085550749 \(50 numbers\)/);
    const trunk = await adminCli(
      ['trunk', 'create', '--tenant', tenantId, '--name', 'cli', '--max-calls', '5', '--cps', '2', '--cacert', CA],
      env,
    );
    expect(trunk.code).toBe(0);
    const code = JSON.parse(
      (await adminCli(['code', 'create', '--tenant', tenantId, '--json', '--cacert', CA], env)).stdout,
    ).code;
    const profile = join(dir, 'cli.json');
    const onboarded = await cli(['onboard', cp.url, code, '--profile', profile, '--cacert', CA]);
    expect(onboarded.code).toBe(0);
    expect(onboarded.stdout).toMatch(/onboarded as cli_\w+ in \d+ ms/);
    expect(statSync(profile).mode & 0o777).toBe(0o600);
    const tgs = await cli(['tgs', '--profile', profile]);
    expect(tgs.code).toBe(0);
    expect(tgs.stdout).toContain('cli  ');
    expect(tgs.stdout).toContain('limits: 5 calls, 2/s');
    const record = join(dir, 'echo.wav');
    const call = await cli([
      'call',
      '+15550100001',
      '--seconds',
      '1',
      '--tone',
      '600',
      '--record',
      record,
      '--profile',
      profile,
    ]);
    expect(call.code).toBe(0);
    expect(call.stdout).toMatch(/call to \+15550100001: answered/);
    expect(call.stdout).toMatch(/frames\s+50 sent, (4[5-9]|50) received/);
    const wav = readWav(readFileSync(record));
    expect(detectTone(wav.pcm, 8000, 600)).toBeGreaterThan(0.8);
    const declined = await cli(['call', '+15550100003', '--seconds', '1', '--profile', profile]);
    expect(declined.code).toBe(1);
    expect(declined.stdout).toMatch(/declined/);
    const notWav = join(dir, 'not.wav');
    writeFileSync(notWav, 'RIFF....WAVEjunk');
    const badWav = await cli(['call', '+15550100001', '--play', notWav, '--profile', profile]);
    expect(badWav.code).toBe(1);
    expect(badWav.stderr.split('\n').filter((l) => l.startsWith('riptrunk:'))).toHaveLength(1);
    const again = await cli(['onboard', cp.url, code, '--profile', join(dir, 'again.json'), '--cacert', CA]);
    expect(again.code).toBe(1);
    expect(again.stderr.split('\n').filter((l) => l.startsWith('riptrunk:'))).toHaveLength(1);
    expect(again.stderr).toMatch(/already used/);
  });

  it('explains bad input in one line with a non-zero exit code', async () => {
    const untrusted = await cli(['onboard', cp.url, 'RIPT-AAAA-AAAA-AAAA-AAAA', '--profile', join(dir, 'x.json')]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/not trusted.*--cacert/);
    const unreachable = await cli([
      'onboard',
      `https://127.0.0.1:${await freePort()}`,
      'RIPT-AAAA-AAAA-AAAA-AAAA',
      '--cacert',
      CA,
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/unreachable/);
    const corrupt = join(dir, 'corrupt.json');
    writeFileSync(corrupt, '{nope', { mode: 0o600 });
    expect((await cli(['tgs', '--profile', corrupt])).stderr).toMatch(/not a valid profile/);
    const loose = join(dir, 'loose.json');
    writeFileSync(loose, '{}');
    chmodSync(loose, 0o644);
    const looseRun = await cli(['tgs', '--profile', loose]);
    expect(looseRun.code).toBe(1);
    expect(looseRun.stderr).toMatch(/readable by others/);
    const badNumber = await adminCli(['numbers', 'add', '--tenant', 't', '--start', '4085550100', '--count', '1'], {
      RIPTRUNK_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    });
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toMatch(/E\.164/);
    for (const result of [untrusted, unreachable, looseRun, badNumber]) {
      expect(result.stderr).not.toMatch(/\n\s+at /); // never a stack trace
    }
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('riptrunk onboard');
    expect(help.stdout).not.toContain('tenant create');
    const moved = await cli(['admin', 'tenant', 'create', '--name', 'X']);
    expect(moved.code).toBe(2);
    expect(moved.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^riptrunk: .*riptrunk-admin/)]);
    const adminHelp = await adminCli(['--help']);
    expect(adminHelp.code).toBe(0);
    expect(adminHelp.stdout).toContain('riptrunk-admin tenant create --name NAME');
    expect((await cli(['frobnicate'])).code).toBe(2);
  });
});
