import type { CallDescription, CallOutcome, CallRecord, CallRoute, CallState } from '../../contracts/call-record.js';
import { createEvent, type RiptEvent } from '@riptrunk/ript';
import type { DirectiveSet, Verstat } from '@riptrunk/ript';
import { CallEvents } from './call-events.js';
import { CallMedia } from './call-media.js';
import type { OnNetLeg } from './onnet-leg.js';

export interface LiveCallInit {
  id: string;
  uri: string;
  edgeId: string;
  tenantId: string;
  trunkId: string;
  clientId: string | null;
  handler: string;
  from: string;
  to: string;
  /** Null for a call from an interconnect trunk that came without one. */
  passport: string | null;
  verstat?: Verstat;
  sipCallId?: string;
  directives: DirectiveSet;
  line: CallRoute;
  relayLatency?: { observe(seconds: number): void };
  now?: number;
  /** A call taken over from another edge: its times, state and counters so far. */
  restored?: CallRecord;
}

/** A PUT stream of the call, closed when the call ends. */
export interface CallExchange {
  close(): void;
}

export function isTerminal(state: CallState): boolean {
  return state === 'declined' || state === 'failed' || state === 'noanswer' || state === 'ended';
}

/** A call owned by this edge: its state machine, events and media. */
export class LiveCall {
  readonly id: string;
  readonly uri: string;
  readonly edgeId: string;
  readonly tenantId: string;
  readonly trunkId: string;
  readonly clientId: string | null;
  readonly handler: string;
  readonly from: string;
  readonly to: string;
  readonly passport: string | null;
  /** A call from an interconnect trunk: the `verstat` its gateway sent (passed on to the callee). */
  readonly verstat?: Verstat;
  /** The SIP leg's Call-ID: the call request's `sip-call-id`, or the one a gateway on the callee side named. */
  sipCallId?: string;
  /** The `sip-status` of the callee side's final event (a SIP gateway's), once it came. */
  sipStatus?: number;
  readonly directives: DirectiveSet;
  readonly line: CallRoute;
  readonly media: CallMedia;
  /** On-net calls: the callee's leg, once placed. */
  leg?: OnNetLeg;
  callee?: CallRecord['callee'];
  readonly events: CallEvents;
  readonly exchanges = new Set<CallExchange>();
  state: CallState = 'proceeding';
  stateAt: Date;
  reason: string | null = null;
  readonly createdAt: Date;
  answeredAt: Date | null = null;
  endedAt: Date | null = null;
  /** The final events, once the call ended. */
  finalEvents: RiptEvent[] = [];
  /** True once the final events reached a GET events stream, or nobody needs them (the client sent `end`). */
  delivered = false;
  lastPongAt = 0;
  /** While this edge drains: the sibling the client was told to move to, and since when. */
  migratingTo: string | null = null;
  migrationStartedAt = 0;

  constructor(init: LiveCallInit) {
    this.id = init.id;
    this.uri = init.uri;
    this.edgeId = init.edgeId;
    this.tenantId = init.tenantId;
    this.trunkId = init.trunkId;
    this.clientId = init.clientId;
    this.handler = init.handler;
    this.from = init.from;
    this.to = init.to;
    this.passport = init.passport;
    if (init.verstat !== undefined) this.verstat = init.verstat;
    if (init.sipCallId !== undefined) this.sipCallId = init.sipCallId;
    if (init.restored?.sipStatus !== undefined) this.sipStatus = init.restored.sipStatus;
    this.directives = init.directives;
    this.line = init.line;
    const now = init.now ?? Date.now();
    this.createdAt = new Date(now);
    this.stateAt = this.createdAt;
    this.media = new CallMedia({
      client: init.directives.client,
      server: init.directives.server,
      line: init.line,
      relayLatency: init.relayLatency,
    });
    this.events = new CallEvents(now);
    const r = init.restored;
    if (r) {
      this.createdAt = new Date(r.createdAt);
      if (r.state === 'answered' || r.state === 'alerting') {
        this.state = r.state;
        this.stateAt = new Date(r.answeredAt ?? now);
      }
      if (r.answeredAt) {
        this.answeredAt = new Date(r.answeredAt);
        this.media.start(now);
      }
      Object.assign(this.media.counters, {
        framesIn: r.framesIn,
        framesOut: r.framesOut,
        bytesIn: r.bytesIn,
        bytesOut: r.bytesOut,
      });
      this.media.resumeStreams(r.clientStreams ?? [], r.serverStreams ?? []);
    }
  }

