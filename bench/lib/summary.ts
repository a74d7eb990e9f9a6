import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { repoPath } from './paths.js';
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
  details?: string[];
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
      outcomes.push({ scenario: scenario.name, file, rows: report.rows, details: report.details });
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
  lines.push('', '## Headline figures', '', ...headlineTable(outcomes), '', '## Details', '');
  for (const o of outcomes.filter((x) => !x.error))
    lines.push(`### ${o.scenario}`, '', `![${o.scenario}](${o.scenario}.svg)`, '', ...(o.details ?? []), '');
  return `${lines.join('\n').trimEnd()}\n`;
}

function headlineTable(outcomes: ReportOutcome[]): string[] {
  const lines = [
    '| Scenario | Figure | Result | Baseline (same run) | Ratio | Target | Pass |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const o of outcomes) {
    if (o.error) lines.push(`| ${o.scenario} | report failed | ${cell(o.error)} | | | | |`);
    for (const row of o.rows)
      lines.push(
        `| ${o.scenario} | ${cell(row.figure)} | ${cell(row.value)} | ${cell(row.baseline)} | ${cell(row.ratio)} | ` +
          `${cell(row.target)} | ${mark(row.pass)} |`,
      );
  }
  return lines;
}

function replaceBetween(text: string, marker: string, content: string): string {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`docs/performance.md has no ${start} ... ${end}`);
  return `${text.slice(0, i + start.length)}\n${content.trim()}\n${text.slice(j)}`;
}

/**
 * `npm run bench:docs` (run.js --report --docs, then prettier): rewrites the generated parts of docs/performance.md
 * (between its `<!-- latest-run:start/end -->` and `<!-- durations:start/end -->` markers) from the result files.
 */
export function updateDocs(outcomes: ReportOutcome[]): string {
  const path = repoPath('docs', 'performance.md');
  const files = outcomes.filter((o) => o.file).map((o) => o.file!);
  const commits = [...new Set(files.map((f) => f.gitCommit?.slice(0, 10) ?? 'n/a'))];
  const shared = files.filter((f) => f.machineLoadAtStart?.shared).map((f) => f.scenario);
  const latest: string[] = [
    `Run of ${files.map((f) => `${f.scenario} ${f.startedAt.slice(0, 16).replace('T', ' ')}`).join(', ')} (UTC), ` +
      `commit ${commits.map((c) => `\`${c}\``).join(', ')}` +
      (files.some((f) => f.gitDirty) ? ' with uncommitted changes in `src/` (other work in progress)' : '') +
      `, Node ${files[0]?.machine.node ?? 'n/a'}, ${files[0] ? machineLine(files[0]) : 'n/a'}` +
      (files.some((f) => f.quick) ? '; **quick mode** (BENCH_QUICK=1)' : '') +
      '. ' +
      (shared.length
        ? `**Shared machine**: other work was using the cores when ${shared.join(', ')} started (see ` +
          '`machineLoadAtStart` and `disturbedWindows` in the JSON): those figures are low and noisy; the ' +
          'baselines were measured under the same conditions.'
        : 'The machine was otherwise idle when each scenario started.'),
    '',
    ...headlineTable(outcomes),
    '',
  ];
  for (const o of outcomes.filter((x) => !x.error))
    latest.push(
      `### ${o.scenario}`,
      '',
      `![${o.scenario}](../bench/results/${o.scenario}.svg)`,
      '',
      ...(o.details ?? []),
      '',
    );
  const durations = [
    '| Scenario | Duration | Mode | Started (UTC) |',
    '| --- | --- | --- | --- |',
    ...files.map(
      (f) =>
        `| ${f.scenario} | ${f.durationSeconds ?? 'n/a'} s | ${f.quick ? 'quick' : 'full'} | ` +
        `${f.startedAt.slice(0, 19).replace('T', ' ')} |`,
    ),
    `| **total** | **${Math.round(files.reduce((t, f) => t + (f.durationSeconds ?? 0), 0))} s** | | |`,
  ];
  let text = readFileSync(path, 'utf8');
  text = replaceBetween(text, 'latest-run', latest.join('\n'));
  text = replaceBetween(text, 'durations', durations.join('\n'));
  writeFileSync(path, text);
  return path;
}
