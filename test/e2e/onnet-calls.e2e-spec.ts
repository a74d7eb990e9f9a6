import { collect } from '../helpers/call-events.js';
import type { InboundCall, InboundService, RiptTrunkClient, TgDescriptionDoc } from '@riptrunk/sdk';
import { EdgeConfigStore } from '../../src/edge/config/edge-config.store.js';
import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';
import { sdkEnterprise } from '../helpers/enterprise.js';
import { localhostCertificate } from '../helpers/tg-server.js';
import { eventually, sleep } from '../helpers/wait.js';

/** Acme (an SDK client) calls Globex's numbers; Globex answers on its consumer TG (the SDK's inbound server). */
describe('on-net calls: A → edge → B through B consumer TG (profile §6 routing)', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let acme: RiptTrunkClient;
  let globex: RiptTrunkClient;
  let inbound: InboundService;
  let second: InboundService | undefined;
  let acmeTg: TgDescriptionDoc;
  let handler: string;
  let acmeTenant: string;
  let globexTenant: string;
  let answerWith: (call: InboundCall) => void = () => undefined;
  const inboundCalls: InboundCall[] = [];

  const enterprise = (name: string, start: string) =>
    sdkEnterprise(cp, name, { start, count: 100 }, { name, maxConcurrentCalls: 5, maxCallsPerSecond: 20 });

  beforeAll(async () => {
    cp = await startControlPlane({ RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' });
    edge = await startEdge(cp, { RIPTRUNK_NOANSWER_MS: '1500', RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' });
    const a = await enterprise('Acme', '+14085550100');
    const g = await enterprise('Globex', '+14155550100');
    acme = a.client;
    acmeTg = a.tg;
    acmeTenant = a.tenantId;
    globex = g.client;
    globexTenant = g.tenantId;
    const cert = await localhostCertificate(true);
    inbound = await globex.serveInbound({ tg: g.tg, cert: cert.certPem, key: cert.keyPem });
    inbound.server.onCall((call) => {
      inboundCalls.push(call);
      answerWith(call);
    });
    handler = (await acme.registerHandler(acmeTg, 'pbx-1', '1 in: PCMU; PCMA; 1 out: PCMU; PCMA;')).uri;
    // the edge learns of the active consumer TG through the configuration sync
    await eventually(
      async () => (await cp.admin.get(`/v1/tenants/${globexTenant}/consumer-tgs`)).body.items?.[0]?.state,
      (state) => state === 'active',
    );
    await edgeKnowsConsumerTgs(1);
  }, 60_000);
  afterAll(async () => {
    await inbound?.close().catch(() => undefined);
    await second?.close().catch(() => undefined);
    await acme?.close();
    await globex?.close();
    await edge?.close();
    await cp?.close();
  });

  /** The configuration sync has brought the edge this many active consumer TGs of Globex. */
  async function edgeKnowsConsumerTgs(count: number): Promise<void> {
    const known = await eventually(
      () => edge.app.get(EdgeConfigStore).consumerTgsOf(globexTenant).length,
      (n) => n === count,
    );
    expect(known).toBe(count);
  }

  it('rings, answers, carries media both ways unchanged, ends from A, and writes a CDR for each tenant', async () => {
    answerWith = (call) => {
      call.alerting();
      call.onFrame((f) => call.sendFrame(Buffer.from(f.payload).reverse())); // an answer B computes from A's audio
    };
    const call = await acme.placeCall(acmeTg, { handler, destination: '+14155550123', from: '+14085550100' });
    expect(call.description).toMatchObject({ to: '+14155550123', from: '+14085550100' });
    const { events, done } = collect(call);
    // B answers once A has seen it ring, so that both progress events reach A whatever the machine's load
    await eventually(
      async () => events.map((e) => e.type),
      (types) => types.includes('alerting'),
    );
    inboundCalls.at(-1)!.answer();
    await eventually(
      async () => events.map((e) => e.type),
      (types) => types.includes('answered'),
    );
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['alerting', 'answered']));
    const callee = inboundCalls.at(-1)!;
    expect(callee).toMatchObject({ from: '+14085550100', to: '+14155550123', passport: expect.any(String) });
    expect(callee.passport).toBe(call.description.passport);

    await call.openMedia();
    const received: Buffer[] = [];
    call.onFrame((f) => received.push(Buffer.from(f.payload)));
    const [directive] = call.clientDirectives;
    const sent: Buffer[] = [];
    for (let i = 0; i < 25; i++) {
      const payload = Buffer.alloc(160, i);
      payload[0] = 0x7f;
      sent.push(payload);
      call.sendFrame(directive, payload);
      await sleep(20); // paced like a phone: one 20 ms frame at a time
    }
    await eventually(
      async () => received.length,
      (n) => n >= 25,
    );
    expect(received.map((b) => b.toString('hex'))).toEqual(sent.map((b) => Buffer.from(b).reverse().toString('hex')));

    await call.end();
    const ending = await callee.ended;
    expect(ending).toMatchObject({ state: 'ended' });
    await done;
    call.close();

    const callId = call.uri.split('/').pop()!;
    const acmeCdrs = await eventually(
      () => cp.admin.get(`/v1/cdrs?tenantId=${acmeTenant}`),
      (r) => (r.body.items as unknown[]).length > 0,
    );
    expect(acmeCdrs.body.items[0]).toMatchObject({
      id: callId,
      direction: 'outbound',
      trunkId: acmeTg.uri.split('/').pop(),
      framesReceived: 25,
      framesSent: 25,
      lossReceived: 0,
    });
    const globexCdrs = await eventually(
      () => cp.admin.get(`/v1/cdrs?tenantId=${globexTenant}`),
      (r) => (r.body.items as unknown[]).length > 0,
    );
    expect(globexCdrs.body.items[0]).toMatchObject({
      id: `${callId}-in`,
      direction: 'inbound',
      from: '+14085550100',
      to: '+14155550123',
      framesReceived: 25,
      framesSent: 25,
      lossReceived: 0,
      answeredAt: expect.any(String),
    });
  });

  it('relays the callee ending the call, and its decline', async () => {
    answerWith = (call) => call.answer();
    const call = await acme.placeCall(acmeTg, { handler, destination: '+14155550124', from: '+14085550101' });
    const { events, done } = collect(call);
    // B hangs up once A has the call answered
    await eventually(
      async () => events.map((e) => e.type),
      (types) => types.includes('answered'),
    );
    inboundCalls.at(-1)!.end('callee-hung-up');
    await done;
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['answered', 'end']));
    expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'callee-hung-up' });
    call.close();

    answerWith = (call) => call.decline();
    const declined = await acme.placeCall(acmeTg, { handler, destination: '+14155550125', from: '+14085550101' });
    const d = collect(declined);
    await d.done;
    expect(d.events.map((e) => e.type)).toContain('declined');
    declined.close();
  });

  it('ends with noanswer when the callee does not answer in time', async () => {
    answerWith = (call) => void call.alerting();
    const call = await acme.placeCall(acmeTg, { handler, destination: '+14155550126', from: '+14085550101' });
    const { events, done } = collect(call);
    await done;
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['alerting', 'noanswer', 'end']));
    const callee = inboundCalls.at(-1)!;
    await expect(callee.ended).resolves.toMatchObject({ state: 'ended' });
    call.close();
  });

  it('fails over to the next consumer TG of the callee when one cannot be reached', async () => {
    const cert = await localhostCertificate(true);
    second = await globex.serveInbound({ cert: cert.certPem, key: cert.keyPem });
    const answeredBySecond: InboundCall[] = [];
    second.server.onCall((call) => {
      answeredBySecond.push(call);
      call.answer();
    });
    await edgeKnowsConsumerTgs(2); // the edge learns of the new registration
    await inbound.server.close(); // the first PBX goes away; its registration stays active
    const call = await acme.placeCall(acmeTg, { handler, destination: '+14155550127', from: '+14085550101' });
    const { events, done } = collect(call);
    await eventually(
      async () => events.map((e) => e.type),
      (types) => types.includes('answered'),
    );
    expect(answeredBySecond).toHaveLength(1);
    await call.end();
    await done;
    call.close();
  });

  it('404 for numbers of nobody', async () => {
    const nobody = await acme
      .placeCall(acmeTg, { handler, destination: '+14155559999', from: '+14085550101' })
      .then(() => null)
      .catch((err: { status?: number; message: string }) => err);
    expect(nobody).toMatchObject({ status: 404 });
  });
});
