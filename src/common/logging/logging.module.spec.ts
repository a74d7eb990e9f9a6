import { Writable } from 'node:stream';
import { pino } from 'pino';
import { AppConfig } from '../config/app-config.js';
import { loadEnv } from '../config/env.js';
import { pinoParams } from './logging.module.js';

/** A pino logger built from the same options as the request logger of `service`, writing into `lines`. */
function loggerFor(service: 'control-plane' | 'edge', lines: string[]) {
  const config = new AppConfig(loadEnv({ NODE_ENV: 'test', LOG_LEVEL: 'info', LOG_FORMAT: 'json' }));
  const options = pinoParams(config, service).pinoHttp as Record<string, unknown>;
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return pino({ redact: options.redact as never, serializers: options.serializers as never }, sink);
}

const request = {
  id: 'r1',
  method: 'POST',
  url: '/oauth/token',
  headers: { authorization: 'Bearer secret-token-value', 'user-agent': 'ua', cookie: 'c=1' },
};

describe('request log lines never carry credentials', () => {
  it.each(['edge', 'control-plane'] as const)('%s: the authorization header is redacted', (service) => {
    const lines: string[] = [];
    loggerFor(service, lines).child({ req: request }).info('request completed');
    expect(lines.join('')).not.toContain('secret-token-value');
    expect(lines.join('')).not.toContain('c=1');
    expect(JSON.parse(lines[0]).req.headers).toEqual({ 'user-agent': 'ua', authorization: '[redacted]' });
  });

  it('control plane: secrets anywhere in a logged object are redacted', () => {
    const lines: string[] = [];
    loggerFor('control-plane', lines).info({ body: { client_secret: 'shh', nested: { token: 'tkn' } } }, 'x');
    expect(lines.join('')).not.toMatch(/shh|tkn/);
  });
});
