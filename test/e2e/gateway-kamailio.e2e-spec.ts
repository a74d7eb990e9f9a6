import type { InboundCall, InboundService, RiptTrunkClient } from '@riptrunk/sdk';
import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';
import { acmeServing, interconnectClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startKamailio, type KamailioProcess } from '../helpers/kamailio.js';
import { freeRtpPort, freeUdpPort, startSipp } from '../helpers/sipp.js';

/**
 * Kamailio as the carrier's proxy in front of two gateways (test/sip/kamailio/gateway-proxy.cfg, the configuration
 * docs/interconnect.md documents): the core's calls are dispatched over both; with one gateway stopped, new calls
 * go through the other.
 */
describe('gateway behind Kamailio: dispatching over two gateways, failover when one stops', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let acme: RiptTrunkClient;
  let acmeInbound: InboundService;
  const pstn: RiptTrunkClient[] = [];
  const gateways: TestGateway[] = [];
  let kamailio: KamailioProcess;
  let corePort: number;
  let proxyPort: number;
  const calls: InboundCall[] = [];

  beforeAll(async () => {
    cp = await startControlPlane({ RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' });
    edge = await startEdge(cp, { RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' });
    const a = await acmeServing(cp, edge, (call) => {
      calls.push(call);
      call.answer();
      setTimeout(() => call.end(), 300); // the tenant hangs up: BYE goes back through the proxy
    });
    acme = a.client;
    acmeInbound = a.inbound;
    const ic = await interconnectClient(cp, 'PSTN');
    pstn.push(ic.client);
    proxyPort = await freeUdpPort();
    corePort = await freeUdpPort();
    // two gateways on the same interconnect trunk, each onboarded as a client of its own
    gateways.push(await startTestGateway(ic.client, proxyPort, { rtpBase: 33000 }));
    const second = await interconnectClient(cp, 'PSTN', ic.tenantId);
    pstn.push(second.client);
    gateways.push(await startTestGateway(second.client, proxyPort, { rtpBase: 33400 }));
    kamailio = await startKamailio({
      port: proxyPort,
      core: { host: '127.0.0.1', port: corePort },
      gateways: gateways.map((g) => ({ host: '127.0.0.1', port: g.sipPort })),
    });
  }, 90_000);

  afterAll(async () => {
    await kamailio?.stop();
    for (const g of gateways) await g.close().catch(() => undefined);
    await acmeInbound?.close().catch(() => undefined);
    await acme?.close();
    for (const c of pstn) await c.close();
    await edge?.close();
    await cp?.close();
  });

  async function callsFromCore(count: number): Promise<void> {
    const caller = startSipp({
      scenario: 'core-call.xml',
      port: corePort,
      mediaPort: await freeRtpPort(),
      remote: `127.0.0.1:${proxyPort}`,
      service: '+14085550123',
      calls: count,
      limit: 1,
      keys: { caller: '+442071838799' },
    });
    const result = await caller.exited;
    expect({ code: result.code, errors: result.errors }).toEqual({ code: 0, errors: '' });
  }

  const answeredBy = (g: TestGateway) => g.log.filter((e) => e.direction === 'ingress' && e.sipStatus === 200).length;

  it('spreads the core calls over both gateways', async () => {
    await callsFromCore(4);
    expect(calls).toHaveLength(4);
    expect(calls.every((c) => c.from === '+442071838799' && c.to === '+14085550123')).toBe(true);
    expect(answeredBy(gateways[0])).toBeGreaterThan(0);
    expect(answeredBy(gateways[1])).toBeGreaterThan(0);
  }, 60_000);

  it('sends new calls through the other gateway once one is stopped', async () => {
    const before = answeredBy(gateways[1]);
    await gateways[0].close();
    await callsFromCore(3);
    expect(answeredBy(gateways[1]) - before).toBe(3);
    expect(calls).toHaveLength(7);
  }, 60_000);
});
