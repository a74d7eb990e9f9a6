import { performance } from 'node:perf_hooks';
import {
  HARNESS,
  disturbedWarning,
  disturbedWindows,
  limitedBy,
  measureMedia,
  mediaLine,
  round1,
  round2,
  stopMedia,
  withCallsHarness,
  type CallsHarness,
  type MediaMode,
  type MediaRun,
} from '../lib/calls-harness.js';
import { formatNumber, lineChart, panels, type LineSeries } from '../lib/chart.js';
import { envNumbers, envSeconds, pick, QUICK } from '../lib/knobs.js';
import { table, type ResultFile, type Scenario, type ScenarioOutput, type ScenarioReport } from '../lib/scenario.js';

const forcedMode = process.env.BENCH_MEDIA_MODE as MediaMode | undefined;

const PARAMETERS = {
  harness: HARNESS,
  /** Concurrent echo calls on the one edge process, stepped up until a step fails. BENCH_MEDIA_STEPS=100,400. */
  steps: envNumbers('BENCH_MEDIA_STEPS', pick([100, 200, 400, 600, 700, 800, 900, 1000, 1200, 1500, 2000], [50, 200])),
  warmupSeconds: pick(2, 1),
  durationSeconds: pick(5, 2),
  /** A step passes with loss below this and p99 below maxP99Ms. */
  maxLossRate: 0.001,
  maxP99Ms: 20,
  /** The target. */
  target: { calls: 1000, p99Ms: 10 },
  /** Generator cost of RiptCall media (sdk) vs the worker's own streams (raw), measured before the steps. */
  probe: { calls: pick(200, 50), warmupSeconds: 1, durationSeconds: pick(3, 1) },
  baseline:
    'the same workers and calls against bench/lib/h2-echo-server.ts (bare node:http2 over the same TLS, relays PUT ' +
    'bodies to GET bodies byte for byte), stepped through the same counts as the edge and on until it fails too',
  /**
   * Wall-clock budget of the scenario (BENCH_MEDIA_BUDGET_SECONDS): the edge steps stop at 55% of it, the baseline
   * steps at 100%, so that a much faster edge cannot push `npm run bench` past its 10 minutes.
   */
  budgetSeconds: envSeconds('BENCH_MEDIA_BUDGET_SECONDS', pick(270, 90)),
  modeOverride: forcedMode ?? null,
  quick: QUICK,
};

const LIMITS = { maxLossRate: PARAMETERS.maxLossRate, maxP99Ms: PARAMETERS.maxP99Ms };

interface StepComparison {
  calls: number;
  edge: Pick<MediaRun['latencyMs'], 'p50' | 'p99' | 'p999'> & { lossRate: number; pass: boolean };
  baseline: Pick<MediaRun['latencyMs'], 'p50' | 'p99' | 'p999'> & { lossRate: number; pass: boolean };
  /** Edge minus baseline: what the edge adds to the bare transport, ms. */
  addedMs: { p50: number; p99: number; p999: number };
  edgeOverBaseline: {
    p50: number | null;
    p99: number | null;
    p999: number | null;
    serverCpuPerFrame: number | null;
    rss: number | null;
  };
}

interface MediaResults {
  probe: Record<MediaMode, MediaRun>;
  mode: MediaMode;
  steps: MediaRun[];
  baselineSteps: MediaRun[];
  stopped: { edge: { ended: number; endFailures: number }; baseline: { ended: number; endFailures: number } };
  largestPassing: { calls: number; latencyMs: MediaRun['latencyMs']; lossRate: number } | null;
  firstFailing: { calls: number; failedBecause: string[] } | null;
  baselineLargestPassing: { calls: number; latencyMs: MediaRun['latencyMs']; lossRate: number } | null;
  baselineFirstFailing: { calls: number; failedBecause: string[] } | null;
  perStep: StepComparison[];
  target: { calls: number; p99Ms: number; pass: boolean };
  truncatedByBudget: string | null;
  disturbedWindows: { what: string; restOfMachine: number | null }[];
}

const signed = (n: number) => (n >= 0 ? `+${n}` : `${n}`);
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? round2(a / b) : null);

