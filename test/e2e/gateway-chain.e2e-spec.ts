import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';
import { sdkEnterprise } from '../helpers/enterprise.js';
import { interconnectClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { freeRtpPort, freeUdpPort, startSipp } from '../helpers/sipp.js';
import { eventually, sleep } from '../helpers/wait.js';
import { EdgeConfigStore } from '../../src/edge/config/edge-config.store.js';
import type { RiptTrunkClient } from '@riptrunk/sdk';

/**
 * SIP end to end through RIPT: the carrier core (sipp) calls an enterprise whose PBX is SIP too (sipp behind a
 * gateway on the enterprise's tenant): sipp → gateway A (interconnect) → edge → gateway B (the enterprise's consumer
 * TG) → sipp. The caller hanging up must end every leg by BYE, not by a media timeout.
 */
describe('gateway ⇄ edge ⇄ gateway: a SIP call across RIPT and its hang-up', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  const clients: RiptTrunkClient[] = [];
  let gwA: TestGateway;
  let gwB: TestGateway;
  let pbxPort: number;

  beforeAll(async () => {
    cp = await startControlPlane({ RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' });
    edge = await startEdge(cp, { RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' });
    const pstn = await interconnectClient(cp, 'PSTN');
    clients.push(pstn.client);
    gwA = await startTestGateway(pstn.client, await freeUdpPort(), { rtpBase: 35000 });
    const initech = await sdkEnterprise(
      cp,
      'Initech',
      { start: '+14155550100', count: 100 },
      { name: 'initech', maxConcurrentCalls: 20, maxCallsPerSecond: 20 },
    );
    clients.push(initech.client);
    pbxPort = await freeUdpPort();
    gwB = await startTestGateway(initech.client, pbxPort, { egress: ['+14155550100-+14155550199'], rtpBase: 35400 });
    await eventually(
      () => edge.app.get(EdgeConfigStore).consumerTgsOf(initech.tenantId).length,
      (n) => n === 1,
    );
  }, 90_000);

  afterAll(async () => {
    await gwA?.close().catch(() => undefined);
    await gwB?.close().catch(() => undefined);
    for (const c of clients) await c.close();
    await edge?.close();
    await cp?.close();
  });

  it('connects the two SIP sides with audio, and the caller’s BYE ends every leg', async () => {
    const pbx = startSipp({
      scenario: 'core-answer-echo.xml',
      port: pbxPort,
      mediaPort: await freeRtpPort(),
      rtpEcho: true,
      calls: 3,
    });
    await sleep(300); // sipp binds its port
    const caller = startSipp({
      scenario: 'core-call-hangup.xml',
      port: await freeUdpPort(),
      mediaPort: await freeRtpPort(),
      remote: `127.0.0.1:${gwA.sipPort}`,
      service: '+14155550123',
      calls: 3,
      limit: 3,
      rate: 10,
      durationMs: 1000,
      keys: { caller: '+442071838799' },
    });
    const called = await caller.exited;
    expect({ code: called.code, errors: called.errors }).toEqual({ code: 0, errors: '' });
    const answered = await pbx.exited; // it exits once it has had its 3 BYEs
    expect({ code: answered.code, errors: answered.errors }).toEqual({ code: 0, errors: '' });
    const legs = await eventually(
      async () => gwB.log.filter((e) => e.direction === 'egress'),
      (l) => l.length === 3,
    );
    expect(legs.map((l) => [l.outcome, l.reason])).toEqual([
      ['ended', 'normal'],
      ['ended', 'normal'],
      ['ended', 'normal'],
    ]);
    expect(legs.every((l) => l.durationMs < 4000)).toBe(true); // BYE, not the 5 s media timeout
    expect(gwA.log.filter((e) => e.direction === 'ingress' && e.outcome === 'ended')).toHaveLength(3);
  }, 60_000);
});
