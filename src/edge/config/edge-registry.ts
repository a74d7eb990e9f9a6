import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../common/config/app-config.js';
import { REDIS } from '../../common/redis/redis.module.js';
import {
  EDGE_HEARTBEAT_MS,
  EDGE_TTL_S,
  edgeDrainKey,
  edgeRegistryKey,
  EdgeFleetStore,
  type EdgeRegistration,
} from '../../contracts/edge-registry.js';
import { EdgeConfigStore } from './edge-config.store.js';

/** Registers this edge in Redis and keeps its entry alive with a heartbeat; a dead edge's entry expires. */
@Injectable()
export class EdgeRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EdgeRegistry.name);
  readonly id: string;
  private readonly startedAt = new Date().toISOString();
  private timer?: NodeJS.Timeout;
  state: EdgeRegistration['state'] = 'ready';
  liveCalls = (): number => 0;
  /** Called when an operator's drain reaches this edge (by event, or by the heartbeat's check of the drain key). */
  onDrain = (): void => undefined;
  readonly callUrl: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
    private readonly store: EdgeConfigStore,
  ) {
    this.id = config.env.RIPTRUNK_EDGE_ID ?? `${hostname()}-${process.pid}`;
    this.callUrl = (config.env.RIPTRUNK_EDGE_CALL_URL ?? config.edgePublicUrl).replace(/\/+$/, '');
  }

  /** Starts draining (idempotent). */
  drain(): void {
    if (this.state === 'draining') return;
    this.state = 'draining';
    this.logger.warn('draining: new calls are refused, live calls move to sibling edges');
    this.onDrain();
    void this.heartbeat();
  }

  /** The other edges that take calls now. */
  async siblings(): Promise<EdgeRegistration[]> {
    return (await new EdgeFleetStore(this.redis, this.config.env.RIPTRUNK_REDIS_PREFIX).list()).filter(
      (e) => e.id !== this.id && e.state === 'ready' && typeof e.callUrl === 'string',
    );
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.heartbeat(), EDGE_HEARTBEAT_MS);
    this.timer.unref();
    void this.heartbeat();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.del(this.key).catch(() => undefined);
  }

  private get key(): string {
    return edgeRegistryKey(this.config.env.RIPTRUNK_REDIS_PREFIX, this.id);
  }

  async heartbeat(): Promise<void> {
    if (this.state === 'ready') {
      const prefix = this.config.env.RIPTRUNK_REDIS_PREFIX;
      const drain = await this.redis.exists(edgeDrainKey(prefix, this.id)).catch(() => 0);
      if (drain) return this.drain();
    }
    const entry: EdgeRegistration = {
      id: this.id,
      publicUrl: this.config.edgePublicUrl,
      callUrl: this.callUrl,
      configVersion: this.store.version,
      liveCalls: this.liveCalls(),
      state: this.state,
      startedAt: this.startedAt,
      heartbeatAt: new Date().toISOString(),
    };
    await this.redis.set(this.key, JSON.stringify(entry), 'EX', EDGE_TTL_S).catch((err: Error) => {
      this.logger.warn(`heartbeat failed: ${err.message}`);
    });
  }
}
