/**
 * The bench runner. `npm run bench` runs every scenario; `npm run bench -- tg media` runs some (`calls` = setup and
 * media); `npm run bench:report` only rewrites the charts and bench/results/summary.md from the JSON files present
 * (`npm run bench:docs`: also the generated figures in docs/performance.md, then prettier).
 * BENCH_QUICK=1 makes a smoke run (short windows, few steps). Each scenario starts its own production-mode processes
 * (compiled JS under dist/), warms up, measures, stops them, and writes bench/results/<name>.json; after every
 * scenario the charts (<name>.svg) and summary.md are rewritten from all result files present.
 */
import { performance } from 'node:perf_hooks';
import { runCleanups } from './lib/cleanup.js';
import { QUICK } from './lib/knobs.js';
import { sampleMachineLoad } from './lib/machine.js';
import { resultPath, writeResult, type Scenario } from './lib/scenario.js';
import { updateDocs, writeReports } from './lib/summary.js';
import { mediaScenario } from './scenarios/media.js';
import { numbersScenario } from './scenarios/numbers.js';
import { setupScenario } from './scenarios/setup.js';
import { sipScenario } from './scenarios/sip.js';
import { tgScenario } from './scenarios/tg.js';
import { tokenScenario } from './scenarios/token.js';

/** Every scenario, in the order of issue #8 (and of the summary), then issue 12's gateway scenario. */
const SCENARIOS: Scenario[] = [tgScenario, tokenScenario, setupScenario, mediaScenario, numbersScenario, sipScenario];
const ALIASES: Record<string, string[]> = { calls: ['setup', 'media'] };

function selectScenarios(args: string[]): Scenario[] {
  const requested = args.flatMap((name) => ALIASES[name] ?? [name]);
  const unknown = requested.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length) {
    const known = [
      ...SCENARIOS.map((s) => s.name),
      ...Object.keys(ALIASES).map((a) => `${a} (${ALIASES[a].join('+')})`),
    ];
    process.stderr.write(`bench: unknown scenario ${unknown.join(', ')}; known: ${known.join(', ')}\n`);
    process.exit(2);
  }
  return requested.length ? SCENARIOS.filter((s) => requested.includes(s.name)) : SCENARIOS;
}

function report(runSeconds?: Record<string, number>, docs = false): void {
  const outcomes = writeReports(SCENARIOS, runSeconds);
  for (const o of outcomes)
    if (o.error) process.stderr.write(`bench: no chart or summary rows for ${o.scenario}: ${o.error}\n`);
  if (docs) process.stdout.write(`bench: rewrote the figures in ${updateDocs(outcomes)}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--report')) {
    report(undefined, args.includes('--docs'));
    process.stdout.write(`bench: rewrote the charts and ${resultPath('summary', 'json').replace(/json$/, 'md')}\n`);
    return;
  }
  const selected = selectScenarios(args.filter((a) => !a.startsWith('-')));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}, stopping\n`);
      void runCleanups().finally(() => process.exit(130));
    });
  }
  const runSeconds: Record<string, number> = {};
  const failed: string[] = [];
  const started = performance.now();
  if (QUICK) process.stdout.write('bench: BENCH_QUICK=1: a smoke run with short windows, not figures to quote\n');
  for (const scenario of selected) {
    process.stdout.write(`bench: ${scenario.name}: ${scenario.description}\n`);
    const scenarioStarted = performance.now();
    try {
      const load = await sampleMachineLoad();
      if (load.shared)
        process.stdout.write(
          `  note: the machine was busy before the run (${load.busyPercentOfOneCore}% of a core, load ` +
            `${load.loadAverage.join(' ')}): figures may be low and noisy\n`,
        );
      const startedAt = new Date();
      const output = await scenario.run();
      writeResult(scenario, startedAt, load, output);
      process.stdout.write(`${output.summary.map((line) => `  ${line}`).join('\n')}\n`);
      process.stdout.write(`  -> ${resultPath(scenario.name, 'json')}, ${resultPath(scenario.name, 'svg')}\n`);
    } catch (err) {
      failed.push(scenario.name);
      process.stderr.write(
        `bench: ${scenario.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      await runCleanups();
    }
    runSeconds[scenario.name] = (performance.now() - scenarioStarted) / 1000;
    process.stdout.write(`  (${scenario.name}: ${Math.round(runSeconds[scenario.name])} s)\n`);
    report(runSeconds);
  }
  const total = (performance.now() - started) / 1000;
  process.stdout.write(
    `bench: ${Object.entries(runSeconds)
      .map(([n, s]) => `${n} ${Math.round(s)} s`)
      .join(', ')}; total ${Math.round(total)} s -> ${resultPath('summary', 'json').replace(/json$/, 'md')}\n`,
  );
  if (failed.length) {
    process.stderr.write(`bench: failed: ${failed.join(', ')}\n`);
    process.exitCode = 1;
  }
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
