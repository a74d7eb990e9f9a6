import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { MetricsRegistry } from './metrics.js';
import { READINESS_CHECKS, readiness, type ReadinessCheck } from './readiness.js';

export const INTERNAL_PORT_SETTING = Symbol('INTERNAL_PORT_SETTING');
export type InternalPortSetting = 'RIPTRUNK_INTERNAL_PORT' | 'RIPTRUNK_EDGE_INTERNAL_PORT';

/**
 * The operators' port: Prometheus metrics (every tenant's trunk ids and counters) and readiness details (internal
 * host names, error text). Plain HTTP on RIPTRUNK_INTERNAL_HOST (127.0.0.1 by default), never the public port.
 */
@Injectable()
export class InternalServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(InternalServer.name);
  private server?: Server;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsRegistry,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
    @Inject(INTERNAL_PORT_SETTING) private readonly portSetting: InternalPortSetting,
  ) {}

  /** Where it listens, e.g. http://127.0.0.1:9464 (after bootstrap). */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('the internal server is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const answer = (status: number, type: string, body: string) =>
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
      if (req.method !== 'GET') return answer(405, 'text/plain', 'GET only\n');
      if (path === '/metrics') {
        this.metrics.registry.metrics().then(
          (text) => answer(200, 'text/plain; version=0.0.4; charset=utf-8', text),
          (err: Error) => answer(500, 'text/plain', `${err.message}\n`),
        );
        return;
      }
      if (path === '/readyz') {
        void readiness(this.checks).then((r) =>
          answer(r.ready ? 200 : 503, 'application/json', JSON.stringify({ status: r.status, checks: r.checks })),
        );
        return;
      }
      if (path === '/healthz') return answer(200, 'application/json', '{"status":"ok"}');
      answer(404, 'text/plain', 'not found: /metrics, /readyz, /healthz\n');
    });
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    const host = this.config.env.RIPTRUNK_INTERNAL_HOST;
    const port = this.config.env[this.portSetting];
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`metrics and readiness details on ${this.url}`);
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
