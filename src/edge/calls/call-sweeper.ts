import type { Logger } from '@nestjs/common';
import { CallClock, expiredTimer, lingerOver, type CallTimerExpiry } from '@riptrunk/ript';
import type { CallOutcome } from '../../contracts/call-record.js';
import type { EdgeConfigStore } from '../config/edge-config.store.js';
import type { EdgeRegistry } from '../config/edge-registry.js';
import type { CallEndings } from './call-endings.js';
import type { CallMigration } from './call-migration.js';
import type { CallRegistry } from './call-registry.js';
import type { LiveCall } from './live-call.js';

/** An ended call whose final events nobody read yet is kept this long for a GET events stream. */
const ENDED_LINGER_MS = 30_000;

export interface CallSweeperDeps {
  registry: CallRegistry;
  endings: CallEndings;
  migration: CallMigration;
  edges: EdgeRegistry;
  store: EdgeConfigStore;
  logger: Logger;
  eventsGraceMs: number;
  /** Unanswered on-net calls end with `noanswer` after this long. */
  noanswerMs: number;
  /** The media timeout now (the TG setting may change). */
  mediaTimeoutMs: () => number;
}

/** How a call ends when one of its timers runs out. */
function outcomeOf(expired: CallTimerExpiry): CallOutcome {
  if (expired === 'noanswer') return { kind: 'noanswer' };
  if (expired === 'media-timeout') return { kind: 'failed', reason: expired };
  return { kind: 'end', reason: expired };
}

/**
 * The edge's call clock: media work every tick; every sweep the call timers (events grace, answer and media
 * timeouts), revoked clients and suspended tenants, ended calls nobody reads, and (draining) migrations.
 */
export class CallSweeper {
  private readonly clock = new CallClock({ tick: (now) => this.tick(now), sweep: (now) => this.sweepAll(now) });

  constructor(private readonly d: CallSweeperDeps) {}

  start(): void {
    this.clock.start();
  }

  stop(): void {
    this.clock.stop();
  }

  /** Ends a call whose client was revoked or whose tenant is no longer active. */
  checkAuthorisation(call: LiveCall): void {
    if (call.clientId && this.d.store.isClientRevoked(call.clientId)) {
      void this.d.endings.end(call, { kind: 'end', reason: 'client-revoked' });
      return;
    }
    const status = this.d.store.tenantStatus(call.tenantId);
    if (status !== 'active') void this.d.endings.end(call, { kind: 'end', reason: `tenant-${status ?? 'removed'}` });
  }

  private tick(now: number): void {
    for (const call of this.d.registry.values()) {
      if (call.ended) continue;
      try {
        call.media.tick(now);
        call.leg?.tick(now);
      } catch (err) {
        this.failOnBug(call, err);
      }
    }
  }

  /** A bug in one call's media must not stop the clock of every other call. */
  private failOnBug(call: LiveCall, err: unknown): void {
    this.d.logger.error(`call ${call.id} failed: ${(err as Error).stack ?? err}`);
    try {
      void this.d.endings.end(call, { kind: 'failed', reason: 'edge-error' });
    } catch {
      this.d.registry.forget(call.id);
    }
  }

  private sweepAll(now: number): void {
    if (this.d.edges.state === 'draining') void this.d.migration.checkMigrations(now);
    try {
      this.sweep(now);
    } catch (err) {
      this.d.logger.error(`sweep failed: ${(err as Error).stack ?? err}`);
    }
  }

  private sweep(now: number): void {
    const mediaTimeoutMs = this.d.mediaTimeoutMs();
    for (const call of this.d.registry.values()) {
      if (call.ended) {
        if (lingerOver(call.endedAt?.getTime() ?? null, now, ENDED_LINGER_MS)) this.d.registry.forget(call.id);
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
          eventsGraceMs: this.d.eventsGraceMs,
          mediaTimeoutMs,
          answerTimeoutMs: call.line === 'onnet' ? this.d.noanswerMs : undefined,
        },
      );
      if (expired) {
        void this.d.endings.end(call, outcomeOf(expired));
        continue;
      }
      this.checkAuthorisation(call);
    }
  }
}
