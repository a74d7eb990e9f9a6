import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { startBaseline, type BenchBaseline, type CapturedResponse } from '../lib/baseline.js';
import { startBenchControlPlane, type BenchControlPlane } from '../lib/control-plane.js';
import { summariseCpuProfile, type ProfileSummary } from '../lib/cpu-profile.js';
import { machineBusyCpuSeconds, ownCpuSeconds, processCpuSeconds, startCpuMeter, type CpuReading } from '../lib/cpu.js';
import { startBenchEdge, type BenchEdge } from '../lib/edge.js';
import { accessToken, adminPost, registerClient } from '../lib/enterprise.js';
import { H2Connections, layoutName, negotiatedProtocol, type H2ConnectionStats, type H2Layout } from '../lib/h2.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { repoPath } from '../lib/paths.js';
import { barChart, formatNumber, panels } from '../lib/chart.js';
import { pick, QUICK } from '../lib/knobs.js';
import { table, type ResultFile, type Scenario, type ScenarioOutput, type ScenarioReport } from '../lib/scenario.js';

const PORTS = { controlPlane: 18443, edge: 18444, baseline: 18445 };
const EDGE_URL = `https://localhost:${PORTS.edge}`;

/** BENCH_TG_LAYOUTS=10x10,100x1 (connections x streams per connection). */
function layouts(): H2Layout[] {
  return (process.env.BENCH_TG_LAYOUTS ?? pick('10x10,100x1', '10x10')).split(',').map((l) => {
    const [connections, streams] = l.split('x').map(Number);
    if (!(connections > 0 && streams > 0)) throw new Error(`BENCH_TG_LAYOUTS: bad layout ${l}`);
    return { connections, streams };
  });
}

const PARAMETERS = {
  layouts: layouts(),
  warmupSeconds: pick(2, 1),
  durationSeconds: pick(8, 2),
  /** The issue's target: GET <tgUri> on the edge at >= this share of the baseline's requests/s. */
  targetPercentOfBaseline: 70,
  quick: QUICK,
  protocol: 'h2',
  ports: PORTS,
  tenant: { name: 'Bench TG tenant' },
  range: { start: '+14085550100', end: '+14085550199' },
  trunk: {
    name: 'bench-primary',
    destinations: ['+1*', '+44*'],
    codecs: ['opus', 'PCMU', 'PCMA'],
    maxConcurrentCalls: 50,
    maxCallsPerSecond: 5,
  },
  /** Every connection is one enterprise client instance with its own access token (all from one registered client). */
  tokens: 'one per connection, minted before each run',
  /** The edge's CPU profile (node --cpu-prof), under the first layout; BENCH_TG_PROFILE=0 skips it. */
  profile: {
    enabled: process.env.BENCH_TG_PROFILE !== '0',
    file: 'bench/results/tg-edge.cpuprofile',
    warmupSeconds: pick(2, 1),
    durationSeconds: pick(6, 2),
  },
  controlPlaneEnv: {
    EDGE_PORT: String(PORTS.edge),
    RIPTRUNK_EDGE_PUBLIC_URL: EDGE_URL,
    /** Requests per minute per client; a few hundred tokens are minted within a minute. */
    RIPTRUNK_OAUTH_RATE_LIMIT: '1000000',
  },
};

type TargetName = 'edge' | 'controlPlane' | 'baseline';

interface Target {
  name: TargetName;
  label: string;
  url: () => string;
  path: string;
  /** Bearer tokens for this target's audience, `count` of them; none for the baseline. */
  tokens: (count: number) => Promise<string[] | null>;
}

interface RunResult extends LoadResult {
  target: TargetName;
  layout: string;
  /**
   * CPU of each server process and of the load generator (this process); `restOfMachine` is every other process
   * (Postgres, Redis, and anything else running on the machine), as a percentage of one core.
   */
  cpu: Record<TargetName | 'loadGenerator', CpuReading | null> & { restOfMachine: number | null };
  /** CPU time of the measured server per request, in µs (all its threads): its cost independent of the load generator. */
  serverCpuMicrosPerRequest: number | null;
  connections: H2ConnectionStats;
  errorSamples: string[];
}

const round1 = (n: number) => Math.round(n * 10) / 10;

class Servers {
  edge?: BenchEdge;
  baseline?: BenchBaseline;
  constructor(readonly cp: BenchControlPlane) {}

  pids(): Record<TargetName, number | undefined> {
    return { edge: this.edge?.pid, controlPlane: this.cp.pid, baseline: this.baseline?.pid };
  }
}

