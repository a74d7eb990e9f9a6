/**
 * The harness shared by the `setup` and `media` scenarios: a production-mode control plane and edge, enterprises
 * onboarded with the SDK (tenant, number range, trunk at the maximum limits, handler), forked load-generator workers
 * (bench/lib/calls-worker.ts) and, for media, the bare node:http2 echo baseline (bench/lib/h2-echo-server.ts); plus
 * the measurements both scenarios make over it (setups/s windows, media windows) and their CPU/RSS/GC meters.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { RiptTrunkClient, type RiptCall, type TgDescriptionDoc } from '@riptrunk/sdk';
import type { MediaFrame } from '@riptrunk/ript';
import { LoadWorker, type MediaMode, type WindowResult, type WorkerEnterprise } from './calls-load.js';
import { startBenchControlPlane, type BenchControlPlane } from './control-plane.js';
import {
  machineBusyCpuSeconds,
  ownCpuSeconds,
  processCpuSeconds,
  redisCpuSeconds,
  startCpuMeter,
  type CpuReading,
} from './cpu.js';
import { startBenchEdge, type BenchEdge } from './edge.js';
import { adminPost } from './enterprise.js';
import { mergeHistograms, summarise } from './histograms.js';
import { repoPath } from './paths.js';
import { childEnv, startBenchProcess, type BenchProcess } from './process.js';
import type { LatencySummary } from './stats.js';

export type { MediaMode } from './calls-load.js';

/** Ports of their own: the tg scenario uses 18443-18445. */
const PORTS = { controlPlane: 18453, edge: 18454, baseline: 18455 };
const EDGE_URL = `https://localhost:${PORTS.edge}`;

/** What the setup and media scenarios share (both record it in their JSON). */
export const HARNESS = {
  ports: PORTS,
  /** Load-generator processes (child_process.fork); the calls and setup loops are divided between them. */
  workers: Number(process.env.BENCH_CALLS_WORKERS ?? 2),
  /** Onboarded enterprises (tenant, number range, trunk, SDK client, handler), divided between the workers. */
  enterprises: 4,
  trunk: {
    destinations: ['+1555010*'],
    codecs: ['PCMU'],
    maxConcurrentCalls: 100_000,
    maxCallsPerSecond: 10_000,
  },
  handler: { id: 'bench-pbx', advertisement: '1 in: PCMU; 1 out: PCMU;' },
  /** The provider's echo test line. */
  destination: '+15550100001',
  /** A setup cycle not done within this long fails. */
  setupTimeoutMs: 10_000,
  media: {
    frameMs: 20,
    codec: 'PCMU',
    payloadBytes: 160,
    payload: 'f64 send time (performance.now() of the sending worker), u32 call id, u32 seq, 0xFF filler',
    timer: 'one setInterval(20 ms) per worker process, one frame per call per tick (bursts of all its calls)',
    /** After a window, frames sent in it have this long to come back before they count as lost. */
    lossAfterMs: 1000,
    callsPerSession: 50,
    setupConcurrency: 32,
  },
  controlPlaneEnv: {
    EDGE_PORT: String(PORTS.edge),
    RIPTRUNK_EDGE_PUBLIC_URL: EDGE_URL,
    RIPTRUNK_OAUTH_RATE_LIMIT: '1000000',
  },
};

/** CPU of processes outside the run (% of one core) above which a timed window is reported as disturbed. */
export const DISTURBED_PERCENT = 40;

export const round1 = (n: number) => Math.round(n * 10) / 10;
export const round2 = (n: number) => Math.round(n * 100) / 100;

/** `total` divided into `parts` integers as evenly as possible. */
function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

// ------------------------------------------------------------------ processes and meters

export interface Processes {
  cp: BenchControlPlane;
  edge: BenchEdge;
  workers: LoadWorker[];
  baseline?: BenchProcess;
  redis: Redis;
  /** More processes to meter in every window (e.g. the sip scenario's gateways): name → pid. */
  extraPids?: Record<string, number>;
}

/**
 * CPU of every process of the run over a window, as % of one core (the machine has os.cpus().length of them);
 * `restOfMachine` is everything else that ran (Postgres, other processes).
 */
