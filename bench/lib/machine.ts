import { execFileSync } from 'node:child_process';
import os from 'node:os';
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