/** GET over the control plane's h2 agent (which trusts the bench CA), for the checks before timing. */
async function get(cp: BenchControlPlane, url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { dispatcher: cp.agent, headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
}

async function setUp(cp: BenchControlPlane) {
  const tenant = await adminPost(cp, '/v1/tenants', PARAMETERS.tenant);
  await adminPost(cp, `/v1/tenants/${tenant.id}/number-ranges`, PARAMETERS.range);
  const trunk = await adminPost(cp, `/v1/tenants/${tenant.id}/trunks`, PARAMETERS.trunk);
  const client = await registerClient(cp, tenant.id, 'bench tg pbx');
  return { tenantId: tenant.id, trunkId: trunk.id, client };
}

/** Waits until the edge serves the TG (its configuration arrives by pub/sub or snapshot), and checks it in full. */
async function captureTg(
  cp: BenchControlPlane,
  edgeUrl: string,
  trunkId: string,
  token: string,
  cpToken: string,
): Promise<CapturedResponse & { etag: string }> {
  const uri = `${edgeUrl}/ript/v1/tgs/${trunkId}`;
  const auth = { authorization: `Bearer ${token}` };
  const deadline = Date.now() + 10_000;
  let res = await get(cp, uri, auth);
  while (res.status !== 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    res = await get(cp, uri, auth);
  }
  if (res.status !== 200) throw new Error(`GET ${uri} answered ${res.status} ${res.body.toString()}`);
  const doc = JSON.parse(res.body.toString('utf8')) as { uri: string; outbound: { origins: string[] } };
  const { start, end } = PARAMETERS.range;
  if (doc.uri !== uri || doc.outbound.origins.join() !== `${start}-${end}`)
    throw new Error(`unexpected TG description ${res.body.toString()}`);
  const etag = String(res.headers.etag);
  const revalidated = await get(cp, uri, { ...auth, 'if-none-match': etag });
  if (revalidated.status !== 304 || revalidated.body.length)
    throw new Error(`If-None-Match answered ${revalidated.status}`);
  const wrongAudience = await get(cp, uri, { authorization: `Bearer ${cpToken}` });
  if (wrongAudience.status !== 401)
    throw new Error(`a control-plane token answered ${wrongAudience.status} at the edge`);
  const headers: Record<string, string> = {};
  for (const name of ['content-type', 'etag', 'cache-control']) headers[name] = String(res.headers[name]);
  return { headers, body: res.body, etag };
}

async function checkBaseline(cp: BenchControlPlane, url: string, path: string, expected: CapturedResponse) {
  const res = await get(cp, `${url}${path}`);
  if (res.status !== 200 || !res.body.equals(expected.body))
    throw new Error(`the baseline answered ${res.status} ${res.body.toString()}`);
  for (const [name, value] of Object.entries(expected.headers))
    if (res.headers[name] !== value) throw new Error(`the baseline's ${name} is ${String(res.headers[name])}`);
  if (!res.headers['x-request-id']) throw new Error('the baseline sends no x-request-id');
}

async function measure(
  servers: Servers,
  target: Target,
  layout: H2Layout,
  timing: { warmupSeconds: number; durationSeconds: number } = PARAMETERS,
): Promise<RunResult> {
  const { warmupSeconds, durationSeconds } = timing;
  const connections = new H2Connections(target.url(), servers.cp.ca, layout);
  try {
    const tokens = await target.tokens(layout.connections);
    const headers = tokens?.map((t) => ({ authorization: `Bearer ${t}` }));
    const errorSamples: string[] = [];
    const send = async (worker: number) => {
      const res = await connections.forWorker(worker).request({
        method: 'GET',
        path: target.path,
        headers: headers?.[worker % layout.connections],
      });
      if (res.statusCode !== 200 && errorSamples.length < 5)
        errorSamples.push(`${res.statusCode} ${await res.body.text()}`);
      else await res.body.dump();
      return res.statusCode;
    };
    const ok = (status: number | string) => status === 200;
    await runLoad({ concurrency: connections.concurrency, durationMs: warmupSeconds * 1000, request: send, ok });
    const pids = servers.pids();
    const names = Object.keys(pids) as TargetName[];
    const meters = await Promise.all([
      ...names.map((n) => startCpuMeter(() => (pids[n] ? processCpuSeconds(pids[n]) : null))),
      startCpuMeter(ownCpuSeconds),
      startCpuMeter(machineBusyCpuSeconds),
    ]);
    const stopSampling = connections.sample();
    const result = await runLoad({
      concurrency: connections.concurrency,
      durationMs: durationSeconds * 1000,
      request: send,
      ok,
    });
    const connectionStats = stopSampling();
    const readings = await Promise.all(meters.map((stop) => stop()));
    const machine = readings.pop();
    const ours = readings.reduce((sum, r) => sum + (r?.cpuSeconds ?? 0), 0);
    const cpu = {
      ...Object.fromEntries([...names, 'loadGenerator'].map((n, i) => [n, readings[i]])),
      restOfMachine: machine ? round1(((machine.cpuSeconds - ours) / machine.elapsedSeconds) * 100) : null,
    } as RunResult['cpu'];
    return {
      ...result,
      target: target.name,
      layout: layoutName(layout),
      cpu,
      serverCpuMicrosPerRequest: cpu[target.name]
        ? round1((cpu[target.name]!.cpuSeconds * 1e6) / result.requests)
        : null,
      connections: connectionStats,
      errorSamples,
    };
  } finally {
    await connections.close();
  }
}

/** Restarts the edge under node --cpu-prof, loads it, stops it (which writes the profile) and summarises. */
async function profileEdge(
  servers: Servers,
  target: Target,
  layout: H2Layout,
  wait: () => Promise<unknown>,
): Promise<{ load: RunResult; profile: ProfileSummary }> {
  const file = repoPath(PARAMETERS.profile.file);
  rmSync(file, { force: true });
  await servers.edge?.stop();
  servers.edge = await startBenchEdge(servers.cp, { port: PORTS.edge, cpuProfile: file });
  await wait();
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const load = await measure(servers, target, layout, PARAMETERS.profile);
  const endUs = Number(process.hrtime.bigint() / 1000n);
  await servers.edge.stop();
  servers.edge = undefined;
  if (!existsSync(file)) throw new Error(`the edge wrote no profile at ${file}`);
  // The timed part of the run: after its warm-up, to the end.
  const window = { startUs: startUs + PARAMETERS.profile.warmupSeconds * 1e6, endUs };
  const profile = summariseCpuProfile(file, window, {
    inclusive: [
      'canActivate',
      'verify',
      'jwtVerify',
      'describe',
      'tgDescription',
      'etagOfDocument',
      'serialize',
      'handleRequest',
      'routeHandler',
    ],
  });
  return { load, profile };
}

export const tgScenario: Scenario = {
  name: 'tg',
  description:
    'GET <tgUri> on the edge vs GET /.well-known/ript/v1/providertgs on the control plane vs a bare Fastify ' +
    'server returning the same bytes, over HTTP/2',
  async run(): Promise<ScenarioOutput> {
    const cp = await startBenchControlPlane({ database: 'riptrunk_bench_tg', env: PARAMETERS.controlPlaneEnv });
    const servers = new Servers(cp);
    try {
      servers.edge = await startBenchEdge(cp, { port: PORTS.edge });
      const setupStarted = performance.now();
      const { tenantId, trunkId, client } = await setUp(cp);
      const tgPath = `/ript/v1/tgs/${trunkId}`;
      const mint = (resource: string) => async (count: number) => {
        const tokens: string[] = [];
        for (let i = 0; i < count; i++) tokens.push(await accessToken(cp, client, resource));
        return tokens;
      };
      const [edgeToken] = await mint(EDGE_URL)(1);
      const [cpToken] = await mint(cp.url)(1);
      const captured = await captureTg(cp, EDGE_URL, trunkId, edgeToken, cpToken);
      const listed = await get(cp, `${cp.url}/.well-known/ript/v1/providertgs`, { authorization: `Bearer ${cpToken}` });
      const tgs = (JSON.parse(listed.body.toString()) as { tgs?: { uri: string }[] }).tgs ?? [];
      if (listed.status !== 200 || tgs[0]?.uri !== `${EDGE_URL}${tgPath}`)
        throw new Error(`providertgs answered ${listed.status} ${listed.body.toString()}`);
      servers.baseline = await startBaseline(cp, PORTS.baseline, captured);
      await checkBaseline(cp, servers.baseline.url, tgPath, captured);
      const alpn = {
        edge: await negotiatedProtocol(EDGE_URL, cp.ca),
        controlPlane: await negotiatedProtocol(cp.url, cp.ca),
        baseline: await negotiatedProtocol(servers.baseline.url, cp.ca),
      };
      if (Object.values(alpn).some((p) => p !== 'h2')) throw new Error(`ALPN: ${JSON.stringify(alpn)}`);
      const setupSeconds = (performance.now() - setupStarted) / 1000;

      const targets: Target[] = [
        { name: 'edge', label: 'GET <tgUri> (edge)', url: () => EDGE_URL, path: tgPath, tokens: mint(EDGE_URL) },
        {
          name: 'controlPlane',
          label: 'GET /.well-known/ript/v1/providertgs (control plane)',
          url: () => cp.url,
          path: '/.well-known/ript/v1/providertgs',
          tokens: mint(cp.url),
        },
        {
          name: 'baseline',
          label: 'bare Fastify, same bytes (baseline)',
          url: () => servers.baseline!.url,
          path: tgPath,
          tokens: async () => null,
        },
      ];
      const runs: RunResult[] = [];
      for (const layout of PARAMETERS.layouts)
        for (const target of targets) runs.push(await measure(servers, target, layout));

      let profiled: { load: RunResult; profile: ProfileSummary } | undefined;
      if (PARAMETERS.profile.enabled) {
        await servers.baseline.stop();
        servers.baseline = undefined;
        profiled = await profileEdge(servers, targets[0], PARAMETERS.layouts[0], () =>
          captureTg(cp, EDGE_URL, trunkId, edgeToken, cpToken),
        );
      }

      const f = (n: number) => n.toFixed(2);
      const pct = (r: CpuReading | null | undefined) => (r ? `${r.percentOfOneCore}%` : 'n/a');
      const of = (l: H2Layout, t: TargetName) => runs.find((r) => r.layout === layoutName(l) && r.target === t)!;
      const ratios = Object.fromEntries(
        PARAMETERS.layouts.map((l) => [
          layoutName(l),
          round1((of(l, 'edge').requestsPerSecond / of(l, 'baseline').requestsPerSecond) * 100),
        ]),
      );
      // Throughput is capped by whichever of server and load generator runs out of CPU first; the ratio of CPU per
      // request is what the throughput ratio would be with both servers saturated on the same cores.
      const cpuRatios = Object.fromEntries(
        PARAMETERS.layouts.map((l) => {
          const [edge, baseline] = [of(l, 'edge'), of(l, 'baseline')].map((r) => r.serverCpuMicrosPerRequest);
          return [layoutName(l), edge && baseline ? round1((baseline / edge) * 100) : null];
        }),
      );
      const line = (r: RunResult, label: string) =>
        `${label}, ${r.layout} (${r.connections.connections} conn x ${r.connections.maxStreamsInFlightPerConnection} ` +
        `streams seen): ${r.requestsPerSecond} req/s, p50 ${f(r.latencyMs.p50)} ms, p90 ${f(r.latencyMs.p90)} ms, ` +
        `p99 ${f(r.latencyMs.p99)} ms, max ${f(r.latencyMs.max)} ms, ${r.errors} errors of ${r.requests}; CPU ` +
        `${r.target} ${pct(r.cpu[r.target])} (${r.serverCpuMicrosPerRequest} µs/request), load generator ${pct(r.cpu.loadGenerator)}` +
        (r.target === 'edge' ? `, control plane ${pct(r.cpu.controlPlane)}` : '') +
        `, rest of machine ${r.cpu.restOfMachine ?? 'n/a'}%` +
        (r.errors ? `; outcomes ${JSON.stringify(r.outcomes)}, first error: ${r.errorSamples[0] ?? 'n/a'}` : '');
      return {
        parameters: PARAMETERS,
        setup: {
          tenantId,
          trunkId,
          clientId: client.id,
          tgUri: `${EDGE_URL}${tgPath}`,
          tgDescriptionBytes: captured.body.length,
          tgHeaders: captured.headers,
          alpn,
          setupSeconds: Math.round(setupSeconds * 100) / 100,
          loadAverageAtStart: os.loadavg().map((n) => Math.round(n * 100) / 100),
        },
        results: {
          runs: Object.fromEntries(runs.map((r) => [`${r.target}_${r.layout}`, r])),
          edgeVsBaselinePercent: ratios,
          edgeVsBaselineCpuPerRequestPercent: cpuRatios,
          ...(profiled ? { profile: { load: profiled.load, summary: profiled.profile } } : {}),
        },
        summary: [
          ...runs.map((r) => line(r, targets.find((t) => t.name === r.target)!.label)),
          ...Object.entries(ratios).map(
            ([l, pc]) =>
              `edge / baseline, ${l}: ${pc}% of the requests/s (target >= 70%); ` +
              `baseline's CPU per request / edge's: ${cpuRatios[l] ?? 'n/a'}%`,
          ),
          ...(profiled
            ? [
                line(profiled.load, 'under --cpu-prof: GET <tgUri> (edge)'),
                `profile (${profiled.profile.covers}, ${profiled.profile.sampledMs} ms sampled) -> ` +
                  `${profiled.profile.file}; self time by origin: ` +
                  profiled.profile.selfByOrigin
                    .slice(0, 8)
                    .map((e) => `${e.name} ${e.percent}%`)
                    .join(', '),
                `inclusive: ${profiled.profile.inclusive.map((e) => `${e.name} ${e.percent}%`).join(', ')}`,
              ]
            : []),
        ],
      };
    } finally {
      await servers.baseline?.stop();
      await servers.edge?.stop();
      await cp.stop();
    }
  },

  report(file: ResultFile): ScenarioReport {
    const results = file.results as {
      runs: Record<string, RunResult>;
      edgeVsBaselinePercent: Record<string, number>;
      edgeVsBaselineCpuPerRequestPercent: Record<string, number | null>;
    };
    const p = file.parameters as typeof PARAMETERS;
    const names = p.layouts.map(layoutName);
    const run = (target: TargetName, layout: string) => results.runs[`${target}_${layout}`];
    const fig = (r: RunResult | undefined) =>
      r ? `${formatNumber(r.requestsPerSecond)} req/s, p99 ${formatNumber(r.latencyMs.p99)} ms` : 'n/a';
    const target = p.targetPercentOfBaseline ?? 70;
    const rows: ScenarioReport['rows'] = names.flatMap((l) => {
      const edge = run('edge', l);
      const cp = run('controlPlane', l);
      const base = run('baseline', l);
      const pc = results.edgeVsBaselinePercent[l];
      const cpPc = cp && base ? Math.round((cp.requestsPerSecond / base.requestsPerSecond) * 1000) / 10 : undefined;
      return [
        {
          figure: `GET <tgUri> (edge), ${l} h2`,
          value: `${fig(edge)}; ${edge?.serverCpuMicrosPerRequest ?? 'n/a'} µs CPU/req`,
          baseline: `${fig(base)}; ${base?.serverCpuMicrosPerRequest ?? 'n/a'} µs CPU/req`,
          ratio: `${pc}% of req/s (CPU/req: ${results.edgeVsBaselineCpuPerRequestPercent[l] ?? 'n/a'}%)`,
          target: `≥ ${target}% of baseline`,
          pass: pc >= target && (edge?.errors ?? 1) === 0,
        },
        {
          figure: `GET /.well-known/ript/v1/providertgs (control plane), ${l} h2`,
          value: `${fig(cp)}; ${cp?.serverCpuMicrosPerRequest ?? 'n/a'} µs CPU/req`,
          baseline: 'same bare Fastify server (serves the TG bytes)',
          ratio: cpPc === undefined ? undefined : `${cpPc}% of req/s`,
        },
      ];
    });
    const label = {
      edge: 'GET <tgUri> (edge)',
      controlPlane: 'providertgs (control plane)',
      baseline: 'bare Fastify h2 (baseline)',
    };
    const targets: TargetName[] = ['edge', 'controlPlane', 'baseline'];
    const sub = `${file.quick ? 'QUICK RUN · ' : ''}${p.durationSeconds} s per run; connections x streams per connection`;
    const rate = barChart({
      title: 'tg: requests/s over HTTP/2',
      subtitle: `${sub}; edge / baseline: ${names.map((l) => `${l} ${results.edgeVsBaselinePercent[l]}%`).join(', ')}`,
      categories: names,
      y: { label: 'requests/s' },
      series: targets.map((t) => ({ name: label[t], values: names.map((l) => run(t, l)?.requestsPerSecond ?? null) })),
    });
    const latency = barChart({
      title: 'tg: latency p50 / p99',
      subtitle: sub,
      categories: names.flatMap((l) => [`${l} p50`, `${l} p99`]),
      y: { label: 'ms' },
      series: targets.map((t) => ({
        name: label[t],
        values: names.flatMap((l) => [run(t, l)?.latencyMs.p50 ?? null, run(t, l)?.latencyMs.p99 ?? null]),
      })),
    });
    const details = table(
      ['layout', 'server', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU µs/req', 'req/s vs baseline'],
      names.flatMap((l) =>
        targets.map((t) => {
          const x = run(t, l);
          const b = run('baseline', l);
          return [
            l,
            label[t],
            x ? formatNumber(x.requestsPerSecond) : null,
            x?.latencyMs.p50,
            x?.latencyMs.p99,
            x?.errors,
            x?.serverCpuMicrosPerRequest,
            x && b ? `${Math.round((x.requestsPerSecond / b.requestsPerSecond) * 1000) / 10}%` : null,
          ];
        }),
      ),
    );
    return { rows, chart: panels([rate, latency]), details };
  },
};
