import type { Redis } from 'ioredis';
import { scanKeys } from '../common/redis/redis.js';
import { configVersionKey } from './control-events.js';

/** Each edge's heartbeat entry in Redis: how the control plane and sibling edges know which edges are alive. */
export interface EdgeRegistration {
  id: string;
  publicUrl: string;
  /** Where this edge's call URIs point (RIPTRUNK_EDGE_CALL_URL, else the public URL): the target of `migrate`. */
  callUrl?: string;
  configVersion: number;
  liveCalls: number;
  state: 'ready' | 'draining';
  startedAt: string;
  heartbeatAt: string;
}

export function edgeRegistryKey(prefix: string, edgeId: string): string {
  return `${prefix}:edges:${edgeId}`;
}

/** Set by `POST /v1/edges/{id}/drain`: the edge refuses new calls and migrates its calls to siblings. */
export function edgeDrainKey(prefix: string, edgeId: string): string {
  return `${prefix}:edge-drain:${edgeId}`;
}

export const EDGE_HEARTBEAT_MS = 2000;
export const EDGE_TTL_S = 10;

/** Edge ids as they appear in keys and URLs (hostname-pid by default). */
export const EDGE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reads and marks the fleet's registry entries; the edges write their own (EdgeRegistry). */
export class EdgeFleetStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Every edge whose heartbeat entry is alive, by id. */
  async list(): Promise<EdgeRegistration[]> {
    const keys = await scanKeys(this.redis, edgeRegistryKey(this.prefix, '*'), 200);
    const values = keys.length ? await this.redis.mget(keys) : [];
    return values
      .filter((v): v is string => v !== null)
      .map((v) => JSON.parse(v) as EdgeRegistration)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  async get(edgeId: string): Promise<EdgeRegistration | null> {
    const json = EDGE_ID.test(edgeId) ? await this.redis.get(edgeRegistryKey(this.prefix, edgeId)) : null;
    return json ? (JSON.parse(json) as EdgeRegistration) : null;
  }

  async isAlive(edgeId: string): Promise<boolean> {
    return (await this.redis.exists(edgeRegistryKey(this.prefix, edgeId))) === 1;
  }

  /** Sets the drain key the edge checks on its heartbeat (the control event tells it at once). */
  async markDraining(edgeId: string): Promise<void> {
    await this.redis.set(edgeDrainKey(this.prefix, edgeId), new Date().toISOString(), 'EX', 86_400);
  }

  async configVersion(): Promise<number> {
    return Number((await this.redis.get(configVersionKey(this.prefix))) ?? 0);
  }
}
