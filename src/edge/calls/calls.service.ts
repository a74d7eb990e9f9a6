import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Principal } from '../../common/auth/principal.js';
import { AppConfig } from '../../common/config/app-config.js';
import type { VersionedControlEvent } from '../../contracts/control-events.js';
import { ProblemException, type FieldError } from '../../common/http/problem.js';
import { REDIS } from '../../common/redis/redis.module.js';
import {
  type Advertisement,
  CALL_REQUEST_FIELDS,
  CallClock,
  expiredTimer,
  lingerOver,
  type CallRequest,
  callRequestErrors,
  computeDirectives,
  createEvent,
  type DirectiveSet,
  matches,
  matchesAny,
  NoCommonCodecError,
  parseAdvertisement,
  parseDirectives,
  type ProblemSlug,
} from '@riptrunk/ript';
import { CdrPublisher } from '../cdrs/cdr-publisher.js';
import { EdgeConfigStore } from '../config/edge-config.store.js';
import { EdgeRegistry } from '../config/edge-registry.js';
import type { EdgeConsumerTg, EdgeTrunk } from '../../contracts/edge-snapshot.js';
import { EdgeStirService } from '../stir/edge-stir.service.js';
import { callerIdRanges, rangePattern } from '../config/tg-description.js';
import { CallLimits } from '../../contracts/call-limits.js';
import { CallMetrics, type CallAttemptOutcome } from './call-metrics.js';
import { CallStore } from './call-store.js';
import { HandlerStore, parseHandlerUri } from './handler-store.js';
import { LiveCall } from './live-call.js';
import {
  callDetailRecords,
  describeRecord,
  type CallDescription,
  type CallOutcome,
  type CallRecord,
} from '../../contracts/call-record.js';
import { testLineFor, TONE_CODECS, type CallRoute } from './test-lines.js';
import { ConsumerTgClient } from './consumer-tg-client.js';
import { OnNetDialer, OnNetRefusal } from './onnet-leg.js';
import { outboundCas } from '../../common/http/outbound.js';
import { CALL_ID } from '../../contracts/cdr.js';
import { edgeProblem } from '../edge-problem.js';
import { jsonObject, ownTrunk, unknownFields } from './tg-access.js';

/** An ended call whose final events nobody read yet is kept this long for a GET events stream. */
const ENDED_LINGER_MS = 30_000;
/** A client that did not follow `migrate` in this long keeps its call on the draining edge. */
const MIGRATION_TIMEOUT_MS = 30_000;
/** Calls whose records are written in one go by the housekeeping. */
const HOUSEKEEPING_BATCH = 50;
/** Counters and leases are written to Redis this often. */
const HOUSEKEEPING_MS = 10_000;

/** A call found for a request: owned by this edge (live or ended, not yet gone), or only in Redis. */
export type FoundCall = { live: LiveCall; record?: undefined } | { live?: undefined; record: CallRecord };

class Refusal extends Error {
  constructor(
    readonly outcome: CallAttemptOutcome,
    readonly problem: ProblemException,
  ) {
    super(outcome);
  }
}