export interface CpuReadings {
  /** edge, controlPlane, redis, bench (this process), worker<i>, baseline. */
  processes: Record<string, CpuReading | null>;
  /** The workers together, % of one core. */
  generator: number;
  restOfMachine: number | null;
}

async function startMeters(p: Processes): Promise<() => Promise<CpuReadings>> {
  const sources: [string, () => number | null | Promise<number | null>][] = [
    ['edge', () => processCpuSeconds(p.edge.pid)],
    ['controlPlane', () => processCpuSeconds(p.cp.pid)],
    ['redis', () => redisCpuSeconds(p.redis)],
    ['bench', ownCpuSeconds],
    ...p.workers.map((w): [string, () => number | null] => [`worker${w.index}`, () => processCpuSeconds(w.pid)]),
    ...(p.baseline ? [['baseline', () => processCpuSeconds(p.baseline!.pid)] as [string, () => number | null]] : []),
    ...Object.entries(p.extraPids ?? {}).map(([name, pid]): [string, () => number | null] => [
      name,
      () => processCpuSeconds(pid),
    ]),
  ];
  const meters = await Promise.all([
    ...sources.map(([, read]) => startCpuMeter(read)),
    startCpuMeter(machineBusyCpuSeconds),
  ]);
  return async () => {
    const readings = await Promise.all(meters.map((stop) => stop()));
    const machine = readings.pop();
    const out: Record<string, CpuReading | null> = {};
    sources.forEach(([name], i) => (out[name] = readings[i]));
    const ours = readings.reduce((sum, r) => sum + (r?.cpuSeconds ?? 0), 0);
    const generator = p.workers.reduce((sum, w) => sum + (out[`worker${w.index}`]?.percentOfOneCore ?? 0), 0);
    return {
      processes: out,
      generator: round1(generator),
      restOfMachine: machine ? round1(((machine.cpuSeconds - ours) / machine.elapsedSeconds) * 100) : null,
    };
  };
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
function memoryOf(pid: number): { rssMb: number | null; peakRssMb: number | null } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const mb = (v: number) => (Number.isFinite(v) ? round1(v / 1024) : null);
    return { rssMb: mb(kb('VmRSS')), peakRssMb: mb(kb('VmHWM')) };
  } catch {
    return { rssMb: null, peakRssMb: null };
  }
}

/** Garbage collection of the edge (prom-client's default metrics on its internal /metrics): pause time by kind. */
export type GcTotals = Record<string, { count: number; ms: number }>;

async function edgeGc(): Promise<{ gc: GcTotals; heapUsedMb: number | null } | null> {
  try {
    const res = await request(`http://127.0.0.1:${PORTS.edge + 1000}/metrics`); // bench/lib/edge.ts: port + 1000
    const text = await res.body.text();
    if (res.statusCode !== 200) return null;
    const gc: GcTotals = {};
    for (const m of text.matchAll(/^riptrunk_nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} ([\d.e+-]+)$/gm)) {
      const entry = (gc[m[2]] ??= { count: 0, ms: 0 });
      if (m[1] === 'sum') entry.ms = Number(m[3]) * 1000;
      else entry.count = Number(m[3]);
    }
    const heap = /^riptrunk_nodejs_heap_size_used_bytes ([\d.e+-]+)$/m.exec(text);
    return { gc, heapUsedMb: heap ? round1(Number(heap[1]) / 2 ** 20) : null };
  } catch {
    return null;
  }
}

/** GC pauses between two readings. */
function gcDuring(before: GcTotals | undefined, after: GcTotals | undefined): GcTotals | null {
  if (!before || !after) return null;
  const out: GcTotals = {};
  for (const [kind, a] of Object.entries(after)) {
    const b = before[kind] ?? { count: 0, ms: 0 };
    out[kind] = { count: a.count - b.count, ms: round1(a.ms - b.ms) };
  }
  return out;
}

export const pct = (r: CpuReading | null | undefined) => (r ? `${r.percentOfOneCore}%` : 'n/a');

// ------------------------------------------------------------------ setup

