import { createServer, type AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../src/control-plane/app.module.js';
import { EdgeConfigStore } from '../../src/edge/config/edge-config.store.js';
import { EdgeModule } from '../../src/edge/edge.module.js';
import { AppConfig } from '../../src/common/config/app-config.js';
import { loadEnv } from '../../src/common/config/env.js';
import { InternalServer } from '../../src/common/health/internal-server.js';
import { runMigrations } from '../../src/common/database/data-source.js';
import { dropDatabase, ensureDatabase } from '../../src/common/database/postgres.js';
import { createHttpApp } from '../../src/common/http/server.js';
import { loadTlsMaterial } from '../../src/common/tls/tls-material.js';
import { TestClient } from './http.js';

/** A TCP port free right now, so that a server's public URL is known before it starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A database of its own for one test file, created from the migrations and dropped afterwards. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/riptrunk');
  base.pathname = `/riptrunk_test_${randomBytes(6).toString('hex')}`;
  const url = base.toString();
  await ensureDatabase(url);
  await runMigrations(url);
  return { url, drop: () => dropDatabase(url) };
}

export interface TestControlPlane {
  app: NestFastifyApplication;
  config: AppConfig;
  url: string;
  /** The internal (operators') port: /metrics and readiness details, plain HTTP on 127.0.0.1. */
  internalUrl: string;
  ca: string;
  db: TestDatabase;
  /** A client authenticated as the carrier operator. */
  admin: TestClient;
  client(token?: string): TestClient;
  close(): Promise<void>;
}

export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    LOG_FORMAT: 'json',
    RIPTRUNK_DATA_DIR: '.data/test',
    RIPTRUNK_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    RIPTRUNK_REDIS_PREFIX: `test_${randomBytes(4).toString('hex')}`,
    PORT: '0',
    EDGE_PORT: '0',
    RIPTRUNK_INTERNAL_PORT: '0',
    RIPTRUNK_EDGE_INTERNAL_PORT: '0',
    RIPTRUNK_SHUTDOWN_GRACE_MS: '300',
    ...extra,
  };
}

/** Boots the real control plane (same module, pipes, filters and guards as production) on a random port. */
export async function startControlPlane(env: Record<string, string> = {}): Promise<TestControlPlane> {
  const db = await createTestDatabase();
  const port = await freePort();
  const edgePort = await freePort();
  const config = new AppConfig(
    loadEnv(testEnv({ DATABASE_URL: db.url, PORT: String(port), EDGE_PORT: String(edgePort), ...env })),
  );
  const tls = await loadTlsMaterial({ dataDir: config.dataDir });
  const app = await createHttpApp(AppModule.forRoot(config), config, tls);
  await app.listen({ port, host: '127.0.0.1' });
  const url = config.publicUrl;
  const clients: TestClient[] = [];
  const client = (token?: string) => {
    const c = new TestClient(url, tls.ca!, token);
    clients.push(c);
    return c;
  };
  return {
    app,
    config,
    url,
    internalUrl: app.get(InternalServer).url,
    ca: tls.ca!,
    db,
    admin: client(TEST_ADMIN_TOKEN),
    client,
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await app.close();
      await db.drop();
    },
  };
}

export interface TestEdge {
  app: NestFastifyApplication;
  config: AppConfig;
  url: string;
  internalUrl: string;
  client(token?: string): TestClient;
  close(): Promise<void>;
}

/** Boots a real edge wired to the test control plane (same Redis prefix, data dir and URLs), once configured. */
export async function startEdge(cp: TestControlPlane, env: Record<string, string> = {}): Promise<TestEdge> {
  const config = new AppConfig(
    loadEnv({
      ...testEnv(),
      RIPTRUNK_REDIS_PREFIX: cp.config.env.RIPTRUNK_REDIS_PREFIX,
      PORT: String(cp.config.env.PORT),
      EDGE_PORT: String(cp.config.env.EDGE_PORT),
      RIPTRUNK_EDGE_ID: `edge-${cp.config.env.EDGE_PORT}`,
      ...env,
    }),
  );
  const tls = await loadTlsMaterial({ dataDir: config.dataDir });
  const app = await createHttpApp(EdgeModule.forRoot(config), config, tls);
  await app.listen({ port: config.env.EDGE_PORT, host: '127.0.0.1' });
  await app.get(EdgeConfigStore).ready();
  const clients: TestClient[] = [];
  return {
    app,
    config,
    url: config.edgePublicUrl,
    internalUrl: app.get(InternalServer).url,
    client(token?: string) {
      const c = new TestClient(config.edgePublicUrl, tls.ca!, token);
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await app.close();
    },
  };
}