function compare(edge: MediaRun, base: MediaRun): StepComparison {
  const pick3 = (r: MediaRun) => ({
    p50: r.latencyMs.p50,
    p99: r.latencyMs.p99,
    p999: r.latencyMs.p999,
    lossRate: r.lossRate,
    pass: r.pass,
  });
  return {
    calls: edge.calls,
    edge: pick3(edge),
    baseline: pick3(base),
    addedMs: {
      p50: round2(edge.latencyMs.p50 - base.latencyMs.p50),
      p99: round2(edge.latencyMs.p99 - base.latencyMs.p99),
      p999: round2(edge.latencyMs.p999 - base.latencyMs.p999),
    },
    edgeOverBaseline: {
      p50: ratio(edge.latencyMs.p50, base.latencyMs.p50),
      p99: ratio(edge.latencyMs.p99, base.latencyMs.p99),
      p999: ratio(edge.latencyMs.p999, base.latencyMs.p999),
      serverCpuPerFrame: ratio(edge.serverCpuMicrosPerFrame, base.serverCpuMicrosPerFrame),
      rss: ratio(edge.memory.rssMb, base.memory.rssMb),
    },
  };
}

const brief = (r: MediaRun | undefined) =>
  r ? { calls: r.calls, latencyMs: r.latencyMs, lossRate: r.lossRate } : null;

/** Steps `target` through the counts until a step fails (or `more` says stop), growing the same calls each time. */
async function stepUp(
  h: CallsHarness,
  target: 'edge' | 'baseline',
  mode: MediaMode,
  more: (index: number, last: MediaRun | undefined) => string | true,
): Promise<{ runs: MediaRun[]; stoppedBecause: string | null }> {
  const runs: MediaRun[] = [];
  for (let i = 0; i < PARAMETERS.steps.length; i++) {
    const go = more(i, runs[runs.length - 1]);
    if (go !== true) return { runs, stoppedBecause: go };
    const run = await measureMedia(h, target, mode, PARAMETERS.steps[i], PARAMETERS, LIMITS);
    runs.push(run);
    process.stdout.write(`  ${mediaLine(run, target)}\n`);
  }
  return { runs, stoppedBecause: null };
}

