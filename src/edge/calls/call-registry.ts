import type { LiveCall } from './live-call.js';

/** The gauge the live calls are counted on (CallMetrics.activeCalls). */
export interface LiveGauge {
  inc(labels: { trunk: string }): void;
  dec(labels: { trunk: string }): void;
}

/**
 * The calls of this edge: those live here, and ended ones kept until their final events are read. Live counts
 * calls from track (set up or taken over) to untrack (ended, refused, or taken over by a sibling).
 */
export class CallRegistry {
  private readonly calls = new Map<string, LiveCall>();
  private live = 0;

  constructor(private readonly gauge: LiveGauge) {}

  /** Calls live on this edge (ended ones waiting for their final events to be read excluded). */
  get liveCount(): number {
    return this.live;
  }

  get(id: string): LiveCall | undefined {
    return this.calls.get(id);
  }

  /** Every call held, live or ended (a live view: copy it before ending calls). */
  values(): IterableIterator<LiveCall> {
    return this.calls.values();
  }

  /** A copy, to end or move calls while walking it. */
  all(): LiveCall[] {
    return [...this.calls.values()];
  }

  /** A call this edge now runs: counted as live. */
  track(call: LiveCall): void {
    this.calls.set(call.id, call);
    this.live++;
    this.gauge.inc({ trunk: call.trunkId });
  }

  /** A call that stopped being live here (still held until forgotten). */
  untrack(call: LiveCall): void {
    this.live--;
    this.gauge.dec({ trunk: call.trunkId });
  }

  forget(id: string): void {
    this.calls.delete(id);
  }

  /** Forgets `call` unless another call took its id over (a call adopted again after a migration). */
  forgetIfHeld(call: LiveCall): void {
    if (this.calls.get(call.id) === call) this.calls.delete(call.id);
  }

  clear(): void {
    this.calls.clear();
  }
}
