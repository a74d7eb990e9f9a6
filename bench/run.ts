import { runCleanups } from './lib/cleanup.js';
import { writeResult, type Scenario } from './lib/scenario.js';
import { callsScenario } from './scenarios/calls.js';
import { numbersScenario } from './scenarios/numbers.js';
import { tgScenario } from './scenarios/tg.js';
import { tokenScenario } from './scenarios/token.js';

/** Every scenario, by name. `npm run bench` runs them all; `npm run bench -- numbers` runs one. */
const SCENARIOS: Scenario[] = [numbersScenario, tokenScenario, tgScenario, callsScenario];

async function main(): Promise<void> {
  const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = requested.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length) {
    process.stderr.write(
      `bench: unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}\n`,
    );
    process.exit(2);
  }
  const selected = requested.length ? SCENARIOS.filter((s) => requested.includes(s.name)) : SCENARIOS;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}, stopping\n`);
      void runCleanups().finally(() => process.exit(130));
    });
  }
  for (const scenario of selected) {
    process.stdout.write(`bench: ${scenario.name}: ${scenario.description}\n`);
    const startedAt = new Date();
    const output = await scenario.run();
    const path = writeResult(scenario, startedAt, output);
    process.stdout.write(`${output.summary.map((line) => `  ${line}`).join('\n')}\n  -> ${path}\n`);
  }
}

main()
  .catch(async (err: unknown) => {
    process.stderr.write(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
