import { mkdirSync, writeFileSync } from 'node:fs';
import { QUICK } from './knobs.js';
import { gitCommit, gitDirty, machineInfo, type MachineInfo, type MachineLoad } from './machine.js';
import { repoPath } from './paths.js';

export interface ScenarioOutput {
  parameters: Record<string, unknown>;
  setup?: Record<string, unknown>;
  results: Record<string, unknown>;
  /** One line per figure for the console. */
  summary: string[];
}

/** One line of bench/results/summary.md. */
export interface SummaryRow {
  figure: string;
  /** The measured figure, formatted with its unit. */
  value: string;
  /** The same figure of the scenario's baseline, measured in the same run. */
  baseline?: string;
  /** value / baseline (or the scenario's own ratio, e.g. edge req/s as % of the baseline's). */
  ratio?: string;
  target?: string;
  /** Against the target; undefined when the figure has none. */
  pass?: boolean;
}

/** What bench/results/summary.md and bench/results/<name>.svg show of one result file. */
export interface ScenarioReport {
  rows: SummaryRow[];
  /** An SVG document (bench/lib/chart.ts). */
  chart: string;
  /** A markdown table of the figures behind the chart (header, separator, rows). */
  details: string[];
}

/** A markdown table from a header and rows of cells. */
export function table(header: string[], rows: (string | number | null | undefined)[][]): string[] {
  const cell = (c: string | number | null | undefined) =>
    String(c ?? '—')
      .replace(/\|/g, '\\|')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;');
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

export interface Scenario {
  name: string;
  description: string;
  run(): Promise<ScenarioOutput>;
  /** Headline rows and chart, from a result file this scenario wrote (read back from disk). */
  report(file: ResultFile): ScenarioReport;
}

export interface ResultFile extends Omit<ScenarioOutput, 'summary'> {
  scenario: string;
  description: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  /** BENCH_QUICK=1: a smoke run with short windows, not figures to quote. */
  quick: boolean;
  gitCommit: string | null;
  /** src/ had uncommitted changes when the scenario ran. */
  gitDirty: boolean | null;
  machine: MachineInfo;
  /** How busy the machine was before the scenario started; `shared` flags a run disturbed by other work. */
  machineLoadAtStart: MachineLoad;
  /** The console lines of the run. */
  summary: string[];
}

export const RESULTS_DIR = repoPath('bench', 'results');

export function resultPath(name: string, ext: 'json' | 'svg'): string {
  return `${RESULTS_DIR}/${name}.${ext}`;
}

/** Writes bench/results/<name>.json and returns the file's content. */
export function writeResult(
  scenario: Scenario,
  startedAt: Date,
  machineLoadAtStart: MachineLoad,
  output: ScenarioOutput,
): ResultFile {
  const finishedAt = new Date();
  const file: ResultFile = {
    scenario: scenario.name,
    description: scenario.description,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 100) / 10,
    quick: QUICK,
    gitCommit: gitCommit(),
    gitDirty: gitDirty(),
    machine: machineInfo(),
    machineLoadAtStart,
    parameters: output.parameters,
    ...(output.setup ? { setup: output.setup } : {}),
    results: output.results,
    summary: output.summary,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(resultPath(scenario.name, 'json'), `${JSON.stringify(file, null, 2)}\n`);
  return file;
}
