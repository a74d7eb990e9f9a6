import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './paths.js';

/** The parts of a V8 .cpuprofile (as written by node --cpu-prof) that the summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  /** Microseconds on the monotonic clock (the one process.hrtime reads). */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  percent: number;
  ms: number;
}

export interface ProfileSummary {
  file: string;
  /** Whether the summary covers only the timed window or, when that could not be placed, the whole profile. */
  covers: 'timed window' | 'whole profile';
  sampledMs: number;
  /** Share of samples outside JavaScript: idle, garbage collection, and (program) = native code not attributed. */
  idlePercent: number;
  /** Self time by where the code lives: a package under node_modules, node's own modules, or the repository. */
  selfByOrigin: ProfileEntry[];
  /** The functions with the most self time. */
  topSelf: ProfileEntry[];
  /** Time inside each of the named functions, callees included. */
  inclusive: ProfileEntry[];
}

function origin(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const path = url.startsWith('file:') ? fileURLToPath(url) : url;
  const inRepo = relative(REPO_ROOT, path);
  return inRepo.startsWith('..') ? path : `riptrunk ${inRepo.split('/').slice(0, 3).join('/')}`;
}

function label(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const file = frame.url.startsWith('node:') ? frame.url : origin(frame.url, frame.functionName);
  const where = frame.url ? ` ${file}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'}${where}`;
}

/**
 * Self and inclusive time from a .cpuprofile, restricted to `window` (microseconds of process.hrtime.bigint() / 1000,
 * the clock V8 stamps samples with) when it lies inside the profile.
 */
export function summariseCpuProfile(
  file: string,
  window?: { startUs: number; endUs: number },
  options: { top?: number; inclusive?: string[] } = {},
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inWindow = window && window.startUs >= profile.startTime && window.endUs <= profile.endTime;

  const self = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  const inclusive = new Map<string, number>((options.inclusive ?? []).map((name) => [name, 0]));
  let total = 0;
  let idle = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (inWindow && (t < window.startUs || t > window.endUs)) continue;
    // A sample stands for the time until the next one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i])!;
    const frame = node.callFrame;
    total += us;
    if (['(idle)', '(garbage collector)', '(program)'].includes(frame.functionName)) idle += us;
    self.set(label(frame), (self.get(label(frame)) ?? 0) + us);
    const where = origin(frame.url, frame.functionName);
    byOrigin.set(where, (byOrigin.get(where) ?? 0) + us);
    if (inclusive.size) {
      const seen = new Set<string>();
      for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
        const name = byId.get(id)!.callFrame.functionName;
        if (inclusive.has(name) && !seen.has(name)) {
          seen.add(name);
          inclusive.set(name, inclusive.get(name)! + us);
        }
      }
    }
  }
  const entries = (m: Map<string, number>, n = Infinity) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({
        name,
        percent: total ? Math.round((us / total) * 1000) / 10 : 0,
        ms: Math.round(us / 1000),
      }));
  return {
    file: relative(REPO_ROOT, file),
    covers: inWindow ? 'timed window' : 'whole profile',
    sampledMs: Math.round(total / 1000),
    idlePercent: total ? Math.round((idle / total) * 1000) / 10 : 0,
    selfByOrigin: entries(byOrigin, 15),
    topSelf: entries(self, options.top ?? 25),
    inclusive: entries(inclusive),
  };
}
