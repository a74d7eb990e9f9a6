import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import * as client from 'openid-client';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createEvent, encodeMediaFrame, signPassport, tnAuthListExtension } from '@riptrunk/ript';
import { decodeUlaw, detectTone } from '@riptrunk/sdk';
import { EdgeConfigStore } from '../../src/edge/config/edge-config.store.js';
import { EdgeRegistry } from '../../src/edge/config/edge-registry.js';
import { CdrPublisher } from '../../src/edge/cdrs/cdr-publisher.js';
import { parseCallDetailRecord, type CallDetailRecord } from '../../src/contracts/cdr.js';
import {
  freePort,
  startControlPlane,
  startEdge,
  type TestControlPlane,
  type TestEdge,
} from '../helpers/control-plane.js';
import { onboardWithOpenIdClient, tenantWithCode } from '../helpers/enterprise.js';
import { TestClient } from '../helpers/http.js';
import { EventCollector, FrameCollector, RiptStreams, type RiptStream } from '../helpers/ript-streams.js';
import { eventually, sleep, waitFor } from '../helpers/wait.js';

const ECHO = '+15550100001';
const TONE = '+15550100002';
const DECLINED = '+15550100003';
const ACME_FROM = '+14085550100';
const BETA_NUMBER = '+14155550120';
const PCMU_HANDLER = '1 in: PCMU; PCMA; 1 out: PCMU; PCMA;';

interface Tenant {
  tenantId: string;
  trunkId: string;
  config: client.Configuration;
  token: string;
  tg: TestClient;
  streams: RiptStreams;
}

