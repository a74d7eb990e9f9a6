/**
 * The `sip` scenario (issue 12): the SIP⇄RIPT gateway (`riptrunk gateway`, packages/sdk/dist/cli.js) in production
 * processes, with sipp as the SIP side.
 * (1) Call setups/s: sipp UAC → gateway A (interconnect tenant, ingress) → edge → on-net to an enterprise tenant
 *     whose consumer TG is gateway B (onboarded on that tenant, in front of its "PBX": --pbx) → sipp UAS; the rate (-r)
 *     stepped up; the same-run baseline is sipp UAC → sipp UAS direct at the same rates.
 * (2) Concurrent calls with 20 ms media both ways through gateway B: SDK clients in forked workers (bench/lib/
 *     calls-worker.ts) call the enterprise number, gateway B carries each call as SIP + RTP to sipp, which echoes the
 *     RTP (-rtp_echo); every frame carries its send time, so the worker measures the round trip. The baseline is the
 *     same workers calling the edge's echo test line with the same count of calls; added delay = gateway path −
 *     baseline. Gateway CPU per packet from /proc/<pid>/stat; loss from the worker's frames and from the gateway's own
 *     RTP counters (its call log: RTP sent to and received from sipp per call).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { RiptTrunkClient, type TgDescriptionDoc } from '@riptrunk/sdk';
import {
  DISTURBED_PERCENT,
  measureMedia,
  round1,
  round2,
  stopMedia,
  type MediaRun,
  type Processes,
} from '../lib/calls-harness.js';
import { LoadWorker, type WorkerEnterprise } from '../lib/calls-load.js';
import { formatNumber, lineChart, panels } from '../lib/chart.js';
import { registerCleanup } from '../lib/cleanup.js';
import { loadTlsMaterial } from '../../src/common/tls/tls-material.js';
import { BENCH_DATA_DIR, startBenchControlPlane, type BenchControlPlane } from '../lib/control-plane.js';
import { machineBusyCpuSeconds, processCpuSeconds, startCpuMeter, type CpuReading } from '../lib/cpu.js';
import { startBenchEdge, type BenchEdge } from '../lib/edge.js';
import { adminPost } from '../lib/enterprise.js';
import { envNumbers, pick, QUICK } from '../lib/knobs.js';
import { repoPath } from '../lib/paths.js';
import { childEnv } from '../lib/process.js';
import { LatencyRecorder, type LatencySummary } from '../lib/stats.js';
import { table, type ResultFile, type Scenario, type ScenarioOutput, type ScenarioReport } from '../lib/scenario.js';

const run = promisify(execFile);

/** The task's port range, 45000-45999: control ports low, RTP pairs of the two gateways above. */
const PORTS = {
  controlPlane: 45000,
  edge: 45001,
  consumerTgB: 45002,
  gatewayA: 45010,
  gatewayB: 45011,
  uas: 45020,
  uasMedia: 45022,
  uac: 45030,
  uacMedia: 45032,
  /**
   * Each gateway has a range of its own (sharing one made setups fail on pairs the other held): gateway A's 450
   * pairs serve the setup steps only; the media part runs through gateway B alone, so up to 950 calls there. Above
   * 46001, the internal ports of the control plane and edge (1000 above theirs). BENCH_SIP_RTP_PORTS_A/_B override.
   */
  rtpA: process.env.BENCH_SIP_RTP_PORTS_A ?? '45100-45999',
  rtpB: process.env.BENCH_SIP_RTP_PORTS_B ?? '46100-47999',
};
const EDGE_URL = `https://localhost:${PORTS.edge}`;
const CLI = repoPath('packages', 'sdk', 'dist', 'cli.js');
const UAC_SCENARIO = repoPath('test', 'sip', 'scenarios', 'core-call-hangup.xml');
const UAS_SCENARIO = repoPath('test', 'sip', 'scenarios', 'core-answer-echo.xml');

const TRUNK = { maxConcurrentCalls: 100_000, maxCallsPerSecond: 10_000 };
const ENTERPRISE_RANGE = { start: '+14085554000', count: 100, pattern: '+14085554000-+14085554099' };
const CALLER_RANGE = { start: 14085553000, count: 100 };

const PARAMETERS = {
  ports: PORTS,
  trunk: TRUNK,
  setups: {
    /** sipp -r, stepped up until the gateway path passes maxFailureRate. BENCH_SIP_RATES=50,100. */
    rates: envNumbers('BENCH_SIP_RATES', pick([50, 100, 200, 300, 400, 600], [50, 150])),
    /** Calls per step = rate × this. */
    durationSeconds: pick(10, 3),
    /** Hold time after the ACK before the UAC's BYE (sipp -d). BENCH_SIP_HOLD_MS=0. */
    holdMs: Number(process.env.BENCH_SIP_HOLD_MS ?? 1000),
    /** A call without its final answer within this long fails (sipp -recv_timeout). */
    recvTimeoutMs: 8000,
    maxFailureRate: 0.01,
    targetSetupsPerSecond: 300,
    destination: '+14085554001',
    caller: '+442071838700',
    cycle:
      'sipp UAC INVITE (PCMU/PCMA offer) → 100/180/200 → ACK → BYE → 200; setup latency INVITE to 200 (sipp rtd, -trace_rtt)',
  },
  media: {
    /** Concurrent calls, stepped up. BENCH_SIP_CALLS=50,100. */
    calls: envNumbers('BENCH_SIP_CALLS', pick([50, 100, 250, 500], [20, 50])),
    warmupSeconds: pick(2, 1),
    durationSeconds: pick(6, 2),
    workers: 2,
    callsPerSession: 50,
    setupConcurrency: 16,
    frameMs: 20,
    payloadBytes: 160,
    lossAfterMs: 1000,
    destination: '+14085554001',
    echoLine: '+15550100001',
    handler: { id: 'bench-sip-caller', advertisement: '1 in: PCMU; 1 out: PCMU;' },
    maxLossRate: 0.001,
    maxAddedP99Ms: 5,
    targetCalls: 500,
  },
  quick: QUICK,
};

