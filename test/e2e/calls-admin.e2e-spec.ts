import { RiptTrunkClient, type TgDescriptionDoc } from '@riptrunk/sdk';
import type { RiptEvent } from '@riptrunk/ript';
import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';
import { tenantWithCode } from '../helpers/enterprise.js';
import { eventually } from '../helpers/wait.js';

describe('admin view of live calls', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let client: RiptTrunkClient;
  let tg: TgDescriptionDoc;
  let tenantId: string;

  beforeAll(async () => {
    cp = await startControlPlane();
    edge = await startEdge(cp);
    const onboarded = await tenantWithCode(cp, 'Live');
    tenantId = onboarded.tenantId;
    await cp.admin.post(`/v1/tenants/${tenantId}/number-ranges`, { start: '+14085550100', count: 10 });
    await cp.admin.post(`/v1/tenants/${tenantId}/trunks`, {
      name: 'live',
      codecs: ['PCMU'],
      maxConcurrentCalls: 5,
      maxCallsPerSecond: 5,
    });
    client = await RiptTrunkClient.fromProfile(
      await RiptTrunkClient.onboard(cp.url, onboarded.code, { caFile: '.data/test/ca.pem' }),
    );
    const [listed] = await client.providerTgs();
    tg = await eventually(
      () => client.tgDescription(listed.uri).catch(() => undefined as unknown as TgDescriptionDoc),
      (d) => !!d,
      3000,
    );
  });
  afterAll(async () => {
    await client?.close();
    await edge?.close();
    await cp?.close();
  });

  it("lists a live call across edges and ends it on the operator's request", async () => {
    const handler = (await client.registerHandler(tg, 'pbx', '1 in: PCMU; 1 out: PCMU;')).uri;
    const call = await client.placeCall(tg, { handler, destination: '+15550100001', from: '+14085550101' });
    const events: RiptEvent[] = [];
    const reading = (async () => {
      for await (const e of call.events()) events.push(e);
    })();
    const listed = await eventually(
      () => cp.admin.get(`/v1/calls?tenantId=${tenantId}`),
      (r) => r.body.items?.length === 1,
      3000,
    );
    const id = call.uri.split('/').pop()!;
    expect(listed.body.items[0]).toMatchObject({ id, tenantId, from: '+14085550101', to: '+15550100001' });
    expect(listed.body.items[0].passport).toBeUndefined();

    const ended = await cp.admin.post(`/v1/calls/${id}/end`);
    expect(ended.status).toBe(202);
    await eventually(
      () => Promise.resolve(events),
      (e) => e.some((x) => x.type === 'end'),
      3000,
    );
    expect(events.find((e) => e.type === 'end')).toMatchObject({ reason: 'ended-by-operator' });
    await reading.catch(() => undefined);
    call.close();
    const after = await eventually(
      () => cp.admin.get(`/v1/calls?tenantId=${tenantId}`),
      (r) => r.body.items.length === 0,
      3000,
    );
    expect(after.body.items).toEqual([]);
    expect((await cp.admin.post(`/v1/calls/${id}/end`)).status).toBe(404);
    const cdrs = await eventually(
      () => cp.admin.get(`/v1/cdrs?tenantId=${tenantId}`),
      (r) => r.body.items?.length === 1,
      5000,
    );
    expect(cdrs.body.items[0]).toMatchObject({ reason: 'ended-by-operator' });
  });

  it('needs the admin scope and answers unknown calls with 404', async () => {
    expect((await cp.client().get('/v1/calls')).status).toBe(401);
    expect((await cp.admin.post('/v1/calls/00000000-0000-0000-0000-000000000000/end')).status).toBe(404);
    expect((await cp.admin.post('/v1/calls/not-a-call/end')).status).toBe(404);
  });
});
