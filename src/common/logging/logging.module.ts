import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Params } from 'nestjs-pino';
import { AppConfig } from '../config/app-config.js';

/** Paths whose values never reach a log line: credentials, secrets and onboarding codes. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  ...[
    'token',
    'accessToken',
    'access_token',
    'refreshToken',
    'secret',
    'clientSecret',
    'client_secret',
    'password',
    'code',
    'onboardingCode',
    'registration_access_token',
    'privateKey',
    'private_key',
    'client_assertion',
  ].flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
];

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const ID = Symbol('riptrunk.requestId');

/** The caller's x-request-id when well-formed, else a new UUID; stable for one request across Fastify and pino. */
export function requestIdFor(req: IncomingMessage): string {
  const raw = req as IncomingMessage & { [ID]?: string };
  if (!raw[ID]) {
    const given = req.headers['x-request-id'];
    raw[ID] = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  }
  return raw[ID];
}

export function pinoParams(config: AppConfig, service: 'control-plane' | 'edge'): Params {
  return {
    forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
    pinoHttp: {
      level: config.env.LOG_LEVEL,
      base: { service },
      // The edge logs no bodies, and its request lines are redacted by the serializer below: it skips the wildcard
      // redaction, which pino applies to every binding of every per-request logger (~14% of its CPU under load).
      redact: service === 'edge' ? undefined : { paths: REDACTED_PATHS, censor: '[redacted]' },
      genReqId: (req) => requestIdFor(req),
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') },
      serializers: {
        req: (req: { id: string; method: string; url: string; headers: Record<string, string> }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          headers: {
            'user-agent': req.headers['user-agent'],
            authorization: req.headers.authorization ? '[redacted]' : undefined,
          },
        }),
      },
      transport: config.logFormat === 'pretty' ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
    },
  };
}

@Module({})
export class LoggingModule {
  static forRoot(service: 'control-plane' | 'edge') {
    return LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => pinoParams(config, service),
    });
  }
}