/** Tenants with a number range, a trunk at the maximum limits, an SDK-onboarded client and a handler each. */
async function onboard(cp: BenchControlPlane): Promise<{ enterprises: WorkerEnterprise[]; tenants: string[] }> {
  const enterprises: WorkerEnterprise[] = [];
  const tenants: string[] = [];
  for (let i = 0; i < HARNESS.enterprises; i++) {
    const tenant = await adminPost(cp, '/v1/tenants', { name: `Bench calls PBX ${i}` });
    tenants.push(tenant.id);
    const first = 14085551000 + i * 100;
    await adminPost(cp, `/v1/tenants/${tenant.id}/number-ranges`, { start: `+${first}`, count: 100 });
    await adminPost(cp, `/v1/tenants/${tenant.id}/trunks`, { name: `bench-calls-${i}`, ...HARNESS.trunk });
    const { code } = await adminPost(cp, `/v1/tenants/${tenant.id}/onboarding-codes`, {});
    const profile = await RiptTrunkClient.onboard(cp.url, code, { caFile: cp.caFile, clientName: `bench pbx ${i}` });
    const client = await RiptTrunkClient.fromProfile(profile);
    try {
      const [listed] = await client.providerTgs();
      if (!listed) throw new Error(`tenant ${tenant.id} lists no TG`);
      // The edge learns the trunk by pub/sub or snapshot: wait until it serves the TG.
      let tg: TgDescriptionDoc | undefined;
      for (let attempt = 0; !tg; attempt++) {
        tg = await client.tgDescription(listed.uri).catch(async (err: unknown) => {
          if (attempt > 100) throw err;
          await sleep(100);
          return undefined;
        });
      }
      const { limits } = tg;
      if (limits['max-calls-per-second'] !== HARNESS.trunk.maxCallsPerSecond)
        throw new Error(`the TG's limits are ${JSON.stringify(limits)}`);
      const handler = (await client.registerHandler(tg, HARNESS.handler.id, HARNESS.handler.advertisement)).uri;
      const from = Array.from({ length: 100 }, (_, k) => `+${first + k}`);
      if (i === 0) await checkEcho(client, tg, handler, from[0]);
      enterprises.push({ profile, tg, handler, from });
    } finally {
      await client.close();
    }
  }
  return { enterprises, tenants };
}

/** Before timing: one SDK call to the echo line gets 10 frames back byte for byte. */
async function checkEcho(client: RiptTrunkClient, tg: TgDescriptionDoc, handler: string, from: string): Promise<void> {
  const call: RiptCall = await client.placeCall(tg, { handler, destination: HARNESS.destination, from });
  const events = call.events();
  for (let e = await events.next(); ; e = await events.next()) {
    if (e.done) throw new Error('the echo call ended before answered');
    if (e.value.type === 'answered') break;
  }
  await call.openMedia();
  const received: Buffer[] = [];
  call.onFrame((f: MediaFrame) => received.push(Buffer.from(f.payload)));
  const sent: Buffer[] = [];
  for (let i = 0; i < 10; i++) {
    const payload = Buffer.alloc(HARNESS.media.payloadBytes, i);
    sent.push(payload);
    call.sendFrame(call.clientDirectives[0], payload);
    await sleep(HARNESS.media.frameMs);
  }
  for (let i = 0; i < 50 && received.length < sent.length; i++) await sleep(20);
  if (received.length !== sent.length || received.some((p, i) => !p.equals(sent[i])))
    throw new Error(`the echo line sent back ${received.length} of ${sent.length} frames, or other bytes`);
  await call.end();
  for (let e = await events.next(); !e.done && e.value.type !== 'end'; e = await events.next());
  call.close();
}

// ------------------------------------------------------------------ (1) setups per second

export interface SetupRun {
  clients: number;
  loopsPerWorker: number[];
  windowSeconds: number;
  completed: number;
  failures: number;
  failureRate: number;
  setupsPerSecond: number;
  /** POST until the `answered` event was read. */
  setupLatencyMs: LatencySummary;
  /** POST to the `end` event read (the whole cycle). */
  cycleLatencyMs: LatencySummary;
  outcomes: Record<string, number>;
  errorSamples: string[];
  cpu: CpuReadings;
  edgeCpuMicrosPerSetup: number | null;
}

