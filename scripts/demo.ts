import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { X509Certificate } from '@peculiar/x509';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import {
  decodeUlaw,
  detectTone,
  encodeUlaw,
  RiptTrunkClient,
  type TgDescriptionDoc,
  ToneGenerator,
} from '@riptrunk/sdk';
import type { InboundCall, InboundService, RiptCall } from '@riptrunk/sdk';
import { operatorToken } from '../src/common/auth/operator-token.verifier.js';
import { importPrivateKeyPem, issueServerCertificate } from '@riptrunk/ript';
import { loadConfig, runMain } from '../src/common/bootstrap.js';
import { startProcess, stopAll, waitReady, type Started } from './processes.js';

/**
 * `npm run demo`: the whole story on one machine. Starts the control plane and an edge unless they are running,
 * sets up two enterprises as a carrier would, onboards both with the SDK, has Globex serve its consumer TG, and has
 * Acme call the provider's test lines and then Globex (on-net) with real G.711 audio. `--keep` leaves what it
 * started running.
 */
const step = (text: string) => process.stdout.write(`\n▸ ${text}\n`);
const detail = (text: string) => process.stdout.write(`  ${text}\n`);

interface CallResult {
  call: string;
  setupMs: number;
  sent: number;
  received: number;
  lossPct: number;
  rttP50Ms: number | null;
  note: string;
}

