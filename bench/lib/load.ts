import { performance } from 'node:perf_hooks';
import { LatencyRecorder, type LatencySummary } from './stats.js';

export interface LoadOptions {
  /** Requests in flight at any time (closed loop: each worker sends its next request when the last one ends). */
  concurrency: number;
  durationMs: number;
  /** Run this long first without recording, to warm up connections, JIT and caches. */
  warmupMs?: number;
  /** One request by worker `worker` (0 to concurrency - 1); resolves to its outcome, e.g. the HTTP status. */
  request: (worker: number) => Promise<number | string>;
  /** Whether an outcome is a success; default: a 2xx status. */
  ok?: (outcome: number | string) => boolean;
}

export interface LoadResult {
  concurrency: number;
  durationS: number;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  /** How many requests ended with each outcome. */
  outcomes: Record<string, number>;
  latencyMs: LatencySummary;
}

const is2xx = (outcome: number | string) => typeof outcome === 'number' && outcome >= 200 && outcome < 300;

function errorName(err: unknown): string {
  return `error:${(err as { code?: string }).code ?? (err as Error).name ?? 'unknown'}`;
}

/** A closed-loop load generator: `concurrency` workers send requests back to back for the duration. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const phase = async (ms: number, recorder?: LatencyRecorder) => {
    const until = performance.now() + ms;
    const outcomes: Record<string, number> = {};
    const worker = async (_: unknown, index: number) => {
      while (performance.now() < until) {
        const started = performance.now();
        const outcome = await options.request(index).catch(errorName);
        recorder?.record(performance.now() - started);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    return { outcomes, elapsedMs: performance.now() - started };
  };
  const ok = options.ok ?? is2xx;
  const count = (outcomes: Record<string, number>, which: (o: string) => boolean) =>
    Object.entries(outcomes)
      .filter(([o]) => which(o))
      .reduce((n, [, c]) => n + c, 0);
  const isOk = (o: string) => ok(/^\d+$/.test(o) ? Number(o) : o);

  if (options.warmupMs) await phase(options.warmupMs);
  const recorder = new LatencyRecorder();
  const { outcomes, elapsedMs } = await phase(options.durationMs, recorder);
  const requests = count(outcomes, () => true);
  return {
    concurrency: options.concurrency,
    durationS: Math.round(elapsedMs) / 1000,
    requests,
    errors: count(outcomes, (o) => !isOk(o)),
    requestsPerSecond: Math.round((requests / elapsedMs) * 1000 * 10) / 10,
    outcomes,
    latencyMs: recorder.summary(),
  };
}

/** Runs `count` requests one after another, recording each one's latency. */
export async function runSequential(
  count: number,
  request: (i: number) => Promise<number | string>,
  ok: (outcome: number | string) => boolean = is2xx,
): Promise<{ requests: number; errors: number; outcomes: Record<string, number>; latencyMs: LatencySummary }> {
  const recorder = new LatencyRecorder();
  const outcomes: Record<string, number> = {};
  let errors = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const outcome = await request(i).catch(errorName);
    recorder.record(performance.now() - started);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    if (!ok(outcome)) errors++;
  }
  return { requests: count, errors, outcomes, latencyMs: recorder.summary() };
}