/** One window of `clients` closed setup loops (divided between the workers), after `warmupSeconds` of them. */
export async function measureSetups(
  p: Processes,
  clients: number,
  timing: { warmupSeconds: number; durationSeconds: number },
): Promise<SetupRun> {
  const { warmupSeconds, durationSeconds } = timing;
  const loopsPerWorker = split(clients, p.workers.length);
  await Promise.all(p.workers.map((w, i) => w.call('setupsStart', { loops: loopsPerWorker[i] })));
  await sleep(warmupSeconds * 1000);
  const stopMeters = await startMeters(p);
  const started = performance.now();
  await Promise.all(p.workers.map((w) => w.call('setupsRecord', {})));
  await sleep(durationSeconds * 1000);
  const cpu = await stopMeters();
  const windowSeconds = (performance.now() - started) / 1000;
  const results = await Promise.all(p.workers.map((w) => w.call('setupsStop', {})));
  const completed = results.reduce((n, r) => n + r.completed, 0);
  const failures = results.reduce((n, r) => n + r.failures, 0);
  const outcomes: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + v;
  return {
    clients,
    loopsPerWorker,
    windowSeconds: round2(windowSeconds),
    completed,
    failures,
    failureRate: completed + failures ? failures / (completed + failures) : 1,
    setupsPerSecond: round1(completed / windowSeconds),
    setupLatencyMs: summarise(mergeHistograms(results.map((r) => r.setupHistogram))),
    cycleLatencyMs: summarise(mergeHistograms(results.map((r) => r.cycleHistogram))),
    outcomes,
    errorSamples: results.flatMap((r) => r.errorSamples).slice(0, 5),
    cpu,
    edgeCpuMicrosPerSetup:
      cpu.processes.edge && completed ? Math.round((cpu.processes.edge.cpuSeconds * 1e6) / completed) : null,
  };
}

// ------------------------------------------------------------------ (2) concurrent echo calls

export interface MediaRun {
  target: 'edge' | 'baseline';
  mode: MediaMode;
  calls: number;
  callsUp: number;
  setup: { added: number; failed: number; seconds: number; sessions: number; outcomes: Record<string, number> };
  windowSeconds: number;
  framesSent: number;
  framesSentPerSecond: number;
  framesEchoed: number;
  framesLate: number;
  /** Frames not echoed within lossAfterMs (late ones included), over frames sent in the window. */
  lossRate: number;
  latencyMs: LatencySummary;
  misrouted: number;
  reordered: number;
  endedByServer: number;
  blockedWrites: number;
  cpu: CpuReadings;
  /** CPU time of the relaying server per frame relayed (one frame in + its echo out), µs. */
  serverCpuMicrosPerFrame: number | null;
  /** CPU time of the generator workers per frame (one frame sent + its echo received), µs. */
  generatorCpuMicrosPerFrame: number | null;
  memory: { rssMb: number | null; peakRssMb: number | null };
  /** The edge's garbage collection during the window (count and pause ms by kind), and its heap at the end. */
  edgeGc: GcTotals | null;
  edgeHeapUsedMb: number | null;
  workers: Pick<WindowResult, 'eventLoopDelayMs' | 'gcMs' | 'maxTickMs' | 'ticks' | 'acksReceived'>[];
  pass: boolean;
  failedBecause: string[];
}

/** Limits a media window passes or fails against. */
export interface MediaLimits {
  maxLossRate: number;
  maxP99Ms: number;
}

/**
 * Grows (or keeps) the workers' echo calls on `target` to `calls`, warms up, then records one window: latency of the
 * echoed frames, loss, CPU of every process, the server's RSS and (edge) GC.
 */