// ------------------------------------------------------------------ processes

interface GatewayProcess {
  name: string;
  pid: number;
  /** Call log entries (`--json`) since the last `take()`. */
  take(): GatewayLogEntry[];
  stop(): Promise<void>;
}

interface GatewayLogEntry {
  event: string;
  direction?: string;
  outcome?: string;
  sipStatus?: number | null;
  reason?: string | null;
  rtpIn?: number;
  rtpOut?: number;
}

/** `riptrunk gateway ... --json` until SIGTERM; resolves once it printed its `started` line. */
async function startGateway(name: string, args: string[]): Promise<GatewayProcess> {
  // BENCH_SIP_GATEWAY_PROFILE=<dir>: each gateway runs under node --cpu-prof (for finding costs, not figures).
  const profileDir = process.env.BENCH_SIP_GATEWAY_PROFILE;
  const nodeArgs = profileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, CLI, 'gateway', ...args, '--json'], {
    env: childEnv({ NODE_ENV: 'production' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let entries: GatewayLogEntry[] = [];
  let buffered = '';
  let stderr = '';
  let started: (() => void) | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    for (const line of d.toString().split('\n')) if (line) process.stderr.write(`[${name}] ${line}\n`);
  });
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (!line) continue;
      let entry: GatewayLogEntry;
      try {
        entry = JSON.parse(line) as GatewayLogEntry;
      } catch {
        process.stdout.write(`[${name}] ${line}\n`);
        continue;
      }
      if (entry.event === 'started') started?.();
      else if (entry.event === 'call') entries.push(entry);
    }
  });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      unregister();
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    })());
  const unregister = registerCleanup(stop);
  const ready = new Promise<void>((resolve) => (started = resolve));
  const outcome = await Promise.race([
    ready.then(() => 'started' as const),
    exited.then((code) => `exited (${code})`),
    sleep(60_000).then(() => 'no `started` line within 60 s'),
  ]);
  if (outcome !== 'started') {
    await stop();
    throw new Error(`gateway ${name}: ${outcome}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
  }
  return {
    name,
    pid: child.pid!,
    take: () => {
      const out = entries;
      entries = [];
      return out;
    },
    stop,
  };
}

interface SippRun {
  code: number | null;
  successful: number;
  failed: number;
  outgoing: number;
  /** Setup (INVITE to 200) of each successful call, ms, and when it was measured (ms since sipp started). */
  rtts: { atMs: number; ms: number }[];
  stderr: string;
}

function sippArgs(scenario: string, port: number, mediaPort: number, extra: string[]): string[] {
  return ['-sf', scenario, '-i', '127.0.0.1', '-p', String(port), '-mp', String(mediaPort), '-mi', '127.0.0.1'].concat(
    ['-t', 'u1', '-nostdin'],
    extra,
  );
}

/** sipp's UAS (answers, echoes RTP, waits for BYE) in the background for the whole scenario. */
function startUas(): { pid: number; stop: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'riptrunk-bench-sipp-uas-'));
  // -aa: sipp answers the OPTIONS gateway B (PBX placement) sends at start-up, as a PBX would
  const child = spawn('sipp', sippArgs(UAS_SCENARIO, PORTS.uas, PORTS.uasMedia, ['-rtp_echo', '-aa']), {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (err) => process.stderr.write(`bench: sipp UAS: ${err.message}\n`));
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      unregister();
      if (child.exitCode === null) child.kill('SIGUSR1');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    })());
  const unregister = registerCleanup(stop);
  return { pid: child.pid!, stop };
}

/** One sipp UAC run: `calls` calls at `rate`/s to `remote`, then its statistics and per-call setup times. */
async function runUac(remote: number, rate: number, calls: number): Promise<SippRun> {
  const s = PARAMETERS.setups;
  const dir = mkdtempSync(join(tmpdir(), 'riptrunk-bench-sipp-uac-'));
  try {
    const args = sippArgs(UAC_SCENARIO, PORTS.uac, PORTS.uacMedia, [
      '-s',
      s.destination,
      '-key',
      'caller',
      s.caller,
      '-r',
      String(rate),
      '-m',
      String(calls),
      '-d',
      String(s.holdMs),
      '-recv_timeout',
      String(s.recvTimeoutMs),
      '-timeout',
      `${Math.ceil(calls / rate) + 30}s`,
      '-trace_stat',
      '-stf',
      join(dir, 'stat.csv'),
      '-fd',
      '1',
      '-trace_rtt',
      '-rtt_freq',
      '1',
      `127.0.0.1:${remote}`,
    ]);
    const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c) => resolve(c));
    });
    const stat = readFileSync(join(dir, 'stat.csv'), 'utf8').trim().split('\n');
    const header = stat[0].split(';');
    const last = stat[stat.length - 1].split(';');
    const col = (name: string) => Number(last[header.indexOf(name)]);
    const rttFile = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'));
    const rtts = rttFile
      ? readFileSync(join(dir, rttFile), 'utf8')
          .trim()
          .split('\n')
          .slice(1)
          .map((line) => line.split(';').map(Number))
          .filter((f) => f.length >= 2 && Number.isFinite(f[1]))
          .map(([atMs, ms]) => ({ atMs, ms }))
      : [];
    return {
      code,
      successful: col('SuccessfulCall(C)'),
      failed: col('FailedCall(C)'),
      outgoing: col('OutgoingCall(C)'),
      rtts,
      stderr: stderr.trim(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ setup

async function onboardCli(cp: BenchControlPlane, tenantId: string, file: string): Promise<void> {
  const { code } = await adminPost(cp, `/v1/tenants/${tenantId}/onboarding-codes`, {});
  await run(process.execPath, [CLI, 'onboard', cp.url, code, '--profile', file, '--cacert', cp.caFile, '--json'], {
    env: childEnv({ NODE_ENV: 'production' }),
  });
}

/** The workers' caller: an enterprise with its own range, a trunk at high limits and a PCMU handler. */
async function callerEnterprise(cp: BenchControlPlane): Promise<{ tenant: string; enterprise: WorkerEnterprise }> {
  const tenant = await adminPost(cp, '/v1/tenants', { name: 'Bench SIP caller' });
  await adminPost(cp, `/v1/tenants/${tenant.id}/number-ranges`, {
    start: `+${CALLER_RANGE.start}`,
    count: CALLER_RANGE.count,
  });
  await adminPost(cp, `/v1/tenants/${tenant.id}/trunks`, { name: 'bench-sip-caller', ...TRUNK, codecs: ['PCMU'] });
  const { code } = await adminPost(cp, `/v1/tenants/${tenant.id}/onboarding-codes`, {});
  const profile = await RiptTrunkClient.onboard(cp.url, code, { caFile: cp.caFile, clientName: 'bench sip caller' });
  const client = await RiptTrunkClient.fromProfile(profile);
  try {
    const tg = await tgOf(client);
    const h = PARAMETERS.media.handler;
    const handler = (await client.registerHandler(tg, h.id, h.advertisement)).uri;
    const from = Array.from({ length: CALLER_RANGE.count }, (_, k) => `+${CALLER_RANGE.start + k}`);
    return { tenant: tenant.id, enterprise: { profile, tg, handler, from } };
  } finally {
    await client.close();
  }
}

/** The client's provider TG, once the edge serves it. */
async function tgOf(client: RiptTrunkClient): Promise<TgDescriptionDoc> {
  const [listed] = await client.providerTgs();
  if (!listed) throw new Error('the tenant lists no TG');
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.tgDescription(listed.uri);
    } catch (err) {
      if (attempt > 100) throw err;
      await sleep(100);
    }
  }
}

// ------------------------------------------------------------------ (1) setups

interface SetupStep {
  path: 'gateway' | 'baseline';
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  /** Calls sipp did not finish either way (counted as failures). */
  unfinished: number;
  failureRate: number;
  /** Successful setups over the span from the first INVITE to the last 200. */
  setupsPerSecond: number;
  setupLatencyMs: LatencySummary;
  cpu: Record<string, CpuReading | null>;
  restOfMachine: number | null;
  /** CPU µs per successful call of each gateway. */
  gatewayCpuMicrosPerCall: Record<string, number | null>;
  gatewayOutcomes: Record<string, number>;
  sippExit: number | null;
  sippError: string | null;
}

async function measureSetupStep(
  path: SetupStep['path'],
  rate: number,
  pids: Record<string, number>,
  gateways: GatewayProcess[],
): Promise<SetupStep> {
  const s = PARAMETERS.setups;
  const calls = Math.max(1, Math.round(rate * s.durationSeconds));
  for (const g of gateways) g.take();
  const meters = await Promise.all(Object.values(pids).map((pid) => startCpuMeter(() => processCpuSeconds(pid))));
  const machine = await startCpuMeter(machineBusyCpuSeconds);
  const r = await runUac(path === 'gateway' ? PORTS.gatewayA : PORTS.uas, rate, calls);
  const readings = await Promise.all(meters.map((stop) => stop()));
  const machineReading = await machine();
  const cpu: Record<string, CpuReading | null> = {};
  Object.keys(pids).forEach((name, i) => (cpu[name] = readings[i]));
  const ours = readings.reduce((n, x) => n + (x?.cpuSeconds ?? 0), 0);
  await sleep(500); // the last calls' log lines
  const gatewayOutcomes: Record<string, number> = {};
  for (const g of gateways)
    for (const e of g.take()) {
      const why = e.outcome === 'ended' || !e.reason ? '' : ` (${e.reason.slice(0, 240)})`;
      const key = `${g.name} ${e.direction} ${e.outcome}${e.sipStatus ? ` ${e.sipStatus}` : ''}${why}`;
      gatewayOutcomes[key] = (gatewayOutcomes[key] ?? 0) + 1;
    }
  const latency = new LatencyRecorder();
  for (const x of r.rtts) latency.record(x.ms);
  // sipp's first INVITE goes at its start (time 0 of -trace_rtt): the span runs from it to the last 200
  const span = r.rtts.length ? Math.max(...r.rtts.map((x) => x.atMs)) / 1000 : 0;
  const unfinished = Math.max(0, calls - r.successful - r.failed);
  const perCall = (name: string) =>
    cpu[name] && r.successful ? Math.round((cpu[name].cpuSeconds * 1e6) / r.successful) : null;
  return {
    path,
    rate,
    calls,
    successful: r.successful,
    failed: r.failed,
    unfinished,
    failureRate: (r.failed + unfinished) / calls,
    setupsPerSecond: span > 0 ? round1(r.rtts.length / span) : 0,
    setupLatencyMs: latency.summary(),
    cpu,
    restOfMachine: machineReading
      ? round1(((machineReading.cpuSeconds - ours) / machineReading.elapsedSeconds) * 100)
      : null,
    gatewayCpuMicrosPerCall: path === 'gateway' ? { gatewayA: perCall('gatewayA'), gatewayB: perCall('gatewayB') } : {},
    gatewayOutcomes,
    sippExit: r.code,
    sippError: r.code !== 0 && r.code !== 1 ? r.stderr.split('\n').slice(-2).join(' / ') : null,
  };
}

function setupStepLine(x: SetupStep): string {
  const pct = (name: string) => (x.cpu[name] ? `${x.cpu[name].percentOfOneCore}%` : 'n/a');
  return (
    `${x.path === 'gateway' ? 'sipp→gw A→edge→gw B→sipp' : 'sipp→sipp direct (baseline)'} at -r ${x.rate}: ` +
    `${x.setupsPerSecond} setups/s, ${x.failed + x.unfinished} failed of ${x.calls} ` +
    `(${(x.failureRate * 100).toFixed(2)}%), setup p50 ${x.setupLatencyMs.p50} ms, p99 ${x.setupLatencyMs.p99} ms; ` +
    (x.path === 'gateway'
      ? `CPU gw A ${pct('gatewayA')} (${x.gatewayCpuMicrosPerCall.gatewayA} µs/call), gw B ${pct('gatewayB')} ` +
        `(${x.gatewayCpuMicrosPerCall.gatewayB} µs/call), edge ${pct('edge')}, control plane ${pct('controlPlane')}, `
      : '') +
    `sipp UAS ${pct('uas')}, rest ${x.restOfMachine ?? 'n/a'}%` +
    (x.failed + x.unfinished && Object.keys(x.gatewayOutcomes).length
      ? `; gateway outcomes ${JSON.stringify(x.gatewayOutcomes)}`
      : '') +
    (x.sippError ? `; sipp: ${x.sippError}` : '')
  );
}

// ------------------------------------------------------------------ (2) media

interface MediaStep {
  calls: number;
  gateway: MediaRun;
  baseline: MediaRun | null;
  /** Gateway path minus the bare echo at the same count of calls. */
  addedDelayMs: { p50: number; p99: number } | null;
  /** Gateway B's CPU per echoed frame (1 RIPT frame in → RTP out, RTP in → RIPT frame out), and per RTP packet. */
  gatewayCpuMicrosPerFrame: number | null;
  gatewayCpuMicrosPerRtpPacket: number | null;
  gatewayCpuPercent: number | null;
  /** Gateway B's own counters for the calls of the step, summed from its call log once they ended. */
  gatewayRtp: { calls: number; rtpOut: number; rtpIn: number } | null;
  pass: boolean;
  failedBecause: string[];
}

function mediaStepLine(x: MediaStep): string {
  const g = x.gateway;
  const b = x.baseline;
  const f = (n: number) => n.toFixed(2);
  return (
    `${x.calls} calls with 20 ms media both ways through gw B (${g.callsUp} up): ${g.framesSentPerSecond} frames/s ` +
    `each way, round trip p50 ${f(g.latencyMs.p50)} ms, p99 ${f(g.latencyMs.p99)} ms, loss ` +
    `${(g.lossRate * 100).toFixed(3)}%; bare RIPT echo (${b?.callsUp ?? 0} up): p50 ${b ? f(b.latencyMs.p50) : 'n/a'} ms, ` +
    `p99 ${b ? f(b.latencyMs.p99) : 'n/a'} ms, loss ${b ? (b.lossRate * 100).toFixed(3) : 'n/a'}%; added delay ` +
    `${x.addedDelayMs ? `p50 ${f(x.addedDelayMs.p50)} ms, p99 ${f(x.addedDelayMs.p99)} ms` : 'n/a'}; gw B CPU ` +
    `${x.gatewayCpuPercent ?? 'n/a'}% of a core (${x.gatewayCpuMicrosPerFrame} µs/echoed frame, ` +
    `${x.gatewayCpuMicrosPerRtpPacket} µs/RTP packet), edge ${g.cpu.processes.edge?.percentOfOneCore ?? 'n/a'}%, ` +
    `generator ${g.cpu.generator}%, sipp ${g.cpu.processes.uas?.percentOfOneCore ?? 'n/a'}%, rest ` +
    `${g.cpu.restOfMachine ?? 'n/a'}%` +
    (x.gatewayRtp
      ? `; gw B RTP counters: ${x.gatewayRtp.rtpOut} sent to sipp, ${x.gatewayRtp.rtpIn} back over ${x.gatewayRtp.calls} calls`
      : '') +
    (x.pass ? ' -> pass' : ` -> FAIL: ${x.failedBecause.join(', ')}`)
  );
}

// ------------------------------------------------------------------ the scenario

interface SipResults {
  setups: SetupStep[];
  bestGateway: SetupStep | null;
  bestBaseline: SetupStep | null;
  firstFailing: { rate: number; failureRate: number } | null;
  /** Best gateway setups/s over the best baseline setups/s. */
  ratioToBaseline: number | null;
  setupPass: boolean;
  /** Gateway call log entries that came in the 6 s after the last setup step. */
  lateOutcomes: Record<string, number>;
  /** Gateway B egress legs of the setup steps that ended by its media timeout instead of the edge's `end`. */
  gatewayBMediaTimeouts: number;
  media: MediaStep[];
  mediaBest: { calls: number; addedP99Ms: number | null; lossRate: number } | null;
  mediaPass: boolean;
  disturbedWindows: { what: string; restOfMachine: number | null }[];
}

export const sipScenario: Scenario = {
  name: 'sip',
  description:
    'the SIP⇄RIPT gateway (riptrunk gateway) with sipp: call setups/s sipp→gateway A→edge→gateway B→sipp against ' +
    'sipp→sipp direct, and concurrent calls with 20 ms media through gateway B (sipp echoing RTP) against the bare ' +
    'RIPT echo line',
  async run(): Promise<ScenarioOutput> {
    // Gateway B's consumer TG has a certificate of the bench's CA, which the control plane (production mode) must
    // trust when it verifies the TG: the CA is made first (as the control plane itself would) and passed on.
    await loadTlsMaterial({ dataDir: BENCH_DATA_DIR });
    const cp = await startBenchControlPlane({
      database: 'riptrunk_bench_sip',
      port: PORTS.controlPlane,
      env: {
        EDGE_PORT: String(PORTS.edge),
        RIPTRUNK_EDGE_PUBLIC_URL: EDGE_URL,
        RIPTRUNK_OAUTH_RATE_LIMIT: '1000000',
        RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true',
        RIPTRUNK_EXTRA_CA_FILE: join(BENCH_DATA_DIR, 'ca.pem'),
      },
    });
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    const profiles = mkdtempSync(join(tmpdir(), 'riptrunk-bench-sip-'));
    const gateways: GatewayProcess[] = [];
    let edge: BenchEdge | undefined;
    let uas: { pid: number; stop: () => Promise<void> } | undefined;
    let workers: LoadWorker[] = [];
    try {
      edge = await startBenchEdge(cp, { port: PORTS.edge, env: { RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true' } });
      const setupStarted = performance.now();
      // The carrier: an interconnect tenant whose gateway A takes the SIP core's calls (ingress only).
      const ic = await adminPost(cp, '/v1/tenants', { name: 'Bench SIP carrier', kind: 'interconnect' });
      await adminPost(cp, `/v1/tenants/${ic.id}/trunks`, { name: 'bench-sip-carrier', ...TRUNK });
      // The enterprise: its number range, its trunk, gateway B as its consumer TG for that range.
      const ent = await adminPost(cp, '/v1/tenants', { name: 'Bench SIP enterprise' });
      await adminPost(cp, `/v1/tenants/${ent.id}/number-ranges`, {
        start: ENTERPRISE_RANGE.start,
        count: ENTERPRISE_RANGE.count,
      });
      await adminPost(cp, `/v1/tenants/${ent.id}/trunks`, { name: 'bench-sip-enterprise', ...TRUNK });
      mkdirSync(profiles, { recursive: true });
      await onboardCli(cp, ic.id, join(profiles, 'carrier.json'));
      await onboardCli(cp, ent.id, join(profiles, 'enterprise.json'));
      uas = startUas();
      const common = ['--cacert', cp.caFile];
      gateways.push(
        await startGateway('gatewayB', [
          '--profile',
          join(profiles, 'enterprise.json'),
          '--sip-listen',
          `udp:127.0.0.1:${PORTS.gatewayB}`,
          // the PBX placement (issue 13): calls to the enterprise's own numbers go to its PBX, here sipp
          '--pbx',
          `sip:127.0.0.1:${PORTS.uas}`,
          '--rtp-ports',
          PORTS.rtpB,
          '--port',
          String(PORTS.consumerTgB),
          '--ca-key',
          join(cp.dataDir, 'ca-key.pem'),
          ...common,
        ]),
      );
      gateways.push(
        await startGateway('gatewayA', [
          '--profile',
          join(profiles, 'carrier.json'),
          '--sip-listen',
          `udp:127.0.0.1:${PORTS.gatewayA}`,
          '--sip-peer',
          `sip:127.0.0.1:${PORTS.uac}`,
          '--rtp-ports',
          PORTS.rtpA,
          ...common,
        ]),
      );
      const [gwB, gwA] = gateways;
      // The edge learns gateway B's consumer TG by pub/sub: single calls until one gets through end to end.
      let probe: SippRun | undefined;
      for (let attempt = 0; attempt < 30; attempt++) {
        probe = await runUac(PORTS.gatewayA, 1, 1);
        if (probe.successful === 1) break;
        await sleep(500);
      }
      if (probe?.successful !== 1)
        throw new Error(`no call got through sipp→gateway A→edge→gateway B→sipp: ${JSON.stringify(gwA.take())}`);
      const caller = await callerEnterprise(cp);
      const setupSeconds = round2((performance.now() - setupStarted) / 1000);
      const pids = {
        gatewayA: gwA.pid,
        gatewayB: gwB.pid,
        edge: edge.pid,
        controlPlane: cp.pid,
        uas: uas.pid,
      };
      const disturbed: { what: string; restOfMachine: number | null }[] = [];

      // (1) setups/s, each rate: the baseline then the gateway path
      const setups: SetupStep[] = [];
      for (const rate of PARAMETERS.setups.rates) {
        const base = await measureSetupStep('baseline', rate, { uas: uas.pid }, []);
        setups.push(base);
        process.stdout.write(`  ${setupStepLine(base)}\n`);
        const gw = await measureSetupStep('gateway', rate, pids, gateways);
        setups.push(gw);
        process.stdout.write(`  ${setupStepLine(gw)}\n`);
        for (const x of [base, gw])
          if ((x.restOfMachine ?? 0) > DISTURBED_PERCENT)
            disturbed.push({ what: `${x.path} setups at -r ${x.rate}`, restOfMachine: x.restOfMachine });
        if (gw.failureRate >= PARAMETERS.setups.maxFailureRate) break;
        await sleep(1000); // the UAS's timewaits
      }

      // Calls of the last steps that ended late (gateway B's legs the edge did not end: their 5 s media timeout)
      await sleep(6000);
      const lateOutcomes: Record<string, number> = {};
      for (const g of gateways)
        for (const e of g.take()) {
          const key = `${g.name} ${e.direction} ${e.outcome}${e.reason ? ` (${e.reason.slice(0, 80)})` : ''}`;
          lateOutcomes[key] = (lateOutcomes[key] ?? 0) + 1;
        }
      const legsEnded = (o: Record<string, number>) =>
        Object.entries(o).filter(([k]) => k.startsWith('gatewayB egress') && /media-timeout/.test(k));
      const mediaTimeouts = [...legsEnded(lateOutcomes), ...setups.flatMap((x) => legsEnded(x.gatewayOutcomes))].reduce(
        (n, [, v]) => n + v,
        0,
      );

      // (2) concurrent calls with media: through gateway B, then the bare echo line, same counts
      const m = PARAMETERS.media;
      const runMedia = async (destination: string, label: string): Promise<MediaRun[]> => {
        workers = Array.from({ length: m.workers }, (_, i) => LoadWorker.start(i));
        try {
          await Promise.all(
            workers.map((w, i) =>
              w.call('init', {
                worker: i,
                enterprises: [caller.enterprise],
                destination,
                setupTimeoutMs: 10_000,
                frameMs: m.frameMs,
                payloadBytes: m.payloadBytes,
                lossAfterMs: m.lossAfterMs,
              }),
            ),
          );
          const p: Processes = {
            cp,
            edge: edge!,
            workers,
            redis,
            extraPids: { gatewayB: gwB.pid, uas: uas!.pid },
          };
          const runs: MediaRun[] = [];
          for (const calls of m.calls) {
            gwB.take();
            const r = await measureMedia(
              p,
              'edge',
              'sdk',
              calls,
              { warmupSeconds: m.warmupSeconds, durationSeconds: m.durationSeconds },
              { maxLossRate: m.maxLossRate, maxP99Ms: Number.POSITIVE_INFINITY },
            );
            runs.push(r);
            if ((r.cpu.restOfMachine ?? 0) > DISTURBED_PERCENT)
              disturbed.push({ what: `${label} media at ${calls} calls`, restOfMachine: r.cpu.restOfMachine });
          }
          await stopMedia(p);
          return runs;
        } finally {
          for (const w of workers) await w.stop();
          workers = [];
        }
      };
      // Gateway B's call log holds each call's RTP counters when it ends: the gateway path keeps its calls up
      // across steps, so the counters come per run (all steps), attributed to the last step below.
      gwB.take();
      const viaGateway = await runMedia(m.destination, 'gateway');
      await sleep(1500);
      const gatewayLog = gwB.take().filter((e) => e.direction === 'egress');
      const bare = await runMedia(m.echoLine, 'baseline');
      const media: MediaStep[] = viaGateway.map((g, i) => {
        const b = bare[i] ?? null;
        const gwCpu = g.cpu.processes.gatewayB;
        const perFrame = gwCpu && g.framesEchoed ? round2((gwCpu.cpuSeconds * 1e6) / g.framesEchoed) : null;
        const addedDelayMs = b
          ? { p50: round2(g.latencyMs.p50 - b.latencyMs.p50), p99: round2(g.latencyMs.p99 - b.latencyMs.p99) }
          : null;
        const failedBecause = [...g.failedBecause];
        if (addedDelayMs && addedDelayMs.p99 > m.maxAddedP99Ms)
          failedBecause.push(`added p99 ${addedDelayMs.p99} ms > ${m.maxAddedP99Ms} ms`);
        const last = i === viaGateway.length - 1;
        return {
          calls: g.calls,
          gateway: g,
          baseline: b,
          addedDelayMs,
          gatewayCpuMicrosPerFrame: perFrame,
          gatewayCpuMicrosPerRtpPacket: perFrame === null ? null : round2(perFrame / 2),
          gatewayCpuPercent: gwCpu?.percentOfOneCore ?? null,
          gatewayRtp: last
            ? {
                calls: gatewayLog.length,
                rtpOut: gatewayLog.reduce((n, e) => n + (e.rtpOut ?? 0), 0),
                rtpIn: gatewayLog.reduce((n, e) => n + (e.rtpIn ?? 0), 0),
              }
            : null,
          pass: failedBecause.length === 0,
          failedBecause,
        };
      });
      for (const x of media) process.stdout.write(`  ${mediaStepLine(x)}\n`);

      const best = (path: SetupStep['path']) =>
        setups
          .filter((x) => x.path === path && x.failureRate < PARAMETERS.setups.maxFailureRate)
          .reduce<SetupStep | null>((b, x) => (!b || x.setupsPerSecond > b.setupsPerSecond ? x : b), null);
      const bestGateway = best('gateway');
      const bestBaseline = best('baseline');
      const failing = setups.find((x) => x.path === 'gateway' && x.failureRate >= PARAMETERS.setups.maxFailureRate);
      const passingMedia = media.filter((x) => x.pass);
      const topMedia = passingMedia[passingMedia.length - 1];
      const results: SipResults = {
        setups,
        bestGateway,
        bestBaseline,
        firstFailing: failing ? { rate: failing.rate, failureRate: failing.failureRate } : null,
        ratioToBaseline:
          bestGateway && bestBaseline?.setupsPerSecond
            ? round2(bestGateway.setupsPerSecond / bestBaseline.setupsPerSecond)
            : null,
        setupPass: !!bestGateway && bestGateway.setupsPerSecond >= PARAMETERS.setups.targetSetupsPerSecond,
        lateOutcomes,
        gatewayBMediaTimeouts: mediaTimeouts,
        media,
        mediaBest: topMedia
          ? {
              calls: topMedia.calls,
              addedP99Ms: topMedia.addedDelayMs?.p99 ?? null,
              lossRate: topMedia.gateway.lossRate,
            }
          : null,
        mediaPass: !!topMedia && topMedia.calls >= m.targetCalls,
        disturbedWindows: disturbed,
      };
      const spread = (x: SetupStep | null) =>
        x ? `setup p50 ${x.setupLatencyMs.p50} ms, p99 ${x.setupLatencyMs.p99} ms, max ${x.setupLatencyMs.max} ms` : '';
      return {
        parameters: PARAMETERS,
        setup: {
          tenants: { carrier: ic.id, enterprise: ent.id, caller: caller.tenant },
          pids,
          setupSeconds,
          note:
            'one 2-core machine shared by sipp (UAC, UAS), both gateways, the edge, the control plane, the load ' +
            'workers, Redis and Postgres; gateway B carries the media, the edge relays it both ways (caller ⇄ gateway B)',
        },
        results: results as unknown as Record<string, unknown>,
        summary: [
          ...setups.map(setupStepLine),
          bestGateway
            ? `highest setup rate with < 1% failures through the gateways: ${bestGateway.setupsPerSecond} setups/s ` +
              `(-r ${bestGateway.rate}; ${spread(bestGateway)}), ${results.ratioToBaseline} × the sipp→sipp baseline ` +
              `(${bestBaseline?.setupsPerSecond} setups/s at -r ${bestBaseline?.rate}; ${spread(bestBaseline)}); target ` +
              `>= ${PARAMETERS.setups.targetSetupsPerSecond}/s: ${results.setupPass ? 'pass' : 'FAIL'}`
            : 'no gateway setup step had < 1% failures',
          failing
            ? `gateway failures passed 1% at -r ${failing.rate} (${(failing.failureRate * 100).toFixed(2)}%)`
            : `gateway failures stayed below 1% up to -r ${PARAMETERS.setups.rates[PARAMETERS.setups.rates.length - 1]}`,
          `gateway B egress legs of the setup calls that ended by media timeout (not by the edge's end after ` +
            `the caller's BYE): ${mediaTimeouts} of ${setups.filter((x) => x.path === 'gateway').reduce((n, x) => n + x.calls, 0)} calls; late outcomes ${JSON.stringify(lateOutcomes)}`,
          ...media.map(mediaStepLine),
          topMedia
            ? `most concurrent calls through one gateway passing (loss < 0.1%, added p99 <= 5 ms): ${topMedia.calls}; ` +
              `target >= ${m.targetCalls}: ${results.mediaPass ? 'pass' : 'FAIL'}` +
              (m.calls[m.calls.length - 1] < m.targetCalls
                ? ` (not measured: the steps stop at ${m.calls[m.calls.length - 1]} calls; BENCH_SIP_CALLS)`
                : '')
            : 'no media step passed',
          ...(disturbed.length
            ? [
                `note: other processes used > ${DISTURBED_PERCENT}% of a core during ${disturbed.map((d) => d.what).join(', ')}`,
              ]
            : []),
        ],
      };
    } finally {
      for (const w of workers) await w.stop();
      for (const g of gateways.reverse()) await g.stop();
      await uas?.stop();
      await edge?.stop();
      redis.disconnect();
      await cp.stop();
      rmSync(profiles, { recursive: true, force: true });
    }
  },

  report(file: ResultFile): ScenarioReport {
    const r = file.results as unknown as SipResults;
    const p = file.parameters as typeof PARAMETERS;
    const gw = r.setups.filter((x) => x.path === 'gateway');
    const base = r.setups.filter((x) => x.path === 'baseline');
    const last = r.media[r.media.length - 1];
    const rows: ScenarioReport['rows'] = [
      {
        figure: 'SIP call setups/s through 2 gateways + edge, < 1% failures',
        value: r.bestGateway
          ? `${formatNumber(r.bestGateway.setupsPerSecond)}/s at -r ${r.bestGateway.rate}, setup p50/p99 ` +
            `${r.bestGateway.setupLatencyMs.p50}/${r.bestGateway.setupLatencyMs.p99} ms`
          : 'no step under 1% failures',
        baseline: r.bestBaseline
          ? `sipp→sipp ${formatNumber(r.bestBaseline.setupsPerSecond)}/s (p99 ${r.bestBaseline.setupLatencyMs.p99} ms)`
          : undefined,
        ratio: r.ratioToBaseline !== null ? `${Math.round(r.ratioToBaseline * 100)}% of baseline` : undefined,
        target: `≥ ${p.setups.targetSetupsPerSecond}/s, < 1% failures`,
        pass: r.setupPass,
      },
      {
        figure: 'concurrent calls with 20 ms RTP through one gateway (loss < 0.1%, added p99 ≤ 5 ms)',
        value: r.mediaBest
          ? `${r.mediaBest.calls} calls, added p99 ${r.mediaBest.addedP99Ms} ms, loss ${(r.mediaBest.lossRate * 100).toFixed(3)}%`
          : `none passed${last ? ` (${last.calls} calls: ${last.failedBecause.join(', ')})` : ''}`,
        baseline: last?.baseline
          ? `bare RIPT echo p99 ${last.baseline.latencyMs.p99} ms at ${last.calls} calls`
          : undefined,
        ratio:
          last?.gatewayCpuMicrosPerRtpPacket !== null && last
            ? `gateway ${last.gatewayCpuMicrosPerRtpPacket} µs CPU/RTP packet at ${last.calls} calls`
            : undefined,
        target: `≥ ${p.media.targetCalls} calls, p99 added ≤ ${p.media.maxAddedP99Ms} ms, loss < 0.1%`,
        pass: r.mediaPass,
      },
    ];
    const setupsChart = lineChart({
      title: 'sip: call setups/s vs sipp -r',
      subtitle: `${file.quick ? 'QUICK RUN · ' : ''}${p.setups.durationSeconds} s of calls per step`,
      x: { label: 'offered rate (sipp -r, calls/s)' },
      y: { label: 'setups/s', min: 0 },
      y2: { label: 'failures (%)', min: 0, max: 5 },
      series: [
        { name: 'via gateways', points: gw.map((x) => [x.rate, x.setupsPerSecond] as const) },
        { name: 'sipp→sipp', dashed: true, points: base.map((x) => [x.rate, x.setupsPerSecond] as const) },
        {
          name: 'failures % (gateways)',
          axis: 'right',
          dashed: true,
          points: gw.map((x) => [x.rate, Math.round(x.failureRate * 10000) / 100] as const),
        },
      ],
      thresholds: [{ y: p.setups.targetSetupsPerSecond, label: `target ${p.setups.targetSetupsPerSecond}/s` }],
    });
    const delayChart = lineChart({
      title: 'sip: media round trip through gateway B vs bare echo',
      subtitle: `${file.quick ? 'QUICK RUN · ' : ''}20 ms frames both ways, ${p.media.durationSeconds} s windows`,
      x: { label: 'concurrent calls' },
      y: { label: 'ms', min: 0 },
      y2: { label: 'gateway µs CPU / RTP packet', min: 0 },
      series: [
        { name: 'gateway p50', points: r.media.map((x) => [x.calls, x.gateway.latencyMs.p50] as const) },
        { name: 'gateway p99', points: r.media.map((x) => [x.calls, x.gateway.latencyMs.p99] as const) },
        {
          name: 'bare echo p99',
          dashed: true,
          points: r.media.map((x) => [x.calls, x.baseline?.latencyMs.p99 ?? null] as const),
        },
        {
          name: 'gateway µs/packet',
          axis: 'right',
          dashed: true,
          points: r.media.map((x) => [x.calls, x.gatewayCpuMicrosPerRtpPacket] as const),
        },
      ],
    });
    const details = [
      ...table(
        [
          'path',
          '-r',
          'setups/s',
          'failures',
          'setup p50 ms',
          'setup p99 ms',
          'gw A µs/call',
          'gw B µs/call',
          'edge CPU',
        ],
        r.setups.map((x) => [
          x.path,
          x.rate,
          formatNumber(x.setupsPerSecond),
          `${(x.failureRate * 100).toFixed(2)}%`,
          x.setupLatencyMs.p50,
          x.setupLatencyMs.p99,
          x.gatewayCpuMicrosPerCall.gatewayA,
          x.gatewayCpuMicrosPerCall.gatewayB,
          x.cpu.edge ? `${x.cpu.edge.percentOfOneCore}%` : null,
        ]),
      ),
      '',
      ...table(
        [
          'calls',
          'gw p50 ms',
          'gw p99 ms',
          'echo p50 ms',
          'echo p99 ms',
          'added p99 ms',
          'loss',
          'gw CPU',
          'gw µs/RTP packet',
          'result',
        ],
        r.media.map((x) => [
          x.calls,
          x.gateway.latencyMs.p50,
          x.gateway.latencyMs.p99,
          x.baseline?.latencyMs.p50,
          x.baseline?.latencyMs.p99,
          x.addedDelayMs?.p99,
          `${(x.gateway.lossRate * 100).toFixed(3)}%`,
          x.gatewayCpuPercent === null ? null : `${x.gatewayCpuPercent}%`,
          x.gatewayCpuMicrosPerRtpPacket,
          x.pass ? 'pass' : x.failedBecause.join(', '),
        ]),
      ),
    ];
    return { rows, chart: panels([setupsChart, delayChart]), details };
  },
};
