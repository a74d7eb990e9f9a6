import { collect } from '../helpers/call-events.js';
import type { InboundCall, InboundService, RiptTrunkClient, TgDescriptionDoc } from '@riptrunk/sdk';
import { RiptTrunkClient as Client } from '@riptrunk/sdk';
import type { RiptEvent } from '@riptrunk/ript';
import { decodeJwt } from 'jose';
import { EdgeConfigStore } from '../../src/edge/config/edge-config.store.js';
import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';
import { sdkEnterprise, TEST_CA_FILE } from '../helpers/enterprise.js';
import { localhostCertificate, startTgServer, type TestTgServer } from '../helpers/tg-server.js';
import { eventually, sleep } from '../helpers/wait.js';

const LONDON = '+442071838750';
const MANCHESTER = '+441614960000';
const PSTN_CALLER = '+33123456789';

interface Party {
  tenantId: string;
  client: RiptTrunkClient;
  tg: TgDescriptionDoc;
}

/**
 * Carrier placement (profile §10): enterprises' calls to off-net numbers reach the consumer TGs of interconnect
 * tenants (the SDK's inbound server stands in for a SIP gateway), and an interconnect's trunk reaches on-net
 * numbers with the PSTN caller as received.
 */
describe('interconnect tenants and off-net routing (profile §10)', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let acme: Party;
  let globex: Party;
  let carrierA: Party;
  let carrierB: Party;
  let acmeHandler: string;
  let carrierHandler: string;
  let globexInbound: InboundService;
  const services: InboundService[] = [];
  const servers: TestTgServer[] = [];
  /** Calls each inbound server got, by its name. */
  const got = new Map<string, InboundCall[]>();
  let answerWith: (call: InboundCall) => void = (call) => call.answer();

  /** An interconnect tenant with one trunk and the SDK onboarded on it (as a carrier's gateway would be). */
  async function interconnect(name: string): Promise<Party> {
    const tenant = await cp.admin.post('/v1/tenants', { name, kind: 'interconnect' });
    expect(tenant.status).toBe(201);
    const trunk = await cp.admin.post(`/v1/tenants/${tenant.body.id}/trunks`, {
      name: `${name}-gw`,
      maxConcurrentCalls: 10,
      maxCallsPerSecond: 20,
    });
    expect(trunk.status).toBe(201);
    const code = await cp.admin.post(`/v1/tenants/${tenant.body.id}/onboarding-codes`, {});
    const profile = await Client.onboard(cp.url, code.body.code, { caFile: TEST_CA_FILE });
    const client = await Client.fromProfile(profile);
    const [listed] = await client.providerTgs();
    const tg = await eventually(
      () => client.tgDescription(listed.uri).catch(() => undefined as unknown as TgDescriptionDoc),
      (d) => !!d,
    );
    return { tenantId: tenant.body.id, client, tg };
  }

  /** An SDK inbound server registered as a consumer TG of `party`, recording its calls under `name`. */
  async function gateway(party: Party, name: string, destinations: string[], priority?: number) {
    const cert = await localhostCertificate(true);
    const service = await party.client.serveInbound({
      tg: party.tg,
      cert: cert.certPem,
      key: cert.keyPem,
      destinations,
      ...(priority !== undefined ? { priority } : {}),
    });
    services.push(service);
    got.set(name, []);
    service.server.onCall((call) => {
      got.get(name)!.push(call);
      answerWith(call);
    });
    return service;
  }

  /** The edge has this many active consumer TGs of the tenant (the configuration sync brought them). */
  async function edgeKnows(tenantId: string, count: number): Promise<void> {
    const known = await eventually(
      () => edge.app.get(EdgeConfigStore).consumerTgsOf(tenantId).length,
      (n) => n === count,
    );
    expect(known).toBe(count);
  }

  /** The problem the edge answers to a call request (through the tenant's own token, as the SDK sends it). */
  async function refusalOf(party: Party, body: Record<string, unknown>) {
    const api = edge.client(await party.client.accessToken(new URL(party.tg.links.calls).origin));
    return api.post(party.tg.links.calls, body);
  }

  const typesOf = (events: RiptEvent[]) => events.map((e) => e.type);

  beforeAll(async () => {
    cp = await startControlPlane({ RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' });
    edge = await startEdge(cp, { RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true', RIPTRUNK_ONNET_TIMEOUT_MS: '2000' });
    acme = await sdkEnterprise(
      cp,
      'Acme',
      { start: '+14085550100', count: 100 },
      { name: 'acme', maxConcurrentCalls: 10, maxCallsPerSecond: 20 },
    );
    globex = await sdkEnterprise(
      cp,
      'Globex',
      { start: '+14155550100', count: 100 },
      { name: 'globex', maxConcurrentCalls: 10, maxCallsPerSecond: 20 },
    );
    carrierA = await interconnect('carrier-a');
    carrierB = await interconnect('carrier-b');
    acmeHandler = (await acme.client.registerHandler(acme.tg, 'pbx', '1 in: PCMU; PCMA; 1 out: PCMU; PCMA;')).uri;
    carrierHandler = (await carrierA.client.registerHandler(carrierA.tg, 'gw', '1 in: PCMU; 1 out: PCMU;')).uri;
    await gateway(carrierA, 'a-uk', ['+44*'], 10);
    const cert = await localhostCertificate(true);
    globexInbound = await globex.client.serveInbound({ tg: globex.tg, cert: cert.certPem, key: cert.keyPem });
    services.push(globexInbound);
    got.set('globex', []);
    globexInbound.server.onCall((call) => {
      got.get('globex')!.push(call);
      answerWith(call);
    });
    await edgeKnows(carrierA.tenantId, 1);
    await edgeKnows(globex.tenantId, 1);
  }, 90_000);
  afterAll(async () => {
    for (const s of services) await s.close().catch(() => undefined);
    for (const s of servers) await s.close().catch(() => undefined);
    for (const p of [acme, globex, carrierA, carrierB]) await p?.client.close();
    await edge?.close();
    await cp?.close();
  });

  it('is ready once its gateway has an active trunk and consumer TG', async () => {
    const tenant = await cp.admin.get(`/v1/tenants/${carrierA.tenantId}`);
    expect(tenant.body).toMatchObject({ kind: 'interconnect', readiness: { status: 'ready', reasons: [] } });
    const [registration] = (await cp.admin.get(`/v1/tenants/${carrierA.tenantId}/consumer-tgs`)).body.items;
    expect(registration).toMatchObject({ priority: 10, outbound: { destinations: ['+44*'] }, state: 'active' });
  });

  it('routes an enterprise call to an off-net number to the interconnect: media both ways, CDRs with the SIP Call-ID', async () => {
    answerWith = (call) => {
      call.onFrame((f) => call.sendFrame(Buffer.from(f.payload).reverse()));
      call.answer();
    };
    const call = await acme.client.placeCall(acme.tg, {
      handler: acmeHandler,
      destination: LONDON,
      from: '+14085550100',
      'sip-call-id': 'pbx-call-1@acme.example',
    });
    const { events, done } = collect(call);
    await eventually(
      async () => typesOf(events),
      (t) => t.includes('answered'),
    );
    const callee = got.get('a-uk')!.at(-1)!;
    expect(callee).toMatchObject({ from: '+14085550100', to: LONDON, sipCallId: 'pbx-call-1@acme.example' });
    // the edge attests its enterprise's caller (A) and the gateway gets that PASSporT
    expect(callee.passport).toBe(call.description.passport);
    expect(decodeJwt(callee.passport!)).toMatchObject({ attest: 'A', orig: { tn: '14085550100' } });

    await call.openMedia();
    const received: Buffer[] = [];
    call.onFrame((f) => received.push(Buffer.from(f.payload)));
    const [directive] = call.clientDirectives;
    const sent: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const payload = Buffer.alloc(160, i + 1);
      payload[0] = 0x55;
      sent.push(payload);
      call.sendFrame(directive, payload);
      await sleep(20);
    }
    await eventually(
      async () => received.length,
      (n) => n >= 20,
    );
    expect(received.map((b) => b.toString('hex'))).toEqual(sent.map((b) => Buffer.from(b).reverse().toString('hex')));
    await call.end();
    await expect(callee.ended).resolves.toMatchObject({ state: 'ended' });
    await done;
    call.close();

    const callId = call.uri.split('/').pop()!;
    const cdrs = await eventually(
      () => cp.admin.get(`/v1/cdrs?number=${encodeURIComponent(LONDON)}`),
      (r) => (r.body.items as unknown[]).length === 2,
    );
    const byId = new Map((cdrs.body.items as { id: string }[]).map((c) => [c.id, c]));
    expect(byId.get(callId)).toMatchObject({
      tenantId: acme.tenantId,
      direction: 'outbound',
      framesReceived: 20,
      framesSent: 20,
      sipCallId: 'pbx-call-1@acme.example',
      sipStatus: null,
    });
    expect(byId.get(`${callId}-in`)).toMatchObject({
      tenantId: carrierA.tenantId,
      direction: 'inbound',
      from: '+14085550100',
      to: LONDON,
      sipCallId: 'pbx-call-1@acme.example',
    });
  });

  it("relays the gateway's decline and keeps its SIP status in the CDR", async () => {
    answerWith = (call) => call.decline({ sipStatus: 486 });
    const call = await acme.client.placeCall(acme.tg, {
      handler: acmeHandler,
      destination: MANCHESTER,
      from: '+14085550101',
    });
    const { events, done } = collect(call);
    await done;
    call.close();
    expect(typesOf(events)).toContain('declined');
    const callId = call.uri.split('/').pop()!;
    const cdr = await eventually(
      () => cp.admin.get(`/v1/cdrs?tenantId=${acme.tenantId}&number=${encodeURIComponent(MANCHESTER)}`),
      (r) => (r.body.items as unknown[]).length === 1,
    );
    expect(cdr.body.items[0]).toMatchObject({ id: callId, reason: 'declined', sipStatus: 486, sipCallId: null });
  });

  it('fails over by priority past a gateway that answers 503 and one that is down, to the next', async () => {
    // carrier B's gateway is preferred (priority 1) but its SIP side is broken: it answers every call with 503
    const broken = await startTgServer(await localhostCertificate(true), (path) =>
      path.endsWith('/ript/v1/tgs/in')
        ? {
            status: 200,
            body: JSON.stringify({
              uri: `${broken.url}/ript/v1/tgs/in`,
              links: { handlers: `${broken.url}/ript/v1/tgs/in/handlers`, calls: `${broken.url}/ript/v1/tgs/in/calls` },
            }),
          }
        : { status: 503, body: '{"type":"about:blank","title":"Service Unavailable","status":503}' },
    );
    servers.push(broken);
    const registration = await carrierB.client.registerConsumerTg(carrierB.tg.links.consumertgs, {
      uri: `${broken.url}/ript/v1/tgs/in`,
      token: 'broken-gateway-token-0123456789',
      destinations: ['+44*'],
      priority: 1,
    });
    await carrierB.client.waitForConsumerTg(registration.links.self);
    const second = await gateway(carrierA, 'a-uk-2', ['+44*'], 20);
    expect(second.registration.priority).toBe(20);
    await edgeKnows(carrierA.tenantId, 2);
    await edgeKnows(carrierB.tenantId, 1);
    const [first] = services.filter((s) => s.registration.priority === 10);
    await first.server.close(); // the first gateway goes away; its registration stays active

    answerWith = (call) => call.answer();
    const before = got.get('a-uk')!.length;
    const call = await acme.client.placeCall(acme.tg, {
      handler: acmeHandler,
      destination: LONDON,
      from: '+14085550102',
    });
    const { events, done } = collect(call);
    await eventually(
      async () => typesOf(events),
      (t) => t.includes('answered'),
    );
    expect(got.get('a-uk-2')!.map((c) => c.to)).toEqual([LONDON]);
    expect(got.get('a-uk')!.length).toBe(before);
    expect(broken.requests.some((r) => r.path.startsWith('/ript/v1/tgs/in/handlers'))).toBe(true);
    await call.end();
    await done;
    call.close();
  });

  it('prefers the longest matching pattern over priority', async () => {
    await gateway(carrierB, 'b-london', ['+4420*'], 500);
    await edgeKnows(carrierB.tenantId, 2);
    answerWith = (call) => call.answer();
    const london = await acme.client.placeCall(acme.tg, {
      handler: acmeHandler,
      destination: LONDON,
      from: '+14085550103',
    });
    const l = collect(london);
    await eventually(
      async () => typesOf(l.events),
      (t) => t.includes('answered'),
    );
    expect(got.get('b-london')!.map((c) => c.to)).toEqual([LONDON]);
    await london.end();
    await l.done;
    london.close();

    // Manchester is not +4420: the +44* gateways take it (the broken one first, then carrier A's second)
    const manchester = await acme.client.placeCall(acme.tg, {
      handler: acmeHandler,
      destination: MANCHESTER,
      from: '+14085550103',
    });
    const m = collect(manchester);
    await eventually(
      async () => typesOf(m.events),
      (t) => t.includes('answered'),
    );
    expect(got.get('b-london')!).toHaveLength(1);
    expect(got.get('a-uk-2')!.at(-1)!.to).toBe(MANCHESTER);
    await manchester.end();
    await m.done;
    manchester.close();

    const nowhere = await refusalOf(acme, {
      handler: acmeHandler,
      destination: '+4915112345678',
      from: '+14085550103',
    });
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.type).toBe('urn:riptrunk:problem:destination-unreachable');
  });

  it('takes any caller from an interconnect trunk to an on-net number, signs nothing and passes verstat on', async () => {
    answerWith = (call) => call.answer();
    const call = await carrierA.client.placeCall(carrierA.tg, {
      handler: carrierHandler,
      destination: '+14155550123',
      from: PSTN_CALLER,
      verstat: 'No-TN-Validation',
      'sip-call-id': 'a84b4c76e66710@pstn.carrier.example',
    });
    expect(call.description).toMatchObject({ from: PSTN_CALLER, to: '+14155550123' });
    expect(call.description.passport).toBeUndefined();
    const { events, done } = collect(call);
    await eventually(
      async () => typesOf(events),
      (t) => t.includes('answered'),
    );
    const callee = got.get('globex')!.at(-1)!;
    expect(callee).toMatchObject({
      from: PSTN_CALLER,
      to: '+14155550123',
      verstat: 'No-TN-Validation',
      sipCallId: 'a84b4c76e66710@pstn.carrier.example',
    });
    expect(callee.passport).toBeUndefined();
    await call.end();
    await done;
    call.close();
    const callId = call.uri.split('/').pop()!;
    const cdr = await eventually(
      () => cp.admin.get(`/v1/cdrs?tenantId=${globex.tenantId}`),
      (r) => (r.body.items as { id: string }[]).some((c) => c.id === `${callId}-in`),
    );
    expect(cdr.body.items.find((c: { id: string }) => c.id === `${callId}-in`)).toMatchObject({
      from: PSTN_CALLER,
      sipCallId: 'a84b4c76e66710@pstn.carrier.example',
    });

    // the same caller from an enterprise trunk is refused: only an interconnect carries callers it does not own
    const spoofed = await refusalOf(acme, { handler: acmeHandler, destination: '+14155550123', from: PSTN_CALLER });
    expect(spoofed.status).toBe(403);
    expect(spoofed.body.type).toBe('urn:riptrunk:problem:caller-id-not-allowed');
  });

  it('refuses an interconnect trunk calling off-net (no transit), even into another interconnect', async () => {
    for (const destination of [LONDON, '+4915112345678']) {
      const res = await refusalOf(carrierA, { handler: carrierHandler, destination, from: PSTN_CALLER });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ type: 'urn:riptrunk:problem:interconnect-transit', destination });
    }
    // an interconnect owns no numbers: it cannot be given any
    const range = await cp.admin.post(`/v1/tenants/${carrierA.tenantId}/number-ranges`, {
      start: '+442071838700',
      count: 100,
    });
    expect(range.status).toBe(409);
  });
  it('takes a 4xx from a gateway as final: no failover to the next one', async () => {
    const refusing = await startTgServer(await localhostCertificate(true), (path) =>
      path.endsWith('/ript/v1/tgs/in')
        ? {
            status: 200,
            body: JSON.stringify({
              uri: `${refusing.url}/ript/v1/tgs/in`,
              links: {
                handlers: `${refusing.url}/ript/v1/tgs/in/handlers`,
                calls: `${refusing.url}/ript/v1/tgs/in/calls`,
              },
            }),
          }
        : { status: 403, body: '{"type":"about:blank","title":"Forbidden","status":403,"detail":"barred"}' },
    );
    servers.push(refusing);
    const registration = await carrierB.client.registerConsumerTg(carrierB.tg.links.consumertgs, {
      uri: `${refusing.url}/ript/v1/tgs/in`,
      token: 'refusing-gateway-token-0123456789',
      destinations: ['+4420718387*'],
    });
    await carrierB.client.waitForConsumerTg(registration.links.self);
    await edgeKnows(carrierB.tenantId, 3);
    const before = [...got.values()].reduce((n, calls) => n + calls.length, 0);
    const res = await refusalOf(acme, { handler: acmeHandler, destination: LONDON, from: '+14085550104' });
    expect(res.status).toBe(404);
    expect(res.body.type).toBe('urn:riptrunk:problem:destination-unreachable');
    expect(res.body.detail).toMatch(/403/);
    expect([...got.values()].reduce((n, calls) => n + calls.length, 0)).toBe(before);
    await carrierB.client.deleteConsumerTg(registration.links.self);
    await edgeKnows(carrierB.tenantId, 2);
  });

  it('leaves the gateways of a suspended interconnect out', async () => {
    await cp.admin.post(`/v1/tenants/${carrierB.tenantId}/suspend`);
    const store = edge.app.get(EdgeConfigStore);
    await eventually(
      async () => store.tenantStatus(carrierB.tenantId),
      (status) => status === 'suspended',
    );
    answerWith = (call) => call.answer();
    const before = got.get('b-london')!.length;
    const call = await acme.client.placeCall(acme.tg, {
      handler: acmeHandler,
      destination: LONDON,
      from: '+14085550105',
    });
    const { events, done } = collect(call);
    await eventually(
      async () => typesOf(events),
      (t) => t.includes('answered'),
    );
    expect(got.get('b-london')!.length).toBe(before);
    expect(got.get('a-uk-2')!.at(-1)!).toMatchObject({ to: LONDON, from: '+14085550105' });
    await call.end();
    await done;
    call.close();
    await cp.admin.post(`/v1/tenants/${carrierB.tenantId}/resume`);
    await eventually(
      async () => store.tenantStatus(carrierB.tenantId),
      (status) => status === 'active',
    );
  });

  it('answers 503 callee-unreachable, naming each failure, when every gateway for a number failed', async () => {
    for (const s of services.filter((x) => x !== globexInbound)) await s.server.close();
    const res = await refusalOf(acme, { handler: acmeHandler, destination: LONDON, from: '+14085550104' });
    expect(res.status).toBe(503);
    expect(res.body.type).toBe('urn:riptrunk:problem:callee-unreachable');
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.body.detail).toMatch(/^None of the 4 consumer TGs for \+442071838750 took the call/);
    expect(res.body.detail).toMatch(/503/);
  });
});
