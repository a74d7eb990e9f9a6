import { execFileSync } from 'node:child_process';
import type { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** CPU time over an interval: seconds of user + system time, and that as a percentage of one core. */
export interface CpuReading {
  cpuSeconds: number;
  elapsedSeconds: number;
  /** 100 = one core fully busy; a multi-threaded process can pass 100. */
  percentOfOneCore: number;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds of a process and all its threads, from /proc/<pid>/stat; null where unreadable. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)" start at field 3 (state); utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return null;
  }
}

/** Starts measuring; the returned function ends the interval and returns the reading (null if the source failed). */
export async function startCpuMeter(
  read: () => number | null | Promise<number | null>,
): Promise<() => Promise<CpuReading | null>> {
  const cpuAtStart = await read();
  const startedAt = performance.now();
  return async () => {
    const cpuAtEnd = await read();
    const elapsedSeconds = (performance.now() - startedAt) / 1000;
    if (cpuAtStart === null || cpuAtEnd === null || elapsedSeconds <= 0) return null;
    const cpuSeconds = cpuAtEnd - cpuAtStart;
    return {
      cpuSeconds: Math.round(cpuSeconds * 100) / 100,
      elapsedSeconds: Math.round(elapsedSeconds * 1000) / 1000,
      percentOfOneCore: Math.round((cpuSeconds / elapsedSeconds) * 1000) / 10,
    };
  };
}

/** This process's own CPU seconds (user + system), for the load generator. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** CPU seconds all cores have spent busy (user, nice, system, irq, softirq, steal) since boot; null off Linux. */
export function machineBusyCpuSeconds(): number | null {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    return (user + nice + system + irq + softirq + (steal || 0)) / clockTicks();
  } catch {
    return null;
  }
}

/** CPU seconds the Redis server has used (INFO cpu), or null if it cannot be read. */
export async function redisCpuSeconds(redis: Redis): Promise<number | null> {
  try {
    const info = await redis.info('cpu');
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
    const seconds = field('used_cpu_user') + field('used_cpu_sys');
    return Number.isFinite(seconds) ? seconds : null;
  } catch {
    return null;
  }
}