export async function measureMedia(
  p: Processes,
  target: 'edge' | 'baseline',
  mode: MediaMode,
  calls: number,
  timing: { warmupSeconds: number; durationSeconds: number },
  limits: MediaLimits,
): Promise<MediaRun> {
  const m = HARNESS.media;
  const perWorker = split(calls, p.workers.length);
  const grown = await Promise.all(
    p.workers.map((w, i) =>
      w.call('mediaGrow', {
        calls: perWorker[i],
        mode,
        target,
        baselineUrl: `https://localhost:${PORTS.baseline}`,
        callsPerSession: m.callsPerSession,
        setupConcurrency: Math.ceil(m.setupConcurrency / p.workers.length),
      }),
    ),
  );
  const setupOutcomes: Record<string, number> = {};
  for (const g of grown)
    for (const [k, v] of Object.entries(g.outcomes)) setupOutcomes[k] = (setupOutcomes[k] ?? 0) + v;
  const errors = grown.flatMap((g) => g.errorSamples);
  if (errors.length) process.stderr.write(`bench: media: setup errors at ${calls} calls: ${errors[0]}\n`);
  await sleep(timing.warmupSeconds * 1000);
  const gcBefore = target === 'edge' ? await edgeGc() : null;
  const stopMeters = await startMeters(p);
  const started = performance.now();
  await Promise.all(p.workers.map((w) => w.call('windowStart', {})));
  await sleep(timing.durationSeconds * 1000);
  const cpu = await stopMeters();
  const windowSeconds = (performance.now() - started) / 1000;
  const serverPid = target === 'edge' ? p.edge.pid : p.baseline!.pid;
  const memory = memoryOf(serverPid);
  const gcAfter = target === 'edge' ? await edgeGc() : null;
  const windows = await Promise.all(p.workers.map((w) => w.call('windowStop', { graceMs: m.lossAfterMs })));
  const sum = (f: (w: WindowResult) => number) => windows.reduce((n, w) => n + f(w), 0);
  const framesSent = sum((w) => w.sent);
  const framesEchoed = sum((w) => w.echoed);
  const latencyMs = summarise(mergeHistograms(windows.map((w) => w.latencyHistogram)));
  const lossRate = framesSent ? Math.max(0, framesSent - framesEchoed) / framesSent : 1;
  const callsUp = sum((w) => w.calls);
  const failedBecause: string[] = [];
  if (callsUp < calls) failedBecause.push(`${calls - callsUp} calls not up`);
  if (lossRate > limits.maxLossRate)
    failedBecause.push(`loss ${round2(lossRate * 100)}% > ${limits.maxLossRate * 100}%`);
  if (latencyMs.p99 > limits.maxP99Ms) failedBecause.push(`p99 ${latencyMs.p99} ms > ${limits.maxP99Ms} ms`);
  const server = cpu.processes[target];
  return {
    target,
    mode,
    calls,
    callsUp,
    setup: {
      added: grown.reduce((n, g) => n + g.added, 0),
      failed: grown.reduce((n, g) => n + g.failed, 0),
      seconds: Math.max(...grown.map((g) => g.seconds)),
      sessions: grown.reduce((n, g) => n + g.sessions, 0),
      outcomes: setupOutcomes,
    },
    windowSeconds: round2(windowSeconds),
    framesSent,
    framesSentPerSecond: Math.round(framesSent / windowSeconds),
    framesEchoed,
    framesLate: sum((w) => w.late),
    lossRate,
    latencyMs,
    misrouted: sum((w) => w.misrouted),
    reordered: sum((w) => w.reordered),
    endedByServer: sum((w) => w.endedByServer),
    blockedWrites: sum((w) => w.blockedWrites),
    cpu,
    serverCpuMicrosPerFrame: server && framesEchoed ? round1((server.cpuSeconds * 1e6) / framesEchoed) : null,
    generatorCpuMicrosPerFrame: framesSent
      ? round1(
          (p.workers.reduce((s, w) => s + (cpu.processes[`worker${w.index}`]?.cpuSeconds ?? 0), 0) * 1e6) / framesSent,
        )
      : null,
    memory,
    edgeGc: gcDuring(gcBefore?.gc, gcAfter?.gc),
    edgeHeapUsedMb: gcAfter?.heapUsedMb ?? null,
    workers: windows.map((w) => ({
      eventLoopDelayMs: w.eventLoopDelayMs,
      gcMs: w.gcMs,
      maxTickMs: w.maxTickMs,
      ticks: w.ticks,
      acksReceived: w.acksReceived,
    })),
    pass: failedBecause.length === 0,
    failedBecause,
  };
}

/** Ends every echo call of the workers. */
export async function stopMedia(p: Processes): Promise<{ ended: number; endFailures: number }> {
  const stopped = await Promise.all(p.workers.map((w) => w.call('mediaStop', {})));
  return {
    ended: stopped.reduce((n, s) => n + s.ended, 0),
    endFailures: stopped.reduce((n, s) => n + s.endFailures, 0),
  };
}

