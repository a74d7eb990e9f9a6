import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type InboundCall,
  type InboundService,
  RiptTrunkClient,
  saveProfile,
  type TgDescriptionDoc,
} from '@riptrunk/sdk';
import { type CallLogEntry, formatCallLog } from '@riptrunk/sdk/gateway';
import { detail, echoCall, retry, step, type CallResult } from './demo-calls.js';
import { startCommand, type Started } from './processes.js';

/**
 * The telephone-network part of `npm run demo` (issue 12): an interconnect tenant "PSTN (demo)", a SIP⇄RIPT gateway
 * onboarded on it and run as its own process (`riptrunk gateway`), and sipp as the carrier's SIP core. Acme calls a
 * +44 number off-net through the gateway to sipp, which answers and echoes the RTP; then sipp calls a Globex number
 * through the gateway and plays G.711 A-law to Globex's consumer TG. Without sipp it says how to install it.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCENARIOS = join(ROOT, 'test/sip/scenarios');
const SDK_CLI = join(ROOT, 'packages/sdk/dist/cli.js');
const TENANT = { name: 'PSTN (demo)', ref: 'demo-pstn' };
const OFF_NET = '+442071838750';
const PSTN_CALLER = '+442071838799';
const GLOBEX_NUMBER = '+14155550142';

export type Admin = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => Promise<T>;

export interface PstnDemoContext {
  providerUrl: string;
  dataDir: string;
  caFile: string;
  admin: Admin;
  acme: { client: RiptTrunkClient; tg: TgDescriptionDoc; handler: string };
  /** Globex's consumer TG, serving: the PSTN call is delivered there. */
  globex: InboundService;
  /** Leave the gateway and the answering sipp running. */
  keep: boolean;
  /** The gateway and sipp processes go here, for the caller to stop. */
  started: Started[];
}

export interface PstnDemoResult {
  rows: CallResult[];
  /** Calls Acme placed (each leaves an Acme CDR). */
  acmeCalls: number;
  tenantId: string;
}

export function sippInstalled(): boolean {
  return !spawnSync('sipp', ['-v']).error;
}

/** Runs the PSTN part, or returns null (after one line saying how to install it) when sipp is missing. */
export async function pstnDemo(ctx: PstnDemoContext): Promise<PstnDemoResult | null> {
  step('the telephone network: an interconnect tenant, a SIP⇄RIPT gateway, sipp as the carrier core');
  if (!sippInstalled()) {
    detail('sipp is not installed, skipping the PSTN calls: apt-get install -y sip-tester');
    return null;
  }
  const tenantId = await interconnectTenant(ctx.admin);
  const { code } = await ctx.admin<{ code: string }>('POST', `/v1/tenants/${tenantId}/onboarding-codes`, {});
  const profile = await RiptTrunkClient.onboard(ctx.providerUrl, code, {
    caFile: ctx.caFile,
    clientName: 'PSTN gateway (demo)',
  });
  const profileFile = join(ctx.dataDir, 'demo-pstn-gateway.json');
  saveProfile(profileFile, profile);
  detail(`gateway onboarded as ${profile.clientId}; profile ${profileFile}`);
  await removeEarlierRegistrations(profile);

  const corePort = await freeUdpPort();
  const core = startSipp('sipp-core', 'core-answer-echo.xml', [
    '-p',
    String(corePort),
    ...media(await freeRtpPort()),
    '-rtp_echo',
    // with --keep the core goes on answering (for `riptrunk call +44…`); else it exits after the demo's call
    ...(ctx.keep ? [] : ['-m', '1', '-timeout', '60s', '-timeout_error']),
  ]);
  ctx.started.push(core.started);
  detail(`sipp answers as the carrier core on udp:127.0.0.1:${corePort}, echoing RTP (core-answer-echo.xml)`);

  const gateway = await startGateway(ctx, profileFile, corePort);
  ctx.started.push(gateway.started);
  detail(`gateway on udp:127.0.0.1:${gateway.sipPort}, consumer TG ${gateway.consumerTg} for +44*`);

  step(`Acme calls ${OFF_NET}, off-net: edge → gateway → SIP INVITE → sipp, which echoes the G.711 audio`);
  const egress = await echoCall(ctx.acme.client, ctx.acme.tg, ctx.acme.handler, OFF_NET, `PSTN ${OFF_NET} (sipp)`);
  const out = await gateway.entry('egress', OFF_NET);
  detail(`gateway: ${formatCallLog(out)}`);
  if (!ctx.keep) {
    const result = await within(core.exited, 10_000, 'sipp (the core) did not end after the BYE');
    detail(`sipp (core) exited with ${result.code}${result.errors ? `: ${result.errors.trim()}` : ''}`);
  }
  const rows = [{ ...egress, note: `${egress.note}, SIP ${out.sipStatus ?? '-'}` }];

  step(`sipp calls Globex (${GLOBEX_NUMBER}) from ${PSTN_CALLER}: SIP → gateway → edge → Globex's consumer TG`);
  rows.push(await ingressCall(ctx, gateway));
  return { rows, acmeCalls: 1, tenantId };
}

