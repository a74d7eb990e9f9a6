import { DataSource } from 'typeorm';
import {
  type CallDescription,
  encodeUlaw,
  H2Streams,
  type InboundCall,
  type InboundCallEnding,
  InboundServer,
  type InboundService,
  RiptCall,
  type RiptTrunkClient,
  type TgDescriptionDoc,
  ToneGenerator,
} from '@riptrunk/sdk';
import type { MediaFrame, RiptEvent } from '@riptrunk/ript';
import { ConsumerTgEntity } from '../../src/control-plane/trunks/ript/consumer-tg.entity.js';
import { ConsumerTgsService } from '../../src/control-plane/trunks/ript/consumer-tgs.service.js';
import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';
import { sdkEnterprise } from '../helpers/enterprise.js';
import { TestClient } from '../helpers/http.js';
import { EventCollector, RiptStreams } from '../helpers/ript-streams.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { localhostCertificate } from '../helpers/tg-server.js';

const CA = '.data/test/ca.pem';
const AD = '1 in: PCMU; 1 out: PCMU;';

/** The provider's side of a consumer TG: JSON requests with the registered token, and the SDK's call pieces. */
class Provider {
  readonly http: TestClient;
  readonly streams = new H2Streams(CA);

  constructor(
    readonly tgUri: string,
    readonly token: string,
    ca: string,
  ) {
    this.http = new TestClient(new URL(tgUri).origin, ca, token);
  }

  call(description: CallDescription): RiptCall {
    return new RiptCall(description, this.streams, async () => this.token, performance.now());
  }

  close(): Promise<void> {
    this.streams.close(0);
    return this.http.close();
  }
}

/** Every event of a call's GET events stream until it closes. */
/** The call's events as they arrive (`seen`), and all of them once the call has ended (`all`). */
function watchEvents(call: RiptCall): { seen: RiptEvent[]; all: Promise<RiptEvent[]> } {
  const seen: RiptEvent[] = [];
  const all = (async () => {
    for await (const e of call.events()) seen.push(e);
    return seen;
  })();
  return { seen, all };
}

const eventsOf = (call: RiptCall): Promise<RiptEvent[]> => watchEvents(call).all;