export function mediaLine(r: MediaRun, label: string): string {
  const f = (n: number) => n.toFixed(2);
  const workers = r.workers.map((w, i) => `w${i} ${pct(r.cpu.processes[`worker${i}`])}`).join(' + ');
  return (
    `${label} ${r.calls} calls (${r.mode}, ${r.setup.sessions} h2 sessions, ${r.callsUp} up): ` +
    `${r.framesSentPerSecond} frames/s each way, latency p50 ${f(r.latencyMs.p50)} ms, p99 ${f(r.latencyMs.p99)} ms, ` +
    `p99.9 ${f(r.latencyMs.p999)} ms, max ${f(r.latencyMs.max)} ms, loss ${(r.lossRate * 100).toFixed(3)}% ` +
    `(${r.framesSent - r.framesEchoed} of ${r.framesSent}); CPU ${r.target} ${pct(r.cpu.processes[r.target])} ` +
    `(${r.serverCpuMicrosPerFrame} µs/frame), RSS ${r.memory.rssMb} MB` +
    (r.edgeGc
      ? ` (heap ${r.edgeHeapUsedMb} MB, GC ${Object.entries(r.edgeGc)
          .filter(([, g]) => g.count)
          .map(([kind, g]) => `${kind} ${g.count}x ${g.ms} ms`)
          .join(', ')})`
      : '') +
    `; generator ${r.cpu.generator}% (${workers}, ` +
    `${r.generatorCpuMicrosPerFrame} µs/frame, event-loop p99 ${r.workers.map((w) => w.eventLoopDelayMs.p99).join('/')} ms)` +
    `, control plane ${pct(r.cpu.processes.controlPlane)}, redis ${pct(r.cpu.processes.redis)}, rest ${r.cpu.restOfMachine ?? 'n/a'}%` +
    (r.misrouted || r.reordered ? `; misrouted ${r.misrouted}, reordered ${r.reordered}` : '') +
    (r.endedByServer ? `; ${r.endedByServer} calls ended by the server` : '') +
    (r.pass ? ' -> pass' : ` -> FAIL: ${r.failedBecause.join(', ')}`)
  );
}

export function setupLine(r: SetupRun): string {
  const f = (n: number) => n.toFixed(2);
  return (
    `setups, ${r.clients} parallel clients (${HARNESS.enterprises} enterprises/trunks, ${r.loopsPerWorker.length} workers): ` +
    `${r.setupsPerSecond} setups/s, setup p50 ${f(r.setupLatencyMs.p50)} ms, p99 ${f(r.setupLatencyMs.p99)} ms ` +
    `(whole cycle p50 ${f(r.cycleLatencyMs.p50)} ms, p99 ${f(r.cycleLatencyMs.p99)} ms), ${r.failures} failures of ` +
    `${r.completed + r.failures} (${(r.failureRate * 100).toFixed(2)}%); CPU edge ${pct(r.cpu.processes.edge)} ` +
    `(${r.edgeCpuMicrosPerSetup} µs/setup), control plane ${pct(r.cpu.processes.controlPlane)}, redis ${pct(r.cpu.processes.redis)}, ` +
    `generator ${r.cpu.generator}%, rest ${r.cpu.restOfMachine ?? 'n/a'}%` +
    (r.failures ? `; outcomes ${JSON.stringify(r.outcomes)}, first error: ${r.errorSamples[0] ?? 'n/a'}` : '')
  );
}

/** Where the CPU went in a media window: the edge against its one-thread ceiling, the generator, the machine. */
export function limitedBy(r: MediaRun | undefined): string {
  if (!r) return 'n/a';
  const serverCpu = r.cpu.processes[r.target]?.percentOfOneCore ?? 0;
  const busy =
    serverCpu +
    r.cpu.generator +
    (r.cpu.processes.controlPlane?.percentOfOneCore ?? 0) +
    (r.cpu.processes.redis?.percentOfOneCore ?? 0) +
    (r.cpu.restOfMachine ?? 0);
  return (
    `${r.target} ${serverCpu}% of a core (one Node thread: 100% is its ceiling), generator ${r.cpu.generator}%, ` +
    `machine ${round1(busy)}% of ${os.cpus().length * 100}%`
  );
}

/** Windows during which processes outside the run used more than DISTURBED_PERCENT of a core. */
export function disturbedWindows(
  windows: { what: string; cpu: CpuReadings }[],
): { what: string; restOfMachine: number | null }[] {
  return windows
    .filter((w) => (w.cpu.restOfMachine ?? 0) > DISTURBED_PERCENT)
    .map((w) => ({ what: w.what, restOfMachine: w.cpu.restOfMachine }));
}

