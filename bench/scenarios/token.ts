import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { decodeJwt, generateKeyPair } from 'jose';
import { startBenchControlPlane, type BenchControlPlane } from '../lib/control-plane.js';
import { ownCpuSeconds, processCpuSeconds, redisCpuSeconds, startCpuMeter, type CpuReading } from '../lib/cpu.js';
import {
  adminPost,
  postToken,
  registerClient,
  signAssertion as signWithLifetime,
  tokenForm,
  type BenchClient,
} from '../lib/enterprise.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { barChart, formatNumber, panels } from '../lib/chart.js';
import { envNumbers, pick, QUICK } from '../lib/knobs.js';
import { table, type ResultFile, type Scenario, type ScenarioOutput, type ScenarioReport } from '../lib/scenario.js';

const PARAMETERS = {
  /** Enterprise clients registered with private_key_jwt (one onboarding code each); requests go round-robin. */
  clients: 8,
  /** Override with BENCH_TOKEN_CONCURRENCY=16,64. */
  concurrency: envNumbers('BENCH_TOKEN_CONCURRENCY', pick([4, 16, 64], [16])),
  warmupSeconds: pick(2, 1),
  durationSeconds: pick(8, 2),
  protocol: 'h2',
  assertion: { alg: 'ES256', lifetimeSeconds: 60, aud: 'issuer' },
  /** Assertions are signed before each run: (warm-up + duration) × this many, so signing costs no CPU while timed. */
  presignPerSecond: 2000,
  /** Assertions signed in flight at once when filling the pool (WebCrypto signs on the libuv thread pool). */
  signBatch: 64,
  signRateSeconds: pick(2, 0.5),
  quick: QUICK,
  /** Requests per minute per client and per address; the default (600) would turn most requests into 429s. */
  controlPlaneEnv: { RIPTRUNK_OAUTH_RATE_LIMIT: '1000000' },
};

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Assertions with the lifetime of PARAMETERS. */
const signAssertion = (client: BenchClient, audience: string) =>
  signWithLifetime(client, audience, PARAMETERS.assertion.lifetimeSeconds);

/** How many assertions this process signs per second, one at a time and `inFlight` at a time. */
async function measureSigning(): Promise<Record<string, unknown>> {
  const { privateKey } = await generateKeyPair('ES256');
  const client: BenchClient = { id: 'cli_signratesignrate0000', kid: 'k', privateKey };
  const rate = async (inFlight: number) => {
    const cpu = ownCpuSeconds();
    const started = performance.now();
    let signed = 0;
    while (performance.now() - started < PARAMETERS.signRateSeconds * 1000) {
      await Promise.all(Array.from({ length: inFlight }, () => signAssertion(client, 'https://localhost')));
      signed += inFlight;
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      inFlight,
      assertionsPerSecond: Math.round(signed / seconds),
      cpuPercentOfOneCore: round1(((ownCpuSeconds() - cpu) / seconds) * 100),
    };
  };
  await rate(1); // warm-up
  return { sequential: await rate(1), batched: await rate(PARAMETERS.signBatch) };
}

/** A tenant, then per client: an onboarding code, an ES256 key and RFC 7591 registration with the code. */
async function registerClients(cp: BenchControlPlane): Promise<{ tenantId: string; clients: BenchClient[] }> {
  const tenant = await adminPost(cp, '/v1/tenants', { name: 'Bench token tenant' });
  const clients: BenchClient[] = [];
  for (let i = 0; i < PARAMETERS.clients; i++) clients.push(await registerClient(cp, tenant.id, `bench pbx ${i}`));
  return { tenantId: tenant.id, clients };
}

/** Before timing: every client gets a token bound to its tenant, and a replayed assertion is refused. */
async function verifyTokens(cp: BenchControlPlane, tenantId: string, clients: BenchClient[]): Promise<void> {
  for (const client of clients) {
    const body = tokenForm(await signAssertion(client, cp.url));
    const res = await postToken(cp, body);
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`token for ${client.id} answered ${res.statusCode} ${text}`);
    const claims = decodeJwt((JSON.parse(text) as { access_token: string }).access_token);
    if (claims.client_id !== client.id || claims.tenant_id !== tenantId)
      throw new Error(`token for ${client.id} has claims ${JSON.stringify(claims)}`);
    const replay = await postToken(cp, body);
    const replayText = await replay.body.text();
    if (replay.statusCode !== 401 || !replayText.includes('jti'))
      throw new Error(`a replayed assertion answered ${replay.statusCode} ${replayText}`);
  }
}

