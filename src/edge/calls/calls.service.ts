import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createEvent } from '@riptrunk/ript';
import type { Principal } from '../../common/auth/principal.js';
import { AppConfig } from '../../common/config/app-config.js';
import { outboundCas } from '../../common/http/outbound.js';
import { REDIS } from '../../common/redis/redis.module.js';
import { CallLimits } from '../../contracts/call-limits.js';
import type { CallDescription, CallOutcome } from '../../contracts/call-record.js';
import type { VersionedControlEvent } from '../../contracts/control-events.js';
import { CdrPublisher } from '../cdrs/cdr-publisher.js';
import { EdgeConfigStore } from '../config/edge-config.store.js';
import { EdgeRegistry } from '../config/edge-registry.js';
import { EdgeStirService } from '../stir/edge-stir.service.js';
import { CallEndings } from './call-endings.js';
import { CallHousekeeping } from './call-housekeeping.js';
import { CallLookup, callNotFound, describeFound, type FoundCall } from './call-lookup.js';
import { CallMediaMetrics } from './call-media-metrics.js';
import { CallMetrics } from './call-metrics.js';
import { CallMigration } from './call-migration.js';
import { CallRegistry } from './call-registry.js';
import { CallSetup } from './call-setup.js';
import { CallStore } from './call-store.js';
import { CallSweeper } from './call-sweeper.js';
import { ConsumerTgClient } from './consumer-tg-client.js';
import { HandlerStore } from './handler-store.js';
import { LiveCallFactory } from './live-call-factory.js';
import type { LiveCall } from './live-call.js';
import { OnNetDialer } from './onnet-leg.js';
import { OnNetPlacement } from './onnet-placement.js';
import { RefusedCall } from './refused-call.js';
import { ownTrunk } from './tg-access.js';

export type { FoundCall } from './call-lookup.js';

/**
 * The calls of this edge (profile §6-§8), as the controllers and the process see them. The work is done by: setup
 * (admission, limits, routing), registry (the calls held here), endings (record, limits, CDR), lookup, migration
 * (drain), the sweeper (clock and timers) and housekeeping.
 */
