import type { InboundCall, InboundService, RiptTrunkClient, TgDescriptionDoc } from '@riptrunk/sdk';
import { sipNumberNormaliser } from '@riptrunk/sdk/gateway';
import { EdgeConfigStore } from '../../src/edge/config/edge-config.store.js';
import { collect } from '../helpers/call-events.js';
import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';
import { sdkEnterprise } from '../helpers/enterprise.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { newRawCall, PCMU_OFFER, RawSip, rawRequest, rawResponse, toTagOf } from '../helpers/raw-sip.js';
import { freeRtpPort, freeUdpPort, startSipp } from '../helpers/sipp.js';
import { localhostCertificate } from '../helpers/tg-server.js';
import { eventually, sleep } from '../helpers/wait.js';

const PBX_HOST = '127.0.0.2';

/**
 * `riptrunk gateway` in front of an enterprise's PBX (issue 13), the PBX at a static address (127.0.0.2): Acme's
 * PBX calls out through the gateway on Acme's trunk with Acme's numbers only, and calls to Acme's numbers reach the
 * PBX with the called number in the Request-URI and SHAKEN's verstat. Globex, another tenant, is the far end.
 */
describe('gateway in front of a PBX: sipp and a raw SIP peer as the PBX', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let acmeTenant: string;
  let acme: RiptTrunkClient;
  let globex: RiptTrunkClient;
  let globexTg: TgDescriptionDoc;
  let globexInbound: InboundService;
  let globexHandler: string;
  let gw: TestGateway;
  let pbxPort: number;
  const globexCalls: InboundCall[] = [];
  let answerWith: (call: InboundCall) => void = () => undefined;

  beforeAll(async () => {
    cp = await startControlPlane({ RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' });
    edge = await startEdge(cp, { RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' });
    const trunk = { maxConcurrentCalls: 10, maxCallsPerSecond: 20 };
    const a = await sdkEnterprise(cp, 'Acme', { start: '+14085550100', count: 100 }, { name: 'acme', ...trunk });
    acmeTenant = a.tenantId;
    acme = a.client;
    const g = await sdkEnterprise(cp, 'Globex', { start: '+14155550100', count: 100 }, { name: 'globex', ...trunk });
    globex = g.client;
    globexTg = g.tg;
    const cert = await localhostCertificate(true);
    globexInbound = await globex.serveInbound({ tg: g.tg, cert: cert.certPem, key: cert.keyPem });
    globexInbound.server.onCall((call) => {
      globexCalls.push(call);
      answerWith(call);
    });
    globexHandler = (await globex.registerHandler(globexTg, 'app', '1 in: PCMU; PCMA; 1 out: PCMU; PCMA;')).uri;
    pbxPort = await freeUdpPort();
    gw = await startTestGateway(acme, pbxPort, {
      placement: 'pbx',
      peerHost: PBX_HOST,
      rtpBase: 38000,
      e164: sipNumberNormaliser('US'),
    });
    const store = edge.app.get(EdgeConfigStore);
    await eventually(
      () => store.consumerTgsOf(acmeTenant).length + store.consumerTgsOf(g.tenantId).length,
      (n) => n === 2,
    );
  }, 90_000);

  afterAll(async () => {
    await gw?.close().catch(() => undefined);
    await globexInbound?.close().catch(() => undefined);
    await acme?.close();
    await globex?.close();
    await edge?.close();
    await cp?.close();
  });

  it('serves a consumer TG for the tenant own numbers (no --egress in front of a PBX)', () => {
    expect(gw.gateway.inbound?.registration).toMatchObject({
      state: 'active',
      outbound: { destinations: ['+14085550100-+14085550199'] },
    });
  });

  it('PBX → carrier: a national number dialled from one of the tenant numbers reaches the callee with audio', async () => {
    const frames: number[] = [];
    answerWith = (call) => {
      call.onFrame(() => frames.push(1));
      call.answer();
    };
    const caller = startSipp({
      scenario: 'core-call.xml',
      host: PBX_HOST,
      port: await freeUdpPort(),
      mediaPort: await freeRtpPort(),
      remote: `127.0.0.1:${gw.sipPort}`,
      service: '4155550123', // national (US) form: the gateway makes it +14155550123
      calls: 1,
      keys: { caller: '+14085550100' },
    });
    const callee = await eventually(async () => globexCalls.find((c) => c.to === '+14155550123'), Boolean, 15_000);
    expect(callee).toMatchObject({ from: '+14085550100', to: '+14155550123' });
    await eventually(
      async () => frames.length,
      (n) => n >= 25,
      15_000,
    );
    callee!.end();
    const result = await caller.exited;
    expect({ code: result.code, errors: result.errors }).toEqual({ code: 0, errors: '' });
    await eventually(
      async () => gw.gateway.stats(),
      (s) => s.sipLegs === 0 && s.rtpPortsInUse === 0,
    );
  }, 60_000);

  it('PBX → carrier: a caller ID outside the tenant numbers is refused 403 with a reason phrase saying so', async () => {
    const before = globexCalls.length;
    const pbx = await RawSip.open(gw.sipPort, PBX_HOST);
    const c = newRawCall('+14155550124'); // From: +442071838700, not Acme's
    pbx.send(rawRequest('INVITE', c, pbx.port, { body: PCMU_OFFER(40000) }));
    const refused = await pbx.waitFor(/^SIP\/2\.0 403 /);
    expect(refused).toMatch(/^SIP\/2\.0 403 Caller ID Not Allowed On This Trunk\r\n/);
    pbx.send(rawRequest('ACK', c, pbx.port, { toTag: toTagOf(refused!) }));
    pbx.close();
    await sleep(200); // a call would have been placed before the 403: nothing reached Globex
    expect(globexCalls.length).toBe(before);
    expect(gw.log.at(-1)).toMatchObject({ outcome: 'refused', sipStatus: 403, from: '+442071838700' });
  });

  it('an INVITE from an address that is not the PBX is refused 403 before any call is placed', async () => {
    const stranger = await RawSip.open(gw.sipPort, '127.0.0.3');
    const c = newRawCall('+14155550125');
    stranger.send(rawRequest('INVITE', c, stranger.port, { body: PCMU_OFFER(40002) }));
    const refused = await stranger.waitFor(/^SIP\/2\.0 403 /);
    expect(refused).toMatch(/^SIP\/2\.0 403 Source Address Not Allowed\r\n/);
    stranger.close();
  });

  it('carrier → PBX: the called number in the Request-URI, the caller with verstat, the PASSporT in Identity', async () => {
    const pbx = await RawSip.open(gw.sipPort, PBX_HOST, pbxPort);
    try {
      const call = await globex.placeCall(globexTg, {
        handler: globexHandler,
        destination: '+14085550142',
        from: '+14155550100',
      });
      const { events, done } = collect(call);
      const invite = await pbx.waitFor(/^INVITE /, 10_000);
      expect(invite).toMatch(new RegExp(`^INVITE sip:\\+14085550142@${PBX_HOST}:${pbxPort};user=phone SIP/2\\.0\r\n`));
      expect(invite).toMatch(/^From:\s*<sip:\+14155550100@[^>]*;user=phone;verstat=TN-Validation-Passed>/im);
      expect(invite).toMatch(/^P-Asserted-Identity:\s*<sip:\+14155550100@[^>]*;verstat=TN-Validation-Passed>/im);
      expect(invite).toMatch(/^Identity: [\w-]+\.[\w-]+\.[\w-]+;info=<https:[^>]+>/im);
      pbx.send(rawResponse(invite!, 486, 'Busy Here'));
      await done;
      expect(events.find((e) => e.type === 'declined')).toMatchObject({ 'sip-status': 486 });
      call.close();
      await pbx.waitFor(/^ACK /); // the stack ACKs the final answer
    } finally {
      pbx.close();
    }
  }, 30_000);

  it('carrier → PBX: sipp answers and echoes, the caller hears its own frames, hanging up sends BYE', async () => {
    const pbx = startSipp({
      scenario: 'core-answer-echo.xml',
      host: PBX_HOST,
      port: pbxPort,
      mediaPort: await freeRtpPort(),
      rtpEcho: true,
      calls: 1,
    });
    await sleep(300); // sipp binds its port
    const call = await globex.placeCall(globexTg, {
      handler: globexHandler,
      destination: '+14085550150',
      from: '+14155550101',
    });
    const { events, done } = collect(call);
    await eventually(
      async () => events.map((e) => e.type),
      (t) => t.includes('answered'),
      15_000,
    );
    await call.openMedia();
    const received: Buffer[] = [];
    call.onFrame((f) => received.push(Buffer.from(f.payload)));
    const [directive] = call.clientDirectives;
    for (let i = 0; i < 25; i++) {
      call.sendFrame(directive, Buffer.alloc(160, i));
      await sleep(20);
    }
    await eventually(
      async () => received.length,
      (n) => n >= 25,
    );
    expect(received.slice(0, 25).map((b) => b[0])).toEqual([...Array(25).keys()]);
    await call.end();
    await done;
    call.close();
    const result = await pbx.exited;
    expect({ code: result.code, errors: result.errors }).toEqual({ code: 0, errors: '' });
  }, 60_000);
});