/** Form bodies with freshly signed assertions, round-robin over the clients. */
async function signPool(cp: BenchControlPlane, clients: BenchClient[], size: number): Promise<string[]> {
  const pool: string[] = [];
  for (let i = 0; i < size; i += PARAMETERS.signBatch) {
    const batch = Array.from({ length: Math.min(PARAMETERS.signBatch, size - i) }, (_, k) =>
      signAssertion(clients[(i + k) % clients.length], cp.url),
    );
    for (const assertion of await Promise.all(batch)) pool.push(tokenForm(assertion));
  }
  return pool;
}

interface RunResult extends LoadResult {
  cpu: { controlPlane: CpuReading | null; loadGenerator: CpuReading | null; redis: CpuReading | null };
  assertions: { presigned: number; presignSeconds: number; used: number; signedDuringRun: number };
  errorSamples: string[];
  connections: unknown;
}

async function loadTokenEndpoint(
  cp: BenchControlPlane,
  clients: BenchClient[],
  redis: Redis,
  concurrency: number,
): Promise<RunResult> {
  const { warmupSeconds, durationSeconds, presignPerSecond } = PARAMETERS;
  const signingStarted = performance.now();
  const pool = await signPool(cp, clients, presignPerSecond * (warmupSeconds + durationSeconds));
  const presignSeconds = (performance.now() - signingStarted) / 1000;
  let next = 0;
  let signedDuringRun = 0;
  const errorSamples: string[] = [];
  const send = async () => {
    let body = pool[next];
    if (body === undefined) {
      // The pool ran out: sign here (counted, since it costs the load generator CPU while timed).
      signedDuringRun++;
      body = tokenForm(await signAssertion(clients[next % clients.length], cp.url));
    } else pool[next] = '';
    next++;
    const res = await postToken(cp, body);
    if (res.statusCode !== 200 && errorSamples.length < 5)
      errorSamples.push(`${res.statusCode} ${await res.body.text()}`);
    else await res.body.dump();
    return res.statusCode;
  };
  const ok = (status: number | string) => status === 200;

  await runLoad({ concurrency, durationMs: warmupSeconds * 1000, request: send, ok });
  const usedInWarmup = next;
  const signedInWarmup = signedDuringRun;
  const meters = await Promise.all([
    startCpuMeter(() => processCpuSeconds(cp.pid)),
    startCpuMeter(ownCpuSeconds),
    startCpuMeter(() => redisCpuSeconds(redis)),
  ]);
  const result = await runLoad({ concurrency, durationMs: durationSeconds * 1000, request: send, ok });
  const [controlPlane, loadGenerator, redisCpu] = await Promise.all(meters.map((stop) => stop()));
  return {
    ...result,
    cpu: { controlPlane, loadGenerator, redis: redisCpu },
    assertions: {
      presigned: pool.length,
      presignSeconds: Math.round(presignSeconds * 100) / 100,
      used: next - usedInWarmup,
      signedDuringRun: signedDuringRun - signedInWarmup,
    },
    errorSamples,
    connections: cp.agent.stats,
  };
}