@Injectable()
export class CallsService implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(CallsService.name);
  private readonly registry: CallRegistry;
  private readonly endings: CallEndings;
  private readonly setup: CallSetup;
  private readonly placement: OnNetPlacement;
  private readonly migration: CallMigration;
  private readonly lookup: CallLookup;
  private readonly sweeper: CallSweeper;
  private readonly housekeeping: CallHousekeeping;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly config: AppConfig,
    private readonly store: EdgeConfigStore,
    private readonly edges: EdgeRegistry,
    handlers: HandlerStore,
    callStore: CallStore,
    stir: EdgeStirService,
    cdrs: CdrPublisher,
    private readonly metrics: CallMetrics,
  ) {
    const limits = new CallLimits(redis, config.env.RIPTRUNK_REDIS_PREFIX);
    const callBase = (config.env.RIPTRUNK_EDGE_CALL_URL ?? config.edgePublicUrl).replace(/\/+$/, '');
    const logger = this.logger;
    const mediaMetrics = new CallMediaMetrics(metrics);
    const factory = new LiveCallFactory(callBase, edges.id, metrics);
    const registry = (this.registry = new CallRegistry(metrics.activeCalls));
    const endings = (this.endings = new CallEndings({
      registry,
      limits,
      callStore,
      cdrs,
      mediaMetrics,
      edgeId: edges.id,
      logger,
    }));
    const dialer = new OnNetDialer(
      new ConsumerTgClient({
        ca: outboundCas(config),
        allowPrivate: config.env.RIPTRUNK_ALLOW_PRIVATE_TARGETS,
        timeoutMs: config.env.RIPTRUNK_ONNET_TIMEOUT_MS,
      }),
      (message) => logger.warn(message),
    );
    const placement = (this.placement = new OnNetPlacement(dialer, callStore, endings));
    this.setup = new CallSetup({
      store,
      edges,
      handlers,
      stir,
      limits,
      factory,
      registry,
      endings,
      placement,
      callStore,
      logger,
    });
    const migration = (this.migration = new CallMigration({
      registry,
      callStore,
      edges,
      factory,
      logger,
      notFound: callNotFound,
    }));
    this.lookup = new CallLookup(registry, callStore, migration, edges.id);
    this.sweeper = new CallSweeper({
      registry,
      endings,
      migration,
      edges,
      store,
      logger,
      eventsGraceMs: config.env.RIPTRUNK_EVENTS_GRACE_MS,
      noanswerMs: config.env.RIPTRUNK_NOANSWER_MS,
      mediaTimeoutMs: () => this.mediaTimeoutMs,
    });
    this.housekeeping = new CallHousekeeping(registry, callStore, limits, mediaMetrics, logger);
  }

  onModuleInit(): void {
    this.edges.liveCalls = () => this.registry.liveCount;
    this.edges.onDrain = () => void this.migration.migrateAll();
    this.store.onEvent((event) => this.onControlEvent(event));
    this.sweeper.start();
    this.housekeeping.start();
  }

  /** Ends every call before the server closes, so clients get `end` and the CDRs are written. */
  async beforeApplicationShutdown(): Promise<void> {
    this.sweeper.stop();
    this.housekeeping.stop();
    for (const call of this.registry.all()) void this.end(call, { kind: 'end', reason: 'edge-shutdown' });
    this.registry.clear();
    await this.endings.settled();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.endings.settled();
    this.placement.close();
  }

  /** Calls live on this edge (ended ones waiting for their final events to be read excluded). */
  get liveCount(): number {
    return this.registry.liveCount;
  }

  /** The media timeout for calls of this edge: the TG setting unless RIPTRUNK_MEDIA_TIMEOUT_MS overrides it. */
  get mediaTimeoutMs(): number {
    return this.config.env.RIPTRUNK_MEDIA_TIMEOUT_MS ?? this.store.settings.mediaTimeoutMs;
  }

  /** POST <tg>/calls. Throws ProblemException for every refusal (and counts it). */
  async create(
    tgId: string,
    principal: Principal,
    raw: unknown,
    startedAt: number,
  ): Promise<{ call: LiveCall; body: CallDescription }> {
    const trunk = ownTrunk(this.store, tgId, principal); // 404 before anything is counted under its label
    try {
      const call = await this.setup.admit(trunk, principal, raw);
      this.metrics.attempt(trunk.id, 'created');
      this.metrics.setupSeconds.observe({ trunk: trunk.id }, (performance.now() - startedAt) / 1000);
      return { call, body: call.describe() };
    } catch (err) {
      if (err instanceof RefusedCall) {
        this.metrics.attempt(trunk.id, err.refusal.outcome);
        throw err.problem();
      }
      this.metrics.attempt(trunk.id, 'error');
      throw err;
    }
  }

  /** The caller's call, here or (read-only) in Redis; 404 for unknown, another tenant's, or ended and gone. */
  find(callId: string, principal: Principal): Promise<FoundCall> {
    return this.lookup.find(callId, principal);
  }

  /** A call this edge runs and that has not ended (for PUT events, media streams). */
  findActive(callId: string, principal: Principal): Promise<LiveCall> {
    return this.lookup.findActive(callId, principal);
  }

  describe(found: FoundCall): CallDescription {
    return describeFound(found);
  }

  /** A GET events stream read the final events of an ended call: it is gone from now on. */
  markDelivered(call: LiveCall): void {
    call.delivered = true;
    this.registry.forgetIfHeld(call);
  }

  /** `end`, `ping` and `pong` from a PUT events stream (already validated). */
  clientEvent(call: LiveCall, type: 'end' | 'ping' | 'pong', value: string): void {
    if (call.ended) return;
    if (type === 'end') void this.end(call, { kind: 'end', reason: value }, true);
    else if (type === 'ping')
      call.events.broadcast(createEvent('pong', { direction: 's2c', call: call.uri, nonce: value }));
    else call.lastPongAt = Date.now();
  }

  /** Ends a call (idempotent): events, streams, then limits, record and CDR (the promise, which never rejects). */
  end(call: LiveCall, outcome: CallOutcome, byClient = false): Promise<void> {
    return this.endings.end(call, outcome, byClient);
  }

  private onControlEvent(event: VersionedControlEvent): void {
    if (event.type === 'edge-drain') {
      if (event.edgeId === this.edges.id) this.edges.drain();
      return;
    }
    if (event.type === 'call-end') {
      const call = this.registry.get(event.callId);
      if (call && !call.ended) void this.end(call, { kind: 'end', reason: event.reason });
      return;
    }
    if (event.type !== 'client-revoked' && event.type !== 'tenant-status') return;
    for (const call of this.registry.all()) if (!call.ended) this.sweeper.checkAuthorisation(call);
  }
}
