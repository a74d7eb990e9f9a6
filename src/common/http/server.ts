import type { IncomingMessage } from 'node:http';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';
import { MetricsRegistry } from '../health/metrics.js';
import { requestIdFor } from '../logging/logging.module.js';
import type { TlsMaterial } from '../tls/tls-material.js';

/** The one HTTP/2-over-TLS Fastify server setup, shared by the control plane, the edge and the tests. */
export async function createHttpApp(
  module: DynamicModule,
  config: AppConfig,
  tls: TlsMaterial,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    http2: true,
    https: { key: tls.key, cert: tls.cert, allowHTTP1: true, minVersion: 'TLSv1.2' },
    bodyLimit: config.env.RIPTRUNK_BODY_LIMIT,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    genReqId: (req: IncomingMessage) => requestIdFor(req),
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.enableShutdownHooks();
  const metrics = app.get(MetricsRegistry);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain'); // JSON APIs: anything else is 415
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  await app.init();
  return app;
}
