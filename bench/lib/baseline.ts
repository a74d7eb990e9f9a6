import type { BenchControlPlane } from './control-plane.js';
import { repoPath } from './paths.js';
import { childEnv, startBenchProcess } from './process.js';

/** A captured response that the baseline server replays byte for byte. */
export interface CapturedResponse {
  headers: Record<string, string>;
  body: Buffer;
}

export interface BenchBaseline {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts bench/lib/baseline-server.ts in its own process, with the bench's TLS certificate. */
export async function startBaseline(
  cp: BenchControlPlane,
  port: number,
  response: CapturedResponse,
): Promise<BenchBaseline> {
  const url = `https://localhost:${port}`;
  const started = await startBenchProcess({
    name: 'baseline',
    script: repoPath('dist', 'bench', 'lib', 'baseline-server.js'),
    env: childEnv({
      NODE_ENV: 'production',
      BENCH_BASELINE_PORT: String(port),
      BENCH_BASELINE_DATA_DIR: cp.dataDir,
      BENCH_BASELINE_RESPONSE: JSON.stringify({ headers: response.headers, body: response.body.toString('base64') }),
    }),
    readyUrl: `${url}/readyz`,
    caFile: cp.caFile,
  });
  return { url, pid: started.pid, stop: started.stop };
}
