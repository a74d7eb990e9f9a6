import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../common/config/app-config.js';
import { REDIS } from '../../common/redis/redis.module.js';

/** A handler registered on a TG (profile §5), as stored in Redis so that every edge sees it. */
export interface StoredHandler {
  handlerId: string;
  tenantId: string;
  trunkId: string;
  advertisement: string;
  createdAt: string;
  updatedAt: string;
}

/** Handler ids are URI path segments: unreserved characters only. */
export const HANDLER_ID = /^[A-Za-z0-9._~-]{1,64}$/;
export const MAX_HANDLERS_PER_TG = 100;
export const MAX_ADVERTISEMENT_LENGTH = 4096;

const HANDLER_PATH = /^\/ript\/v1\/tgs\/([^/]+)\/handlers\/([^/]+)$/;

/**
 * The (trunk, handler id) named by a handler URI, or null. Only the path counts, so a handler URI taken from any
 * edge of the pool works on every other.
 */
export function parseHandlerUri(uri: string): { trunkId: string; handlerId: string } | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.search || url.hash) return null;
  const m = HANDLER_PATH.exec(url.pathname);
  if (!m) return null;
  let handlerId: string;
  try {
    handlerId = decodeURIComponent(m[2]);
  } catch {
    return null;
  }
  return HANDLER_ID.test(handlerId) ? { trunkId: m[1], handlerId } : null;
}

/** Handlers live in one Redis hash per TG: field = handler id, value = JSON. */
@Injectable()
export class HandlerStore {
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {
    this.prefix = config.env.RIPTRUNK_REDIS_PREFIX;
  }

  private key(trunkId: string): string {
    return `${this.prefix}:handlers:${trunkId}`;
  }

  uri(trunkId: string, handlerId: string): string {
    return `${this.config.edgePublicUrl}/ript/v1/tgs/${trunkId}/handlers/${encodeURIComponent(handlerId)}`;
  }

  async get(trunkId: string, handlerId: string): Promise<StoredHandler | null> {
    const json = await this.redis.hget(this.key(trunkId), handlerId);
    return json ? (JSON.parse(json) as StoredHandler) : null;
  }

  async list(trunkId: string): Promise<StoredHandler[]> {
    const all = await this.redis.hvals(this.key(trunkId));
    return all.map((j) => JSON.parse(j) as StoredHandler).sort((a, b) => a.handlerId.localeCompare(b.handlerId));
  }

  async count(trunkId: string): Promise<number> {
    return this.redis.hlen(this.key(trunkId));
  }

  /** Creates the handler unless one with that id exists; returns whether it was created. */
  async create(handler: StoredHandler): Promise<boolean> {
    return (await this.redis.hsetnx(this.key(handler.trunkId), handler.handlerId, JSON.stringify(handler))) === 1;
  }

  async put(handler: StoredHandler): Promise<void> {
    await this.redis.hset(this.key(handler.trunkId), handler.handlerId, JSON.stringify(handler));
  }

  async delete(trunkId: string, handlerId: string): Promise<boolean> {
    return (await this.redis.hdel(this.key(trunkId), handlerId)) === 1;
  }
}