async function interconnectTenant(admin: Admin): Promise<string> {
  const existing = await admin<{ items: { id: string; externalRef: string; kind?: string }[] }>(
    'GET',
    `/v1/tenants?name=${encodeURIComponent(TENANT.name)}&limit=200`,
  );
  const found = existing.items.find((t) => t.externalRef === TENANT.ref);
  if (found) {
    if (found.kind !== 'interconnect') throw new Error(`tenant ${found.id} (${TENANT.name}) is not an interconnect`);
    detail(`${TENANT.name}: interconnect tenant ${found.id} (from an earlier run)`);
    return found.id;
  }
  const tenant = await admin<{ id: string }>('POST', '/v1/tenants', {
    name: TENANT.name,
    externalRef: TENANT.ref,
    kind: 'interconnect',
  });
  await admin('POST', `/v1/tenants/${tenant.id}/trunks`, {
    name: `${TENANT.ref}-gateway`,
    codecs: ['PCMU', 'PCMA'],
    maxConcurrentCalls: 10,
    maxCallsPerSecond: 5,
  });
  detail(`${TENANT.name}: interconnect tenant ${tenant.id} (no numbers), one trunk`);
  return tenant.id;
}

/**
 * Consumer TGs an earlier run left registered (a gateway kept running with --keep, or one killed before it could
 * unregister) would take this run's off-net call: the demo owns this tenant, so it removes them first.
 */
async function removeEarlierRegistrations(profile: Parameters<typeof RiptTrunkClient.fromProfile>[0]): Promise<void> {
  const client = await RiptTrunkClient.fromProfile(profile);
  try {
    const [listed] = await client.providerTgs();
    const tg = await retry(() => client.tgDescription(listed.uri));
    const earlier = await client.consumerTgs(tg.links.consumertgs);
    for (const registration of earlier) await client.deleteConsumerTg(registration.links.self);
    if (earlier.length) {
      detail(
        `removed ${earlier.length} consumer TG registration(s) of an earlier run (a gateway kept with --keep or killed)`,
      );
    }
  } finally {
    await client.close();
  }
}

interface DemoGateway {
  started: Started;
  sipPort: number;
  consumerTg: string;
  /** The gateway's log line of the call to `to`, once it has written it. */
  entry(direction: CallLogEntry['direction'], to: string): Promise<CallLogEntry>;
}