export function disturbedWarning(disturbed: { what: string; restOfMachine: number | null }[]): string[] {
  return disturbed.length
    ? [
        `WARNING: other processes used more than ${DISTURBED_PERCENT}% of a core during ` +
          disturbed.map((d) => `${d.what} (${d.restOfMachine}%)`).join(', ') +
          ': those figures are disturbed',
      ]
    : [];
}

/** The running harness: its processes, the onboarded enterprises, and what to record of it in the JSON. */
export interface CallsHarness extends Processes {
  enterprises: WorkerEnterprise[];
  /** For the JSON's `setup` section. */
  describe(): Record<string, unknown>;
}

/**
 * Starts the control plane and the edge (production mode, compiled JS), onboards the enterprises, forks the workers
 * (and, with `baseline`, the bare node:http2 echo), runs `fn`, and stops everything whatever happens.
 */
export async function withCallsHarness<T>(
  options: { database: string; baseline: boolean },
  fn: (h: CallsHarness) => Promise<T>,
): Promise<T> {
  if (!(HARNESS.workers >= 1 && HARNESS.workers <= HARNESS.enterprises))
    throw new Error(`BENCH_CALLS_WORKERS must be 1..${HARNESS.enterprises} (each worker drives its own enterprises)`);
  const cp = await startBenchControlPlane({
    database: options.database,
    port: PORTS.controlPlane,
    env: HARNESS.controlPlaneEnv,
  });
  const workers: LoadWorker[] = [];
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  let edge: BenchEdge | undefined;
  let baseline: BenchProcess | undefined;
  try {
    // BENCH_CALLS_EDGE_PROFILE=<file>: the edge runs under node --cpu-prof (slower: for finding costs, not figures).
    const cpuProfile = process.env.BENCH_CALLS_EDGE_PROFILE;
    edge = await startBenchEdge(cp, { port: PORTS.edge, ...(cpuProfile ? { cpuProfile } : {}) });
    const setupStarted = performance.now();
    const { enterprises, tenants } = await onboard(cp);
    for (let i = 0; i < HARNESS.workers; i++) workers.push(LoadWorker.start(i));
    const m = HARNESS.media;
    await Promise.all(
      workers.map((w, i) =>
        w.call('init', {
          worker: i,
          enterprises: enterprises.filter((_, k) => k % workers.length === i),
          destination: HARNESS.destination,
          setupTimeoutMs: HARNESS.setupTimeoutMs,
          frameMs: m.frameMs,
          payloadBytes: m.payloadBytes,
          lossAfterMs: m.lossAfterMs,
        }),
      ),
    );
    if (options.baseline)
      baseline = await startBenchProcess({
        name: 'h2-echo',
        script: repoPath('dist', 'bench', 'lib', 'h2-echo-server.js'),
        env: childEnv({
          NODE_ENV: 'production',
          BENCH_BASELINE_PORT: String(PORTS.baseline),
          BENCH_BASELINE_DATA_DIR: cp.dataDir,
        }),
        readyUrl: `https://localhost:${PORTS.baseline}/readyz`,
        caFile: cp.caFile,
      });
    const setupSeconds = round2((performance.now() - setupStarted) / 1000);
    const cores = os.cpus().length;
    const started: CallsHarness = {
      cp,
      edge,
      workers,
      redis,
      ...(baseline ? { baseline } : {}),
      enterprises,
      describe: () => ({
        tenants,
        trunks: enterprises.map((e) => e.tg.uri),
        clients: enterprises.map((e) => e.profile.clientId),
        handlers: enterprises.map((e) => e.handler),
        workerPids: workers.map((w) => w.pid),
        edgePid: edge!.pid,
        baselinePid: baseline?.pid ?? null,
        setupSeconds,
        cores,
        note:
          `${cores} cores shared by the edge, the ${workers.length} load-generator workers, the control plane ` +
          '(CDRs), Redis and Postgres',
      }),
    };
    return await fn(started);
  } finally {
    for (const w of workers) await w.stop();
    await baseline?.stop();
    await edge?.stop();
    redis.disconnect();
    await cp.stop();
  }
}