export const tokenScenario: Scenario = {
  name: 'token',
  description:
    'POST /oauth/token: client_credentials with private_key_jwt (ES256 assertions, jti replay check), over HTTP/2',
  async run(): Promise<ScenarioOutput> {
    const signing = await measureSigning();
    const cp = await startBenchControlPlane({ database: 'riptrunk_bench_token', env: PARAMETERS.controlPlaneEnv });
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    try {
      const setupStarted = performance.now();
      const { tenantId, clients } = await registerClients(cp);
      const registerSeconds = (performance.now() - setupStarted) / 1000;
      await verifyTokens(cp, tenantId, clients);
      const runs: RunResult[] = [];
      for (const concurrency of PARAMETERS.concurrency)
        runs.push(await loadTokenEndpoint(cp, clients, redis, concurrency));

      const f = (n: number) => n.toFixed(2);
      const pct = (r: CpuReading | null) => (r ? `${r.percentOfOneCore}%` : 'n/a');
      const seq = signing.sequential as { assertionsPerSecond: number };
      const batched = signing.batched as { assertionsPerSecond: number; inFlight: number };
      return {
        parameters: PARAMETERS,
        setup: {
          tenantId,
          clients: clients.map((c) => c.id),
          registerSeconds: Math.round(registerSeconds * 100) / 100,
          loadAverageAtStart: os.loadavg().map((n) => Math.round(n * 100) / 100),
          signing,
        },
        results: Object.fromEntries(runs.map((r) => [`concurrency${r.concurrency}`, r])),
        summary: [
          `signing ES256 assertions in this process: ${seq.assertionsPerSecond}/s one at a time, ` +
            `${batched.assertionsPerSecond}/s with ${batched.inFlight} in flight (pre-signed before each run)`,
          ...runs.map(
            (r) =>
              `POST /oauth/token at ${r.concurrency} concurrent (h2): ${r.requestsPerSecond} req/s, ` +
              `p50 ${f(r.latencyMs.p50)} ms, p90 ${f(r.latencyMs.p90)} ms, p99 ${f(r.latencyMs.p99)} ms, ` +
              `max ${f(r.latencyMs.max)} ms, ${r.errors} errors of ${r.requests}; CPU: control plane ` +
              `${pct(r.cpu.controlPlane)}, load generator ${pct(r.cpu.loadGenerator)}, redis ${pct(r.cpu.redis)}` +
              (r.assertions.signedDuringRun ? `; ${r.assertions.signedDuringRun} assertions signed while timed` : '') +
              (r.errors ? `; outcomes ${JSON.stringify(r.outcomes)}, first error: ${r.errorSamples[0] ?? 'n/a'}` : ''),
          ),
        ],
      };
    } finally {
      redis.disconnect();
      await cp.stop();
    }
  },

  report(file: ResultFile): ScenarioReport {
    const runs = Object.values(file.results as Record<string, RunResult>).sort((a, b) => a.concurrency - b.concurrency);
    const p = file.parameters as typeof PARAMETERS;
    const signing = (file.setup?.signing ?? {}) as { sequential?: { assertionsPerSecond: number } };
    const rows: ScenarioReport['rows'] = runs.map((r) => ({
      figure: `POST /oauth/token (private_key_jwt, ES256), ${r.concurrency} concurrent`,
      value:
        `${formatNumber(r.requestsPerSecond)} req/s, p50 ${formatNumber(r.latencyMs.p50)} ms, ` +
        `p99 ${formatNumber(r.latencyMs.p99)} ms, ${r.errors} errors`,
      baseline: signing.sequential
        ? `none (for scale: the generator signs ${formatNumber(signing.sequential.assertionsPerSecond)} assertions/s on one core)`
        : 'none',
      target: 'figures only (no target in the issue)',
    }));
    const categories = runs.map((r) => `${r.concurrency} concurrent`);
    const sub = `${file.quick ? 'QUICK RUN · ' : ''}${p.durationSeconds} s per run, ${p.clients} clients, h2, pre-signed assertions`;
    const rate = barChart({
      title: 'token: POST /oauth/token requests/s',
      subtitle: sub,
      categories,
      y: { label: 'requests/s' },
      series: [{ name: 'tokens issued per second', values: runs.map((r) => r.requestsPerSecond) }],
    });
    const latency = barChart({
      title: 'token: latency',
      subtitle: sub,
      categories,
      y: { label: 'ms' },
      series: [
        { name: 'p50', values: runs.map((r) => r.latencyMs.p50), color: '#2ca02c' },
        { name: 'p99', values: runs.map((r) => r.latencyMs.p99), color: '#1f77b4' },
        { name: 'max', values: runs.map((r) => r.latencyMs.max), color: '#d62728' },
      ],
    });
    const details = table(
      ['concurrent', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors', 'control plane CPU'],
      runs.map((r) => [
        r.concurrency,
        formatNumber(r.requestsPerSecond),
        r.latencyMs.p50,
        r.latencyMs.p90,
        r.latencyMs.p99,
        r.latencyMs.max,
        r.errors,
        r.cpu.controlPlane ? `${r.cpu.controlPlane.percentOfOneCore}%` : null,
      ]),
    );
    return { rows, chart: panels([rate, latency]), details };
  },
};
