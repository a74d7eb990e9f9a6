import type { CallMetrics } from './call-metrics.js';
import type { LiveCall } from './live-call.js';

/** Adds what each call's media did since its last flush to the Prometheus counters. */
export class CallMediaMetrics {
  private readonly reported = new WeakMap<LiveCall, { in: number; out: number; dropped: Record<string, number> }>();

  constructor(private readonly metrics: CallMetrics) {}

  flush(call: LiveCall): void {
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
}