describe('RIPT calls at the edge', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let sibling: TestEdge;
  let siblingUrl: string;
  let acme: Tenant;
  let beta: Tenant;
  const closers: { close(): unknown }[] = [];
  const cdrs: CallDetailRecord[] = [];

  async function onboard(name: string, range: [string, string], trunk: Record<string, unknown>): Promise<Tenant> {
    const { tenantId, code } = await tenantWithCode(cp, name);
    await cp.admin.post(`/v1/tenants/${tenantId}/number-ranges`, { start: range[0], end: range[1] });
    const trunkId = (await cp.admin.post(`/v1/tenants/${tenantId}/trunks`, trunk)).body.id as string;
    const onboarded = await onboardWithOpenIdClient(cp, code);
    closers.push(onboarded.agent);
    const token = (await client.clientCredentialsGrant(onboarded.config, { resource: edge.url })).access_token;
    await eventually(
      () => Promise.resolve(edge.app.get(EdgeConfigStore).trunk(trunkId)),
      (t) => !!t,
      2000,
    );
    const streams = new RiptStreams(cp.ca, token);
    closers.push(streams);
    return { tenantId, trunkId, config: onboarded.config, token, tg: edge.client(token), streams };
  }

  async function newTrunk(t: Tenant, fields: Record<string, unknown>): Promise<string> {
    const res = await cp.admin.post(`/v1/tenants/${t.tenantId}/trunks`, {
      name: `t${Date.now()}`,
      destinations: ['+1*', '+44*'],
      codecs: ['PCMU', 'PCMA'],
      maxConcurrentCalls: 50,
      maxCallsPerSecond: 50,
      ...fields,
    });
    expect(res.status).toBe(201);
    await eventually(
      () => Promise.resolve(edge.app.get(EdgeConfigStore).trunk(res.body.id)),
      (x) => !!x,
      2000,
    );
    await eventually(
      () => Promise.resolve(sibling.app.get(EdgeConfigStore).trunk(res.body.id)),
      (x) => !!x,
      2000,
    );
    return res.body.id;
  }

  /** The sibling edge by its own address (its public URL is the pool's, which is the first edge's). */
  function siblingClient(token: string): TestClient {
    const c = new TestClient(siblingUrl, cp.ca, token);
    closers.push(c);
    return c;
  }

  const tgPath = (trunkId: string) => `/ript/v1/tgs/${trunkId}`;

  async function handler(t: Tenant, trunkId = t.trunkId, id = 'pbx-1', advertisement = PCMU_HANDLER): Promise<string> {
    const res = await t.tg.put(`${tgPath(trunkId)}/handlers/${id}`, { advertisement });
    expect([200, 201]).toContain(res.status);
    return res.body.uri;
  }

  async function placeCall(
    t: Tenant,
    destination: string,
    opts: { trunkId?: string; from?: string; via?: TestClient; handler?: string; passport?: string } = {},
  ) {
    const trunkId = opts.trunkId ?? t.trunkId;
    const handlerUri = opts.handler ?? (await handler(t, trunkId));
    return (opts.via ?? t.tg).post(`${tgPath(trunkId)}/calls`, {
      handler: handlerUri,
      destination,
      from: opts.from ?? ACME_FROM,
      ...(opts.passport ? { passport: opts.passport } : {}),
    });
  }

  function events(t: Tenant, callUri: string): EventCollector {
    return new EventCollector(t.streams.request('GET', `${callUri}/events`));
  }

  async function sendEnd(t: Tenant, callUri: string, reason = 'normal'): Promise<RiptStream> {
    const put = t.streams.request('PUT', `${callUri}/events`, { 'content-type': 'application/json' });
    await put.write(`[${JSON.stringify(createEvent('end', { direction: 'c2s', call: callUri, reason }))}`);
    return put;
  }

  function frame(seq: number, payload: Buffer, codec = 0, source = 1, sink = 1): Buffer {
    return encodeMediaFrame({ source, sink, codec, seq, ts: Date.now(), payload });
  }

  beforeAll(async () => {
    cp = await startControlPlane();
    edge = await startEdge(cp);
    const siblingPort = await freePort();
    siblingUrl = `https://localhost:${siblingPort}`;
    sibling = await startEdge(cp, {
      EDGE_PORT: String(siblingPort),
      RIPTRUNK_EDGE_PUBLIC_URL: edge.url,
      RIPTRUNK_EDGE_CALL_URL: siblingUrl,
      RIPTRUNK_EDGE_ID: 'edge-sibling',
      RIPTRUNK_EVENTS_GRACE_MS: '400',
      RIPTRUNK_MEDIA_TIMEOUT_MS: '500',
    });
    for (const e of [edge, sibling]) {
      // record every CDR (checked like the publisher does), then publish it for real
      const publisher = e.app.get(CdrPublisher);
      const publish = publisher.publish.bind(publisher);
      publisher.publish = async (cdr: CallDetailRecord) => {
        cdrs.push(parseCallDetailRecord(cdr));
        return publish(cdr);
      };
    }
    acme = await onboard('Acme', ['+14085550100', '+14085550199'], {
      name: 'acme-primary',
      destinations: ['+1*', '+44*'],
      codecs: ['PCMU', 'PCMA', 'opus'],
      maxConcurrentCalls: 50,
      maxCallsPerSecond: 50,
    });
    beta = await onboard('Beta', ['+14155550100', '+14155550199'], {
      name: 'beta-primary',
      destinations: ['*'],
      codecs: ['PCMU'],
      maxConcurrentCalls: 10,
      maxCallsPerSecond: 10,
    });
  });
  afterAll(async () => {
    await Promise.all(closers.map((c) => c.close()));
    await sibling?.close();
    await edge?.close();
    await cp?.close();
  });

  describe('handlers', () => {
    it('registers, reads, replaces and deletes a handler', async () => {
      const base = `${tgPath(acme.trunkId)}/handlers`;
      const created = await acme.tg.post(base, {
        'handler-id': 'pbx-a',
        advertisement: '1 in: opus; PCMU; 1 out: opus; PCMU;',
      });
      expect(created.status).toBe(201);
      const uri = `${edge.url}${base}/pbx-a`;
      expect(created.headers.location).toBe(uri);
      expect(created.body).toEqual({
        'handler-id': 'pbx-a',
        advertisement: '1 in: opus; PCMU; 1 out: opus; PCMU;',
        uri,
      });
      expect((await acme.tg.post(base, { 'handler-id': 'pbx-a', advertisement: '1 in: PCMU;' })).status).toBe(409);
      expect((await acme.tg.get(`${base}/pbx-a`)).body.uri).toBe(uri);
      // every edge sees it (Redis)
      expect((await siblingClient(acme.token).get(`${base}/pbx-a`)).status).toBe(200);
      const replaced = await acme.tg.put(`${base}/pbx-a`, { advertisement: '1 in: PCMA; 1 out: PCMA;' });
      expect(replaced.status).toBe(200);
      expect(replaced.body.advertisement).toBe('1 in: PCMA; 1 out: PCMA;');
      expect((await acme.tg.get(base)).body.handlers.map((h: any) => h['handler-id'])).toContain('pbx-a');
      expect((await acme.tg.delete(`${base}/pbx-a`)).status).toBe(204);
      expect((await acme.tg.get(`${base}/pbx-a`)).status).toBe(404);
    });

    it('answers an advertisement that does not parse with 400 and the position', async () => {
      const res = await acme.tg.post(`${tgPath(acme.trunkId)}/handlers`, {
        'handler-id': 'bad',
        advertisement: '1 in: PCMU; 1 sideways: PCMU;',
      });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.position).toBe(14);
      expect(res.body.detail).toContain('at 14');
    });

    it("keeps handlers to the token's tenant and TG", async () => {
      await handler(acme, acme.trunkId, 'pbx-private');
      expect((await beta.tg.get(`${tgPath(acme.trunkId)}/handlers/pbx-private`)).status).toBe(404);
      expect(
        (await beta.tg.post(`${tgPath(acme.trunkId)}/handlers`, { 'handler-id': 'x', advertisement: PCMU_HANDLER }))
          .status,
      ).toBe(404);
    });
  });

  describe('test lines', () => {
    it('echo line: 201 with directives and a passport, frames come back byte for byte, acks, then end', async () => {
      const handlerUri = await handler(acme);
      const res = await placeCall(acme, ECHO, { handler: handlerUri });
      expect(res.status).toBe(201);
      expect(res.headers.location).toMatch(new RegExp(`^${edge.url}/ript/v1/calls/[0-9a-f-]{36}$`));
      expect(res.body).toEqual({
        uri: res.headers.location,
        handler: handlerUri,
        direction: 'outbound',
        from: ACME_FROM,
        to: ECHO,
        clientDirectives: expect.stringMatching(/^1 to 1: PCMU,ptime=20;/),
        serverDirectives: expect.stringMatching(/^1 to 1: PCMU,ptime=20;/),
        passport: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      });
      const call = res.body.uri as string;
      const ev = events(acme, call);
      await waitFor(() => ev.events.length > 0, 2000, 'the current state');
      expect(ev.events[0]).toMatchObject({ type: 'answered', direction: 's2c', call });
      const get = acme.streams.request('GET', `${call}/media`);
      expect(await get.response).toBe(200);
      const received = new FrameCollector(get);
      const put = acme.streams.request('PUT', `${call}/media`, { 'content-type': 'application/octet-stream' });
      expect(await put.response).toBe(200);
      const sent: Buffer[] = [];
      for (let seq = 0; seq < 25; seq++) {
        const payload = Buffer.alloc(160, seq);
        payload.writeUInt32BE(0xdeadbeef + seq, 0);
        sent.push(payload);
        const bytes = frame(seq, payload);
        // split frames across chunks: half of this one now, the rest with the next
        await put.write(bytes.subarray(0, 30));
        await put.write(bytes.subarray(30));
        await sleep(4); // frames spread over time, not one burst
      }
      await waitFor(() => received.media().length >= 25, 3000, 'the echo');
      const echoed = received.media();
      expect(echoed.map((f) => f.seq)).toEqual([...Array(25).keys()]);
      echoed.forEach((f, i) => {
        expect(f).toMatchObject({ source: 1, sink: 1, codec: 0 });
        expect(Buffer.compare(f.payload, sent[i])).toBe(0);
      });
      await waitFor(() => received.acks().length > 0, 1000, 'an ack');
      const ack = received.acks().at(-1)! as any;
      expect(ack.seq).toBeLessThanOrEqual(24);
      expect(ack.framesReceived).toBe(ack.seq + 1);
      await waitFor(() => (received.acks().at(-1) as any).seq === 24, 1000, 'the last ack');

      const endStream = await sendEnd(acme, call, 'normal');
      await waitFor(() => ev.closed, 2000, 'the events array to close');
      expect(ev.types()).toEqual(['answered', 'end']);
      expect(ev.events[1]).toMatchObject({ type: 'end', reason: 'normal', direction: 's2c' });
      expect(await endStream.response).toBe(204);
      await get.closed;
      expect(get.isEnded).toBe(true);
      expect((await acme.tg.get(new URL(call).pathname)).status).toBe(404);
      await waitFor(() => cdrs.some((c) => call.endsWith(c.callId)), 2000, 'the CDR');
      const cdr = cdrs.find((c) => call.endsWith(c.callId))!;
      expect(cdr).toMatchObject({
        edgeId: `edge-${edge.config.env.EDGE_PORT}`,
        tenantId: acme.tenantId,
        trunkId: acme.trunkId,
        direction: 'outbound',
        from: ACME_FROM,
        to: ECHO,
        reason: 'normal',
        framesReceived: 25,
        framesSent: 25,
        bytesReceived: 25 * 160,
        bytesSent: 25 * 160,
        lossReceived: 0,
      });
      expect(cdr.answeredAt).not.toBeNull();
    });

    it('tone line: a 1 kHz PCMU tone in 20 ms frames, 50 a second', async () => {
      const res = await placeCall(acme, TONE);
      expect(res.status).toBe(201);
      const call = res.body.uri as string;
      const ev = events(acme, call);
      const get = acme.streams.request('GET', `${call}/media`);
      const received = new FrameCollector(get);
      await waitFor(() => received.media().length > 0, 2000, 'the first tone frame');
      const t0 = Date.now();
      const first = received.media().length;
      await sleep(1000); // the frame rate over a second is what is under test
      const count = received.media().length - first;
      expect(count).toBeGreaterThanOrEqual(45 * ((Date.now() - t0) / 1000) - 3);
      expect(count).toBeLessThanOrEqual(50 * ((Date.now() - t0) / 1000) + 3);
      const media = received.media();
      media.forEach((f, i) => {
        expect(f).toMatchObject({ source: 1, sink: 1, codec: 0, seq: media[0].seq + i, ts: media[0].ts + 20 * i });
        expect(f.payload.length).toBe(160);
      });
      const pcm = decodeUlaw(Buffer.concat(media.slice(0, 25).map((f) => f.payload)));
      expect(detectTone(pcm, 8000, 1000)).toBeGreaterThan(0.9);
      expect(detectTone(pcm, 8000, 1500)).toBeLessThan(0.05);
      await sendEnd(acme, call);
      await waitFor(() => ev.closed, 2000, 'the end');
    });

    it('declined line: declined then end, kept until an events stream has read them', async () => {
      const res = await placeCall(acme, DECLINED);
      expect(res.status).toBe(201);
      const path = new URL(res.body.uri).pathname;
      expect((await acme.tg.get(path)).body).toMatchObject({ state: 'declined', reason: 'declined' });
      expect((await acme.tg.put(`${path}/media`, undefined, { rawBody: Buffer.alloc(0) })).status).toBe(404);
      const ev = events(acme, res.body.uri);
      await waitFor(() => ev.closed, 2000, 'the final events');
      expect(ev.types()).toEqual(['declined', 'end']);
      expect(ev.events[1]).toMatchObject({ reason: 'declined' });
      expect((await acme.tg.get(path)).status).toBe(404);
      await waitFor(() => cdrs.some((c) => c.callId === path.split('/').pop()), 2000, 'the CDR');
      expect(cdrs.find((c) => c.callId === path.split('/').pop())).toMatchObject({
        reason: 'declined',
        answeredAt: null,
      });
    });

    it('answers a ping with a pong of the same nonce on every GET events stream', async () => {
      const call = (await placeCall(acme, ECHO)).body.uri as string;
      const a = events(acme, call);
      const b = events(acme, call);
      await waitFor(() => a.events.length > 0 && b.events.length > 0, 2000, 'both streams');
      const put = acme.streams.request('PUT', `${call}/events`);
      await put.write(`[${JSON.stringify(createEvent('ping', { direction: 'c2s', call, nonce: 'n-42' }))}`);
      await waitFor(() => a.events.length > 1 && b.events.length > 1, 2000, 'the pongs');
      for (const c of [a, b]) expect(c.events[1]).toMatchObject({ type: 'pong', nonce: 'n-42', direction: 's2c' });
      await put.write(`,${JSON.stringify(createEvent('end', { direction: 'c2s', call, reason: 'normal' }))}]`);
      await waitFor(() => a.closed && b.closed, 2000, 'the end on both');
    });
  });

  describe('refusals', () => {
    it('400 for malformed numbers and bodies, 401 without a token', async () => {
      const h = await handler(acme);
      const calls = `${tgPath(acme.trunkId)}/calls`;
      const bad = await acme.tg.post(calls, { handler: h, destination: '15550100001', from: '+1 408 555 0100' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: any) => e.pointer).sort()).toEqual(['#/destination', '#/from']);
      expect((await acme.tg.post(calls, { handler: h, destination: ECHO, from: ACME_FROM, extra: 1 })).status).toBe(
        400,
      );
      expect((await acme.tg.post(calls, [1, 2])).status).toBe(400);
      const anonymous = await edge.client().post(calls, { handler: h, destination: ECHO, from: ACME_FROM });
      expect(anonymous.status).toBe(401);
      expect(
        (await edge.client('not-a-token').post(calls, { handler: h, destination: ECHO, from: ACME_FROM })).status,
      ).toBe(401);
    });

    it('403 for a caller ID outside the trunk ranges without a passport', async () => {
      const res = await placeCall(acme, ECHO, { from: '+14085550999' });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ type: 'urn:riptrunk:problem:caller-id-not-allowed', from: '+14085550999' });
      expect((await placeCall(acme, ECHO, { from: BETA_NUMBER })).status).toBe(403);
    });

    it('403 for a forged passport; a passport from a certificate of the number is accepted', async () => {
      const garbage = await placeCall(acme, ECHO, { passport: 'abc.def.ghi' });
      expect(garbage.status).toBe(403);
      expect(garbage.body.type).toBe('urn:riptrunk:problem:passport-invalid');
      // signed with a key of our own, claiming a certificate of the repository that does not exist
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      void (await exportJWK(publicKey));
      const forged = await new SignJWT({
        attest: 'A',
        dest: { tn: [ECHO.slice(1)] },
        iat: Math.floor(Date.now() / 1000),
        orig: { tn: ACME_FROM.slice(1) },
        origid: '4a0b3f62-5a6c-4d1e-9d4e-0f1f2f3f4f5f',
      })
        .setProtectedHeader({
          alg: 'ES256',
          typ: 'passport',
          ppt: 'shaken',
          x5u: `${cp.url}/ript/v1/certs/crt_00000000000000000000.pem`,
        })
        .sign(privateKey);
      const refused = await placeCall(acme, ECHO, { passport: forged });
      expect(refused.status).toBe(403);
      expect(refused.body.type).toBe('urn:riptrunk:problem:passport-invalid');

      // a real certificate for +14085550150 (ript:certs at the control plane), and a PASSporT signed with its key
      const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
        'sign',
        'verify',
      ])) as webcrypto.CryptoKeyPair;
      const csr = await x509.Pkcs10CertificateRequestGenerator.create({
        name: [{ CN: ['pbx.acme.example'] }],
        keys,
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
        extensions: [tnAuthListExtension([{ type: 'one', number: '14085550150' }])],
      });
      const certsApi = cp.client(
        (await client.clientCredentialsGrant(acme.config, { scope: 'ript:certs', resource: cp.url })).access_token,
      );
      const cert = await certsApi.post(`/ript/v1/providertgs/${acme.trunkId}/certs`, { csr: csr.toString('pem') });
      expect(cert.status).toBe(201);
      const passport = await signPassport(
        { orig: '+14085550150', dest: [ECHO], attest: 'A', origid: '5b0b3f62-5a6c-4d1e-9d4e-0f1f2f3f4f5f' },
        keys.privateKey as never,
        cert.body.x5u,
      );
      const accepted = await placeCall(acme, ECHO, { from: '+14085550150', passport });
      expect(accepted.status).toBe(201);
      expect(accepted.body.passport).toBe(passport);
      await sendEnd(acme, accepted.body.uri);
      const mismatch = await placeCall(acme, ECHO, { from: '+14085550151', passport });
      expect(mismatch.status).toBe(403);
      expect(mismatch.body).toMatchObject({ type: 'urn:riptrunk:problem:caller-id-not-allowed', from: '+14085550151' });
    });

    it('403 for a destination outside the trunk patterns, naming it', async () => {
      const res = await placeCall(acme, '+33142345678');
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({
        type: 'urn:riptrunk:problem:destination-not-allowed',
        destination: '+33142345678',
      });
    });

    it("409 for a handler that is not registered, or is another tenant's", async () => {
      const betaHandler = await handler(beta);
      const other = await placeCall(acme, ECHO, { handler: betaHandler });
      expect(other.status).toBe(409);
      expect(other.body.type).toBe('urn:riptrunk:problem:handler-not-registered');
      const unknown = await placeCall(acme, ECHO, { handler: `${edge.url}${tgPath(acme.trunkId)}/handlers/nobody` });
      expect(unknown.status).toBe(409);
    });

    it('404 for unassigned test numbers, on-net numbers without a consumer TG (callee-unavailable), and the rest', async () => {
      const unassigned = await placeCall(acme, '+15550100009');
      expect(unassigned.status).toBe(404);
      expect(unassigned.body.type).toBe('urn:riptrunk:problem:destination-unreachable');
      const onNet = await placeCall(acme, BETA_NUMBER);
      expect(onNet.status).toBe(404);
      expect(onNet.body.type).toBe('urn:riptrunk:problem:callee-unavailable');
      expect(onNet.body.detail).toContain('is on-net but no active consumer TG of its customer takes it');
      expect((await placeCall(acme, '+442079460000')).status).toBe(404);
    });

    it('403 on a TG disabled by the provider', async () => {
      const trunkId = await newTrunk(acme, {});
      const h = await handler(acme, trunkId);
      await cp.admin.patch(`/v1/tenants/${acme.tenantId}/trunks/${trunkId}`, { state: 'disabled' });
      const res = await eventually(
        () => placeCall(acme, ECHO, { trunkId, handler: h }),
        (r) => r.status !== 201,
        2000,
      );
      expect(res.status).toBe(403);
      expect(res.body.type).toBe('urn:riptrunk:problem:tg-disabled');
    });

    it('429 with Retry-After over the concurrency limit, counted across edges', async () => {
      const trunkId = await newTrunk(acme, { maxConcurrentCalls: 2 });
      const h = await handler(acme, trunkId);
      const siblingApi = siblingClient(acme.token);
      const one = await placeCall(acme, ECHO, { trunkId, handler: h });
      const two = await placeCall(acme, ECHO, { trunkId, handler: h, via: siblingApi });
      expect([one.status, two.status]).toEqual([201, 201]);
      expect(two.body.uri.startsWith(`${siblingUrl}/ript/v1/calls/`)).toBe(true);
      const three = await placeCall(acme, ECHO, { trunkId, handler: h });
      expect(three.status).toBe(429);
      expect(three.headers['retry-after']).toBe('2');
      expect(three.body.type).toBe('urn:riptrunk:problem:concurrency-limit');
      const fromSibling = await placeCall(acme, ECHO, { trunkId, handler: h, via: siblingApi });
      expect(fromSibling.status).toBe(429);
      await sendEnd(acme, one.body.uri);
      const four = await eventually(
        () => placeCall(acme, ECHO, { trunkId, handler: h }),
        (r) => r.status === 201,
        2000,
      );
      expect(four.status).toBe(201);
      await sendEnd(acme, four.body.uri);
    });

    it('429 with Retry-After over the calls-per-second limit', async () => {
      const trunkId = await newTrunk(acme, { maxCallsPerSecond: 2 });
      const h = await handler(acme, trunkId);
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push(await placeCall(acme, DECLINED, { trunkId, handler: h }));
      expect(statuses.map((r) => r.status)).toEqual([201, 201, 429]);
      expect(statuses[2].body.type).toBe('urn:riptrunk:problem:cps-limit');
      expect(statuses[2].headers['retry-after']).toBe('1');
      // the one-second window slides past the first call; refused attempts do not count in it
      const next = await eventually(
        () => placeCall(acme, DECLINED, { trunkId, handler: h }),
        (r) => r.status === 201,
        3000,
      );
      expect(next.status).toBe(201);
    });

    it('503 while the edge is draining', async () => {
      const registry = edge.app.get(EdgeRegistry);
      registry.state = 'draining';
      try {
        const res = await placeCall(acme, ECHO);
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toBeDefined();
      } finally {
        registry.state = 'ready';
      }
    });
  });

  describe('streams', () => {
    it('drops malformed, oversized and wrong-codec frames and goes on with the call', async () => {
      const call = (await placeCall(acme, ECHO)).body.uri as string;
      const ev = events(acme, call);
      const get = acme.streams.request('GET', `${call}/media`);
      expect(await get.response).toBe(200);
      const received = new FrameCollector(get);
      const put = acme.streams.request('PUT', `${call}/media`);
      const good = (seq: number) => frame(seq, Buffer.alloc(160, seq + 1));
      const badKind = good(99);
      badKind[2] = 7;
      const oversized = frame(98, Buffer.alloc(1600, 1));
      const wrongCodec = frame(97, Buffer.alloc(160, 2), 8); // PCMA, not in the directives
      const wrongStream = frame(96, Buffer.alloc(160, 2), 0, 2, 1);
      await put.write(Buffer.concat([good(0), badKind, good(1), oversized, good(2), wrongCodec, wrongStream, good(3)]));
      await waitFor(() => received.media().length >= 4, 2000, 'the good frames');
      await sleep(50); // time for a wrongly echoed frame to arrive: none may
      expect(received.media().map((f) => f.payload[0])).toEqual([1, 2, 3, 4]);
      expect(ev.events.map((e) => e.type)).toEqual(['answered']);
      const endStream = await sendEnd(acme, call);
      expect(await endStream.response).toBe(204);
      await waitFor(() => cdrs.some((c) => call.endsWith(c.callId)), 2000, 'the CDR');
      expect(cdrs.find((c) => call.endsWith(c.callId))).toMatchObject({
        framesReceived: 4,
        framesSent: 4,
        lossReceived: 0,
      });
      const metrics = await (await fetch(`${edge.internalUrl}/metrics`)).text();
      for (const reason of ['malformed', 'oversized', 'wrong-codec']) {
        expect(metrics).toMatch(
          new RegExp(`riptrunk_edge_frames_dropped_total\\{trunk="${acme.trunkId}",reason="${reason}"\\} [1-9]`),
        );
      }
      expect(metrics).toMatch(
        new RegExp(`riptrunk_edge_call_attempts_total\\{trunk="${acme.trunkId}",outcome="created"\\} [1-9]`),
      );
      expect(metrics).toMatch(/riptrunk_edge_frame_relay_seconds_count\{trunk="trk_\w+"\} [1-9]/);
      expect(metrics).toMatch(/riptrunk_edge_call_setup_seconds_count\{trunk="trk_\w+"\} [1-9]/);
      expect(metrics).toMatch(/riptrunk_edge_active_calls\{trunk="trk_\w+"\} \d/);
    });

    it('answers an events stream that is not JSON with 400 and closes it; the call goes on', async () => {
      const call = (await placeCall(acme, ECHO)).body.uri as string;
      const ev = events(acme, call);
      const put = acme.streams.request('PUT', `${call}/events`, { 'content-type': 'application/json' });
      await put.write('[{"type": "ping", oops');
      await put.write('}');
      expect(await put.response).toBe(400);
      await put.closed;
      expect(JSON.parse(put.text)).toMatchObject({ status: 400, type: 'urn:riptrunk:problem:invalid-event-stream' });
      const notArray = acme.streams.request('PUT', `${call}/events`);
      await notArray.write('hello');
      expect(await notArray.response).toBe(400);
      await notArray.closed;
      expect(JSON.parse(notArray.text).position).toBe(0);
      // a well-formed event for another call is refused too
      const wrongCall = acme.streams.request('PUT', `${call}/events`);
      await wrongCall.write(
        `[${JSON.stringify(createEvent('end', { direction: 'c2s', call: `${call}x`, reason: 'x' }))}`,
      );
      expect(await wrongCall.response).toBe(400);
      expect((await acme.tg.get(new URL(call).pathname)).body.state).toBe('answered');
      await sendEnd(acme, call);
      await waitFor(() => ev.closed, 2000, 'the end');
    });

    it('answers 404 for events and media of an ended or unknown call, and 405 for DELETE', async () => {
      const call = (await placeCall(acme, ECHO)).body.uri as string;
      expect((await acme.tg.delete(new URL(call).pathname)).status).toBe(405);
      await (
        await sendEnd(acme, call)
      ).response;
      const unknown = `${edge.url}/ript/v1/calls/00000000-0000-4000-8000-000000000000`;
      for (const uri of [call, unknown]) {
        expect((await acme.tg.get(new URL(uri).pathname)).status).toBe(404);
        for (const [method, suffix] of [
          ['GET', '/events'],
          ['PUT', '/events'],
          ['GET', '/media'],
          ['PUT', '/media'],
        ] as const) {
          const s = acme.streams.request(method, `${uri}${suffix}`);
          if (method === 'PUT') s.end();
          expect(await s.response).toBe(404);
        }
      }
      // another tenant's call is unknown to it
      const mine = (await placeCall(acme, ECHO)).body.uri as string;
      expect((await beta.tg.get(new URL(mine).pathname)).status).toBe(404);
      const s = beta.streams.request('GET', `${mine}/media`);
      expect(await s.response).toBe(404);
      await sendEnd(acme, mine);
    });

    it('refuses media streams past the per-call limit: 1,000 GETs and PUTs give 8 each', async () => {
      const call = (await placeCall(acme, ECHO)).body.uri as string;
      const ev = events(acme, call);
      const opened: RiptStream[] = [];
      for (let i = 0; i < 1000; i++) opened.push(acme.streams.request(i % 2 ? 'PUT' : 'GET', `${call}/media`));
      const statuses = await Promise.all(opened.map((s) => s.response));
      const count = (method: number, status: number) =>
        statuses.filter((x, i) => i % 2 === method && x === status).length;
      expect([count(0, 200), count(0, 429)]).toEqual([8, 492]);
      expect([count(1, 200), count(1, 429)]).toEqual([8, 492]);
      // the call still works on the streams it has
      const put = opened.find((s, i) => i % 2 === 1 && s.status === 200)!;
      const get = opened.find((s, i) => i % 2 === 0 && s.status === 200)!;
      const received = new FrameCollector(get);
      await put.write(frame(0, Buffer.alloc(160, 9)));
      await waitFor(() => received.media().length === 1, 2000, 'the echo');
      await sendEnd(acme, call);
      await waitFor(() => ev.closed, 2000, 'the end');
      await Promise.all(opened.filter((s) => s.status === 200).map((s) => s.closed));
    });
  });

  describe('timers, sibling edges and revocations', () => {
    it('ends a call with no events stream after the grace period (400 ms on the sibling)', async () => {
      const res = await placeCall(acme, ECHO, { via: siblingClient(acme.token) });
      expect(res.status).toBe(201);
      const call = res.body.uri as string;
      // no events stream is opened: the grace timer ends the call, which writes its CDR
      await waitFor(() => cdrs.some((c) => call.endsWith(c.callId)), 3000, 'the grace period to end the call');
      const ev = events(acme, call);
      await waitFor(() => ev.closed, 2000, 'the final events');
      expect(ev.events).toEqual([expect.objectContaining({ type: 'end', reason: 'no-events-stream' })]);
      expect((await siblingClient(acme.token).get(new URL(call).pathname)).status).toBe(404);
    });

    it('fails a call without media after media-timeout (500 ms on the sibling)', async () => {
      const res = await placeCall(acme, ECHO, { via: siblingClient(acme.token) });
      const call = res.body.uri as string;
      const ev = events(acme, call);
      const put = acme.streams.request('PUT', `${call}/media`);
      await put.write(frame(0, Buffer.alloc(160, 1)));
      const started = Date.now();
      await waitFor(() => ev.closed, 3000, 'the failure');
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      expect(ev.types()).toEqual(['answered', 'failed', 'end']);
      expect(ev.events[1]).toMatchObject({ type: 'failed', reason: 'media-timeout' });
      await put.closed;
      await waitFor(() => cdrs.some((c) => call.endsWith(c.callId)), 2000, 'the CDR');
      expect(cdrs.find((c) => call.endsWith(c.callId))).toMatchObject({
        reason: 'media-timeout',
        edgeId: 'edge-sibling',
        framesReceived: 1,
      });
    });

    it('describes a call on a sibling edge from Redis; its streams stay with the edge that runs it', async () => {
      const call = (await placeCall(acme, ECHO)).body.uri as string;
      const ev = events(acme, call);
      const path = new URL(call).pathname;
      const there = await siblingClient(acme.token).get(path);
      expect(there.status).toBe(200);
      expect(there.body).toMatchObject({
        uri: call,
        state: 'answered',
        from: ACME_FROM,
        to: ECHO,
        direction: 'outbound',
      });
      const misdirected = acme.streams.request('GET', `${siblingUrl}${path}/media`);
      expect(await misdirected.response).toBe(421);
      expect(edge.app.get(EdgeRegistry).liveCalls()).toBeGreaterThanOrEqual(1);
      await sendEnd(acme, call);
      await waitFor(() => ev.closed, 2000, 'the end');
    });

    it('ends the calls of a suspended tenant and of a revoked client, with the reason', async () => {
      const first = (await placeCall(beta, ECHO, { from: BETA_NUMBER })).body.uri as string;
      const ev = events(beta, first);
      await waitFor(() => ev.events.length > 0, 2000, 'the state');
      await cp.admin.post(`/v1/tenants/${beta.tenantId}/suspend`);
      await waitFor(() => ev.closed, 2000, 'the end');
      expect(ev.events.at(-1)).toMatchObject({ type: 'end', reason: 'tenant-suspended' });
      await cp.admin.post(`/v1/tenants/${beta.tenantId}/resume`);
      await eventually(
        () => beta.tg.get(tgPath(beta.trunkId)),
        (r) => r.status === 200,
        2000,
      );
      const second = await placeCall(beta, ECHO, { from: BETA_NUMBER });
      expect(second.status).toBe(201);
      const ev2 = events(beta, second.body.uri);
      await waitFor(() => ev2.events.length > 0, 2000, 'the state');
      const clients = await cp.admin.get(`/v1/tenants/${beta.tenantId}/clients`);
      await cp.admin.post(`/v1/tenants/${beta.tenantId}/clients/${clients.body.items[0].id}/revoke`);
      await waitFor(() => ev2.closed, 2000, 'the end');
      expect(ev2.events.at(-1)).toMatchObject({ type: 'end', reason: 'client-revoked' });
    });
  });
});
