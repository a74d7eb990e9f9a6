import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { request } from 'undici';
import { LOOKUP_SQL } from '../../src/control-plane/numbers/number-ranges.service.js';
import { startBenchControlPlane, type BenchControlPlane } from '../lib/control-plane.js';
import { runLoad, runSequential } from '../lib/load.js';
import { barChart, formatNumber } from '../lib/chart.js';
import { pick, QUICK } from '../lib/knobs.js';
import type { LoadResult } from '../lib/load.js';
import { table, type ResultFile, type Scenario, type ScenarioOutput, type ScenarioReport } from '../lib/scenario.js';
import type { LatencySummary } from '../lib/stats.js';

const PARAMETERS = {
  tenants: 300,
  ranges: 100_000,
  trunksPerTenant: 2,
  /** Range i starts at +<firstNumber + i * stride> and holds 1 to `stride` numbers. */
  firstNumber: 12_010_000_000,
  stride: 1000,
  lookup: { concurrency: 20, warmupSeconds: pick(2, 1), durationSeconds: pick(8, 2), protocol: 'h2' },
  create: { requests: pick(300, 50), numbersPerRange: 100, firstNumber: 14_152_000_000 },
  quick: QUICK,
};

const tenantId = (j: number) => `ten_bench${String(j).padStart(15, '0')}`;
const rangeId = (i: number) => `rng_bench${String(i).padStart(15, '0')}`;
/** How many numbers bulk range i holds (1..stride, spread). */
const sizeOf = (i: number) => 1 + ((i * 7919) % PARAMETERS.stride);
const startOf = (i: number) => PARAMETERS.firstNumber + i * PARAMETERS.stride;

function randomInt(below: number): number {
  return Math.floor(Math.random() * below);
}

/** Tenants, ranges and trunks straight into Postgres, as set-based SQL. */
async function load(sql: pg.Client): Promise<Record<string, unknown>> {
  const { tenants, ranges, firstNumber, stride } = PARAMETERS;
  const started = performance.now();
  await sql.query(
    `INSERT INTO tenants (id, name, status)
     SELECT 'ten_bench' || lpad(j::text, 15, '0'), 'Bench tenant ' || j, 'active' FROM generate_series(0, $1 - 1) j`,
    [tenants],
  );
  await sql.query(
    `INSERT INTO number_ranges (id, tenant_id, start_e164, end_e164, country)
     SELECT 'rng_bench' || lpad(i::text, 15, '0'),
            'ten_bench' || lpad((i % $2)::text, 15, '0'),
            '+' || ($3::bigint + i::bigint * $4),
            '+' || ($3::bigint + i::bigint * $4 + 1 + (i::bigint * 7919) % $4 - 1),
            'US'
       FROM generate_series(0, $1 - 1) i`,
    [ranges, tenants, firstNumber, stride],
  );
  // Per tenant: one trunk that may use all its ranges (NULL) and one that lists its first three.
  await sql.query(
    `INSERT INTO trunks (id, tenant_id, name, destinations, codecs, max_concurrent_calls, max_calls_per_second,
                         caller_id_range_ids)
     SELECT 'trk_bench' || lpad((j * 2 + k)::text, 15, '0'), 'ten_bench' || lpad(j::text, 15, '0'),
            CASE k WHEN 0 THEN 'all-ranges' ELSE 'listed-ranges' END, '{"*"}', '{opus,PCMU}', 100, 10,
            CASE k WHEN 0 THEN NULL
                 ELSE ARRAY(SELECT 'rng_bench' || lpad((j + n * $1)::text, 15, '0') FROM generate_series(0, 2) n) END
       FROM generate_series(0, $1 - 1) j, generate_series(0, 1) k`,
    [tenants],
  );
  const loadSeconds = (performance.now() - started) / 1000;
  await sql.query('ANALYZE tenants, number_ranges, trunks');
  const sample = startOf(ranges >> 1);
  const plan = (await sql.query(`EXPLAIN (ANALYZE, COSTS OFF) ${LOOKUP_SQL}`, [String(sample)])).rows.map(
    (r: Record<string, string>) => r['QUERY PLAN'],
  );
  const [{ n }] = (await sql.query('SELECT count(*)::int AS n FROM number_ranges')).rows as { n: number }[];
  return {
    loadSeconds: Math.round(loadSeconds * 100) / 100,
    rangesInDatabase: n,
    lookupPlanUsesGistIndex: plan.some((line) => line.includes('number_ranges_no_overlap')),
    lookupPlan: plan,
  };
}

async function lookup(cp: BenchControlPlane, e164: string) {
  return request(`${cp.url}/v1/numbers/${e164}`, {
    dispatcher: cp.agent,
    headers: { authorization: `Bearer ${cp.adminToken}` },
  });
}

/** A few hundred look-ups checked in full before the timed run, so that speed is not bought with wrong answers. */
async function verifyLookups(cp: BenchControlPlane): Promise<void> {
  for (let k = 0; k < 200; k++) {
    const i = randomInt(PARAMETERS.ranges);
    const res = await lookup(cp, `+${startOf(i) + randomInt(sizeOf(i))}`);
    const body = (await res.body.json()) as { range?: { id: string }; tenant?: { id: string }; trunks?: unknown[] };
    if (res.statusCode !== 200 || body.range?.id !== rangeId(i) || body.tenant?.id !== tenantId(i % PARAMETERS.tenants))
      throw new Error(`look-up of range ${i} answered ${res.statusCode} ${JSON.stringify(body)}`);
  }
  const miss = await lookup(cp, `+${startOf(0) + PARAMETERS.stride - 1}`);
  await miss.body.dump();
  if (sizeOf(0) < PARAMETERS.stride && miss.statusCode !== 404)
    throw new Error(`unassigned number: ${miss.statusCode}`);
}

