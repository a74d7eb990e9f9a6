import {
  HARNESS,
  disturbedWarning,
  disturbedWindows,
  measureSetups,
  setupLine,
  withCallsHarness,
} from '../lib/calls-harness.js';
import type { SetupRun } from '../lib/calls-harness.js';
import { formatNumber, lineChart, panels } from '../lib/chart.js';
import { envNumbers, pick, QUICK } from '../lib/knobs.js';
import { table, type ResultFile, type Scenario, type ScenarioOutput, type ScenarioReport } from '../lib/scenario.js';

const PARAMETERS = {
  harness: HARNESS,
  /** Parallel clients (closed loops), stepped up until failures pass maxFailureRate. BENCH_SETUP_CLIENTS=8,64. */
  clients: envNumbers('BENCH_SETUP_CLIENTS', pick([8, 32, 64, 128, 256, 512], [8, 64])),
  warmupSeconds: pick(2, 1),
  /** The first step warms up longer (JIT, connections, token caches of a fresh edge and workers). */
  firstWarmupSeconds: pick(4, 2),
  durationSeconds: pick(6, 3),
  maxFailureRate: 0.01,
  /** The target: at least this many setups/s with < 1% failures. */
  targetSetupsPerSecond: 300,
  cycle:
    'POST <tg>/calls (201), GET <call>/events until `answered` (setup latency), `end` on PUT <call>/events, GET until the `end` event, close',
  quick: QUICK,
};

interface SetupResults {
  runs: SetupRun[];
  best: { clients: number; setupsPerSecond: number; setupLatencyMs: SetupRun['setupLatencyMs'] } | null;
  firstFailing: { clients: number; failureRate: number } | null;
  pass: boolean;
  disturbedWindows: { what: string; restOfMachine: number | null }[];
}

