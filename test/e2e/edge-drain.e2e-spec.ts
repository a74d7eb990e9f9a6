import type { RiptCall, RiptTrunkClient, TgDescriptionDoc } from '@riptrunk/sdk';
import type { RiptEvent } from '@riptrunk/ript';
import { EdgeRegistry } from '../../src/edge/config/edge-registry.js';
import {
  freePort,
  startControlPlane,
  startEdge,
  type TestControlPlane,
  type TestEdge,
} from '../helpers/control-plane.js';
import { sdkEnterprise } from '../helpers/enterprise.js';
import { eventually, sleep } from '../helpers/wait.js';

describe('draining an edge (profile §8): new calls refused, live calls migrate to a sibling', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let sibling: TestEdge;
  let siblingUrl: string;
  let client: RiptTrunkClient;
  let tenantId: string;
  let tg: TgDescriptionDoc;
  let handler: string;

  beforeAll(async () => {
    cp = await startControlPlane();
    edge = await startEdge(cp);
    const port = await freePort();
    siblingUrl = `https://localhost:${port}`;
    sibling = await startEdge(cp, {
      EDGE_PORT: String(port),
      RIPTRUNK_EDGE_PUBLIC_URL: edge.url,
      RIPTRUNK_EDGE_CALL_URL: siblingUrl,
      RIPTRUNK_EDGE_ID: 'edge-sibling',
    });
    ({ tenantId, client, tg } = await sdkEnterprise(
      cp,
      'Acme',
      { start: '+14085550100', count: 100 },
      { name: 'acme', maxConcurrentCalls: 5, maxCallsPerSecond: 5 },
    ));
    handler = (await client.registerHandler(tg, 'pbx-1', '1 in: PCMU; 1 out: PCMU;')).uri;
  });
  afterAll(async () => {
    await client?.close();
    await sibling?.close();
    await edge?.close();
    await cp?.close();
  });

  it('moves an echo call to the sibling without losing it, and refuses new calls', async () => {
    const call: RiptCall = await client.placeCall(tg, {
      handler,
      destination: '+15550100001',
      from: '+14085550100',
    });
    expect(call.uri.startsWith(edge.url)).toBe(true);
    const events: RiptEvent[] = [];
    const reading = (async () => {
      for await (const e of call.events()) events.push(e);
    })();
    await eventually(
      async () => events,
      (e) => e.some((x) => x.type === 'answered'),
    );
    await call.openMedia();
    let received = 0;
    call.onFrame(() => received++);
    const [directive] = call.clientDirectives;
    const payload = Buffer.alloc(160, 0xff);
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        call.sendFrame(directive, payload);
        await sleep(20); // paced like a phone: one 20 ms frame at a time
      }
    };
    await send(20);
    await eventually(
      async () => received,
      (r) => r >= 20,
    );
    // the SDK reopens media at the call's new URI after `migrate`: a GET that a new stream answers
    const mediaStream = () => (call as unknown as { mediaIn?: object }).mediaIn;
    const mediaOnFirstEdge = mediaStream();
    expect(mediaOnFirstEdge).toBeDefined();

    const edgeId = edge.app.get(EdgeRegistry).id;
    const drained = await cp.admin.post(`/v1/edges/${edgeId}/drain`);
    expect(drained.status).toBe(202);
    expect(drained.body).toMatchObject({ id: edgeId, state: 'draining' });
    await eventually(
      async () => events,
      (e) => e.some((x) => x.type === 'migrate'),
    );
    expect(events.find((e) => e.type === 'migrate')).toMatchObject({
      to: `${siblingUrl}/ript/v1/calls/${call.uri.split('/').pop()}`,
    });
    expect(call.uri.startsWith(siblingUrl)).toBe(true);
    expect(call.migrations).toBe(1);

    // new calls are refused by the draining edge
    const refused = await client
      .placeCall(tg, { handler, destination: '+15550100001', from: '+14085550101' })
      .catch((err: { status?: number }) => err);
    expect((refused as { status?: number }).status).toBe(503);
    const edges = await cp.admin.get('/v1/edges');
    expect(edges.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: edgeId, state: 'draining' }),
        expect.objectContaining({ id: 'edge-sibling', state: 'ready' }),
      ]),
    );

    // media goes on through the sibling, which took the call over
    expect(
      await eventually(
        async () => mediaStream(),
        (stream) => stream !== mediaOnFirstEdge,
      ),
    ).not.toBe(mediaOnFirstEdge);
    const before = received;
    await send(20);
    await eventually(
      async () => received,
      (r) => r >= before + 20,
    );
    const described = await sibling
      .client(await client.accessToken(edge.url))
      .get(`/ript/v1/calls/${call.uri.split('/').pop()}`);
    expect(described.body.state).toBe('answered');

    await call.end();
    await reading;
    call.close();
    const callId = call.uri.split('/').pop()!;
    const cdrs = await eventually(
      () => cp.admin.get(`/v1/cdrs?tenantId=${tenantId}`),
      (res) => (res.body.items as unknown[]).length > 0,
    );
    const [cdr] = cdrs.body.items as Record<string, unknown>[];
    expect(cdr).toMatchObject({ id: callId, edgeId: 'edge-sibling', reason: 'normal', lossReceived: 0 });
    expect(cdr.framesReceived).toBe(40);
    expect(cdr.framesSent).toBe(40);
  });
});
