import {
  decodeUlaw,
  detectTone,
  encodeUlaw,
  RiptTrunkClient,
  type TgDescriptionDoc,
  ToneGenerator,
} from '@riptrunk/sdk';
import type { RiptCall } from '@riptrunk/sdk';
import type { MediaFrame } from '@riptrunk/ript';
import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';
import { tenantWithCode } from '../helpers/enterprise.js';
import { eventually, sleep } from '../helpers/wait.js';

const CA = '.data/test/ca.pem';

describe('SDK calls through the edge', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let client: RiptTrunkClient;
  let tg: TgDescriptionDoc;
  let handler: string;

  beforeAll(async () => {
    cp = await startControlPlane();
    edge = await startEdge(cp);
    const { tenantId, code } = await tenantWithCode(cp, 'Acme');
    await cp.admin.post(`/v1/tenants/${tenantId}/number-ranges`, { start: '+14085550100', count: 100 });
    await cp.admin.post(`/v1/tenants/${tenantId}/trunks`, {
      name: 'acme',
      codecs: ['PCMU'],
      maxConcurrentCalls: 5,
      maxCallsPerSecond: 5,
    });
    client = await RiptTrunkClient.fromProfile(await RiptTrunkClient.onboard(cp.url, code, { caFile: CA }));
    const [listed] = await client.providerTgs();
    // the edge serves the TG description once the configuration sync has brought it the trunk
    tg = (await eventually(
      () => client.tgDescription(listed.uri).catch(() => undefined),
      (doc) => doc !== undefined,
    ))!;
    handler = (await client.registerHandler(tg, 'pbx-1', '1 in: PCMU; 1 out: PCMU;')).uri;
  });
  afterAll(async () => {
    await client?.close();
    await edge?.close();
    await cp?.close();
  });

  async function waitFor(call: RiptCall, type: string) {
    for await (const event of call.events()) if (event.type === type) return event;
    throw new Error(`no ${type} event`);
  }

  it('places a call to the echo line and gets its G.711 frames back byte for byte', async () => {
    const call = await client.placeCall(tg, { handler, destination: '+15550100001', from: '+14085550100' });
    expect(call.description).toMatchObject({ direction: 'outbound', to: '+15550100001', passport: expect.any(String) });
    await waitFor(call, 'answered');
    await call.openMedia();
    const received: MediaFrame[] = [];
    call.onFrame((f) => received.push({ ...f, payload: Buffer.from(f.payload) }));
    const tone = new ToneGenerator({ frequency: 440 });
    const sent: Buffer[] = [];
    const [directive] = call.clientDirectives;
    for (let i = 0; i < 25; i++) {
      const payload = encodeUlaw(tone.next());
      sent.push(payload);
      call.sendFrame(directive, payload);
      await sleep(20); // paced like a phone: one 20 ms frame at a time
    }
    await eventually(
      () => received.length,
      (n) => n >= sent.length,
    );
    expect(received.map((f) => f.payload.toString('hex'))).toEqual(sent.map((p) => p.toString('hex')));
    const stats = call.stats.snapshot();
    expect(stats.framesSent).toBe(25);
    expect(stats.framesReceived).toBe(25);
    expect(stats.framesLost).toBe(0);
    expect(stats.setupTimeMs).toBeGreaterThan(0);
    await call.end();
    call.close();
  });

  it('hears a 1 kHz tone from the tone line', async () => {
    const call = await client.placeCall(tg, { handler, destination: '+15550100002', from: '+14085550101' });
    await waitFor(call, 'answered');
    await call.openMedia();
    const pcm: Int16Array[] = [];
    call.onFrame((f) => pcm.push(decodeUlaw(f.payload)));
    await eventually(
      () => pcm.length,
      (n) => n >= 10,
    );
    const samples = Int16Array.from(pcm.flatMap((p) => Array.from(p)));
    expect(detectTone(samples, 8000, 1000)).toBeGreaterThan(0.9);
    await call.end();
    call.close();
  });
});
