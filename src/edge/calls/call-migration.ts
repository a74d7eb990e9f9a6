import type { Logger } from '@nestjs/common';
import { createEvent, parseDirectives } from '@riptrunk/ript';
import type { CallRecord } from '../../contracts/call-record.js';
import type { EdgeRegistry } from '../config/edge-registry.js';
import type { CallRegistry } from './call-registry.js';
import type { CallStore } from './call-store.js';
import type { LiveCallFactory } from './live-call-factory.js';
import type { LiveCall } from './live-call.js';
import { recordOf } from './live-call-record.js';

/** A client that did not follow `migrate` in this long keeps its call on the draining edge. */
const MIGRATION_TIMEOUT_MS = 30_000;

export interface CallMigrationDeps {
  registry: CallRegistry;
  callStore: CallStore;
  edges: EdgeRegistry;
  factory: LiveCallFactory;
  logger: Logger;
  /** Thrown for a call this edge will not take over. */
  notFound: (callId: string) => Error;
}

/** Drain and migration (profile §8): calls move to a sibling edge when this one drains, and come here from one. */
export class CallMigration {
  private readonly adoptions = new Map<string, Promise<LiveCall>>();
  private checking = false;

  constructor(private readonly d: CallMigrationDeps) {}

  /** Tells the client of every call that can move to go to a sibling edge (`migrate`); on-net calls stay. */
  async migrateAll(): Promise<void> {
    const siblings = await this.d.edges.siblings().catch(() => []);
    if (siblings.length === 0) {
      this.d.logger.warn('draining with no sibling edge: live calls stay here until they end');
      return;
    }
    let next = 0;
    for (const call of this.d.registry.all()) {
      if (call.ended || call.line === 'onnet' || call.migratingTo) continue;
      const sibling = siblings[next++ % siblings.length];
      call.migratingTo = sibling.id;
      call.migrationStartedAt = Date.now();
      try {
        await this.d.callStore.save(recordOf(call));
      } catch (err) {
        call.migratingTo = null;
        this.d.logger.warn(`call ${call.id} cannot migrate: ${(err as Error).message}`);
        continue;
      }
      const to = `${sibling.callUrl}/ript/v1/calls/${call.id}`;
      call.events.broadcast(createEvent('migrate', { direction: 's2c', call: call.uri, to }));
    }
  }

  /** Takes over a call a draining edge handed to this one, when its client first comes here. */
  adopt(record: CallRecord): Promise<LiveCall> {
    let adoption = this.adoptions.get(record.id);
    if (!adoption) {
      adoption = this.takeOver(record).finally(() => this.adoptions.delete(record.id));
      this.adoptions.set(record.id, adoption);
    }
    return adoption;
  }

  private async takeOver(r: CallRecord): Promise<LiveCall> {
    const existing = this.d.registry.get(r.id);
    if (existing) return existing;
    if (this.d.edges.state === 'draining' || r.line === 'onnet') throw this.d.notFound(r.id);
    const client = parseDirectives(r.clientDirectives);
    const server = parseDirectives(r.serverDirectives);
    const call = this.d.factory.restore(r, {
      clientDirectives: r.clientDirectives,
      serverDirectives: r.serverDirectives,
      client,
      server,
    });
    await this.d.callStore.save(recordOf(call));
    await this.d.callStore.forget(r.edgeId, r.id);
    this.d.registry.track(call);
    this.d.logger.log(`took call ${r.id} over from edge ${r.edgeId}`);
    return call;
  }

  /** Draining: lets go of the calls a sibling took over; keeps those whose client did not move in time. */
  async checkMigrations(now: number): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const call of this.d.registry.all()) {
        if (!call.migratingTo || call.ended) continue;
        const record = await this.d.callStore.get(call.id);
        if (record && record.edgeId !== this.d.edges.id && !record.migratingTo) {
          call.detach();
          this.d.registry.forget(call.id);
          this.d.registry.untrack(call);
        } else if (now - call.migrationStartedAt >= MIGRATION_TIMEOUT_MS) {
          call.migratingTo = null;
          await this.d.callStore.save(recordOf(call));
        }
      }
    } catch (err) {
      this.d.logger.warn(`checking migrations failed: ${(err as Error).message}`);
    } finally {
      this.checking = false;
    }
  }
}
