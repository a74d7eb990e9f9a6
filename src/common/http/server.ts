import type { IncomingMessage } from 'node:http';
import type { Http2SecureServer, ServerHttp2Session } from 'node:http2';
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
  closeSessionsOnShutdown(fastify.server as unknown as Http2SecureServer, config.env.RIPTRUNK_SHUTDOWN_GRACE_MS);
  await app.init();
  return app;
}

/**
 * `server.close()` waits for every HTTP/2 session, and a peer holding a long-lived stream open would keep it
 * waiting for ever: once closing starts, sessions get a GOAWAY and, after the grace period, are destroyed.
 */
function closeSessionsOnShutdown(server: Http2SecureServer, graceMs: number): void {
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const close = server.close.bind(server);
  server.close = ((callback?: (err?: Error) => void) => {
    close(callback);
    for (const session of sessions) if (!session.closed) session.close();
    if (sessions.size > 0)
      setTimeout(() => {
        for (const session of sessions) session.destroy();
      }, graceMs).unref();
    return server;
  }) as typeof server.close;
}
