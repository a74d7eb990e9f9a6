import { resolve } from 'node:path';
import { type EnvDto, loadEnv } from './env.js';

/** The validated configuration with derived values; one instance per process. */
export class AppConfig {
  readonly env: EnvDto;
  readonly production: boolean;
  readonly dataDir: string;
  readonly publicUrl: string;
  readonly edgePublicUrl: string;
  readonly logFormat: 'json' | 'pretty';
  readonly controlPlaneUrl: string;

  constructor(env: EnvDto = loadEnv()) {
    this.env = env;
    this.production = env.NODE_ENV === 'production';
    this.dataDir = resolve(env.RIPTRUNK_DATA_DIR);
    this.publicUrl = trimSlash(env.RIPTRUNK_PUBLIC_URL ?? `https://localhost:${env.PORT}`);
    this.edgePublicUrl = trimSlash(env.RIPTRUNK_EDGE_PUBLIC_URL ?? `https://localhost:${env.EDGE_PORT}`);
    this.controlPlaneUrl = trimSlash(env.RIPTRUNK_CONTROL_PLANE_URL ?? this.publicUrl);
    this.logFormat = env.LOG_FORMAT ?? (process.stdout.isTTY && !this.production ? 'pretty' : 'json');
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
