import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { Agent } from 'undici';
import { dropDatabase, ensureDatabase } from '../../src/common/database/postgres.js';
import { childEnv, startBenchProcess } from './process.js';
import { repoPath } from './paths.js';

export interface BenchControlPlaneOptions {
  /** Database name; dropped and created fresh. */
  database?: string;
  port?: number;
  /** Extra environment for the control plane (e.g. RIPTRUNK_OAUTH_RATE_LIMIT); overrides the harness defaults. */
  env?: Record<string, string>;
}

/** A production-mode control plane in its own process, database and Redis prefix. */
export interface BenchControlPlane {
  url: string;
  databaseUrl: string;
  adminToken: string;
  ca: string;
  /** The CA file (under the data dir) that signed the bench's TLS certificate. */
  caFile: string;
  dataDir: string;
  redisPrefix: string;
  /** An HTTP/2 agent that trusts the control plane's CA. */
  agent: Agent;
  env: Record<string, string>;
  /** The control plane's process id (for /proc/<pid>/stat CPU readings). */
  pid: number;
  stop(): Promise<void>;
}

/** The bench's data directory: TLS material shared by the control plane, the edge and the baseline server. */
export const BENCH_DATA_DIR = repoPath('.data', 'bench');

export async function startBenchControlPlane(options: BenchControlPlaneOptions = {}): Promise<BenchControlPlane> {
  const port = options.port ?? 18443;
  const databaseUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/riptrunk');
  databaseUrl.pathname = `/${options.database ?? 'riptrunk_bench'}`;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const dataDir = BENCH_DATA_DIR;
  const redisPrefix = `bench_${randomBytes(4).toString('hex')}`;
  const adminToken = randomBytes(24).toString('base64url');
  await dropDatabase(databaseUrl.toString()).catch(() => undefined);
  await ensureDatabase(databaseUrl.toString());

  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    HOST: '127.0.0.1',
    PORT: String(port),
    RIPTRUNK_INTERNAL_PORT: String(port + 1000),
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: redisUrl,
    RIPTRUNK_DATA_DIR: dataDir,
    RIPTRUNK_REDIS_PREFIX: redisPrefix,
    RIPTRUNK_ADMIN_TOKEN: adminToken,
    RIPTRUNK_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    RIPTRUNK_INTERNAL_TOKEN: randomBytes(32).toString('base64url'),
    ...options.env,
  };
  const url = `https://localhost:${port}`;
  const caFile = repoPath('.data', 'bench', 'ca.pem');
  const opened: { agent?: Agent } = {};
  const afterStop = async () => {
    await opened.agent?.close().catch(() => undefined);
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      for (let cursor = '0'; ;) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}:*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        if ((cursor = next) === '0') break;
      }
    } catch {
      // best effort: the prefix is random and unused by anything else
    } finally {
      redis.disconnect();
    }
    await dropDatabase(databaseUrl.toString()).catch(() => undefined);
  };
  const started = await startBenchProcess({
    name: 'control-plane',
    script: repoPath('dist', 'src', 'control-plane', 'main.js'),
    env: childEnv(env),
    readyUrl: `${url}/readyz`,
    caFile,
    afterStop,
  });
  const ca = readFileSync(caFile, 'utf8');
  const agent = (opened.agent = new Agent({ allowH2: true, connect: { ca } }));
  return {
    url,
    databaseUrl: databaseUrl.toString(),
    adminToken,
    ca,
    caFile,
    dataDir,
    redisPrefix,
    agent,
    env,
    pid: started.pid,
    stop: started.stop,
  };
}
