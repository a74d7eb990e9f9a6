import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { localSecret } from '../crypto/secret-box.js';
import type { Principal, TokenVerifier } from './principal.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * The operator token, compared by hash in constant time: RIPTRUNK_ADMIN_TOKEN (required in production), else, for
 * local runs, a random token kept in the data directory (`admin-token`).
 */
export function operatorToken(config: AppConfig): string {
  return config.env.RIPTRUNK_ADMIN_TOKEN ?? localSecret(config, 'admin-token', 24);
}

@Injectable()
export class OperatorTokenVerifier implements TokenVerifier {
  private readonly expected: Buffer;

  constructor(config: AppConfig) {
    this.expected = sha256(operatorToken(config));
  }

  async verify(token: string): Promise<Principal | null> {
    if (!timingSafeEqual(sha256(token), this.expected)) return null;
    return { kind: 'operator', actor: 'operator', scopes: new Set(['admin']) };
  }
}

/** The edges' shared internal credential (RIPTRUNK_INTERNAL_TOKEN), scope `edge` only. */
@Injectable()
export class InternalTokenVerifier implements TokenVerifier {
  private readonly expected: Buffer;

  constructor(config: AppConfig) {
    this.expected = sha256(internalToken(config));
  }

  async verify(token: string): Promise<Principal | null> {
    if (!timingSafeEqual(sha256(token), this.expected)) return null;
    return { kind: 'edge', actor: 'edge', scopes: new Set(['edge']) };
  }
}

export function internalToken(config: AppConfig): string {
  return config.env.RIPTRUNK_INTERNAL_TOKEN ?? localSecret(config, 'internal-token', 32);
}
