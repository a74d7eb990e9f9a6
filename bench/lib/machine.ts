import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { machineBusyCpuSeconds } from './cpu.js';
import { REPO_ROOT } from './paths.js';

export interface MachineInfo {
  cpuModel: string;
  cpuCount: number;
  memoryBytes: number;
  platform: string;
  release: string;
  arch: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    memoryBytes: os.totalmem(),
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    node: process.version,
  };
}

/** The commit being measured, or null outside a git checkout. */
export function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** Whether the working tree differs from the commit (the figures then measure uncommitted code). */
export function gitDirty(): boolean | null {
  try {
    const out = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    return out.trim().length > 0;
  } catch {
    return null;
  }
}

/** How busy the machine was just before a scenario started its processes. */
export interface MachineLoad {
  loadAverage: number[];
  /** CPU used by all processes over a one-second sample, % of one core (the machine has cpuCount cores). */
  busyPercentOfOneCore: number | null;
  /**
   * Heuristic: something else was running (other tests, builds): more than half a core busy in the second before the
   * scenario started anything. (The load average is recorded too, but it still counts the previous scenario.) Figures
   * of a shared run are noisier and lower.
   */
  shared: boolean;
}

export async function sampleMachineLoad(sampleMs = 1000): Promise<MachineLoad> {
  const before = machineBusyCpuSeconds();
  await new Promise((r) => setTimeout(r, sampleMs));
  const after = machineBusyCpuSeconds();
  const busy =
    before !== null && after !== null ? Math.round(((after - before) / (sampleMs / 1000)) * 1000) / 10 : null;
  const loadAverage = os.loadavg().map((n) => Math.round(n * 100) / 100);
  return {
    loadAverage,
    busyPercentOfOneCore: busy,
    shared: (busy ?? 0) > 50,
  };
}