function refuse(
  outcome: CallAttemptOutcome,
  status: number,
  slug: ProblemSlug,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Refusal {
  return new Refusal(outcome, edgeProblem(status, slug, detail, extra, headers));
}

/**
 * The calls of this edge (profile §6-§8): admission (validation, caller ID, destination, limits, routing,
 * directives), the test lines, timers, endings with their CDR, and the call records in Redis.
 */
@Injectable()
export class CallsService implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(CallsService.name);
  private readonly calls = new Map<string, LiveCall>();
  private readonly limits: CallLimits;
  private readonly callBase: string;
  private readonly eventsGraceMs: number;
  private readonly noanswerMs: number;
  private readonly dialer: OnNetDialer;
  private readonly trunkAds = new Map<string, Advertisement>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly adoptions = new Map<string, Promise<LiveCall>>();
  private checkingMigrations = false;
  private readonly clock = new CallClock({ tick: (now) => this.tick(now), sweep: (now) => this.sweepAll(now) });
  private houseTimer?: NodeJS.Timeout;
  private live = 0;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly config: AppConfig,
    private readonly store: EdgeConfigStore,
    private readonly registry: EdgeRegistry,
    private readonly handlers: HandlerStore,
    private readonly callStore: CallStore,
    private readonly stir: EdgeStirService,
    private readonly cdrs: CdrPublisher,
    private readonly metrics: CallMetrics,
  ) {
    this.limits = new CallLimits(redis, config.env.RIPTRUNK_REDIS_PREFIX);
    this.callBase = (config.env.RIPTRUNK_EDGE_CALL_URL ?? config.edgePublicUrl).replace(/\/+$/, '');
    this.eventsGraceMs = config.env.RIPTRUNK_EVENTS_GRACE_MS;
    this.noanswerMs = config.env.RIPTRUNK_NOANSWER_MS;
    this.dialer = new OnNetDialer(
      new ConsumerTgClient({
        ca: outboundCas(config),
        allowPrivate: config.env.RIPTRUNK_ALLOW_PRIVATE_TARGETS,
        timeoutMs: config.env.RIPTRUNK_ONNET_TIMEOUT_MS,
      }),
      (message) => this.logger.warn(message),
    );
  }

  onModuleInit(): void {
    this.registry.liveCalls = () => this.live;
    this.registry.onDrain = () => void this.migrateAll();
    this.store.onEvent((event) => this.onControlEvent(event));
    this.clock.start();
    this.houseTimer = setInterval(() => void this.housekeeping(), HOUSEKEEPING_MS);
    this.houseTimer.unref();
  }

  /** Ends every call before the server closes, so clients get `end` and the CDRs are written. */
  async beforeApplicationShutdown(): Promise<void> {
    this.clock.stop();
    clearInterval(this.houseTimer);
    for (const call of [...this.calls.values()]) void this.end(call, { kind: 'end', reason: 'edge-shutdown' });
    this.calls.clear();
    await Promise.allSettled([...this.pending]);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    this.dialer.close();
  }

  /** Calls live on this edge (ended ones waiting for their final events to be read excluded). */
  get liveCount(): number {
    return this.live;
  }

  /** The media timeout for calls of this edge: the TG setting unless RIPTRUNK_MEDIA_TIMEOUT_MS overrides it. */
  get mediaTimeoutMs(): number {
    return this.config.env.RIPTRUNK_MEDIA_TIMEOUT_MS ?? this.store.settings.mediaTimeoutMs;
  }

  private trunkAdvertisement(trunk: EdgeTrunk): Advertisement {
    let ad = this.trunkAds.get(trunk.advertisement);
    if (!ad) {
      ad = parseAdvertisement(trunk.advertisement);
      if (this.trunkAds.size > 1000) this.trunkAds.clear();
      this.trunkAds.set(trunk.advertisement, ad);
    }
    return ad;
  }

  // ------------------------------------------------------------------ admission

  /** POST <tg>/calls. Throws ProblemException for every refusal (and counts it). */
  async create(
    tgId: string,
    principal: Principal,
    raw: unknown,
    startedAt: number,
  ): Promise<{ call: LiveCall; body: CallDescription }> {
    const trunk = ownTrunk(this.store, tgId, principal); // 404 before anything is counted under its label
    try {
      const result = await this.admit(trunk, principal, raw);
      this.metrics.attempt(trunk.id, 'created');
      this.metrics.setupSeconds.observe({ trunk: trunk.id }, (performance.now() - startedAt) / 1000);
      return result;
    } catch (err) {
      if (err instanceof Refusal) {
        this.metrics.attempt(trunk.id, err.outcome);
        throw err.problem;
      }
      this.metrics.attempt(trunk.id, 'error');
      throw err;
    }
  }

  private parseBody(raw: unknown): CallRequest {
    let body: Record<string, unknown>;
    try {
      body = jsonObject(raw);
    } catch (err) {
      throw new Refusal('invalid', err as ProblemException);
    }
    const errors: FieldError[] = [...unknownFields(body, CALL_REQUEST_FIELDS), ...callRequestErrors(body)];
    if (errors.length) throw new Refusal('invalid', ProblemException.validation(errors));
    return body as unknown as CallRequest;
  }

  private async admit(
    trunk: EdgeTrunk,
    principal: Principal,
    raw: unknown,
  ): Promise<{ call: LiveCall; body: CallDescription }> {
    const retryAfter = String(Math.max(1, Math.ceil(this.store.settings.retryBackoffMs / 1000)));
    if (this.registry.state === 'draining') {
      throw refuse(
        'draining',
        503,
        'edge-draining',
        'This edge is draining: place the call again',
        {},
        {
          'retry-after': retryAfter,
        },
      );
    }
    const body = this.parseBody(raw);
    if (trunk.state !== 'active') {
      throw refuse('tg-disabled', 403, 'tg-disabled', `TG ${trunk.id} is disabled by the provider`, { tg: trunk.id });
    }

    // handler
    const named = parseHandlerUri(body.handler);
    const handler = named && named.trunkId === trunk.id ? await this.handlers.get(trunk.id, named.handlerId) : null;
    if (!handler || handler.tenantId !== trunk.tenantId) {
      throw refuse(
        'handler-not-registered',
        409,
        'handler-not-registered',
        `${body.handler} is not a handler registered on TG ${trunk.id}`,
        { handler: body.handler },
      );
    }

    // caller ID
    if (body.passport !== undefined) {
      const verified = await this.stir.verify(body.passport, body.destination);
      if (!verified.ok) {
        throw refuse('caller-id', 403, 'passport-invalid', `The PASSporT was refused: ${verified.reason}`, {
          reason: verified.reason,
          from: body.from,
        });
      }
      if (verified.orig !== body.from) {
        throw refuse(
          'caller-id',
          403,
          'caller-id-not-allowed',
          `The PASSporT asserts ${verified.orig}, not ${body.from}`,
          { from: body.from, orig: verified.orig },
        );
      }
    } else {
      const ranges = callerIdRanges(trunk, this.store.rangesOf(trunk.tenantId));
      if (!ranges.some((r) => matches(rangePattern(r), body.from))) {
        throw refuse(
          'caller-id',
          403,
          'caller-id-not-allowed',
          `${body.from} is not a number of this trunk's caller ID ranges; send a PASSporT to use it`,
          { from: body.from, allowed: ranges.map(rangePattern) },
        );
      }
    }

    // destination
    if (!matchesAny(trunk.destinations, body.destination)) {
      throw refuse(
        'destination-not-allowed',
        403,
        'destination-not-allowed',
        `TG ${trunk.id} may not call ${body.destination}`,
        { destination: body.destination, allowed: trunk.destinations },
      );
    }

    // routing
    const { line, consumerTgs } = this.route(body.destination);

    // directives
    const handlerAd = parseAdvertisement(handler.advertisement);
    const directives = this.directives(handlerAd, trunk, line);

    // limits, across every edge
    const id = randomUUID();
    const decision = await this.limits.acquire(trunk.id, id, trunk);
    if (!decision.ok) {
      if (decision.limit === 'concurrency') {
        throw refuse(
          'concurrency-limit',
          429,
          'concurrency-limit',
          `TG ${trunk.id} has ${trunk.maxConcurrentCalls} calls up already (max-concurrent-calls)`,
          { limit: 'max-concurrent-calls', value: trunk.maxConcurrentCalls },
          { 'retry-after': retryAfter },
        );
      }
      throw refuse(
        'cps-limit',
        429,
        'cps-limit',
        `TG ${trunk.id} placed ${trunk.maxCallsPerSecond} calls in the last second (max-calls-per-second)`,
        { limit: 'max-calls-per-second', value: trunk.maxCallsPerSecond },
        { 'retry-after': String(Math.ceil(decision.retryAfterMs / 1000)) },
      );
    }

    let call: LiveCall;
    try {
      const passport = body.passport ?? (await this.stir.signShaken(body.from, body.destination, id));
      call = new LiveCall({
        id,
        uri: `${this.callBase}/ript/v1/calls/${id}`,
        edgeId: this.registry.id,
        tenantId: trunk.tenantId,
        trunkId: trunk.id,
        clientId: principal.clientId ?? null,
        handler: body.handler,
        from: body.from,
        to: body.destination,
        passport,
        directives,
        line,
        relayLatency: this.metrics.relaySeconds.labels({ trunk: trunk.id }),
      });
    } catch (err) {
      await this.limits.release(trunk.id, id).catch(() => undefined);
      this.logger.error(`call setup failed: ${(err as Error).message}`);
      throw refuse(
        'error',
        503,
        'call-setup-failed',
        `The call could not be set up: ${(err as Error).message}`,
        {},
        {
          'retry-after': retryAfter,
        },
      );
    }
    this.track(call);
    // On-net calls wait for the callee; the test lines answer at once (or decline). The record in Redis shows the
    // state the 201 leads to.
    if (consumerTgs) await this.placeOnNet(call, consumerTgs);
    else if (line === 'declined') await this.end(call, { kind: 'declined' });
    else call.progress('answered');
    if (!call.ended) {
      try {
        await this.callStore.save(call.record());
      } catch (err) {
        void this.end(call, { kind: 'failed', reason: 'edge-error' }, true);
        throw refuse(
          'error',
          503,
          'call-setup-failed',
          `The call could not be stored: ${(err as Error).message}`,
          {},
          { 'retry-after': retryAfter },
        );
      }
    }
    return { call, body: call.describe() };
  }

  /**
   * Where a destination goes: a test line; on-net, the active consumer TG of the tenant owning the number; else
   * 404 (egress to the carrier's network is not configured).
   */
  private route(destination: string): { line: CallRoute; consumerTgs?: EdgeConsumerTg[] } {
    const line = testLineFor(destination);
    if (line && line !== 'unassigned') return { line };
    if (line === 'unassigned') {
      throw refuse('unreachable', 404, 'destination-unreachable', `${destination} is not an assigned test line`, {
        destination,
      });
    }
    const range = this.store.rangeOwning(destination);
    if (range) {
      const unreachable = (why: string) =>
        refuse('unreachable', 404, 'destination-unreachable', `${destination} is on-net but ${why}`, { destination });
      if (this.store.tenantStatus(range.tenantId) !== 'active') throw unreachable("its customer's service is off");
      const consumerTgs = this.store
        .consumerTgsOf(range.tenantId)
        .filter((tg) => matchesAny(tg.destinations, destination));
      if (consumerTgs.length === 0) throw unreachable('no active consumer TG of its customer takes it');
      return { line: 'onnet', consumerTgs };
    }
    throw refuse('unreachable', 404, 'destination-unreachable', `No route to ${destination}`, { destination });
  }

  /**
   * Places the callee's leg of an on-net call at the first of the callee's consumer TGs that can be reached (the
   * next one is tried when one cannot); a refusal undoes the call and becomes the caller's answer.
   */
  private async placeOnNet(call: LiveCall, tgs: EdgeConsumerTg[]): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        await this.placeAt(call, tgs[i]);
        return;
      } catch (err) {
        const unreachable = err instanceof OnNetRefusal && err.code === 'callee-unreachable';
        if (!unreachable || i + 1 >= tgs.length) return this.refuseOnNet(call, err);
      }
    }
  }

  private async placeAt(call: LiveCall, tg: EdgeConsumerTg): Promise<void> {
    const leg = await this.dialer.place(
      tg,
      { from: call.from, to: call.to, passport: call.passport, directives: call.directives },
      {
        progress: (state) => {
          if (call.ended) return;
          call.progress(state);
          void this.callStore.save(call.record()).catch(() => undefined);
        },
        finished: (outcome) => void this.end(call, outcome),
        media: (index, frame) => call.media.relay(index, frame),
      },
    );
    call.leg = leg;
    call.callee = { uri: leg.uri, consumerTgId: tg.id, tenantId: tg.tenantId, trunkId: tg.trunkId };
    call.media.farEnd = leg;
    if (call.ended) leg.hangup(call.reason ?? 'normal');
  }

  private refuseOnNet(call: LiveCall, err: unknown): never {
    const problem =
      err instanceof OnNetRefusal
        ? refuse(
            err.status === 409 ? 'no-common-codec' : 'unreachable',
            err.status,
            err.code,
            err.message,
            { destination: call.to },
            err.headers,
          )
        : refuse('error', 503, 'call-setup-failed', `The call could not be placed: ${(err as Error).message}`);
    this.abandon(call);
    throw problem;
  }

  /** Forgets a call refused after it was counted: no events, record or CDR (the caller gets the error). */
  private abandon(call: LiveCall): void {
    if (call.finish({ kind: 'failed', reason: 'refused' }, true)) this.untrack(call);
    this.calls.delete(call.id);
    void this.limits.release(call.trunkId, call.id).catch(() => undefined);
  }

  private directives(handlerAd: Advertisement, trunk: EdgeTrunk, line: CallRoute): DirectiveSet {
    const trunkAd = this.trunkAdvertisement(trunk);
    try {
      const set = computeDirectives(handlerAd, trunkAd, { secondaryCodecs: true });
      if (line !== 'tone') return set;
      // the tone line plays G.711 only: its server directives come from the trunk's G.711 codecs
      const g711: Advertisement = {
        entries: trunkAd.entries.map((e) =>
          e.dir === 'out'
            ? { ...e, codecs: e.codecs.filter((c) => (TONE_CODECS as readonly string[]).includes(c.name)) }
            : e,
        ),
      };
      let server: DirectiveSet;
      try {
        server = computeDirectives(handlerAd, g711);
      } catch (err) {
        if (!(err instanceof NoCommonCodecError)) throw err;
        throw refuse(
          'no-common-codec',
          409,
          'no-common-codec',
          `The tone test line plays ${TONE_CODECS.join(' or ')} only: ${err.message}`,
        );
      }
      return { ...set, server: server.server, serverDirectives: server.serverDirectives };
    } catch (err) {
      if (!(err instanceof NoCommonCodecError)) throw err;
      throw refuse('no-common-codec', 409, 'no-common-codec', err.message);
    }
  }

  // ------------------------------------------------------------------ lookups

  /** The caller's call, here or (read-only) in Redis; 404 for unknown, another tenant's, or ended and gone. */
  async find(callId: string, principal: Principal): Promise<FoundCall> {
    const live = CALL_ID.test(callId) ? this.calls.get(callId) : undefined;
    if (live) {
      if (live.tenantId !== principal.tenantId) throw this.notFound(callId);
      return { live };
    }
    const record = CALL_ID.test(callId) ? await this.callStore.get(callId) : null;
    if (!record || record.tenantId !== principal.tenantId) throw this.notFound(callId);
    if (record.endedAt) throw edgeProblem(404, 'call-ended', `Call ${callId} has ended (${record.reason})`);
    if (record.migratingTo === this.registry.id) return { live: await this.adopt(record) };
    return { record };
  }

  // ------------------------------------------------------------------ drain and migration (profile §8)

  /** Tells the client of every call that can move to go to a sibling edge (`migrate`); on-net calls stay. */
  private async migrateAll(): Promise<void> {
    const siblings = await this.registry.siblings().catch(() => []);
    if (siblings.length === 0) {
      this.logger.warn('draining with no sibling edge: live calls stay here until they end');
      return;
    }
    let next = 0;
    for (const call of [...this.calls.values()]) {
      if (call.ended || call.line === 'onnet' || call.migratingTo) continue;
      const sibling = siblings[next++ % siblings.length];
      call.migratingTo = sibling.id;
      call.migrationStartedAt = Date.now();
      try {
        await this.callStore.save(call.record());
      } catch (err) {
        call.migratingTo = null;
        this.logger.warn(`call ${call.id} cannot migrate: ${(err as Error).message}`);
        continue;
      }
      const to = `${sibling.callUrl}/ript/v1/calls/${call.id}`;
      call.events.broadcast(createEvent('migrate', { direction: 's2c', call: call.uri, to }));
    }
  }

  /** Takes over a call a draining edge handed to this one, when its client first comes here. */
  private adopt(record: CallRecord): Promise<LiveCall> {
    let adoption = this.adoptions.get(record.id);
    if (!adoption) {
      adoption = this.takeOver(record).finally(() => this.adoptions.delete(record.id));
      this.adoptions.set(record.id, adoption);
    }
    return adoption;
  }

  private async takeOver(r: CallRecord): Promise<LiveCall> {
    const existing = this.calls.get(r.id);
    if (existing) return existing;
    if (this.registry.state === 'draining' || r.line === 'onnet') throw this.notFound(r.id);
    const client = parseDirectives(r.clientDirectives);
    const server = parseDirectives(r.serverDirectives);
    const call = new LiveCall({
      id: r.id,
      uri: `${this.callBase}/ript/v1/calls/${r.id}`,
      edgeId: this.registry.id,
      tenantId: r.tenantId,
      trunkId: r.trunkId,
      clientId: r.clientId,
      handler: r.handler,
      from: r.from,
      to: r.to,
      passport: r.passport,
      directives: { clientDirectives: r.clientDirectives, serverDirectives: r.serverDirectives, client, server },
      line: r.line,
      relayLatency: this.metrics.relaySeconds.labels({ trunk: r.trunkId }),
      restored: r,
    });
    await this.callStore.save(call.record());
    await this.callStore.forget(r.edgeId, r.id);
    this.track(call);
    this.logger.log(`took call ${r.id} over from edge ${r.edgeId}`);
    return call;
  }

  /** Draining: lets go of the calls a sibling took over; keeps those whose client did not move in time. */
  private async checkMigrations(now: number): Promise<void> {
    if (this.checkingMigrations) return;
    this.checkingMigrations = true;
    try {
      for (const call of [...this.calls.values()]) {
        if (!call.migratingTo || call.ended) continue;
        const record = await this.callStore.get(call.id);
        if (record && record.edgeId !== this.registry.id && !record.migratingTo) {
          call.detach();
          this.calls.delete(call.id);
          this.untrack(call);
        } else if (now - call.migrationStartedAt >= MIGRATION_TIMEOUT_MS) {
          call.migratingTo = null;
          await this.callStore.save(call.record());
        }
      }
    } catch (err) {
      this.logger.warn(`checking migrations failed: ${(err as Error).message}`);
    } finally {
      this.checkingMigrations = false;
    }
  }

  /** A call this edge runs and that has not ended (for PUT events, media streams). */
  async findActive(callId: string, principal: Principal): Promise<LiveCall> {
    const found = await this.find(callId, principal);
    if (found.live) {
      if (found.live.ended) {
        throw edgeProblem(404, 'call-ended', `Call ${callId} has ended (${found.live.reason})`);
      }
      return found.live;
    }
    if (found.record.edgeId !== this.registry.id) {
      throw edgeProblem(421, 'call-on-another-edge', `Call ${callId} is served by edge ${found.record.edgeId}`, {
        edge: found.record.edgeId,
      });
    }
    throw this.notFound(callId);
  }

  private notFound(callId: string): ProblemException {
    return edgeProblem(404, 'call-not-found', `No call ${callId}`);
  }

  describe(found: FoundCall): CallDescription {
    if (found.record) return describeRecord(found.record);
    const call = found.live;
    return { ...call.describe(), state: call.state, ...(call.reason ? { reason: call.reason } : {}) };
  }

  /** A GET events stream read the final events of an ended call: it is gone from now on. */
  markDelivered(call: LiveCall): void {
    call.delivered = true;
    if (this.calls.get(call.id) === call) this.calls.delete(call.id);
  }

  // ------------------------------------------------------------------ events from the client

  /** `end`, `ping` and `pong` from a PUT events stream (already validated). */
  clientEvent(call: LiveCall, type: 'end' | 'ping' | 'pong', value: string): void {
    if (call.ended) return;
    if (type === 'end') void this.end(call, { kind: 'end', reason: value }, true);
    else if (type === 'ping')
      call.events.broadcast(createEvent('pong', { direction: 's2c', call: call.uri, nonce: value }));
    else call.lastPongAt = Date.now();
  }

  // ------------------------------------------------------------------ endings

  /** A call this edge now runs: counted as live. */
  private track(call: LiveCall): void {
    this.calls.set(call.id, call);
    this.live++;
    this.metrics.activeCalls.inc({ trunk: call.trunkId });
  }

  /** A call that stopped being live here (ended, refused, or taken over by a sibling). */
  private untrack(call: LiveCall): void {
    this.live--;
    this.metrics.activeCalls.dec({ trunk: call.trunkId });
  }

  /** Ends a call (idempotent): events, streams, then limits, record and CDR (the promise, which never rejects). */
  end(call: LiveCall, outcome: CallOutcome, byClient = false): Promise<void> {
    if (!call.finish(outcome, byClient)) return Promise.resolve();
    call.leg?.hangup(call.reason ?? 'normal');
    this.untrack(call);
    this.flushMediaMetrics(call);
    if (call.delivered) this.calls.delete(call.id);
    const done = this.afterEnd(call);
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
    return done;
  }

  private async afterEnd(call: LiveCall): Promise<void> {
    const record = call.record();
    const results = await Promise.allSettled([
      this.limits.release(call.trunkId, call.id),
      this.callStore.save(record),
      ...callDetailRecords(record, this.registry.id).map((cdr) => this.cdrs.publish(cdr)),
    ]);
    for (const r of results) {
      if (r.status === 'rejected') this.logger.error(`ending call ${call.id}: ${(r.reason as Error).message}`);
    }
  }

  private readonly reported = new WeakMap<LiveCall, { in: number; out: number; dropped: Record<string, number> }>();

  /** Adds what a call's media did since the last flush to the Prometheus counters. */
  private flushMediaMetrics(call: LiveCall): void {
    const c = call.media.counters;
    const last = this.reported.get(call) ?? { in: 0, out: 0, dropped: {} };
    const trunk = call.trunkId;
    if (c.framesIn > last.in) this.metrics.framesRelayed.inc({ trunk, direction: 'c2s' }, c.framesIn - last.in);
    if (c.framesOut > last.out) this.metrics.framesRelayed.inc({ trunk, direction: 's2c' }, c.framesOut - last.out);
    const dropped: Record<string, number> = {
      malformed: c.malformed,
      oversized: c.oversized,
      'wrong-codec': c.wrongCodec,
      'slow-reader': c.slowReader,
    };
    for (const [reason, value] of Object.entries(dropped)) {
      const before = last.dropped[reason] ?? 0;
      if (value > before) this.metrics.framesDropped.inc({ trunk, reason }, value - before);
    }
    this.reported.set(call, { in: c.framesIn, out: c.framesOut, dropped });
  }

  // ------------------------------------------------------------------ timers

  private tick(now: number): void {
    for (const call of this.calls.values()) {
      if (call.ended) continue;
      try {
        call.media.tick(now);
        call.leg?.tick(now);
      } catch (err) {
        this.failOnBug(call, err);
      }
    }
  }

  private sweepAll(now: number): void {
    if (this.registry.state === 'draining') void this.checkMigrations(now);
    try {
      this.sweep(now);
    } catch (err) {
      this.logger.error(`sweep failed: ${(err as Error).stack ?? err}`);
    }
  }

  /** A bug in one call's media must not stop the clock of every other call. */
  private failOnBug(call: LiveCall, err: unknown): void {
    this.logger.error(`call ${call.id} failed: ${(err as Error).stack ?? err}`);
    try {
      void this.end(call, { kind: 'failed', reason: 'edge-error' });
    } catch {
      this.calls.delete(call.id);
    }
  }

  /** Events grace, media timeout, revoked clients and suspended tenants; forgets undelivered ended calls. */
  private sweep(now: number): void {
    const mediaTimeoutMs = this.mediaTimeoutMs;
    for (const call of this.calls.values()) {
      if (call.ended) {
        if (lingerOver(call.endedAt?.getTime() ?? null, now, ENDED_LINGER_MS)) this.calls.delete(call.id);
        continue;
      }
      if (call.migratingTo) continue; // its client is moving: the streams here go quiet
      const expired = expiredTimer(
        {
          eventsIdleSince: call.events.idleSince,
          answered: call.state === 'answered',
          createdAt: call.createdAt.getTime(),
          answeredAt: call.answeredAt?.getTime() ?? null,
          lastMediaAt: call.media.lastMediaAt,
        },
        now,
        // only on-net calls ring: the test lines answer (or decline) at once
        {
          eventsGraceMs: this.eventsGraceMs,
          mediaTimeoutMs,
          answerTimeoutMs: call.line === 'onnet' ? this.noanswerMs : undefined,
        },
      );
      if (expired) {
        void this.end(
          call,
          expired === 'noanswer'
            ? { kind: 'noanswer' }
            : expired === 'media-timeout'
              ? { kind: 'failed', reason: expired }
              : { kind: 'end', reason: expired },
        );
        continue;
      }
      this.checkAuthorisation(call);
    }
  }

  private checkAuthorisation(call: LiveCall): void {
    if (call.clientId && this.store.isClientRevoked(call.clientId)) {
      void this.end(call, { kind: 'end', reason: 'client-revoked' });
      return;
    }
    const status = this.store.tenantStatus(call.tenantId);
    if (status !== 'active') void this.end(call, { kind: 'end', reason: `tenant-${status ?? 'removed'}` });
  }

  private onControlEvent(event: VersionedControlEvent): void {
    if (event.type === 'edge-drain') {
      if (event.edgeId === this.registry.id) this.registry.drain();
      return;
    }
    if (event.type === 'call-end') {
      const call = this.calls.get(event.callId);
      if (call && !call.ended) void this.end(call, { kind: 'end', reason: event.reason });
      return;
    }
    if (event.type !== 'client-revoked' && event.type !== 'tenant-status') return;
    for (const call of [...this.calls.values()]) if (!call.ended) this.checkAuthorisation(call);
  }

  /** Refreshes the call records (counters, TTL) and the concurrency leases of the live calls. */
  private async housekeeping(): Promise<void> {
    const byTrunk = new Map<string, string[]>();
    let records: CallRecord[] = [];
    try {
      for (const call of [...this.calls.values()]) {
        if (call.ended || call.migratingTo) continue;
        this.flushMediaMetrics(call);
        records.push(call.record());
        const ids = byTrunk.get(call.trunkId) ?? [];
        ids.push(call.id);
        byTrunk.set(call.trunkId, ids);
        if (records.length === HOUSEKEEPING_BATCH) {
          // in slices, so that thousands of calls do not hold up the media of all of them at once
          await this.callStore.saveAll(records);
          records = [];
          await new Promise((r) => setImmediate(r));
        }
      }
      await this.callStore.saveAll(records);
      for (const [trunkId, ids] of byTrunk) await this.limits.renew(trunkId, ids);
    } catch (err) {
      this.logger.warn(`refreshing call state failed: ${(err as Error).message}`);
    }
  }
}
