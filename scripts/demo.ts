import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { X509Certificate } from '@peculiar/x509';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { RiptTrunkClient } from '@riptrunk/sdk';
import type { InboundCall, InboundService, TgDescriptionDoc } from '@riptrunk/sdk';
import { operatorToken } from '../src/common/auth/operator-token.verifier.js';
import { importPrivateKeyPem, issueServerCertificate } from '@riptrunk/ript';
import { loadConfig, runMain } from '../src/common/bootstrap.js';
import { detail, echoCall, retry, step, toneCall, type CallResult } from './demo-calls.js';
import { pstnDemo } from './demo-pstn.js';
import { startProcess, stopAll, waitReady, type Started } from './processes.js';

/**
 * `npm run demo`: the whole story on one machine. Starts the control plane and an edge unless they are running,
 * sets up two enterprises as a carrier would, onboards both with the SDK, has Globex serve its consumer TG, and has
 * Acme call the provider's test lines and then Globex (on-net) with real G.711 audio; then, when sipp is installed,
 * reaches the telephone network through a SIP gateway (scripts/demo-pstn.ts). `--keep` leaves what it started running.
 */
runMain('demo', async () => {
  const keep = process.argv.includes('--keep');
  const config = loadConfig();
  const caFile = join(config.dataDir, 'ca.pem');
  const started: Started[] = [];
  const startedForPstn: Started[] = [];
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
    const pstn = await pstnDemo({
      providerUrl: config.publicUrl,
      dataDir: config.dataDir,
      caFile,
      admin,
      acme: { client: acme.client, tg: acme.tg, handler },
      globex: inbound,
      keep,
      started: startedForPstn,
    });
    if (pstn) results.push(...pstn.rows);
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
    const cdrs = await countCdrs(await tenantIdOf('Acme (demo)'), 3 + (pstn?.acmeCalls ?? 0));
    const globexCdrs = await countCdrs(await tenantIdOf('Globex (demo)'), pstn ? 2 : 1);
    const pstnCdrs = pstn ? await countCdrs(pstn.tenantId, 1) : null;
    detail(
      `${cdrs} CDRs stored for Acme, ${globexCdrs} for Globex (its inbound legs)` +
        (pstnCdrs === null ? '' : `, ${pstnCdrs} for PSTN (the gateway's legs)`),
    );

    step('summary');
    const rows = [
      ['onboarding Acme', `${acme.ms.toFixed(0)} ms`, '', '', '', '', ''],
      ['onboarding Globex', `${clients['demo-globex'].ms.toFixed(0)} ms`, '', '', '', '', ''],
      ...results.map((r) => [
        r.call,
        `${r.setupMs.toFixed(0)} ms setup`,
        `${r.sent} sent`,
        `${r.received} received`,
        `${r.lossPct.toFixed(1)}% loss`,
        r.rttP50Ms === null ? '' : `RTT p50 ${r.rttP50Ms.toFixed(1)} ms`,
        r.note,
      ]),
      ['CDRs recorded (Acme)', String(cdrs), '', '', '', '', ''],
      ['CDRs recorded (Globex)', String(globexCdrs), '', '', '', '', ''],
      ...(pstnCdrs === null ? [] : [['CDRs recorded (PSTN)', String(pstnCdrs), '', '', '', '', '']]),
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
    const running = [...started, ...startedForPstn].filter((s) => s.child.exitCode === null);
    if (keep && running.length) detail(`\nleaving ${running.map((s) => s.name).join(', ')} running (--keep)`);
    else {
      await stopAll(startedForPstn); // the gateway unregisters its consumer TG: the control plane goes after it
      await stopAll(started);
    }
  }
});

function readCa(file: string): string {
  return readFileSync(file, 'utf8');
}

/** A localhost certificate for Globex's consumer TG, from the local CA the services trust outside production. */
async function localhostCertificate(dataDir: string) {
  const ca = {
    cert: new X509Certificate(readFileSync(join(dataDir, 'ca.pem'), 'utf8')),
    privateKey: await importPrivateKeyPem(readFileSync(join(dataDir, 'ca-key.pem'), 'utf8')),
  };
  return issueServerCertificate(ca, { dns: ['localhost'], ip: ['127.0.0.1'] });
}
