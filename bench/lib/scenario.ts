import { mkdirSync, writeFileSync } from 'node:fs';
import { gitCommit, machineInfo, type MachineInfo } from './machine.js';
import { repoPath } from './paths.js';

export interface ScenarioOutput {
  parameters: Record<string, unknown>;
  setup?: Record<string, unknown>;
  results: Record<string, unknown>;
  /** One line per figure for the console. */
  summary: string[];
}

export interface Scenario {
  name: string;
  description: string;
  run(): Promise<ScenarioOutput>;
}

export interface ResultFile extends Omit<ScenarioOutput, 'summary'> {
  scenario: string;
  description: string;
  startedAt: string;
  finishedAt: string;
  gitCommit: string | null;
  machine: MachineInfo;
}

/** Writes bench/results/<name>.json and returns its path. */
export function writeResult(scenario: Scenario, startedAt: Date, output: ScenarioOutput): string {
  const file: ResultFile = {
    scenario: scenario.name,
    description: scenario.description,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    gitCommit: gitCommit(),
    machine: machineInfo(),
    parameters: output.parameters,
    ...(output.setup ? { setup: output.setup } : {}),
    results: output.results,
  };
  const dir = repoPath('bench', 'results');
  mkdirSync(dir, { recursive: true });
  const path = `${dir}/${scenario.name}.json`;
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}
