import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  type ValidationError,
} from 'class-validator';

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  if (TRUE.includes(value.toLowerCase())) return true;
  return FALSE.includes(value.toLowerCase()) ? false : value;
};
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

/** Environment variables, validated once at start. Defaults make a local run work with no configuration. */
export class EnvDto {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/riptrunk';

  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8443;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  EDGE_PORT = 9443;

  @IsString()
  @MinLength(1)
  HOST = '0.0.0.0';

  /** Internal (operators') HTTP ports for /metrics and readiness details, of the control plane and of the edge. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  RIPTRUNK_INTERNAL_PORT = 9464;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  RIPTRUNK_EDGE_INTERNAL_PORT = 9465;

  /** Listen address of the internal ports: loopback unless the metrics scraper is elsewhere on a private network. */
  @IsString()
  @MinLength(1)
  RIPTRUNK_INTERNAL_HOST = '127.0.0.1';

  /** Public base URL of the control plane (issuer, discovery links). */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['https'], require_protocol: true })
  RIPTRUNK_PUBLIC_URL?: string;

  /** Public base URL of the edge pool (TG URIs). */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['https'], require_protocol: true })
  RIPTRUNK_EDGE_PUBLIC_URL?: string;

  @IsString()
  @MinLength(1)
  RIPTRUNK_DATA_DIR = '.data';

  @IsOptional()
  @IsString()
  RIPTRUNK_TLS_CERT?: string;

  @IsOptional()
  @IsString()
  RIPTRUNK_TLS_KEY?: string;

  /** Extra DNS names (comma-separated) for the generated server certificate. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9.-]+(,[A-Za-z0-9.-]+)*$/, { message: 'RIPTRUNK_TLS_NAMES must be comma-separated DNS names' })
  RIPTRUNK_TLS_NAMES?: string;

  /** PEM files of the provider's STIR CA (EC P-256) that signs per-number certificates; generated under the data dir if unset. */
  @IsOptional()
  @IsString()
  RIPTRUNK_STIR_CA_CERT?: string;

  @IsOptional()
  @IsString()
  RIPTRUNK_STIR_CA_KEY?: string;

  /** The provider's Service Provider Code (e.g. its OCN), named in the edges' SHAKEN certificates ("SHAKEN <SPC>"). */
  @Matches(/^[A-Za-z0-9]{1,32}$/, { message: 'RIPTRUNK_STIR_SPC must be 1-32 letters or digits' })
  RIPTRUNK_STIR_SPC = 'RIPT';

  @Transform(toBool)
  @IsBoolean()
  RIPTRUNK_MIGRATE_ON_START = true;

  /** Key prefix of BullMQ queues and pub/sub channels in Redis (separates deployments sharing one Redis). */
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'RIPTRUNK_REDIS_PREFIX must be 1-64 letters, digits, - or _' })
  RIPTRUNK_REDIS_PREFIX = 'riptrunk';

  /** Operator bearer token for the admin API; required in production. */
  @IsOptional()
  @IsString()
  @MinLength(24, { message: 'RIPTRUNK_ADMIN_TOKEN must be at least 24 characters' })
  RIPTRUNK_ADMIN_TOKEN?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: 'json' | 'pretty';

  /** Largest accepted JSON body, in bytes. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  RIPTRUNK_BODY_LIMIT = 256 * 1024;

  /**
   * HTTP/2 limits of the public servers (docs/security.md): streams per session, per-session memory (MB), header
   * list. A PBX carries all its calls on one session, four streams a call: 2000 streams are 500 calls.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  RIPTRUNK_H2_MAX_STREAMS = 2000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1024)
  RIPTRUNK_H2_MAX_SESSION_MEMORY_MB = 64;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024)
  RIPTRUNK_MAX_HEADER_BYTES = 16 * 1024;

  /** A connection with no request open must send a complete request's headers within this time. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  RIPTRUNK_HEADERS_TIMEOUT_MS = 10_000;

  /** A non-streaming request must be answered (its body received) within this time. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  RIPTRUNK_REQUEST_TIMEOUT_MS = 30_000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RIPTRUNK_MAX_CONNECTIONS_PER_ADDRESS = 256;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(365)
  RIPTRUNK_ONBOARDING_CODE_TTL_DAYS = 7;

  /** Base64 of 32 random bytes that encrypts private keys and stored secrets; generated under the data dir if unset outside production. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'RIPTRUNK_KEY_ENCRYPTION_KEY must be base64 of 32 bytes' })
  RIPTRUNK_KEY_ENCRYPTION_KEY?: string;

  /** Access token lifetime in seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(30)
  @Max(3600)
  RIPTRUNK_ACCESS_TOKEN_TTL = 300;

  /** How often the token signing key rotates, in hours. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 365)
  RIPTRUNK_KEY_ROTATION_HOURS = 168;

  /** Token and registration endpoint limits: requests per minute per client and per source address. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RIPTRUNK_OAUTH_RATE_LIMIT = 600;

  /** Let consumer TGs and other outbound targets resolve to loopback or private addresses (local runs, tests). */
  @Transform(toBool)
  @IsBoolean()
  RIPTRUNK_ALLOW_PRIVATE_TARGETS = false;

  /** Consumer TG verification: attempts before `failed`, and the first retry delay (doubling after). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(20)
  RIPTRUNK_VERIFY_ATTEMPTS = 5;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(600_000)
  RIPTRUNK_VERIFY_BACKOFF_MS = 2000;

  /** Shared secret the edges present to the control plane's internal API; generated under the data dir if unset outside production. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'RIPTRUNK_INTERNAL_TOKEN must be at least 32 characters' })
  RIPTRUNK_INTERNAL_TOKEN?: string;

  /** Control plane URL the edges call (snapshot, JWKS); defaults to RIPTRUNK_PUBLIC_URL. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['https'], require_protocol: true })
  RIPTRUNK_CONTROL_PLANE_URL?: string;

  /** This edge's id (defaults to hostname-pid). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/)
  RIPTRUNK_EDGE_ID?: string;

  /** PEM file of extra CAs trusted for outbound HTTPS (consumer TGs), besides the system's. */
  @IsOptional()
  @IsString()
  RIPTRUNK_EXTRA_CA_FILE?: string;

  /** Edge: this instance's own base URL, used in the call URIs it hands out (defaults to the edge pool's URL). */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['https'], require_protocol: true })
  RIPTRUNK_EDGE_CALL_URL?: string;

  /** On shutdown, HTTP/2 connections still open this long after the GOAWAY are closed hard. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600_000)
  RIPTRUNK_SHUTDOWN_GRACE_MS = 5_000;

  /** Control plane: how often the calls of edges whose heartbeat stopped are looked for and ended. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  RIPTRUNK_EDGE_REAP_MS = 5_000;

  /** Edge: an on-net call the callee has not answered after this long ends with `noanswer`. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  RIPTRUNK_NOANSWER_MS = 60_000;

  /** Edge: a consumer TG that does not answer a request (handler, call) in this long is unreachable. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  RIPTRUNK_ONNET_TIMEOUT_MS = 5_000;

  /** Edge: a call with no open events stream for this long is ended (profile §6: 30 s). */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(3_600_000)
  RIPTRUNK_EVENTS_GRACE_MS = 30_000;

  /** Edge: overrides the TG's media-timeout (ms) for the calls of this edge (tests, tuning). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(3_600_000)
  RIPTRUNK_MEDIA_TIMEOUT_MS?: number;

  /** Edge: open streams allowed per call for each of GET media, PUT media, GET events and PUT events. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  RIPTRUNK_STREAMS_PER_CALL = 8;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => [
    ...Object.values(e.constraints ?? {}).map((m) => `${e.property}: ${m} (got ${JSON.stringify(e.value)})`),
    ...flatten(e.children ?? []),
  ]);
}

/** Reads and validates the environment; throws one ConfigError listing every bad value. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): EnvDto {
  const known = new Set([...Object.keys(new EnvDto()), ...OPTIONAL_KEYS]);
  const defined = Object.fromEntries(
    Object.entries(source).filter(
      ([k, v]) => v !== undefined && v !== '' && (known.has(k) || k.startsWith('RIPTRUNK_')),
    ),
  );
  const env = plainToInstance(EnvDto, defined);
  const problems = flatten(validateSync(env, { whitelist: true, stopAtFirstError: true }));
  const unknown = Object.keys(defined).filter((k) => !known.has(k));
  problems.push(...unknown.map((k) => `${k}: unknown setting`));
  if (env.NODE_ENV === 'production' && !env.RIPTRUNK_ADMIN_TOKEN) {
    problems.push('RIPTRUNK_ADMIN_TOKEN: required when NODE_ENV=production');
  }
  for (const required of ['RIPTRUNK_KEY_ENCRYPTION_KEY', 'RIPTRUNK_INTERNAL_TOKEN'] as const) {
    if (env.NODE_ENV === 'production' && !env[required])
      problems.push(`${required}: required when NODE_ENV=production`);
  }
  if (Boolean(env.RIPTRUNK_TLS_CERT) !== Boolean(env.RIPTRUNK_TLS_KEY)) {
    problems.push('RIPTRUNK_TLS_CERT and RIPTRUNK_TLS_KEY: set both or neither');
  }
  if (Boolean(env.RIPTRUNK_STIR_CA_CERT) !== Boolean(env.RIPTRUNK_STIR_CA_KEY)) {
    problems.push('RIPTRUNK_STIR_CA_CERT and RIPTRUNK_STIR_CA_KEY: set both or neither');
  }
  if (problems.length) throw new ConfigError(problems);
  return env;
}

/** Optional settings that EnvDto does not declare as properties with defaults. */
const OPTIONAL_KEYS = new Set([
  'RIPTRUNK_PUBLIC_URL',
  'RIPTRUNK_EDGE_PUBLIC_URL',
  'RIPTRUNK_TLS_CERT',
  'RIPTRUNK_TLS_KEY',
  'RIPTRUNK_STIR_CA_CERT',
  'RIPTRUNK_STIR_CA_KEY',
  'RIPTRUNK_ADMIN_TOKEN',
  'LOG_FORMAT',
  'RIPTRUNK_KEY_ENCRYPTION_KEY',
  'RIPTRUNK_EXTRA_CA_FILE',
  'RIPTRUNK_TLS_NAMES',
  'RIPTRUNK_INTERNAL_TOKEN',
  'RIPTRUNK_CONTROL_PLANE_URL',
  'RIPTRUNK_EDGE_ID',
  'RIPTRUNK_EDGE_CALL_URL',
  'RIPTRUNK_MEDIA_TIMEOUT_MS',
]);