export const numbersScenario: Scenario = {
  name: 'numbers',
  description: `GET /v1/numbers/{e164} among ${PARAMETERS.ranges} ranges, and POST number-ranges`,
  async run(): Promise<ScenarioOutput> {
    const cp = await startBenchControlPlane();
    const sql = new pg.Client({ connectionString: cp.databaseUrl });
    try {
      await sql.connect();
      const setup = await load(sql);
      await verifyLookups(cp);

      const { concurrency, warmupSeconds, durationSeconds } = PARAMETERS.lookup;
      const lookups = await runLoad({
        concurrency,
        warmupMs: warmupSeconds * 1000,
        durationMs: durationSeconds * 1000,
        request: async () => {
          const i = randomInt(PARAMETERS.ranges);
          const res = await lookup(cp, `+${startOf(i) + randomInt(sizeOf(i))}`);
          await res.body.dump();
          return res.statusCode;
        },
        ok: (status) => status === 200,
      });

      const { requests, numbersPerRange, firstNumber } = PARAMETERS.create;
      const creates = await runSequential(
        requests,
        async (k) => {
          const res = await request(`${cp.url}/v1/tenants/${tenantId(randomInt(PARAMETERS.tenants))}/number-ranges`, {
            method: 'POST',
            dispatcher: cp.agent,
            headers: { authorization: `Bearer ${cp.adminToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ start: `+${firstNumber + k * numbersPerRange}`, count: numbersPerRange }),
          });
          if (res.statusCode !== 201 && k === 0)
            process.stderr.write(`bench: create answered ${await res.body.text()}\n`);
          else await res.body.dump();
          return res.statusCode;
        },
        (status) => status === 201,
      );

      const f = (n: number) => n.toFixed(2);
      return {
        parameters: PARAMETERS,
        setup,
        results: { lookup: lookups, create: creates },
        summary: [
          `load: ${PARAMETERS.ranges} ranges, ${PARAMETERS.tenants} tenants in ${setup.loadSeconds} s; ` +
            `look-up plan uses the gist index: ${setup.lookupPlanUsesGistIndex}`,
          `GET /v1/numbers/{e164}: ${lookups.requestsPerSecond} req/s at ${concurrency} concurrent (h2), ` +
            `p50 ${f(lookups.latencyMs.p50)} ms, p99 ${f(lookups.latencyMs.p99)} ms, max ${f(lookups.latencyMs.max)} ms, ` +
            `${lookups.errors} errors of ${lookups.requests}`,
          `POST number-ranges (sequential): p50 ${f(creates.latencyMs.p50)} ms, p99 ${f(creates.latencyMs.p99)} ms, ` +
            `max ${f(creates.latencyMs.max)} ms, ${creates.errors} errors of ${creates.requests}`,
        ],
      };
    } finally {
      await sql.end().catch(() => undefined);
      await cp.stop();
    }
  },

  report(file: ResultFile): ScenarioReport {
    const { lookup, create } = file.results as {
      lookup: LoadResult;
      create: { requests: number; errors: number; latencyMs: LatencySummary };
    };
    const p = file.parameters as typeof PARAMETERS;
    const setup = (file.setup ?? {}) as { rangesInDatabase?: number; lookupPlanUsesGistIndex?: boolean };
    const ms = (l: LatencySummary) =>
      `p50 ${formatNumber(l.p50)} ms, p99 ${formatNumber(l.p99)} ms, p99.9 ${formatNumber(l.p999)} ms`;
    const rows: ScenarioReport['rows'] = [
      {
        figure: `owner look-up GET /v1/numbers/{e164} among ${formatNumber(setup.rangesInDatabase ?? p.ranges)} ranges, ${p.lookup.concurrency} concurrent`,
        value: `${formatNumber(lookup.requestsPerSecond)} req/s, ${ms(lookup.latencyMs)}, ${lookup.errors} errors`,
        baseline: 'none',
        target: `figures only; plan uses the GiST index: ${setup.lookupPlanUsesGistIndex ?? 'n/a'}`,
      },
      {
        figure: 'POST number-ranges (sequential, overlap check against the same ranges)',
        value: `${ms(create.latencyMs)}, ${create.errors} errors of ${create.requests}`,
        baseline: 'none',
        target: 'figures only',
      },
    ];
    const quantiles = ['p50', 'p90', 'p99', 'p999', 'max'] as const;
    const chart = barChart({
      title: `numbers: latency among ${formatNumber(setup.rangesInDatabase ?? p.ranges)} number ranges`,
      subtitle:
        `${file.quick ? 'QUICK RUN · ' : ''}look-ups: ${formatNumber(lookup.requestsPerSecond)} req/s at ` +
        `${p.lookup.concurrency} concurrent for ${p.lookup.durationSeconds} s; creates: ${create.requests} one at a time`,
      categories: quantiles.map((q) => (q === 'p999' ? 'p99.9' : q)),
      y: { label: 'ms' },
      series: [
        {
          name: `GET /v1/numbers/{e164} (${p.lookup.concurrency} concurrent)`,
          values: quantiles.map((q) => lookup.latencyMs[q]),
        },
        { name: 'POST number-ranges (sequential)', values: quantiles.map((q) => create.latencyMs[q]) },
      ],
    });
    const details = table(
      ['operation', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'errors'],
      [
        [
          `GET /v1/numbers/{e164}, ${p.lookup.concurrency} concurrent`,
          formatNumber(lookup.requestsPerSecond),
          ...quantiles.map((q) => lookup.latencyMs[q]),
          lookup.errors,
        ],
        ['POST number-ranges, sequential', null, ...quantiles.map((q) => create.latencyMs[q]), create.errors],
      ],
    );
    return { rows, chart, details };
  },
};
