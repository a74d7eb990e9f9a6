import { AppConfig } from './app-config.js';
import { ConfigError, loadEnv } from './env.js';

describe('loadEnv', () => {
  it('works with no configuration at all', () => {
    const env = loadEnv({});
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/riptrunk');
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.PORT).toBe(8443);
    expect(env.EDGE_PORT).toBe(9443);
    expect(env.RIPTRUNK_MIGRATE_ON_START).toBe(true);
  });

  it('converts numbers and booleans', () => {
    const env = loadEnv({ PORT: '9000', RIPTRUNK_MIGRATE_ON_START: 'false' });
    expect(env.PORT).toBe(9000);
    expect(env.RIPTRUNK_MIGRATE_ON_START).toBe(false);
  });

  it('lists every bad value in one error', () => {
    let error: ConfigError | undefined;
    try {
      loadEnv({ PORT: 'abc', DATABASE_URL: 'mysql://x', RIPTRUNK_MIGRATE_ON_START: 'maybe', RIPTRUNK_TYPO: '1' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toHaveLength(4);
    expect(error!.problems.join('\n')).toMatch(/PORT.*DATABASE_URL|DATABASE_URL[\s\S]*PORT/);
    expect(error!.problems).toContain('RIPTRUNK_TYPO: unknown setting');
  });

  it('requires an admin token in production', () => {
    expect(() => loadEnv({ NODE_ENV: 'production' })).toThrow(/RIPTRUNK_ADMIN_TOKEN: required/);
    expect(() => loadEnv({ NODE_ENV: 'production', RIPTRUNK_ADMIN_TOKEN: 'short' })).toThrow(/at least 24/);
  });

  it('requires the TLS certificate and key together', () => {
    expect(() => loadEnv({ RIPTRUNK_TLS_CERT: '/tmp/c.pem' })).toThrow(/set both or neither/);
  });

  it('requires the STIR CA certificate and key together', () => {
    expect(() => loadEnv({ RIPTRUNK_STIR_CA_KEY: '/tmp/k.pem' })).toThrow(
      /RIPTRUNK_STIR_CA_CERT and RIPTRUNK_STIR_CA_KEY/,
    );
    const env = loadEnv({ RIPTRUNK_STIR_CA_CERT: '/tmp/c.pem', RIPTRUNK_STIR_CA_KEY: '/tmp/k.pem' });
    expect(env.RIPTRUNK_STIR_CA_CERT).toBe('/tmp/c.pem');
  });

  it('derives public URLs from the ports', () => {
    const config = new AppConfig(loadEnv({ PORT: '1234', RIPTRUNK_EDGE_PUBLIC_URL: 'https://edge.example.net/' }));
    expect(config.publicUrl).toBe('https://localhost:1234');
    expect(config.edgePublicUrl).toBe('https://edge.example.net');
  });
});