runMain('demo', async () => {
  const keep = process.argv.includes('--keep');
  const config = loadConfig();
  const caFile = join(config.dataDir, 'ca.pem');
  const started: Started[] = [];
  const agent = () => new Agent({ allowH2: true, connect: { ca: readCa(caFile) } });
  try {
    step('control plane and edge');
    for (const [name, url, script] of [
      ['control plane', config.publicUrl, 'dist/src/control-plane/main.js'],
      ['edge', config.edgePublicUrl, 'dist/src/edge/main.js'],
    ] as const) {
      const running = await waitReady(`${url}/readyz`, caFile, undefined, 1000).then(
        () => true,
        () => false,
      );
      if (running) {
        detail(`${name} already running at ${url}`);
        continue;
      }
      const proc = startProcess(name.replace(' ', '-'), script, {
        ...process.env,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        // Globex's consumer TG runs on this machine (localhost): a one-machine demo needs private targets allowed.
        RIPTRUNK_ALLOW_PRIVATE_TARGETS: process.env.RIPTRUNK_ALLOW_PRIVATE_TARGETS ?? 'true',
      });
      started.push(proc);
      await waitReady(`${url}/readyz`, caFile, proc, 60_000);
      detail(`${name} started at ${url}`);
    }

    const http = agent();
    const token = operatorToken(config);
    const admin = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${config.publicUrl}${path}`, {
        method,
        dispatcher: http,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json().catch(() => ({}))) as T & { detail?: string };
      if (res.status === 401)
        throw new Error('the running control plane has another operator token: set RIPTRUNK_ADMIN_TOKEN');
      if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${json.detail ?? ''}`);
      return json;
    };

    step('carrier sets up two enterprises (tenants, number ranges, trunks, onboarding codes)');
    const enterprises = [
      { name: 'Acme (demo)', ref: 'demo-acme', start: '+14085550100', count: 100 },
      { name: 'Globex (demo)', ref: 'demo-globex', start: '+14155550100', count: 100 },
    ];
    const codes: Record<string, string> = {};
    for (const e of enterprises) {
      const existing = await admin<{ items: { id: string; externalRef: string }[] }>(
        'GET',
        `/v1/tenants?name=${encodeURIComponent(e.name)}&limit=200`,
      );
      let tenant = existing.items.find((t) => t.externalRef === e.ref);
      if (!tenant) {
        tenant = await admin<{ id: string; externalRef: string }>('POST', '/v1/tenants', {
          name: e.name,
          externalRef: e.ref,
        });
        await admin('POST', `/v1/tenants/${tenant.id}/number-ranges`, { start: e.start, count: e.count });
        await admin('POST', `/v1/tenants/${tenant.id}/trunks`, {
          name: `${e.ref}-primary`,
          codecs: ['PCMU', 'PCMA'],
          maxConcurrentCalls: 10,
          maxCallsPerSecond: 5,
        });
        detail(`${e.name}: tenant ${tenant.id}, numbers ${e.start} +${e.count}, one trunk`);
      } else {
        detail(`${e.name}: tenant ${tenant.id} (from an earlier run)`);
      }
      codes[e.ref] = (await admin<{ code: string }>('POST', `/v1/tenants/${tenant.id}/onboarding-codes`, {})).code;
      detail(`${e.name}: onboarding code ${codes[e.ref].slice(0, 9)}…`);
    }

    step('enterprises onboard themselves with the SDK (discovery, registration, tokens, TG discovery)');
    const clients: Record<string, { client: RiptTrunkClient; tg: TgDescriptionDoc; ms: number }> = {};
    for (const e of enterprises) {
      const t0 = performance.now();
      const profile = await RiptTrunkClient.onboard(config.publicUrl, codes[e.ref], {
        caFile,
        clientName: `${e.name} PBX`,
      });
      const client = await RiptTrunkClient.fromProfile(profile);
      const [listed] = await client.providerTgs();
      const tg = await retry(() => client.tgDescription(listed.uri));
      const ms = performance.now() - t0;
      clients[e.ref] = { client, tg, ms };
      detail(
        `${e.name}: client ${profile.clientId}, TG ${tg.name}, caller IDs ${tg.outbound.origins.join(', ')} (${ms.toFixed(0)} ms)`,
      );
    }

    const acme = clients['demo-acme'];
    const handler = (await acme.client.registerHandler(acme.tg, 'pbx-1', '1 in: PCMU; PCMA; 1 out: PCMU; PCMA;')).uri;
    const results: CallResult[] = [];

    step('Acme calls the echo line (+15550100001) with 2 s of a 440 Hz tone in G.711 µ-law');
    results.push(await echoCall(acme.client, acme.tg, handler));
    step('Acme calls the tone line (+15550100002) and listens');
    results.push(await toneCall(acme.client, acme.tg, handler));
    step("Globex serves its consumer TG (the SDK's inbound server) and registers it with the carrier");
    const globex = clients['demo-globex'];
    const cert = await localhostCertificate(config.dataDir);
    const inbound: InboundService = await globex.client.serveInbound({
      tg: globex.tg,
      cert: cert.certPem,
      key: cert.keyPem,
      activeTimeoutMs: 30_000,
    });
    detail(`${inbound.server.uri}: registration ${inbound.registration.id} ${inbound.registration.state}`);
    let answeredByGlobex = 0;
    inbound.server.onCall((call: InboundCall) => {
      detail(`Globex's PBX: call from ${call.from} to ${call.to}, ringing, answering, echoing the audio back`);
      call.alerting();
      setTimeout(() => {
        if (call.answer()) answeredByGlobex++;
      }, 300);
      call.onFrame((frame) => call.sendFrame(frame.payload));
    });
    step("Acme calls Globex (+14155550123), on-net: the edge places the call at Globex's consumer TG");
    results.push(await echoCall(acme.client, acme.tg, handler, '+14155550123', 'Globex (on-net)'));
    detail(`Globex answered ${answeredByGlobex} call(s)`);
    await inbound.close({ unregister: true });

    step('call detail records');
    const tenantIdOf = async (name: string) =>
      (
        await admin<{ items: { id: string; externalRef: string }[] }>(
          'GET',
          `/v1/tenants?name=${encodeURIComponent(name)}`,
        )
      ).items[0].id;
    const countCdrs = async (tenantId: string, atLeast: number) =>
      retry(async () => {
        const page = await admin<{ items: unknown[] }>('GET', `/v1/cdrs?tenantId=${tenantId}&limit=200`);
        if (page.items.length < atLeast) throw new Error('not yet');
        return page.items.length;
      }, 50);
    const cdrs = await countCdrs(await tenantIdOf('Acme (demo)'), results.length);
    const globexCdrs = await countCdrs(await tenantIdOf('Globex (demo)'), 1);
    detail(`${cdrs} CDRs stored for Acme, ${globexCdrs} for Globex (its inbound leg)`);

    step('summary');
    const rows = [
      ['onboarding Acme', `${acme.ms.toFixed(0)} ms`, '', '', '', ''],
      ['onboarding Globex', `${clients['demo-globex'].ms.toFixed(0)} ms`, '', '', '', ''],
      ...results.map((r) => [
        r.call,
        `${r.setupMs.toFixed(0)} ms setup`,
        `${r.sent} sent`,
        `${r.received} received`,
        `${r.lossPct.toFixed(1)}% loss`,
        r.rttP50Ms === null ? r.note : `RTT p50 ${r.rttP50Ms.toFixed(1)} ms`,
      ]),
      ['CDRs recorded (Acme)', String(cdrs), '', '', '', ''],
      ['CDRs recorded (Globex)', String(globexCdrs), '', '', '', ''],
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const row of rows)
      detail(
        row
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      );
    for (const { client } of Object.values(clients)) await client.close();
    await http.close();
  } finally {
    if (keep && started.length) detail(`\nleaving ${started.map((s) => s.name).join(' and ')} running (--keep)`);
    else await stopAll(started);
  }
});

