import { randomUUID } from 'node:crypto';
import { importPrivateKeyPem, signPassport } from '@riptrunk/ript';
import { buildIdentityHeader } from '@riptrunk/ript/sip';
import { requestNumberCertificate } from '@riptrunk/sdk';
import type { InboundCall, InboundService, RiptTrunkClient, TgDescriptionDoc } from '@riptrunk/sdk';
import { EdgeConfigStore } from '../../src/edge/config/edge-config.store.js';
import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';
import { collect } from '../helpers/call-events.js';
import { acmeServing, interconnectClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { newRawCall, PCMU_OFFER, RawSip, rawRequest, toTagOf } from '../helpers/raw-sip.js';
import { freeRtpPort, freeUdpPort, startSipp } from '../helpers/sipp.js';
import { eventually, sleep } from '../helpers/wait.js';

/**
 * The SIP⇄RIPT gateway between the edge and a carrier's SIP core (issue 12), against sipp as the core: Acme's RIPT
 * calls to +44 numbers go off-net through the gateway to sipp, and sipp's calls to Acme's numbers come in through
 * the gateway to Acme's consumer TG.
 */
describe('gateway: RIPT ⇄ SIP through an interconnect tenant, sipp as the carrier core', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let acme: RiptTrunkClient;
  let acmeTg: TgDescriptionDoc;
  let acmeTenant: string;
  let acmeInbound: InboundService;
  let handler: string;
  let pstn: RiptTrunkClient;
  let pstnTenant: string;
  let gw: TestGateway;
  let corePort: number;
  let answerWith: (call: InboundCall) => void = () => undefined;
  const acmeCalls: InboundCall[] = [];

  beforeAll(async () => {
    cp = await startControlPlane({ RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' });
    edge = await startEdge(cp, { RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' });
    const a = await acmeServing(cp, edge, (call) => {
      acmeCalls.push(call);
      answerWith(call);
    });
    acme = a.client;
    acmeTg = a.tg;
    acmeTenant = a.tenantId;
    acmeInbound = a.inbound;
    handler = (await acme.registerHandler(acmeTg, 'pbx-1', '1 in: PCMU; PCMA; 1 out: PCMU; PCMA;')).uri;
    // a CPS low enough for the flood test to pass it
    const ic = await interconnectClient(cp, 'PSTN', undefined, { maxConcurrentCalls: 50, maxCallsPerSecond: 10 });
    pstn = ic.client;
    pstnTenant = ic.tenantId;
    corePort = await freeUdpPort();
    gw = await startTestGateway(pstn, corePort, { egress: ['+44*'], rtpBase: 31000, stir: cp });
    await eventually(
      () => edge.app.get(EdgeConfigStore).consumerTgsOf(pstnTenant).length,
      (n) => n === 1,
    );
  }, 90_000);

  afterAll(async () => {
    await gw?.close().catch(() => undefined);
    await acmeInbound?.close().catch(() => undefined);
    await acme?.close();
    await pstn?.close();
    await edge?.close();
    await cp?.close();
  });

  it('egress: an off-net call reaches the core, its RTP echo comes back byte for byte, BYE ends both legs', async () => {
    const mediaPort = await freeRtpPort();
    const core = startSipp({ scenario: 'core-answer-echo.xml', port: corePort, mediaPort, rtpEcho: true, calls: 1 });
    await sleep(300); // sipp binds its port (nothing to observe before it does)
    const call = await acme.placeCall(acmeTg, { handler, destination: '+442071838750', from: '+14085550100' });
    const { events, done } = collect(call);
    await eventually(
      async () => events.map((e) => e.type),
      (types) => types.includes('answered'),
      15_000,
    );
    // sipp rings and answers at once: the events stream may open on `answered` already (it starts with the state)
    expect(events.map((e) => e.type)).toContain('answered');
    await call.openMedia();
    const received: Buffer[] = [];
    call.onFrame((f) => received.push(Buffer.from(f.payload)));
    const [directive] = call.clientDirectives;
    const sent: Buffer[] = [];
    for (let i = 0; i < 50; i++) {
      const payload = Buffer.alloc(160, i);
      payload.writeUInt16BE(i, 0);
      sent.push(payload);
      call.sendFrame(directive, payload);
      await sleep(20); // 20 ms audio, paced like a phone
    }
    await eventually(
      async () => received.length,
      (n) => n >= 50,
    );
    expect(received.map((b) => b.toString('hex'))).toEqual(sent.map((b) => b.toString('hex')));
    await call.end();
    await done;
    call.close();
    const result = await core.exited;
    expect({ code: result.code, errors: result.errors }).toEqual({ code: 0, errors: '' });
    const entry = await eventually(
      async () => gw.log.find((e) => e.direction === 'egress' && e.riptCall?.includes('/calls/')),
      Boolean,
    );
    expect(entry).toMatchObject({ from: '+14085550100', to: '+442071838750', outcome: 'ended', sipStatus: 200 });
    expect(entry!.rtpIn).toBeGreaterThanOrEqual(50);
    const cdrs = await eventually(
      () => cp.admin.get(`/v1/cdrs?tenantId=${acmeTenant}`),
      (r) => (r.body.items as { to: string }[]).some((c) => c.to === '+442071838750'),
    );
    const cdr = (cdrs.body.items as Record<string, unknown>[]).find((c) => c.to === '+442071838750');
    expect(cdr).toMatchObject({ sipCallId: entry!.sipCallId, sipStatus: 200, framesSent: 50, framesReceived: 50 });
  }, 60_000);

  it('egress: the core hanging up ends the RIPT call; a busy core is `declined` with its SIP status', async () => {
    const mediaPort = await freeRtpPort();
    const core = startSipp({
      scenario: 'core-answer-hangup.xml',
      port: corePort,
      mediaPort,
      rtpEcho: true,
      calls: 1,
      durationMs: 500,
    });
    await sleep(300); // sipp binds its port
    const call = await acme.placeCall(acmeTg, { handler, destination: '+442071838751', from: '+14085550101' });
    const { events, done } = collect(call);
    await done;
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['answered', 'end']));
    call.close();
    const hung = await core.exited;
    expect({ code: hung.code, errors: hung.errors }).toEqual({ code: 0, errors: '' });

    const busy = startSipp({ scenario: 'core-busy.xml', port: corePort, calls: 1 });
    await sleep(300);
    const refused = await acme.placeCall(acmeTg, { handler, destination: '+442071838752', from: '+14085550101' });
    const r = collect(refused);
    await r.done;
    refused.close();
    expect(r.events.find((e) => e.type === 'declined')).toMatchObject({ 'sip-status': 486 });
    expect((await busy.exited).code).toBe(0);
  }, 60_000);

  it('ingress: the core calls a tenant number, the call reaches its consumer TG with audio, the tenant ends it', async () => {
    const frames: Buffer[] = [];
    answerWith = (call) => {
      call.onFrame((f) => frames.push(Buffer.from(f.payload)));
      call.answer();
    };
    const sippPort = await freeUdpPort();
    const mediaPort = await freeRtpPort();
    const caller = startSipp({
      scenario: 'core-call.xml',
      port: sippPort,
      mediaPort,
      remote: `127.0.0.1:${gw.sipPort}`,
      service: '+14085550123',
      calls: 1,
      keys: { caller: '+442071838799' },
    });
    const callee = await eventually(async () => acmeCalls.find((c) => c.to === '+14085550123'), Boolean, 15_000);
    expect(callee).toMatchObject({ from: '+442071838799', to: '+14085550123', verstat: 'No-TN-Validation' });
    expect(callee!.sipCallId).toEqual(expect.any(String));
    // sipp plays g711a.pcap (PCMA, 20 ms packets) once answered
    await eventually(
      async () => frames.length,
      (n) => n >= 50,
      15_000,
    );
    expect(callee!.clientDirectives[0].codec).toBe('PCMA');
    callee!.end();
    const result = await caller.exited;
    expect({ code: result.code, errors: result.errors }).toEqual({ code: 0, errors: '' });
    const entry = await eventually(
      async () => gw.log.find((e) => e.direction === 'ingress' && e.to === '+14085550123'),
      Boolean,
    );
    expect(entry).toMatchObject({ from: '+442071838799', outcome: 'ended', sipStatus: 200 });
  }, 60_000);

  describe('bad SIP input (raw UDP)', () => {
    /** The final answer a fresh peer gets to `message` (written for its port), or null when none comes. */
    const exchange = async (message: (port: number) => string): Promise<string | null> => {
      const sip = await RawSip.open(gw.sipPort);
      sip.send(message(sip.port));
      const answer = await sip.waitFor(/^SIP\/2\.0 [2-6]\d\d /, 1500);
      sip.close();
      return answer ?? null;
    };
    const request =
      (method: string, to = '+14085550123', body?: string) =>
      (port: number) =>
        rawRequest(method, newRawCall(to), port, { body });

    it('answers OPTIONS, 501 to unknown methods, and survives garbage', async () => {
      expect(await exchange(() => 'this is not SIP\n\n')).toBeNull();
      expect(await exchange(() => 'INVITE sip:x SIP/2.0\nCSeq: nonsense\n\n')).toBeNull();
      expect(await exchange(request('OPTIONS'))).toMatch(/^SIP\/2\.0 200 /);
      expect(await exchange(request('SUBSCRIBE'))).toMatch(/^SIP\/2\.0 501 /);
    });

    it('488 for an INVITE with no common codec, 404 for a number nobody owns, 480 for one nobody takes', async () => {
      const g729 = `v=0
o=- 1 1 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 40000 RTP/AVP 18
a=rtpmap:18 G729/8000
`;
      expect(await exchange(request('INVITE', '+14085550123', g729))).toMatch(/^SIP\/2\.0 488 /);
      const pcmu = g729.replace('RTP/AVP 18', 'RTP/AVP 0').replace('a=rtpmap:18 G729/8000', 'a=rtpmap:0 PCMU/8000');
      expect(await exchange(request('INVITE', '+19995550100', pcmu))).toMatch(/^SIP\/2\.0 404 /);
      // a tenant's number with no consumer TG to take it: temporarily unavailable
      const initech = await cp.admin.post('/v1/tenants', { name: 'Initech' });
      await cp.admin.post(`/v1/tenants/${initech.body.id}/number-ranges`, { start: '+14155550100', count: 10 });
      await eventually(
        () => edge.app.get(EdgeConfigStore).rangeOwning('+14155550105')?.tenantId,
        (id) => id === initech.body.id,
      );
      expect(await exchange(request('INVITE', '+14155550105', pcmu))).toMatch(/^SIP\/2\.0 480 /);
      expect(gw.gateway.calls).toBe(0);
    });
  });

  describe('SIP call flows the core may use (raw UDP)', () => {
    let sip: RawSip;
    beforeEach(async () => (sip = await RawSip.open(gw.sipPort)));
    afterEach(() => sip.close());
    const final = /^SIP\/2\.0 [2-6]\d\d /;

    it('an INVITE without SDP gets the offer in the 200 and its answer from the ACK; hold and resume', async () => {
      answerWith = (call) => call.answer();
      const c = newRawCall('+14085550140');
      sip.send(rawRequest('INVITE', c, sip.port));
      const ok = await sip.waitFor(/^SIP\/2\.0 200 /, 10_000);
      expect(ok).toMatch(/m=audio \d+ RTP\/AVP 0/);
      const toTag = toTagOf(ok!);
      const rtp = await freeRtpPort();
      sip.send(rawRequest('ACK', c, sip.port, { toTag, branch: `${c.branch}a`, body: PCMU_OFFER(rtp) }));
      const callee = await eventually(async () => acmeCalls.find((x) => x.to === '+14085550140'), Boolean);
      expect(callee!.state).toBe('answered');
      // hold: a re-INVITE with a=sendonly is answered a=recvonly on the same port, then resumed
      const port = /m=audio (\d+)/.exec(ok!)![1];
      const hold = PCMU_OFFER(rtp).replace('a=fmtp:101 0-15', 'a=fmtp:101 0-15\na=sendonly');
      sip.send(rawRequest('INVITE', c, sip.port, { toTag, cseq: 2, branch: `${c.branch}h`, body: hold }));
      const held = await sip.waitFor(/^SIP\/2\.0 200 [\s\S]*CSeq: 2 INVITE/);
      expect(held).toMatch(/a=recvonly/);
      expect(held).toContain(`m=audio ${port} `);
      sip.send(rawRequest('ACK', c, sip.port, { toTag, cseq: 2, branch: `${c.branch}ha` }));
      sip.send(rawRequest('INVITE', c, sip.port, { toTag, cseq: 3, branch: `${c.branch}r`, body: PCMU_OFFER(rtp) }));
      expect(await sip.waitFor(/^SIP\/2\.0 200 [\s\S]*CSeq: 3 INVITE/)).toMatch(/a=sendrecv/);
      sip.send(rawRequest('ACK', c, sip.port, { toTag, cseq: 3, branch: `${c.branch}ra` }));
      const before = sip.received.length;
      sip.send(rawRequest('BYE', c, sip.port, { toTag, cseq: 4, branch: `${c.branch}b` }));
      expect(await sip.waitFor(/^SIP\/2\.0 200 [\s\S]*CSeq: 4 BYE/, 5000, before)).toBeDefined();
      await expect(callee!.ended).resolves.toMatchObject({ state: 'ended', byProvider: true });
    });

    it('CANCEL before the answer: 200 for the CANCEL, 487 for the INVITE, the RIPT call ends', async () => {
      answerWith = (call) => call.alerting();
      const c = newRawCall('+14085550141');
      sip.send(rawRequest('INVITE', c, sip.port, { body: PCMU_OFFER(await freeRtpPort()) }));
      expect(await sip.waitFor(/^SIP\/2\.0 180 /, 10_000)).toBeDefined();
      const callee = acmeCalls.find((x) => x.to === '+14085550141')!;
      sip.send(rawRequest('CANCEL', c, sip.port));
      expect(await sip.waitFor(/^SIP\/2\.0 200 [\s\S]*CSeq: 1 CANCEL/)).toBeDefined();
      const terminated = await sip.waitFor(/^SIP\/2\.0 487 /);
      sip.send(rawRequest('ACK', c, sip.port, { toTag: toTagOf(terminated!) }));
      await expect(callee.ended).resolves.toMatchObject({ byProvider: true });
      const entry = await eventually(async () => gw.log.find((e) => e.to === '+14085550141'), Boolean);
      expect(entry).toMatchObject({ direction: 'ingress', outcome: 'cancelled', sipStatus: 487 });
    });

    it('an Identity header is verified: its PASSporT and verstat reach the callee; a forged one does not', async () => {
      answerWith = (call) => call.decline();
      const cert = await requestNumberCertificate(acme, '+14085550100', acmeTg);
      const key = await importPrivateKeyPem(cert.keyPem);
      const identity = async (orig: string, dest: string) =>
        buildIdentityHeader(
          await signPassport({ orig, dest: [dest], attest: 'A', origid: randomUUID() }, key, cert.x5u),
        );
      const invite = async (orig: string, to: string) => {
        const c = newRawCall(to);
        const text = rawRequest('INVITE', c, sip.port, { body: PCMU_OFFER(await freeRtpPort()) })
          .replace('From: <sip:+442071838700@', `From: <sip:${orig}@`)
          .replace('Max-Forwards: 70', `Max-Forwards: 70\nIdentity: ${await identity(orig, to)}`);
        sip.send(text);
        const declined = await sip.waitFor(new RegExp(`^SIP/2\\.0 603 [\\s\\S]*${c.callId}`), 10_000);
        sip.send(rawRequest('ACK', c, sip.port, { toTag: toTagOf(declined!) }));
        return eventually(async () => acmeCalls.find((x) => x.to === to), Boolean);
      };
      const verified = await invite('+14085550100', '+14085550143');
      expect(verified).toMatchObject({ from: '+14085550100', verstat: 'TN-Validation-Passed' });
      expect(verified!.passport).toEqual(expect.any(String));
      // signed with a certificate that does not cover the caller: refused by the gateway, the call goes on
      const forged = await invite('+14085550199', '+14085550144');
      expect(forged).toMatchObject({ from: '+14085550199', verstat: 'TN-Validation-Failed' });
      expect(forged!.passport).toBeUndefined();
    });

    it('a retransmitted INVITE is one call, not two', async () => {
      answerWith = (call) => call.decline();
      const c = newRawCall('+14085550142');
      const invite = rawRequest('INVITE', c, sip.port, { body: PCMU_OFFER(await freeRtpPort()) });
      sip.send(invite);
      sip.send(invite);
      await sleep(30); // the retransmission timer of a UDP client (T1 is 500 ms; this one is early)
      sip.send(invite);
      const declined = await sip.waitFor(/^SIP\/2\.0 603 /, 10_000);
      sip.send(rawRequest('ACK', c, sip.port, { toTag: toTagOf(declined!) }));
      await sleep(500); // nothing more may arrive for the same number: proving an absence takes a wait
      expect(acmeCalls.filter((x) => x.to === '+14085550142')).toHaveLength(1);
    });

    it('a flood past the trunk CPS gets 503 with Retry-After and leaks nothing', async () => {
      answerWith = (call) => call.decline();
      const flood = Array.from({ length: 40 }, (_, i) => newRawCall(`+14085550${150 + i}`));
      const offer = PCMU_OFFER(await freeRtpPort());
      for (const c of flood) sip.send(rawRequest('INVITE', c, sip.port, { body: offer }));
      const finals = await eventually(
        async () => flood.map((c) => sip.received.find((m) => final.test(m) && m.includes(c.callId))),
        (all) => all.every(Boolean),
        20_000,
      );
      for (const [i, m] of finals.entries()) sip.send(rawRequest('ACK', flood[i], sip.port, { toTag: toTagOf(m!) }));
      const codes = finals.map((m) => Number(m!.slice(8, 11)));
      const refused = finals.filter((m) => m!.startsWith('SIP/2.0 503 '));
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.every((m) => /^Retry-After: \d+/im.test(m!))).toBe(true);
      expect(codes.every((c) => c === 503 || c === 603)).toBe(true);
      const idle = await eventually(
        async () => gw.gateway.stats(),
        (st) => st.sipLegs === 0 && st.running === 0 && st.rtpPortsInUse === 0,
        10_000,
      );
      expect(idle).toEqual({ sipLegs: 0, running: 0, rtpPortsInUse: 0 });
      expect(acmeInbound.server.liveCalls).toHaveLength(0);
    }, 60_000);
  });
});
