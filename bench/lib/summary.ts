import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resultPath, RESULTS_DIR, type ResultFile, type Scenario, type SummaryRow } from './scenario.js';

const cell = (s: string | undefined) =>
  (s ?? '—').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, ' ');
const mark = (pass: boolean | undefined) => (pass === undefined ? '—' : pass ? '✅ pass' : '❌ fail');

function machineLine(f: ResultFile): string {
  const m = f.machine;
  return `${m.cpuCount} × ${m.cpuModel}, ${Math.round(m.memoryBytes / 2 ** 30)} GiB, ${m.platform} ${m.arch}`;
}

function loadLine(f: ResultFile): string {
  const l = f.machineLoadAtStart;
  if (!l) return 'n/a';
  const busy = l.busyPercentOfOneCore === null ? 'n/a' : `${l.busyPercentOfOneCore}%`;
  return `${l.shared ? '**shared** ' : ''}busy ${busy} of a core, load ${l.loadAverage.join(' / ')}`;
}

export interface ReportOutcome {
  scenario: string;
  file?: ResultFile;
  rows: SummaryRow[];
  error?: string;
}

/**
 * Reads every bench/results/<name>.json of the known scenarios, rewrites each one's chart (<name>.svg) and
 * bench/results/summary.md. Runs after every bench run, also of a single scenario: the summary shows all files present.
 */
export function writeReports(scenarios: Scenario[], runSeconds?: Record<string, number>): ReportOutcome[] {
  const outcomes: ReportOutcome[] = [];
  for (const scenario of scenarios) {
    const path = resultPath(scenario.name, 'json');
    if (!existsSync(path)) continue;
    let file: ResultFile | undefined;
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as ResultFile;
      const report = scenario.report(file);
      writeFileSync(resultPath(scenario.name, 'svg'), `${report.chart}\n`);
      outcomes.push({ scenario: scenario.name, file, rows: report.rows });
    } catch (err) {
      // A result file from an older version of the bench, or a run that failed half-way.
      const error = err instanceof Error ? err.message : String(err);
      outcomes.push({ scenario: scenario.name, file, rows: [], error });
    }
  }
  writeFileSync(`${RESULTS_DIR}/summary.md`, summaryMarkdown(outcomes, runSeconds));
  return outcomes;
}

export function summaryMarkdown(outcomes: ReportOutcome[], runSeconds?: Record<string, number>): string {
  const lines: string[] = [
    '# Bench summary',
    '',
    `Generated ${new Date().toISOString()} by \`npm run bench\` from the result files in this directory ` +
      '(`bench/lib/summary.ts`); each scenario row shows when and where its file was written. Details: ' +
      '`<scenario>.json`; charts: `<scenario>.svg`; the write-up: `docs/performance.md`.',
    '',
    '## Runs',
    '',
    '| Scenario | Started (UTC) | Duration | Mode | Commit | Node | Machine | Machine before the run |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const o of outcomes) {
    const f = o.file;
    if (!f) {
      lines.push(`| ${o.scenario} | unreadable: ${cell(o.error)} | | | | | | |`);
      continue;
    }
    const commit = f.gitCommit ? `\`${f.gitCommit.slice(0, 10)}\`${f.gitDirty ? ' + uncommitted src/' : ''}` : 'n/a';
    lines.push(
      `| [${o.scenario}](${o.scenario}.json) | ${f.startedAt.replace('T', ' ').replace(/\.\d+Z$/, '')} | ` +
        `${f.durationSeconds === undefined ? 'n/a' : `${f.durationSeconds} s`} | ${f.quick ? 'quick (BENCH_QUICK=1)' : 'full'} | ${commit} | ` +
        `${f.machine.node} | ${cell(machineLine(f))} | ${cell(loadLine(f))} |`,
    );
  }
  if (runSeconds && Object.keys(runSeconds).length) {
    const total = Object.values(runSeconds).reduce((a, b) => a + b, 0);
    lines.push(
      '',
      `Last invocation: ${Object.entries(runSeconds)
        .map(([name, s]) => `${name} ${Math.round(s)} s`)
        .join(', ')}; total ${Math.round(total)} s (${(total / 60).toFixed(1)} min) without the build.`,
    );
  }
  lines.push(
    '',
    '## Headline figures',
    '',
    '| Scenario | Figure | Result | Baseline (same run) | Ratio | Target | Pass |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const o of outcomes) {
    if (o.error) lines.push(`| ${o.scenario} | report failed | ${cell(o.error)} | | | | |`);
    for (const row of o.rows)
      lines.push(
        `| ${o.scenario} | ${cell(row.figure)} | ${cell(row.value)} | ${cell(row.baseline)} | ${cell(row.ratio)} | ` +
          `${cell(row.target)} | ${mark(row.pass)} |`,
      );
  }
  lines.push('', '## Charts', '');
  for (const o of outcomes.filter((x) => !x.error))
    lines.push(`### ${o.scenario}`, '', `![${o.scenario}](${o.scenario}.svg)`, '');
  return `${lines.join('\n').trimEnd()}\n`;
}
