import type { ConsumerTgRegistration, InboundCall, InboundService, RiptTrunkClient } from '@riptrunk/sdk';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { collect } from '../helpers/call-events.js';
import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';
import { sdkEnterprise, TEST_CA_FILE } from '../helpers/enterprise.js';
import { localhostCertificate } from '../helpers/tg-server.js';
import { eventually } from '../helpers/wait.js';

/**
 * A consumer TG that runs longer than its token lives (a gateway in front of a PBX runs for months): the SDK rotates
 * the token before it expires, the provider keeps delivering calls throughout, and the old token stops working.
 */
describe('consumer TG token rotation', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let acme: RiptTrunkClient;
  let globex: RiptTrunkClient;
  let inbound: InboundService;
  const rotations: ConsumerTgRegistration[] = [];
  const delivered: InboundCall[] = [];

  beforeAll(async () => {
    cp = await startControlPlane({ RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' });
    edge = await startEdge(cp, { RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' });
    const trunk = { maxConcurrentCalls: 5, maxCallsPerSecond: 20 };
    const a = await sdkEnterprise(cp, 'Acme', { start: '+14085550100', count: 10 }, { name: 'acme', ...trunk });
    const g = await sdkEnterprise(cp, 'Globex', { start: '+14155550100', count: 10 }, { name: 'globex', ...trunk });
    acme = a.client;
    globex = g.client;
    const cert = await localhostCertificate(true);
    inbound = await acme.serveInbound({
      tg: a.tg,
      cert: cert.certPem,
      key: cert.keyPem,
      tokenTtlMs: 4000, // rotated 2 s before it expires: every 2 s here
      tokenOverlapMs: 1000,
      onTokenRotated: (r) => rotations.push(r),
    });
    inbound.server.onCall((call) => {
      delivered.push(call);
      call.answer();
      setTimeout(() => call.end('normal'), 100);
    });
  }, 60_000);

  afterAll(async () => {
    await inbound?.close({ unregister: true }).catch(() => undefined);
    await acme?.close();
    await globex?.close();
    await edge?.close();
    await cp?.close();
  });

  it('rotates before expiry, stays active, keeps taking calls, and the replaced token stops working', async () => {
    const first = inbound.server.currentToken;
    const firstExpiry = Date.parse(inbound.registration['token-expires']!);
    await eventually(
      async () => rotations.length,
      (n) => n >= 2,
      15_000,
    );
    expect(rotations.every((r) => r.state === 'active')).toBe(true);
    expect(Date.parse(rotations[1]['token-expires']!)).toBeGreaterThan(firstExpiry);
    expect(inbound.server.currentToken).not.toBe(first);

    // the edge delivers with the current token: a call placed after two rotations gets through
    const [tg] = await globex.providerTgs();
    const globexTg = await globex.tgDescription(tg.uri);
    const handler = (await globex.registerHandler(globexTg, 'app', '1 in: PCMU; 1 out: PCMU;')).uri;
    const call = await globex.placeCall(globexTg, { handler, destination: '+14085550105', from: '+14155550100' });
    const { events, done } = collect(call);
    await done;
    call.close();
    expect(events.map((e) => e.type)).toContain('answered');
    expect(delivered.map((c) => c.to)).toContain('+14085550105');

    // the first token is long past its overlap: refused
    const agent = new Agent({ connect: { ca: readFileSync(TEST_CA_FILE) } });
    const get = async (token: string) => {
      const res = await request(inbound.server.uri, {
        headers: { authorization: `Bearer ${token}` },
        dispatcher: agent,
      });
      await res.body.dump();
      return res.statusCode;
    };
    expect(await get(first)).toBe(401);
    expect(await get(inbound.server.currentToken)).toBe(200);
    await agent.close();
  }, 40_000);
});