  /**
   * Lets go of a call another edge took over: its streams here close without final events (the client follows
   * `migrate`); no record, limit or CDR work (the new owner does that).
   */
  detach(): void {
    this.media.close();
    this.events.close([]);
    for (const exchange of this.exchanges) exchange.close();
    this.exchanges.clear();
  }

  get ended(): boolean {
    return isTerminal(this.state);
  }

  /** Moves to a progress state and tells every GET events stream. */
  progress(state: 'alerting' | 'answered', now = new Date()): void {
    if (this.ended || this.state === state) return;
    this.state = state;
    this.stateAt = now;
    if (state === 'answered') {
      this.answeredAt = now;
      this.media.start(now.getTime());
    }
    this.events.broadcast(createEvent(state, { direction: 's2c', call: this.uri, ts: now }));
  }

  /** The events a new GET events stream starts with. */
  currentEvents(): RiptEvent[] {
    if (this.ended) return this.finalEvents;
    const ts = this.stateAt;
    switch (this.state) {
      case 'alerting':
      case 'answered':
        return [createEvent(this.state, { direction: 's2c', call: this.uri, ts })];
      default:
        return [createEvent('proceeding', { direction: 's2c', call: this.uri, ts })];
    }
  }

  /**
   * Ends the call: final events to every GET stream, then every stream closed. Returns false if it had ended
   * already. The caller releases limits, stores the record and publishes the CDR.
   */
  finish(outcome: CallOutcome, byClient: boolean, now = new Date()): boolean {
    if (this.ended) return false;
    // a SIP gateway's outcome reaches the caller too (profile §10)
    const base = {
      direction: 's2c' as const,
      call: this.uri,
      ts: now,
      ...(this.sipStatus !== undefined ? { 'sip-status': this.sipStatus } : {}),
      ...(this.sipCallId !== undefined ? { 'sip-call-id': this.sipCallId } : {}),
    };
    let reason: string;
    switch (outcome.kind) {
      case 'declined':
        reason = 'declined';
        this.state = 'declined';
        this.finalEvents = [createEvent('declined', base), createEvent('end', { ...base, reason })];
        break;
      case 'noanswer':
        reason = 'noanswer';
        this.state = 'noanswer';
        this.finalEvents = [createEvent('noanswer', base), createEvent('end', { ...base, reason })];
        break;
      case 'failed':
        reason = outcome.reason;
        this.state = 'failed';
        this.finalEvents = [createEvent('failed', { ...base, reason }), createEvent('end', { ...base, reason })];
        break;
      case 'end':
        reason = outcome.reason;
        this.state = 'ended';
        this.finalEvents = [createEvent('end', { ...base, reason })];
        break;
    }
    this.reason = reason;
    this.stateAt = now;
    this.endedAt = now;
    this.media.close();
    const delivered = this.events.close(this.finalEvents);
    this.delivered = byClient || delivered > 0;
    for (const exchange of this.exchanges) exchange.close();
    this.exchanges.clear();
    return true;
  }

  describe(): CallDescription {
    return {
      uri: this.uri,
      handler: this.handler,
      direction: 'outbound',
      from: this.from,
      to: this.to,
      clientDirectives: this.directives.clientDirectives,
      serverDirectives: this.directives.serverDirectives,
      ...(this.passport !== null ? { passport: this.passport } : {}),
    };
  }
}