export const setupScenario: Scenario = {
  name: 'setup',
  description:
    'call setups/s to the echo line (POST <tg>/calls -> answered -> end -> `end` event) from N parallel SDK clients ' +
    'in forked load-generator processes, N stepped up until failures pass 1%',
  async run(): Promise<ScenarioOutput> {
    return withCallsHarness({ database: 'riptrunk_bench_setup', baseline: false }, async (h) => {
      const runs: SetupRun[] = [];
      for (const clients of PARAMETERS.clients) {
        const warmupSeconds = runs.length ? PARAMETERS.warmupSeconds : PARAMETERS.firstWarmupSeconds;
        const run = await measureSetups(h, clients, { warmupSeconds, durationSeconds: PARAMETERS.durationSeconds });
        runs.push(run);
        process.stdout.write(`  ${setupLine(run)}\n`);
        if (run.failureRate > PARAMETERS.maxFailureRate) break;
      }
      const passing = runs.filter((r) => r.failureRate < PARAMETERS.maxFailureRate);
      const best = passing.reduce<SetupRun | undefined>(
        (b, r) => (!b || r.setupsPerSecond > b.setupsPerSecond ? r : b),
        undefined,
      );
      const failing = runs.find((r) => r.failureRate >= PARAMETERS.maxFailureRate);
      const disturbed = disturbedWindows(runs.map((r) => ({ what: `setups at ${r.clients} clients`, cpu: r.cpu })));
      const results: SetupResults = {
        runs,
        best: best
          ? { clients: best.clients, setupsPerSecond: best.setupsPerSecond, setupLatencyMs: best.setupLatencyMs }
          : null,
        firstFailing: failing ? { clients: failing.clients, failureRate: failing.failureRate } : null,
        pass: !!best && best.setupsPerSecond >= PARAMETERS.targetSetupsPerSecond,
        disturbedWindows: disturbed,
      };
      const f = (n: number) => n.toFixed(2);
      return {
        parameters: PARAMETERS,
        setup: h.describe(),
        results: results as unknown as Record<string, unknown>,
        summary: [
          ...runs.map(setupLine),
          best
            ? `highest setup rate with < 1% failures: ${best.setupsPerSecond} setups/s at ${best.clients} parallel ` +
              `clients (setup p50 ${f(best.setupLatencyMs.p50)} ms, p99 ${f(best.setupLatencyMs.p99)} ms); target ` +
              `>= ${PARAMETERS.targetSetupsPerSecond}/s: ${results.pass ? 'pass' : 'FAIL'}`
            : 'no setup step had < 1% failures',
          failing
            ? `failures passed 1% at ${failing.clients} clients (${(failing.failureRate * 100).toFixed(2)}%)`
            : `failures stayed below 1% up to ${runs[runs.length - 1]?.clients} clients (the last step)`,
          ...disturbedWarning(disturbed),
        ],
      };
    });
  },

  report(file: ResultFile): ScenarioReport {
    const r = file.results as unknown as SetupResults;
    const p = file.parameters as typeof PARAMETERS;
    const last = r.runs[r.runs.length - 1];
    const rows: ScenarioReport['rows'] = [
      {
        figure: 'call setups/s with < 1% failures (best step)',
        value: r.best
          ? `${formatNumber(r.best.setupsPerSecond)}/s at ${r.best.clients} clients, setup p99 ${formatNumber(r.best.setupLatencyMs.p99)} ms`
          : 'no step under 1% failures',
        baseline: 'none (no baseline in the issue)',
        ratio: r.best
          ? `${Math.round((r.best.setupsPerSecond / p.targetSetupsPerSecond) * 100)}% of target`
          : undefined,
        target: `≥ ${p.targetSetupsPerSecond}/s, < 1% failures`,
        pass: r.pass,
      },
      {
        figure: 'parallel clients where failures pass 1%',
        value: r.firstFailing
          ? `${r.firstFailing.clients} (${(r.firstFailing.failureRate * 100).toFixed(2)}%)`
          : `not reached up to ${last?.clients} clients (${last?.failures ?? 0} failures there)`,
      },
    ];
    const clients = r.runs.map((x) => x.clients);
    const rate = lineChart({
      title: 'setup: call setups/s vs parallel clients',
      subtitle: `${file.quick ? 'QUICK RUN · ' : ''}${p.durationSeconds} s windows, ${p.harness.workers} generator processes`,
      x: { label: 'parallel clients (closed loops, log scale)', log: true },
      y: { label: 'setups/s', min: 0 },
      y2: { label: 'failures (%)', min: 0, max: 2 },
      series: [
        { name: 'setups/s', points: r.runs.map((x) => [x.clients, x.setupsPerSecond] as const) },
        {
          name: 'failures %',
          axis: 'right',
          dashed: true,
          points: r.runs.map((x) => [x.clients, Math.round(x.failureRate * 10000) / 100] as const),
        },
      ],
      thresholds: [
        { y: p.targetSetupsPerSecond, label: `target ${p.targetSetupsPerSecond}/s` },
        { y: p.maxFailureRate * 100, label: '1% failures', axis: 'right', color: '#d62728' },
      ],
    });
    const latency = lineChart({
      title: 'setup latency (POST to `answered`)',
      subtitle: clients.length ? `${clients[0]} to ${clients[clients.length - 1]} clients` : undefined,
      x: { label: 'parallel clients (closed loops, log scale)', log: true },
      y: { label: 'ms', min: 0 },
      series: [
        { name: 'p50', points: r.runs.map((x) => [x.clients, x.setupLatencyMs.p50] as const) },
        { name: 'p99', points: r.runs.map((x) => [x.clients, x.setupLatencyMs.p99] as const) },
        {
          name: 'whole cycle p99',
          dashed: true,
          points: r.runs.map((x) => [x.clients, x.cycleLatencyMs.p99] as const),
        },
      ],
    });
    const details = table(
      [
        'clients',
        'setups/s',
        'failures',
        'setup p50 ms',
        'setup p99 ms',
        'cycle p99 ms',
        'edge CPU',
        'edge µs/setup',
        'rest of machine',
      ],
      r.runs.map((x) => [
        x.clients,
        formatNumber(x.setupsPerSecond),
        `${(x.failureRate * 100).toFixed(2)}%`,
        x.setupLatencyMs.p50,
        x.setupLatencyMs.p99,
        x.cycleLatencyMs.p99,
        x.cpu.processes.edge ? `${x.cpu.processes.edge.percentOfOneCore}%` : null,
        x.edgeCpuMicrosPerSetup,
        x.cpu.restOfMachine === null ? null : `${x.cpu.restOfMachine}%`,
      ]),
    );
    return { rows, chart: panels([rate, latency]), details };
  },
};
