import { startProcess, stopAll, waitReady, type Started } from '../../scripts/processes.js';
import { registerCleanup } from './cleanup.js';

/** The parent's own riptrunk settings must not leak into a measured process. */
const BENCH_ENV_KEYS =
  /^(RIPTRUNK_|NODE_ENV$|NODE_OPTIONS$|LOG_LEVEL$|LOG_FORMAT$|PORT$|EDGE_PORT$|HOST$|DATABASE_URL$|REDIS_URL$)/;

/** The environment of a measured process: the parent's, minus its riptrunk settings, plus `env`. */
export function childEnv(env: Record<string, string>): Record<string, string> {
  const inherited = Object.entries(process.env).filter(
    (entry): entry is [string, string] => entry[1] !== undefined && !BENCH_ENV_KEYS.test(entry[0]),
  );
  return { ...Object.fromEntries(inherited), ...env };
}

export interface BenchProcessOptions {
  name: string;
  /** The compiled entry point. */
  script: string;
  env: Record<string, string>;
  /** Options for node itself (e.g. --cpu-prof), before the script. */
  nodeArgs?: string[];
  /** Polled until it answers 200. */
  readyUrl: string;
  /** The CA that signed the process's TLS certificate (it may not exist yet when the process starts). */
  caFile: string;
  readyTimeoutMs?: number;
  /** Runs after the process has exited (e.g. drop its database). */
  afterStop?: () => Promise<void>;
}

/** A process the bench started; `stop()` ends it (SIGTERM, SIGKILL after 10 s) and is safe to call twice. */
export interface BenchProcess {
  name: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts a compiled entry point, registers its stop as a cleanup, and waits for its readiness URL. */
export async function startBenchProcess(options: BenchProcessOptions): Promise<BenchProcess> {
  const started: Started = startProcess(options.name, options.script, options.env, options.nodeArgs);
  let stopping: Promise<void> | undefined;
  let unregister: () => void = () => undefined;
  const stop = () =>
    (stopping ??= (async () => {
      unregister();
      await stopAll([started]);
      await options.afterStop?.();
    })());
  unregister = registerCleanup(stop);
  try {
    await waitReady(options.readyUrl, options.caFile, started, options.readyTimeoutMs ?? 120_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { name: options.name, pid: started.child.pid!, stop };
}