export const mediaScenario: Scenario = {
  name: 'media',
  description:
    'concurrent echo calls at 50 frames/s each way on one edge process, stepped up, vs the same load on a bare ' +
    'node:http2 echo; latency p50/p99/p99.9, loss, CPU and RSS per step; load from forked worker processes',
  async run(): Promise<ScenarioOutput> {
    return withCallsHarness({ database: 'riptrunk_bench_media', baseline: true }, async (h) => {
      const started = performance.now();
      const elapsed = () => (performance.now() - started) / 1000;
      const budget = PARAMETERS.budgetSeconds;

      // What the generator costs per frame: RiptCall's media vs the worker's own streams.
      const probe = {} as Record<MediaMode, MediaRun>;
      for (const mode of ['sdk', 'raw'] as const) {
        probe[mode] = await measureMedia(h, 'edge', mode, PARAMETERS.probe.calls, PARAMETERS.probe, LIMITS);
        await stopMedia(h);
        process.stdout.write(`  ${mediaLine(probe[mode], 'probe')}\n`);
      }
      const costOf = (mode: MediaMode) => probe[mode].generatorCpuMicrosPerFrame ?? Infinity;
      const mode: MediaMode = forcedMode ?? (costOf('raw') < costOf('sdk') ? 'raw' : 'sdk');

      // The edge, stepped up until a step fails; then the baseline through the same counts and on until it fails.
      const edge = await stepUp(h, 'edge', mode, (_i, last) => {
        if (last && !last.pass) return 'failed';
        return elapsed() > budget * 0.55 ? `budget: ${Math.round(elapsed())} s of ${budget} s spent` : true;
      });
      const steps = edge.runs;
      const stoppedEdge = await stopMedia(h);
      const base = await stepUp(h, 'baseline', mode, (i, last) => {
        if (last && !last.pass && i >= steps.length) return 'failed';
        return elapsed() > budget ? `budget: ${Math.round(elapsed())} s of ${budget} s spent` : true;
      });
      const baselineSteps = base.runs;
      const stoppedBaseline = await stopMedia(h);

      const largest = steps.filter((s) => s.pass).pop();
      const failed = steps.find((s) => !s.pass);
      const baseLargest = baselineSteps.filter((s) => s.pass).pop();
      const baseFailed = baselineSteps.find((s) => !s.pass);
      const perStep = steps.flatMap((s) => {
        const b = baselineSteps.find((x) => x.calls === s.calls);
        return b ? [compare(s, b)] : [];
      });
      const atTarget = steps.find((s) => s.calls === PARAMETERS.target.calls);
      const targetPass =
        !!atTarget && atTarget.lossRate < PARAMETERS.maxLossRate && atTarget.latencyMs.p99 <= PARAMETERS.target.p99Ms;
      const truncated = [
        edge.stoppedBecause?.startsWith('budget') ? `edge steps: ${edge.stoppedBecause}` : null,
        base.stoppedBecause?.startsWith('budget') ? `baseline steps: ${base.stoppedBecause}` : null,
      ].filter((x): x is string => !!x);
      const disturbed = disturbedWindows([
        ...Object.values(probe).map((r) => ({ what: `probe (${r.mode}) at ${r.calls} calls`, cpu: r.cpu })),
        ...[...steps, ...baselineSteps].map((r) => ({ what: `${r.target} at ${r.calls} calls`, cpu: r.cpu })),
      ]);
      const results: MediaResults = {
        probe,
        mode,
        steps,
        baselineSteps,
        stopped: { edge: stoppedEdge, baseline: stoppedBaseline },
        largestPassing: brief(largest),
        firstFailing: failed ? { calls: failed.calls, failedBecause: failed.failedBecause } : null,
        baselineLargestPassing: brief(baseLargest),
        baselineFirstFailing: baseFailed ? { calls: baseFailed.calls, failedBecause: baseFailed.failedBecause } : null,
        perStep,
        target: { ...PARAMETERS.target, pass: targetPass },
        truncatedByBudget: truncated.length ? truncated.join('; ') : null,
        disturbedWindows: disturbed,
      };
      const m = PARAMETERS;
      const passRule = `loss < ${m.maxLossRate * 100}% and p99 < ${m.maxP99Ms} ms`;
      return {
        parameters: PARAMETERS,
        setup: h.describe(),
        results: results as unknown as Record<string, unknown>,
        summary: [
          `generator cost per frame at ${m.probe.calls} calls: RiptCall media ${probe.sdk.generatorCpuMicrosPerFrame} µs, ` +
            `own streams ${probe.raw.generatorCpuMicrosPerFrame} µs -> steps use ${mode}` +
            (forcedMode ? ' (BENCH_MEDIA_MODE)' : ''),
          ...steps.map((s) => mediaLine(s, 'edge')),
          ...baselineSteps.map((s) => mediaLine(s, 'bare node:http2 echo,')),
          largest
            ? `edge: largest step with ${passRule}: ${largest.calls} concurrent echo calls ` +
              `(${largest.framesSentPerSecond} frames/s each way, p99 ${largest.latencyMs.p99} ms); ${limitedBy(largest)}`
            : `edge: no step passed (${passRule})`,
          failed
            ? `edge: first failing step ${failed.calls} calls (${failed.failedBecause.join(', ')}); ${limitedBy(failed)}`
            : `edge: every step run passed, up to ${steps[steps.length - 1]?.calls} calls`,
          baseLargest
            ? `bare echo: largest passing step ${baseLargest.calls} calls (p99 ${baseLargest.latencyMs.p99} ms)` +
              (baseFailed ? `, first failing ${baseFailed.calls} (${baseFailed.failedBecause.join(', ')})` : '')
            : 'bare echo: no step passed',
          ...perStep.map(
            (c) =>
              `at ${c.calls} calls, edge - bare echo: p50 ${signed(c.addedMs.p50)} ms (x${c.edgeOverBaseline.p50}), ` +
              `p99 ${signed(c.addedMs.p99)} ms (x${c.edgeOverBaseline.p99}), p99.9 ${signed(c.addedMs.p999)} ms ` +
              `(x${c.edgeOverBaseline.p999}); server CPU per frame x${c.edgeOverBaseline.serverCpuPerFrame}, ` +
              `RSS x${c.edgeOverBaseline.rss}`,
          ),
          `target ${m.target.calls} calls at p99 <= ${m.target.p99Ms} ms: ` +
            (atTarget
              ? `p99 ${atTarget.latencyMs.p99} ms, loss ${(atTarget.lossRate * 100).toFixed(3)}% -> ${targetPass ? 'pass' : 'FAIL'}`
              : `not reached -> FAIL`),
          ...(results.truncatedByBudget ? [`stepping cut short by the time budget: ${results.truncatedByBudget}`] : []),
          ...disturbedWarning(disturbed),
          `note: ${h.describe().note}: the generator takes CPU the edge could otherwise use`,
        ],
      };
    });
  },

  report(file: ResultFile): ScenarioReport {
    const r = file.results as unknown as MediaResults;
    const p = file.parameters as typeof PARAMETERS;
    const fmtMs = (n: number | undefined) => (n === undefined ? 'n/a' : `${formatNumber(n)} ms`);
    const largest = r.largestPassing;
    const baseLargest = r.baselineLargestPassing;
    const at = (runs: MediaRun[], calls: number | undefined) => runs.find((s) => s.calls === calls);
    const edgeAtTarget = at(r.steps, p.target.calls);
    const baseAtTarget = at(r.baselineSteps, p.target.calls);
    const edgeAtLargest = at(r.steps, largest?.calls);
    const baseAtLargest = at(r.baselineSteps, largest?.calls);
    const lat = (s: MediaRun | undefined) =>
      s ? `p50 ${fmtMs(s.latencyMs.p50)}, p99 ${fmtMs(s.latencyMs.p99)}, p99.9 ${fmtMs(s.latencyMs.p999)}` : 'not run';
    const cmp = r.perStep.find((c) => c.calls === largest?.calls);
    const rows: ScenarioReport['rows'] = [
      {
        figure: `largest step with loss < ${p.maxLossRate * 100}% and p99 < ${p.maxP99Ms} ms`,
        value: largest ? `${formatNumber(largest.calls)} calls (p99 ${fmtMs(largest.latencyMs.p99)})` : 'none',
        baseline: baseLargest
          ? `${formatNumber(baseLargest.calls)} calls (p99 ${fmtMs(baseLargest.latencyMs.p99)})` +
            (r.baselineFirstFailing ? '' : ', never failed')
          : 'none',
        ratio: largest && baseLargest ? `${Math.round((largest.calls / baseLargest.calls) * 100)}%` : undefined,
        target: `≥ ${formatNumber(p.target.calls)} calls`,
        pass: !!largest && largest.calls >= p.target.calls,
      },
      {
        figure: `${formatNumber(p.target.calls)} calls at p99 ≤ ${p.target.p99Ms} ms`,
        value: edgeAtTarget
          ? `p99 ${fmtMs(edgeAtTarget.latencyMs.p99)}, loss ${(edgeAtTarget.lossRate * 100).toFixed(3)}%`
          : `not reached (stopped at ${r.firstFailing?.calls ?? r.steps[r.steps.length - 1]?.calls ?? 0} calls)`,
        baseline: baseAtTarget
          ? `p99 ${fmtMs(baseAtTarget.latencyMs.p99)}, loss ${(baseAtTarget.lossRate * 100).toFixed(3)}%`
          : 'not run',
        ratio:
          edgeAtTarget && baseAtTarget
            ? `×${ratio(edgeAtTarget.latencyMs.p99, baseAtTarget.latencyMs.p99)}`
            : undefined,
        target: `p99 ≤ ${p.target.p99Ms} ms, loss < ${p.maxLossRate * 100}%`,
        pass: r.target.pass,
      },
      ...(largest
        ? [
            {
              figure: `latency at ${formatNumber(largest.calls)} calls`,
              value: lat(edgeAtLargest),
              baseline: lat(baseAtLargest),
              ratio: cmp ? `p99 ×${cmp.edgeOverBaseline.p99} (${signed(cmp.addedMs.p99)} ms)` : undefined,
            },
            {
              figure: `CPU and RSS of the server at ${formatNumber(largest.calls)} calls`,
              value: edgeAtLargest
                ? `${edgeAtLargest.cpu.processes.edge?.percentOfOneCore ?? 'n/a'}% of a core ` +
                  `(${edgeAtLargest.serverCpuMicrosPerFrame} µs/frame), RSS ${edgeAtLargest.memory.rssMb} MB`
                : 'n/a',
              baseline: baseAtLargest
                ? `${baseAtLargest.cpu.processes.baseline?.percentOfOneCore ?? 'n/a'}% of a core ` +
                  `(${baseAtLargest.serverCpuMicrosPerFrame} µs/frame), RSS ${baseAtLargest.memory.rssMb} MB`
                : 'not run',
              ratio: cmp
                ? `CPU/frame ×${cmp.edgeOverBaseline.serverCpuPerFrame}, RSS ×${cmp.edgeOverBaseline.rss}`
                : undefined,
            },
          ]
        : []),
    ];
    const series = (runs: MediaRun[], who: string, dashed: boolean): LineSeries[] =>
      (['p50', 'p99', 'p999'] as const).map((q, i) => ({
        name: `${who} ${q === 'p999' ? 'p99.9' : q}`,
        dashed,
        color: ['#2ca02c', '#1f77b4', '#d62728'][i],
        points: runs.map((s) => [s.calls, s.latencyMs[q]] as const),
      }));
    const sub = `${file.quick ? 'QUICK RUN · ' : ''}${p.durationSeconds} s windows, 50 frames/s each way per call, ${r.mode} media`;
    const latency = lineChart({
      title: 'media: echo latency vs concurrent calls',
      subtitle: `${sub}; solid = edge, dashed = bare node:http2 echo`,
      x: { label: 'concurrent echo calls', min: 0 },
      y: { label: 'round-trip latency (ms, log scale)', log: true },
      series: [...series(r.steps, 'edge', false), ...series(r.baselineSteps, 'bare echo', true)],
      thresholds: [
        { y: p.maxP99Ms, label: `p99 limit ${p.maxP99Ms} ms`, color: '#d62728' },
        { y: p.target.p99Ms, label: `target p99 ${p.target.p99Ms} ms at ${p.target.calls} calls`, color: '#ff7f0e' },
      ],
    });
    const cpu = lineChart({
      title: 'media: server CPU and RSS',
      subtitle: sub,
      x: { label: 'concurrent echo calls', min: 0 },
      y: { label: 'CPU (% of one core)', min: 0 },
      y2: { label: 'RSS (MB)', min: 0 },
      series: [
        {
          name: 'edge CPU',
          color: '#1f77b4',
          points: r.steps.map((s) => [s.calls, s.cpu.processes.edge?.percentOfOneCore ?? null] as const),
        },
        {
          name: 'bare echo CPU',
          color: '#1f77b4',
          dashed: true,
          points: r.baselineSteps.map((s) => [s.calls, s.cpu.processes.baseline?.percentOfOneCore ?? null] as const),
        },
        { name: 'generator CPU', color: '#7f7f7f', points: r.steps.map((s) => [s.calls, s.cpu.generator] as const) },
        {
          name: 'edge RSS',
          axis: 'right',
          color: '#9467bd',
          points: r.steps.map((s) => [s.calls, s.memory.rssMb] as const),
        },
        {
          name: 'bare echo RSS',
          axis: 'right',
          color: '#9467bd',
          dashed: true,
          points: r.baselineSteps.map((s) => [s.calls, s.memory.rssMb] as const),
        },
      ],
      thresholds: [{ y: 100, label: 'one core', color: '#7f7f7f' }],
    });
    const loss = lineChart({
      title: 'media: frame loss',
      subtitle: `frames not echoed within ${p.harness.media.lossAfterMs} ms`,
      x: { label: 'concurrent echo calls', min: 0 },
      y: { label: 'loss (%)', min: 0, max: p.maxLossRate * 200 },
      series: [
        { name: 'edge', points: r.steps.map((s) => [s.calls, round1(s.lossRate * 1e5) / 1000] as const) },
        {
          name: 'bare echo',
          dashed: true,
          points: r.baselineSteps.map((s) => [s.calls, round1(s.lossRate * 1e5) / 1000] as const),
        },
      ],
      thresholds: [{ y: p.maxLossRate * 100, label: `limit ${p.maxLossRate * 100}%`, color: '#d62728' }],
    });
    const counts = [...new Set([...r.steps, ...r.baselineSteps].map((s) => s.calls))].sort((a, b) => a - b);
    const three = (s: MediaRun | undefined) =>
      s ? `${s.latencyMs.p50} / ${s.latencyMs.p99} / ${s.latencyMs.p999}` : null;
    const cpuOf = (s: MediaRun | undefined) =>
      s ? `${s.cpu.processes[s.target]?.percentOfOneCore ?? 'n/a'}% (${s.serverCpuMicrosPerFrame} µs/frame)` : null;
    const details = table(
      [
        'calls',
        'edge p50 / p99 / p99.9 ms',
        'edge loss',
        'edge CPU',
        'edge RSS MB',
        'echo p50 / p99 / p99.9 ms',
        'echo loss',
        'echo CPU',
        'echo RSS MB',
        'p99 added',
        'edge / echo',
      ],
      counts.map((calls) => {
        const e = at(r.steps, calls);
        const b = at(r.baselineSteps, calls);
        const c = r.perStep.find((x) => x.calls === calls);
        const lossOf = (s: MediaRun | undefined) => (s ? `${(s.lossRate * 100).toFixed(3)}%` : null);
        return [
          calls,
          three(e),
          lossOf(e),
          cpuOf(e),
          e?.memory.rssMb,
          three(b),
          lossOf(b),
          cpuOf(b),
          b?.memory.rssMb,
          c ? `${signed(c.addedMs.p99)} ms` : null,
          e && b ? `${e.pass ? 'pass' : 'fail'} / ${b.pass ? 'pass' : 'fail'}` : e ? (e.pass ? 'pass' : 'fail') : null,
        ];
      }),
    );
    return { rows, chart: panels([latency, cpu, loss], 2), details };
  },
};