describe('SDK inbound server (consumer TG) registered with a real control plane', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let client: RiptTrunkClient;
  let tg: TgDescriptionDoc;
  let service: InboundService;
  let provider: Provider;
  let handler: string;
  const calls: InboundCall[] = [];
  let answer: (call: InboundCall) => void | Promise<void> = () => undefined;

  beforeAll(async () => {
    cp = await startControlPlane({ RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true', RIPTRUNK_VERIFY_BACKOFF_MS: '50' });
    edge = await startEdge(cp);
    ({ client, tg } = await sdkEnterprise(
      cp,
      'Inbound Corp',
      { start: '+14085550100', count: 100 },
      { name: 'inbound', codecs: ['PCMU'], maxConcurrentCalls: 5, maxCallsPerSecond: 5 },
    ));
    const cert = await localhostCertificate(true);
    service = await client.serveInbound({
      tg,
      cert: cert.certPem,
      key: cert.keyPem,
      destinations: ['+14085550100-+14085550149'],
      answerTimeoutMs: 1_000,
      mediaTimeoutMs: 1_500,
    });
    service.server.onCall((call) => {
      calls.push(call);
      return answer(call);
    });
    const entity = await cp.app.get(DataSource).getRepository(ConsumerTgEntity).findOneByOrFail({
      id: service.registration.id,
    });
    // the token as the provider holds it (sealed in its database)
    provider = new Provider(service.server.uri, cp.app.get(ConsumerTgsService).token(entity), cp.ca);
  });
  afterAll(async () => {
    await provider?.close();
    await service?.close({ unregister: true });
    await client?.close();
    await edge?.close();
    await cp?.close();
  });

  it('registers with a fresh token and is verified by the control plane: active', async () => {
    expect(service.registration).toMatchObject({
      state: 'active',
      uri: service.server.uri,
      outbound: { destinations: ['+14085550100-+14085550149'] },
      links: { handlers: `${service.server.uri}/handlers`, calls: `${service.server.uri}/calls` },
    });
    expect(provider.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const doc = await provider.http.get(new URL(service.server.uri).pathname);
    expect(doc.status).toBe(200);
    expect(doc.body).toEqual({
      uri: service.server.uri,
      name: expect.any(String),
      outbound: { destinations: ['+14085550100-+14085550149'] },
      limits: { 'max-concurrent-calls': 100 },
      advertisement: expect.stringContaining('PCMU'),
      'retry-backoff': 2000,
      'media-timeout': 1500,
      links: { handlers: `${service.server.uri}/handlers`, calls: `${service.server.uri}/calls` },
    });
    const again = await provider.http.req('GET', new URL(service.server.uri).pathname, {
      headers: { 'if-none-match': String(doc.headers.etag) },
    });
    expect(again.status).toBe(304);
  });

  it('refuses a missing or wrong bearer token with 401 problem+json', async () => {
    const path = new URL(service.server.uri).pathname;
    for (const token of ['', 'not-the-token-0123456789', `${provider.token}x`]) {
      const res = await provider.http.req('GET', path, token ? { token } : { headers: { authorization: '' } });
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.body).toMatchObject({ status: 401, type: 'urn:riptrunk:problem:unauthorized' });
    }
    const streamed = new RiptStreams(cp.ca, 'wrong-token-0123456789abcdef');
    const s = streamed.request('GET', `${service.server.uri}/calls/x/events`);
    expect(await s.response).toBe(401);
    streamed.close();
  });

  it('registers, reads, replaces and deletes handlers; 409 for a taken id; 400 with the position of a bad ad', async () => {
    const handlers = `${new URL(service.server.uri).pathname}/handlers`;
    const created = await provider.http.post(handlers, { 'handler-id': 'edge-a', advertisement: AD });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`${service.server.uri}/handlers/edge-a`);
    expect(created.body).toEqual({ 'handler-id': 'edge-a', advertisement: AD, uri: created.headers.location });
    const taken = await provider.http.post(handlers, { 'handler-id': 'edge-a', advertisement: AD });
    expect(taken.status).toBe(409);
    expect(taken.body.type).toBe('urn:riptrunk:problem:handler-exists');
    const bad = await provider.http.post(handlers, {
      'handler-id': 'edge-b',
      advertisement: '1 in: PCMU; 1 sideways: PCMU;',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toBe('application/problem+json');
    expect(bad.body).toMatchObject({ type: 'urn:riptrunk:problem:advertisement-syntax', position: 14 });
    const noCodec = await provider.http.post(handlers, { 'handler-id': 'edge-b', advertisement: '1 in: G722;' });
    expect(noCodec.status).toBe(400);
    expect(noCodec.body.type).toBe('urn:riptrunk:problem:no-common-codec');
    const invalid = await provider.http.post(handlers, { 'handler-id': 'a/b', advertisement: AD, extra: 1 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['#/extra', '#/handler-id']);
    const replaced = await provider.http.put(`${handlers}/edge-a`, { advertisement: '1 in: PCMA; PCMU; 1 out: PCMU;' });
    expect(replaced.status).toBe(200);
    expect((await provider.http.get(`${handlers}/edge-a`)).body.advertisement).toBe('1 in: PCMA; PCMU; 1 out: PCMU;');
    expect((await provider.http.get(handlers)).body.handlers).toHaveLength(1);
    expect((await provider.http.delete(`${handlers}/edge-a`)).status).toBe(204);
    expect((await provider.http.get(`${handlers}/edge-a`)).status).toBe(404);
    const put = await provider.http.put(`${handlers}/edge-1`, { advertisement: AD });
    expect(put.status).toBe(201);
    handler = put.body.uri;
  });

  it('refuses calls for an unknown handler (409), a number outside its destinations (404) and bad bodies (400)', async () => {
    const callsPath = `${new URL(service.server.uri).pathname}/calls`;
    const unknown = await provider.http.post(callsPath, {
      handler: `${service.server.uri}/handlers/nobody`,
      destination: '+14085550100',
      from: '+15550100001',
    });
    expect(unknown.status).toBe(409);
    expect(unknown.body.type).toBe('urn:riptrunk:problem:handler-not-registered');
    const outside = await provider.http.post(callsPath, { handler, destination: '+14085550150', from: '+15550100001' });
    expect(outside.status).toBe(404);
    expect(outside.body).toMatchObject({
      type: 'urn:riptrunk:problem:destination-unreachable',
      destination: '+14085550150',
    });
    const malformed = await provider.http.post(callsPath, { handler, destination: '4085550100' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
      '#/destination',
      '#/from',
    ]);
    expect(calls).toHaveLength(0);
  });

  it('delivers a call to the application, which answers and echoes media; the provider ends it', async () => {
    answer = (call) => void call.alerting();
    const created = await provider.http.post(`${new URL(service.server.uri).pathname}/calls`, {
      handler,
      destination: '+14085550123',
      from: '+15550100001',
      passport: 'eyJhbGciOiJFUzI1NiJ9.e30.sig',
    });
    expect(created.status).toBe(201);
    expect(created.headers.location).toMatch(new RegExp(`^${service.server.uri}/calls/[0-9a-f-]{36}$`));
    expect(created.body).toEqual({
      uri: created.headers.location,
      handler,
      direction: 'outbound',
      from: '+15550100001',
      to: '+14085550123',
      clientDirectives: '1 to 1: PCMU,ptime=20;',
      serverDirectives: '1 to 1: PCMU,ptime=20;',
      passport: 'eyJhbGciOiJFUzI1NiJ9.e30.sig',
    });
    const call = provider.call(created.body);
    const { seen, all: events } = watchEvents(call);
    const second = eventsOf(call); // events go to every open GET
    // the application answers once the provider has seen the call before it is answered
    await waitFor(() => calls.length === 1 && seen.length > 0, 5000, 'the call ringing');
    const inbound = calls[0];
    inbound.answer();
    inbound.onFrame((f) => inbound.sendFrame(f.payload, f.ts));
    await waitFor(() => inbound.state === 'answered', 5000, 'answered');
    expect(inbound).toMatchObject({ from: '+15550100001', to: '+14085550123', passport: expect.any(String) });
    await call.openMedia();
    const received: MediaFrame[] = [];
    call.onFrame((f) => received.push({ ...f, payload: Buffer.from(f.payload) }));
    const tone = new ToneGenerator({ frequency: 440 });
    const sent: Buffer[] = [];
    for (let i = 0; i < 25; i++) {
      const payload = encodeUlaw(tone.next());
      sent.push(payload);
      call.sendFrame(call.clientDirectives[0], payload);
      await sleep(20); // paced like a phone: one 20 ms frame at a time
    }
    await waitFor(() => received.length >= sent.length, 3000, 'echoed frames');
    expect(received.map((f) => f.payload.toString('hex'))).toEqual(sent.map((p) => p.toString('hex')));
    expect(received.map((f) => f.seq)).toEqual([...Array(25).keys()]);
    // acks both ways: each side has timed a round trip
    await waitFor(
      () => call.stats.snapshot().rttSamples > 0 && inbound.stats.snapshot().rttSamples > 0,
      3000,
      'acks both ways',
    );
    const provStats = call.stats.snapshot();
    expect(provStats).toMatchObject({ framesSent: 25, framesReceived: 25, framesLost: 0 });
    expect(provStats.rttSamples).toBeGreaterThan(0); // acks from the inbound server
    const inStats = inbound.stats.snapshot();
    expect(inStats).toMatchObject({ framesSent: 25, framesReceived: 25, framesLost: 0 });
    expect(inStats.rttSamples).toBeGreaterThan(0); // acks from the provider
    expect(inbound.streamStats()).toEqual([
      expect.objectContaining({ source: 1, sink: 1, framesReceived: 25, loss: 0, duplicates: 0 }),
    ]);

    await call.end('normal');
    const ending: InboundCallEnding = await inbound.ended;
    expect(ending).toEqual({ state: 'ended', reason: 'normal', byProvider: true });
    const types = (await events).map((e) => e.type);
    expect(types[0]).toMatch(/^(proceeding|alerting)$/);
    expect(types.slice(-2)).toEqual(['answered', 'end']);
    expect((await second).map((e) => e.type)).toContain('answered');
    call.close();
    const after = await provider.http.get(new URL(created.body.uri).pathname);
    expect(after.body).toMatchObject({ state: 'ended', reason: 'normal' });
    const media = new RiptStreams(cp.ca, provider.token).request('PUT', `${created.body.uri}/media`);
    expect(await media.response).toBe(404);
  });

  it('answers pings with pongs and ends the call from the application side', async () => {
    answer = (call) => void call.answer();
    const created = await provider.http.post(`${new URL(service.server.uri).pathname}/calls`, {
      handler,
      destination: '+14085550101',
      from: '+15550100001',
    });
    const call = provider.call(created.body);
    const { seen: got, all: reading } = watchEvents(call);
    await waitFor(() => calls.at(-1)?.state === 'answered', 5000, 'answered');
    await call.send('ping', { nonce: 'n-1' });
    await waitFor(() => got.some((e) => e.type === 'pong'), 3000, 'the pong');
    calls.at(-1)!.end('bye');
    await reading;
    expect(got.find((e) => e.type === 'pong')).toMatchObject({ nonce: 'n-1', direction: 's2c' });
    expect(got.at(-1)).toMatchObject({ type: 'end', reason: 'bye' });
    expect(await calls.at(-1)!.ended).toEqual({ state: 'ended', reason: 'bye', byProvider: false });
    call.close();
  });

  it('declines, times out unanswered calls with noanswer, and fails answered calls without media', async () => {
    const place = async (number: string) => {
      const res = await provider.http.post(`${new URL(service.server.uri).pathname}/calls`, {
        handler,
        destination: number,
        from: '+15550100001',
      });
      expect(res.status).toBe(201);
      const call = provider.call(res.body);
      return { call, events: eventsOf(call) };
    };
    answer = (call) => void (call.to === '+14085550102' ? call.decline() : call.to === '+14085550104' && call.answer());
    const declined = await place('+14085550102');
    const unanswered = await place('+14085550103');
    const silent = await place('+14085550104');
    expect((await declined.events).map((e) => e.type).slice(-2)).toEqual(['declined', 'end']);
    const noanswer = await unanswered.events;
    expect(noanswer.map((e) => e.type).slice(-2)).toEqual(['noanswer', 'end']);
    const failed = await silent.events;
    expect(failed.at(-2)).toMatchObject({ type: 'failed', reason: 'media-timeout' });
    for (const c of [declined, unanswered, silent]) c.call.close();
  });

  it('answers a malformed events stream with 400 and the position', async () => {
    answer = () => undefined;
    const created = await provider.http.post(`${new URL(service.server.uri).pathname}/calls`, {
      handler,
      destination: '+14085550105',
      from: '+15550100001',
    });
    const streams = new RiptStreams(cp.ca, provider.token);
    const get = new EventCollector(streams.request('GET', `${created.body.uri}/events`));
    const put = streams.request('PUT', `${created.body.uri}/events`, { 'content-type': 'application/json' });
    await put.write('[{"type":"ping","direction":"c2s","nonce":"1"}');
    await put.closed;
    expect(put.status).toBe(400);
    expect(JSON.parse(put.text)).toMatchObject({
      type: 'urn:riptrunk:problem:invalid-event',
      errors: [{ pointer: '#/ts' }, { pointer: '#/call' }],
    });
    const put2 = streams.request('PUT', `${created.body.uri}/events`, { 'content-type': 'application/json' });
    await put2.write('{');
    await put2.closed;
    expect(JSON.parse(put2.text)).toMatchObject({ type: 'urn:riptrunk:problem:invalid-event-stream', position: 0 });
    expect(get.types()).toEqual(['proceeding']);
    // Node's HTTP/2 client hangs when its session is destroyed within a stream's 'close': leave that callback first
    await new Promise((resolve) => setImmediate(resolve));
    streams.close();
    calls.at(-1)!.end();
  });

  it('can also run on its own, without registration', async () => {
    const cert = await localhostCertificate(true);
    const server = await InboundServer.listen({
      cert: cert.certPem,
      key: cert.keyPem,
      token: 'a-token-of-at-least-16-chars',
      destinations: ['+1*'],
      tgPath: '/pbx/in',
    });
    try {
      expect(server.uri).toBe(`https://localhost:${server.port}/pbx/in`);
      const http = new TestClient(`https://localhost:${server.port}`, cp.ca, 'a-token-of-at-least-16-chars');
      expect((await http.get('/pbx/in')).body.links.calls).toBe(`${server.uri}/calls`);
      expect((await http.get('/ript/v1/tgs/in')).status).toBe(404);
      expect((await http.req('DELETE', '/pbx/in')).status).toBe(405);
      await http.close();
    } finally {
      await server.close();
    }
  });

  it('restarted on the same URI, re-registers it with a new token instead of adding a registration', async () => {
    const { port, uri } = service.server;
    const oldToken = provider.token;
    await service.close();
    const cert = await localhostCertificate(true);
    service = await client.serveInbound({ tg, cert: cert.certPem, key: cert.keyPem, port });
    expect(service.server.uri).toBe(uri);
    expect(service.registration.state).toBe('active');
    const mine = (await client.consumerTgs(tg.links.consumertgs)).filter((r) => r.uri === uri);
    expect(mine).toHaveLength(1);
    // default destinations: the trunk's numbers
    expect(mine[0].outbound.destinations).toEqual(tg.outbound.origins);
    const entity = await cp.app.get(DataSource).getRepository(ConsumerTgEntity).findOneByOrFail({ id: mine[0].id });
    const newToken = cp.app.get(ConsumerTgsService).token(entity);
    expect(newToken).not.toBe(oldToken);
    const path = new URL(uri).pathname;
    expect((await provider.http.get(path, { token: oldToken })).status).toBe(401);
    expect((await provider.http.get(path, { token: newToken })).status).toBe(200);
  });
});
