import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistry } from '../../common/health/metrics.js';

import type { CallAttemptOutcome } from './call-admission.js';

export type { CallAttemptOutcome };

/** The edge's call metrics, labelled by trunk (Prometheus, on the process's registry). */
@Injectable()
export class CallMetrics {
  readonly activeCalls: Gauge<'trunk'>;
  readonly attempts: Counter<'trunk' | 'outcome'>;
  readonly setupSeconds: Histogram<'trunk'>;
  readonly framesRelayed: Counter<'trunk' | 'direction'>;
  readonly framesDropped: Counter<'trunk' | 'reason'>;
  readonly relaySeconds: Histogram<'trunk'>;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.activeCalls = new Gauge({
      name: 'riptrunk_edge_active_calls',
      help: 'Calls live on this edge',
      labelNames: ['trunk'],
      registers,
    });
    this.attempts = new Counter({
      name: 'riptrunk_edge_call_attempts_total',
      help: 'Call attempts (POST <tg>/calls) by outcome',
      labelNames: ['trunk', 'outcome'],
      registers,
    });
    this.setupSeconds = new Histogram({
      name: 'riptrunk_edge_call_setup_seconds',
      help: 'Time from receiving POST <tg>/calls to answering 201',
      labelNames: ['trunk'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.framesRelayed = new Counter({
      name: 'riptrunk_edge_frames_relayed_total',
      help: 'Media frames received from clients (c2s) and sent to them (s2c)',
      labelNames: ['trunk', 'direction'],
      registers,
    });
    this.framesDropped = new Counter({
      name: 'riptrunk_edge_frames_dropped_total',
      help: 'Frames dropped: malformed, oversized, wrong-codec (not in the directives), slow-reader',
      labelNames: ['trunk', 'reason'],
      registers,
    });
    this.relaySeconds = new Histogram({
      name: 'riptrunk_edge_frame_relay_seconds',
      help: 'Time from a frame arriving at the edge to it being written out again (one frame in 8)',
      labelNames: ['trunk'],
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05],
      registers,
    });
  }

  attempt(trunk: string, outcome: CallAttemptOutcome): void {
    this.attempts.inc({ trunk, outcome });
  }
}
