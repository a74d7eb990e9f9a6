import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { JWK } from 'jose';
import { Agent, request } from 'undici';
import { internalToken } from '../../common/auth/operator-token.verifier.js';
import { AppConfig } from '../../common/config/app-config.js';
import type { EdgeSnapshot } from '../../contracts/edge-snapshot.js';

/** The edge's HTTPS client of the control plane's internal API and JWKS. */
@Injectable()
export class ControlPlaneClient implements OnModuleDestroy {
  readonly agent: Agent;
  private readonly token: string;

  constructor(private readonly config: AppConfig) {
    const ca = [...rootCertificates];
    const localCa = join(config.dataDir, 'ca.pem');
    if (!config.production && existsSync(localCa)) ca.push(readFileSync(localCa, 'utf8'));
    if (config.env.RIPTRUNK_EXTRA_CA_FILE) ca.push(readFileSync(config.env.RIPTRUNK_EXTRA_CA_FILE, 'utf8'));
    this.agent = new Agent({
      allowH2: true,
      connect: { ca, timeout: 5000 },
      headersTimeout: 10_000,
      bodyTimeout: 30_000,
    });
    this.token = internalToken(config);
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close();
  }

  snapshot(tenantId?: string): Promise<EdgeSnapshot> {
    return this.get(`/internal/v1/edge-config${tenantId ? `?tenantId=${tenantId}` : ''}`, true);
  }

  async jwks(): Promise<JWK[]> {
    return (await this.get<{ keys: JWK[] }>('/oauth/jwks', false)).keys;
  }

  /** POST of JSON to the internal API (authenticated); the JSON answer of a 200 or 201. */
  async post<T>(path: string, body: unknown): Promise<T> {
    const res = await request(`${this.config.controlPlaneUrl}${path}`, {
      method: 'POST',
      dispatcher: this.agent,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200 && res.statusCode !== 201)
      throw new Error(`control plane ${path} answered ${res.statusCode}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }

  private async get<T>(path: string, authenticated: boolean): Promise<T> {
    const res = await request(`${this.config.controlPlaneUrl}${path}`, {
      dispatcher: this.agent,
      headers: authenticated ? { authorization: `Bearer ${this.token}` } : {},
    });
    const text = await res.body.text();
    if (res.statusCode !== 200)
      throw new Error(`control plane ${path} answered ${res.statusCode}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }
}
