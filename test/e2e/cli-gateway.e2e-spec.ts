import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RiptTrunkClient, saveProfile } from '@riptrunk/sdk';
import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';
import { TEST_CA_FILE, tenantWithCode } from '../helpers/enterprise.js';
import { newRawCall, PCMU_OFFER, RawSip, rawRequest, rawResponse, toTagOf } from '../helpers/raw-sip.js';
import { freeUdpPort } from '../helpers/sipp.js';
import { waitFor } from '../helpers/wait.js';

/** `riptrunk gateway` as an operator runs it: the fixed flags, one JSON line per event, a clean stop on SIGTERM. */
describe('riptrunk gateway (the command line)', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let profile: string;

  beforeAll(async () => {
    // the PBX placement's consumer TG is on localhost: the control plane must be allowed to verify it
    cp = await startControlPlane({ RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' });
    edge = await startEdge(cp, { RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' });
    const tenant = await cp.admin.post('/v1/tenants', { name: 'PSTN', kind: 'interconnect' });
    await cp.admin.post(`/v1/tenants/${tenant.body.id}/trunks`, {
      name: 'pstn',
      maxConcurrentCalls: 5,
      maxCallsPerSecond: 5,
    });
    const code = await cp.admin.post(`/v1/tenants/${tenant.body.id}/onboarding-codes`, {});
    profile = join(mkdtempSync(join(tmpdir(), 'riptrunk-gw-')), 'profile.json');
    saveProfile(profile, await RiptTrunkClient.onboard(cp.url, code.body.code, { caFile: TEST_CA_FILE }));
  });
  afterAll(async () => {
    await edge?.close();
    await cp?.close();
  });

  it('starts on the flags it documents, carries a call attempt to the edge, and stops cleanly on SIGTERM', async () => {
    const sipPort = await freeUdpPort();
    const args = ['gateway', '--profile', profile, '--sip-listen', `udp:127.0.0.1:${sipPort}`];
    const child: ChildProcess = spawn(process.execPath, [
      'packages/sdk/dist/cli.js',
      ...args,
      '--sip-peer',
      `sip:127.0.0.1:${await freeUdpPort()}`,
      '--rtp-ports',
      '34000-34099',
      '--json',
    ]);
    const lines: Record<string, unknown>[] = [];
    const stderr: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (l) => lines.push(JSON.parse(l)));
    createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    await waitFor(() => lines.some((l) => l.event === 'started'), 20_000, `started (stderr: ${stderr})`);
    expect(lines[0]).toMatchObject({ event: 'started', sip: `udp:127.0.0.1:${sipPort}`, consumerTg: null });

    const sip = await RawSip.open(sipPort);
    const c = newRawCall('+19995550100'); // a number nobody owns: the edge says so, the gateway answers 404
    sip.send(rawRequest('INVITE', c, sip.port, { body: PCMU_OFFER(40000) }));
    const refused = await sip.waitFor(/^SIP\/2\.0 404 /, 10_000);
    expect(refused).toBeDefined();
    sip.send(rawRequest('ACK', c, sip.port, { toTag: toTagOf(refused!) }));
    await waitFor(() => lines.some((l) => l.event === 'call'), 5000, 'the call log line');
    expect(lines.find((l) => l.event === 'call')).toMatchObject({
      direction: 'ingress',
      to: '+19995550100',
      outcome: 'refused',
      sipStatus: 404,
      sipCallId: c.callId,
    });
    sip.close();

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.at(-1)).toEqual({ event: 'stopped' });
  }, 60_000);

  it('in front of a PBX: says in its start-up report what is ready, and that a silent PBX is not', async () => {
    const { tenantId, code } = await tenantWithCode(cp, 'Acme');
    await cp.admin.post(`/v1/tenants/${tenantId}/number-ranges`, { start: '+14085550100', count: 100 });
    await cp.admin.post(`/v1/tenants/${tenantId}/trunks`, {
      name: 'acme',
      maxConcurrentCalls: 5,
      maxCallsPerSecond: 5,
    });
    const acmeProfile = join(mkdtempSync(join(tmpdir(), 'riptrunk-pbx-')), 'profile.json');
    saveProfile(acmeProfile, await RiptTrunkClient.onboard(cp.url, code, { caFile: TEST_CA_FILE }));
    const run = async (pbxPort: number) => {
      const child = spawn(process.execPath, [
        'packages/sdk/dist/cli.js',
        'gateway',
        '--profile',
        acmeProfile,
        '--pbx',
        `sip:127.0.0.2:${pbxPort}`,
        '--sip-listen',
        `udp:127.0.0.1:${await freeUdpPort()}`,
        '--rtp-ports',
        '34100-34199',
        '--ca-key',
        '.data/test/ca-key.pem',
        '--json',
      ]);
      const lines: Record<string, unknown>[] = [];
      const stderr: string[] = [];
      createInterface({ input: child.stdout }).on('line', (l) => lines.push(JSON.parse(l)));
      createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
      const exited = new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
      await waitFor(() => lines.some((l) => l.event === 'started'), 30_000, `started (stderr: ${stderr})`);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      return lines[0];
    };
    // nobody at the PBX address: the gateway starts, and says why it is not ready
    const silent = await run(await freeUdpPort());
    expect(silent).toMatchObject({
      event: 'started',
      placement: 'pbx',
      callerIds: ['+14085550100-+14085550199'],
      consumerTgState: 'active',
      destinations: ['+14085550100-+14085550199'],
      peerCheck: { reachable: false },
      ready: false,
    });
    expect(silent.notReady).toEqual([expect.stringMatching(/^the PBX did not answer .*--pbx/)]);
    // a PBX that answers OPTIONS (any final answer will do): ready for calls both ways
    const pbx = await RawSip.open(0, '127.0.0.2');
    pbx.onRequest((m) => (/^OPTIONS /.test(m) ? rawResponse(m, 200, 'OK') : undefined));
    try {
      expect(await run(pbx.port)).toMatchObject({ peerCheck: { reachable: true, status: 200 }, ready: true });
    } finally {
      pbx.close();
    }
  }, 90_000);

  it('refuses a malformed flag in one line with exit 2', async () => {
    const child = spawn(process.execPath, [
      'packages/sdk/dist/cli.js',
      'gateway',
      '--profile',
      profile,
      '--sip-listen',
      'udp:127.0.0.1:5060',
      '--sip-peer',
      'sip:127.0.0.1',
    ]);
    const stderr: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
    expect(code).toBe(2);
    expect(stderr[0]).toMatch(/--sip-peer: sip:127\.0\.0\.1 is not sip:HOST:PORT/);
  });
});
