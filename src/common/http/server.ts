import type { IncomingMessage } from 'node:http';
import { constants as h2, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { enforceConnectionLimits, http2ServerOptions, type Http2Limits } from '@riptrunk/ript';
import type { FastifyInstance } from 'fastify';
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
  const limits = http2Limits(config);
  const adapter = new FastifyAdapter({
    http2: true,
    https: {
      key: tls.key,
      cert: tls.cert,
      allowHTTP1: true,
      minVersion: 'TLSv1.2',
      ...http2ServerOptions(limits),
    },
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
  requestTimeouts(fastify, config.env.RIPTRUNK_REQUEST_TIMEOUT_MS);
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  enforceConnectionLimits(fastify.server as unknown as Http2SecureServer, limits);
  closeSessionsOnShutdown(fastify.server as unknown as Http2SecureServer, config.env.RIPTRUNK_SHUTDOWN_GRACE_MS);
  await app.init();
  return app;
}

export function http2Limits(config: AppConfig): Http2Limits {
  return {
    maxConcurrentStreams: config.env.RIPTRUNK_H2_MAX_STREAMS,
    maxSessionMemoryMb: config.env.RIPTRUNK_H2_MAX_SESSION_MEMORY_MB,
    maxHeaderListSize: config.env.RIPTRUNK_MAX_HEADER_BYTES,
    headersTimeoutMs: config.env.RIPTRUNK_HEADERS_TIMEOUT_MS,
    maxConnectionsPerAddress: config.env.RIPTRUNK_MAX_CONNECTIONS_PER_ADDRESS,
  };
}

/**
 * A request must be answered within `timeoutMs`, its body included, unless its route took the stream over
 * (`reply.hijack()`: RIPT media and events streams, which have their own timers). Past it the stream is cancelled.
 */
function requestTimeouts(fastify: FastifyInstance, timeoutMs: number): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const timer = setTimeout(() => {
      if (reply.sent) return; // answered, or hijacked by a streaming route
      const raw = request.raw as IncomingMessage & { stream?: { close(code: number): void } };
      if (raw.stream) raw.stream.close(h2.NGHTTP2_CANCEL);
      else raw.socket.destroy();
    }, timeoutMs);
    timer.unref();
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });
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
