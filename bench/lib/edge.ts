import { basename, dirname } from 'node:path';
import type { BenchControlPlane } from './control-plane.js';
import { repoPath } from './paths.js';
import { childEnv, startBenchProcess } from './process.js';

export interface BenchEdgeOptions {
  port: number;
  /** Write a V8 CPU profile (node --cpu-prof) to this file when the edge exits. */
  cpuProfile?: string;
  env?: Record<string, string>;
}

/** A production-mode media edge in its own process, wired to a bench control plane. */
export interface BenchEdge {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The control plane must have been started with EDGE_PORT = `options.port` (so that it issues tokens for this edge's
 * URL); the edge shares its Redis prefix, data dir (TLS material), internal token and key encryption key.
 */
export async function startBenchEdge(cp: BenchControlPlane, options: BenchEdgeOptions): Promise<BenchEdge> {
  const url = `https://localhost:${options.port}`;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: cp.env.LOG_LEVEL,
    LOG_FORMAT: 'json',
    HOST: '127.0.0.1',
    PORT: cp.env.PORT,
    EDGE_PORT: String(options.port),
    // Metrics and readiness details: the internal port, 1000 above the public one.
    RIPTRUNK_EDGE_INTERNAL_PORT: String(options.port + 1000),
    DATABASE_URL: cp.databaseUrl,
    REDIS_URL: cp.env.REDIS_URL,
    RIPTRUNK_PUBLIC_URL: cp.url,
    RIPTRUNK_EDGE_PUBLIC_URL: url,
    RIPTRUNK_EDGE_ID: `bench-edge-${options.port}`,
    RIPTRUNK_DATA_DIR: cp.dataDir,
    RIPTRUNK_REDIS_PREFIX: cp.redisPrefix,
    RIPTRUNK_ADMIN_TOKEN: cp.adminToken,
    RIPTRUNK_KEY_ENCRYPTION_KEY: cp.env.RIPTRUNK_KEY_ENCRYPTION_KEY,
    RIPTRUNK_INTERNAL_TOKEN: cp.env.RIPTRUNK_INTERNAL_TOKEN,
    // In production the edge trusts only the system CAs and this file when it calls the control plane.
    RIPTRUNK_EXTRA_CA_FILE: cp.caFile,
    ...options.env,
  };
  // Nest re-raises SIGTERM after its shutdown hooks, which would end the process before V8 writes the profile; the
  // preload turns that second signal into a normal exit.
  const nodeArgs = options.cpuProfile
    ? [
        `--import=${repoPath('dist', 'bench', 'lib', 'exit-on-term.js')}`,
        '--cpu-prof',
        `--cpu-prof-dir=${dirname(options.cpuProfile)}`,
        `--cpu-prof-name=${basename(options.cpuProfile)}`,
      ]
    : [];
  const started = await startBenchProcess({
    name: 'edge',
    script: repoPath('dist', 'src', 'edge', 'main.js'),
    env: childEnv(env),
    nodeArgs,
    readyUrl: `${url}/readyz`,
    caFile: cp.caFile,
  });
  return { url, pid: started.pid, stop: started.stop };
}