/** `riptrunk gateway --json` as its own process, on free ports, its consumer TG certificate from the local CA. */
async function startGateway(ctx: PstnDemoContext, profileFile: string, corePort: number): Promise<DemoGateway> {
  const sipPort = await freeUdpPort();
  const rtp = await freeRtpPort();
  const log: CallLogEntry[] = [];
  let onStarted: (consumerTg: string) => void = () => undefined;
  const ready = new Promise<string>((resolve) => (onStarted = resolve));
  const started = startCommand(
    'gateway',
    process.execPath,
    [
      '--enable-source-maps',
      SDK_CLI,
      'gateway',
      '--profile',
      profileFile,
      '--sip-listen',
      `udp:127.0.0.1:${sipPort}`,
      '--sip-peer',
      `sip:127.0.0.1:${corePort}`,
      '--rtp-ports',
      `${rtp}-${rtp + 19}`,
      '--egress',
      '+44*',
      '--ca-key',
      join(ctx.dataDir, 'ca-key.pem'),
      '--cacert',
      ctx.caFile,
      '--json',
    ],
    {
      onLine: (line) => {
        let event: { event?: string; consumerTg?: string | null };
        try {
          event = JSON.parse(line) as typeof event;
        } catch {
          process.stdout.write(`[gateway] ${line}\n`);
          return;
        }
        if (event.event === 'started') onStarted(event.consumerTg ?? '');
        if (event.event === 'call') log.push(event as unknown as CallLogEntry);
      },
    },
  );
  const exited = new Promise<never>((_, reject) =>
    started.child.once('exit', (code) => reject(new Error(`the gateway exited with code ${code}`))),
  );
  exited.catch(() => undefined);
  const consumerTg = await within(Promise.race([ready, exited]), 30_000, 'the gateway did not start within 30 s');
  return {
    started,
    sipPort,
    consumerTg,
    entry: async (direction, to) => {
      for (let i = 0; i < 50; i++) {
        const found = log.find((e) => e.direction === direction && e.to === to);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the gateway logged no ${direction} call to ${to}`);
    },
  };
}

/** sipp calls a Globex number through the gateway and plays g711a.pcap; Globex answers, listens, hangs up. */
async function ingressCall(ctx: PstnDemoContext, gateway: DemoGateway): Promise<CallResult> {
  let callee: InboundCall | undefined;
  let frames = 0;
  let lastFrame = 0;
  ctx.globex.server.onCall((call) => {
    callee = call;
    detail(`Globex's PBX: call from ${call.from} to ${call.to} (${call.verstat ?? 'no verstat'}), answering`);
    call.onFrame(() => {
      frames++;
      lastFrame = performance.now();
    });
    call.alerting();
    call.answer();
  });
  const caller = startSipp('sipp-caller', 'core-call.xml', [
    '-p',
    String(await freeUdpPort()),
    ...media(await freeRtpPort()),
    '-s',
    GLOBEX_NUMBER,
    '-key',
    'caller',
    PSTN_CALLER,
    '-m',
    '1',
    '-timeout',
    '60s',
    '-timeout_error',
    `127.0.0.1:${gateway.sipPort}`,
  ]);
  ctx.started.push(caller.started);
  // sipp plays the whole recording (about 6 s of A-law); Globex hangs up once it has stopped arriving
  const deadline = performance.now() + 20_000;
  while (performance.now() < deadline && !(frames > 0 && performance.now() - lastFrame > 600)) {
    if (caller.started.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!callee) {
    const result = await within(caller.exited, 5000, 'sipp (the caller) did not exit');
    throw new Error(`sipp's call did not reach Globex (sipp exit ${result.code}): ${result.errors.trim()}`);
  }
  detail(`Globex received ${frames} frames (${callee.clientDirectives[0]?.codec ?? '?'}) and hangs up`);
  callee.end();
  const result = await within(caller.exited, 10_000, 'sipp (the caller) did not end after the BYE');
  detail(`sipp (caller) exited with ${result.code}${result.errors ? `: ${result.errors.trim()}` : ''}`);
  const entry = await gateway.entry('ingress', GLOBEX_NUMBER);
  detail(`gateway: ${formatCallLog(entry)}`);
  return {
    call: `PSTN (sipp) → Globex ${GLOBEX_NUMBER}`,
    setupMs: entry.setupMs ?? 0,
    sent: entry.rtpIn,
    received: frames,
    lossPct: entry.rtpIn ? (100 * Math.max(0, entry.rtpIn - frames)) / entry.rtpIn : 0,
    rttP50Ms: null,
    note: `${entry.outcome}, SIP ${entry.sipStatus ?? '-'}, sipp exit ${result.code}`,
  };
}

const media = (port: number) => ['-mp', String(port), '-mi', '127.0.0.1'];

interface Sipp {
  started: Started;
  /** sipp's exit code (0: its calls succeeded) and its error log (with its stderr when it failed). */
  exited: Promise<{ code: number | null; errors: string }>;
}

/** sipp on 127.0.0.1 over UDP with a scenario of test/sip/scenarios; its screen output is dropped. */
function startSipp(name: string, scenario: string, args: string[]): Sipp {
  const dir = mkdtempSync(join(tmpdir(), 'riptrunk-demo-sipp-'));
  let stderr = '';
  const started = startCommand(
    name,
    'sipp',
    [
      '-sf',
      join(SCENARIOS, scenario),
      '-i',
      '127.0.0.1',
      '-t',
      'u1',
      '-nostdin',
      '-trace_err',
      '-error_file',
      join(dir, 'errors.log'),
      ...args,
    ],
    { cwd: dir, onLine: () => undefined, onErrorLine: (line) => (stderr += `${line}\n`) },
  );
  const exited = new Promise<{ code: number | null; errors: string }>((resolve) =>
    started.child.once('exit', (code) => {
      let errors = code === 0 ? '' : stderr; // sipp writes notes on stderr too (the pcap it read, …)
      for (const f of readdirSync(dir)) if (f.endsWith('.log')) errors += readFileSync(join(dir, f), 'utf8');
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, errors });
    }),
  );
  return { started, exited };
}

function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A UDP port free right now (sipp and the gateway take fixed ports). */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** An even free UDP port below 65516 (RTP, RTCP above it; the gateway takes a range of 20 from it). */
async function freeRtpPort(): Promise<number> {
  for (;;) {
    const port = await freeUdpPort();
    if (port % 2 === 0 && port < 65516) return port;
  }
}