function readCa(file: string): string {
  return readFileSync(file, 'utf8');
}

async function retry<T>(fn: () => Promise<T>, attempts = 40): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function answered(call: RiptCall): Promise<string> {
  for await (const event of call.events()) {
    if (event.type === 'answered') return 'answered';
    if (event.type === 'declined' || event.type === 'failed' || event.type === 'end') return event.type;
  }
  return 'closed';
}

/** A localhost certificate for Globex's consumer TG, from the local CA the services trust outside production. */
async function localhostCertificate(dataDir: string) {
  const ca = {
    cert: new X509Certificate(readFileSync(join(dataDir, 'ca.pem'), 'utf8')),
    privateKey: await importPrivateKeyPem(readFileSync(join(dataDir, 'ca-key.pem'), 'utf8')),
  };
  return issueServerCertificate(ca, { dns: ['localhost'], ip: ['127.0.0.1'] });
}

async function echoCall(
  client: RiptTrunkClient,
  tg: TgDescriptionDoc,
  handler: string,
  destination = '+15550100001',
  label = 'echo line',
): Promise<CallResult> {
  const call = await client.placeCall(tg, { handler, destination, from: '+14085550100' });
  const outcome = await answered(call);
  await call.openMedia();
  let received = 0;
  call.onFrame(() => received++);
  const tone = new ToneGenerator({ frequency: 440 });
  const directive = call.clientDirectives[0];
  const start = performance.now();
  for (let i = 0; i < 100; i++) {
    call.sendFrame(directive, encodeUlaw(tone.next()));
    const next = start + (i + 1) * 20;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  for (let i = 0; i < 50 && received < 100; i++) await new Promise((r) => setTimeout(r, 20));
  await call.end();
  call.close();
  const s = call.stats.snapshot();
  return {
    call: label,
    setupMs: s.setupTimeMs ?? 0,
    sent: s.framesSent,
    received: s.framesReceived,
    lossPct: s.framesSent ? (100 * (s.framesSent - s.framesReceived)) / s.framesSent : 0,
    rttP50Ms: s.rttP50Ms ?? null,
    note: outcome,
  };
}

async function toneCall(client: RiptTrunkClient, tg: TgDescriptionDoc, handler: string): Promise<CallResult> {
  const call = await client.placeCall(tg, { handler, destination: '+15550100002', from: '+14085550101' });
  await answered(call);
  await call.openMedia();
  const pcm: number[] = [];
  call.onFrame((f) => pcm.push(...decodeUlaw(f.payload)));
  await new Promise((r) => setTimeout(r, 1000));
  await call.end();
  call.close();
  const s = call.stats.snapshot();
  const power = detectTone(Int16Array.from(pcm), 8000, 1000);
  return {
    call: 'tone line',
    setupMs: s.setupTimeMs ?? 0,
    sent: s.framesSent,
    received: s.framesReceived,
    lossPct: s.framesLost && s.framesExpected ? (100 * s.framesLost) / s.framesExpected : 0,
    rttP50Ms: null,
    note: `1 kHz power ${(power * 100).toFixed(0)}%`,
  };
}
