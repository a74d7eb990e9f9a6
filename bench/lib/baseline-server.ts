/**
 * The baseline of the tg scenario, run as its own process: a bare Fastify HTTP/2-over-TLS server (the same TLS
 * options and certificate as riptrunk's servers) that answers `GET /ript/v1/tgs/:tgId` with fixed bytes and headers,
 * no authentication, no Nest. Configured by the environment:
 *   BENCH_BASELINE_PORT      port on 127.0.0.1
 *   BENCH_BASELINE_DATA_DIR  the directory holding server.pem and server-key.pem
 *   BENCH_BASELINE_RESPONSE  JSON {"headers": {...}, "body": "<base64>"}
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';

interface BaselineResponse {
  headers: Record<string, string>;
  body: string;
}

async function main(): Promise<void> {
  const port = Number(process.env.BENCH_BASELINE_PORT);
  const dataDir = process.env.BENCH_BASELINE_DATA_DIR ?? '';
  const response = JSON.parse(process.env.BENCH_BASELINE_RESPONSE ?? '') as BaselineResponse;
  const body = Buffer.from(response.body, 'base64');
  const app = Fastify({
    http2: true,
    https: {
      key: readFileSync(join(dataDir, 'server-key.pem'), 'utf8'),
      cert: readFileSync(join(dataDir, 'server.pem'), 'utf8'),
      allowHTTP1: true,
      minVersion: 'TLSv1.2',
    },
    logger: false,
    forceCloseConnections: true,
  });
  app.get('/readyz', async () => ({ status: 'ok' }));
  // The same header set as the edge, which gives every response a fresh x-request-id.
  app.get('/ript/v1/tgs/:tgId', (_request, reply) => {
    void reply.headers(response.headers).header('x-request-id', randomUUID()).send(body);
  });
  await app.listen({ port, host: '127.0.0.1' });
  const close = () => void app.close().finally(() => process.exit(0));
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

main().catch((err: unknown) => {
  process.stderr.write(`baseline server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
