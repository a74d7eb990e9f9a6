import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../common/config/app-config.js';
import { controlChannel, type VersionedControlEvent } from '../../contracts/control-events.js';
import { createRedis } from '../../common/redis/redis.js';
import type { EdgeConsumerTg, EdgeRange, EdgeSnapshot, EdgeTrunk } from '../../contracts/edge-snapshot.js';
import { ControlPlaneClient } from './control-plane.client.js';

const FULL_RESYNC_MS = 60_000;

interface TenantState {
  status: string;
  kind: 'enterprise' | 'interconnect';
  trunks: EdgeTrunk[];
  ranges: EdgeRange[];
  consumerTgs: EdgeConsumerTg[];
}

/**
 * The edge's in-memory copy of the configuration: a full snapshot at start, then changes pushed by the control plane
 * on Redis pub/sub. Events are numbered; a gap triggers a full re-sync, and so does a timer, as a safety net.
 */
@Injectable()
export class EdgeConfigStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EdgeConfigStore.name);
  private readonly tenants = new Map<string, TenantState>();
  private readonly trunks = new Map<string, EdgeTrunk>();
  private readonly revokedClients = new Set<string>();
  private readonly revokedTokens = new Map<string, number>();
  private readonly listeners: ((event: VersionedControlEvent) => void)[] = [];
  private subscriber?: Redis;
  private timer?: NodeJS.Timeout;
  private syncing?: Promise<void>;
  private queue: Promise<void> = Promise.resolve();
  version = 0;
  /** Bumped whenever trunks, ranges or settings change, so that what is derived from them can be cached. */
  revision = 0;
  loaded = false;
  settings = { retryBackoffMs: 2000, mediaTimeoutMs: 5000 };

  constructor(
    private readonly client: ControlPlaneClient,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscriber = createRedis(this.config.env.REDIS_URL);
    // Events are applied one after another, in the order they were published.
    this.subscriber.on('message', (_channel: string, message: string) => {
      this.queue = this.queue.then(() => this.onMessage(message));
    });
    await this.subscriber.subscribe(controlChannel(this.config.env.RIPTRUNK_REDIS_PREFIX));
    void this.resyncUntilLoaded();
    this.timer = setInterval(
      () => void this.fullResync().catch((err) => this.logger.warn(`re-sync failed: ${err}`)),
      FULL_RESYNC_MS,
    );
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.subscriber?.disconnect();
  }

  /** Called for every applied event (after the store changed), e.g. to end the calls of a revoked client. */
  onEvent(listener: (event: VersionedControlEvent) => void): void {
    this.listeners.push(listener);
  }

  trunk(id: string): EdgeTrunk | undefined {
    return this.trunks.get(id);
  }

  tenantStatus(id: string): string | undefined {
    return this.tenants.get(id)?.status;
  }

  tenantKind(id: string): 'enterprise' | 'interconnect' | undefined {
    return this.tenants.get(id)?.kind;
  }

  private offNetIndex?: { revision: number; tgs: EdgeConsumerTg[] };

  /** The active consumer TGs of every active interconnect tenant: the off-net candidates (profile §10). */
  interconnectConsumerTgs(): EdgeConsumerTg[] {
    if (this.offNetIndex?.revision !== this.revision) {
      const tgs = [...this.tenants.values()]
        .filter((t) => t.kind === 'interconnect' && t.status === 'active')
        .flatMap((t) => t.consumerTgs);
      this.offNetIndex = { revision: this.revision, tgs };
    }
    return this.offNetIndex.tgs;
  }

  rangesOf(tenantId: string): EdgeRange[] {
    return this.tenants.get(tenantId)?.ranges ?? [];
  }

  consumerTgsOf(tenantId: string): EdgeConsumerTg[] {
    return this.tenants.get(tenantId)?.consumerTgs ?? [];
  }

  allRanges(): Iterable<EdgeRange> {
    return [...this.tenants.values()].flatMap((t) => t.ranges);
  }

  private rangeIndex?: { revision: number; ranges: { start: number; end: number; range: EdgeRange }[] };

  /**
   * The range holding an E.164 number, by binary search (ranges never overlap; a number inside [start, end] has
   * their digit count, so comparing the digits as integers is exact: 15 digits fit a double).
   */
  rangeOwning(e164: string): EdgeRange | undefined {
    if (this.rangeIndex?.revision !== this.revision) {
      const ranges = [...this.allRanges()]
        .map((range) => ({ start: Number(range.start.slice(1)), end: Number(range.end.slice(1)), range }))
        .sort((a, b) => a.start - b.start);
      this.rangeIndex = { revision: this.revision, ranges };
    }
    const n = Number(e164.slice(1));
    const ranges = this.rangeIndex.ranges;
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (ranges[mid].start > n) hi = mid - 1;
      else if (ranges[mid].end < n) lo = mid + 1;
      else return ranges[mid].range;
    }
    return undefined;
  }

  isClientRevoked(clientId: string): boolean {
    return this.revokedClients.has(clientId);
  }

  isTokenRevoked(jti: string): boolean {
    return this.revokedTokens.has(jti);
  }

  /** Waits until the first full snapshot is in (for readiness and tests). */
  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.loaded) {
      if (Date.now() > deadline) throw new Error('edge configuration not loaded');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async resyncUntilLoaded(): Promise<void> {
    for (let delay = 200; !this.loaded; delay = Math.min(delay * 2, 5000)) {
      try {
        await this.fullResync();
      } catch (err) {
        this.logger.warn(`waiting for the control plane: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** One full re-sync at a time; concurrent callers share it. */
  fullResync(): Promise<void> {
    this.syncing ??= this.client
      .snapshot()
      .then((snapshot) => {
        this.applySnapshot(snapshot);
        this.loaded = true;
        this.logger.log(`configuration loaded at version ${snapshot.version}: ${snapshot.trunks.length} trunks`);
      })
      .finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private applySnapshot(s: EdgeSnapshot): void {
    const tenantIds = s.tenantId ? [s.tenantId] : s.tenants.map((t) => t.id);
    if (!s.tenantId) {
      this.tenants.clear();
      this.trunks.clear();
      this.revokedClients.clear();
    }
    for (const id of tenantIds) {
      for (const trunk of this.tenants.get(id)?.trunks ?? []) this.trunks.delete(trunk.id);
      this.tenants.delete(id);
    }
    for (const t of s.tenants) {
      this.tenants.set(t.id, {
        status: t.status,
        kind: t.kind ?? 'enterprise',
        trunks: s.trunks.filter((x) => x.tenantId === t.id),
        ranges: s.ranges.filter((x) => x.tenantId === t.id),
        consumerTgs: s.consumerTgs.filter((x) => x.tenantId === t.id),
      });
    }
    for (const trunk of s.trunks) this.trunks.set(trunk.id, trunk);
    for (const id of s.revokedClients) this.revokedClients.add(id);
    this.settings = s.settings;
    this.revision++;
    if (!s.tenantId) this.version = s.version;
  }

  private async onMessage(message: string): Promise<void> {
    let event: VersionedControlEvent;
    try {
      event = JSON.parse(message) as VersionedControlEvent;
    } catch {
      return;
    }
    if (!this.loaded) return; // the snapshot being loaded will include it
    try {
      if (event.version > this.version + 1) {
        this.logger.warn(`missed configuration events ${this.version + 1}..${event.version - 1}: re-syncing`);
        await this.fullResync();
      } else {
        await this.apply(event);
      }
      this.version = Math.max(this.version, event.version);
      for (const listener of this.listeners) listener(event);
    } catch (err) {
      this.logger.warn(`applying event ${event.version} failed (${(err as Error).message}): re-syncing`);
      await this.fullResync().catch(() => undefined);
    }
  }

  private async apply(event: VersionedControlEvent): Promise<void> {
    switch (event.type) {
      case 'token-revoked':
        this.revokedTokens.set(event.jti, event.exp);
        this.pruneRevokedTokens();
        return;
      case 'client-revoked':
        this.revokedClients.add(event.clientId);
        return;
      case 'signing-keys-changed':
      case 'call-end':
      case 'edge-drain':
        return; // the token verifier and the calls service listen for these
      case 'tenant-status':
      case 'config-changed':
        if (event.tenantId) this.applySnapshot(await this.client.snapshot(event.tenantId));
        return;
    }
  }

  private pruneRevokedTokens(): void {
    const now = Date.now() / 1000;
    for (const [jti, exp] of this.revokedTokens) if (exp < now) this.revokedTokens.delete(jti);
  }
}
