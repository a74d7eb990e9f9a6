import { CallClock, expiredTimer, lingerOver } from '@riptrunk/ript';
import type { InboundCall } from './inbound-call.js';
import type { InboundSettings } from './options.js';

/** The calls' clock: acks owed every tick; every sweep the timers, and ended calls forgotten after the linger. */
export class InboundCallSweeper {
  private readonly clock = new CallClock({ tick: (now) => this.tick(now), sweep: (now) => this.sweep(now) });

  constructor(
    private readonly calls: Map<string, InboundCall>,
    private readonly settings: InboundSettings,
  ) {}

  start(): void {
    this.clock.start();
  }

  stop(): void {
    this.clock.stop();
  }

  private tick(now: number): void {
    for (const call of this.calls.values()) call.tick(now);
  }

  private sweep(now: number): void {
    const s = this.settings;
    const timeouts = {
      eventsGraceMs: s.eventsGraceMs,
      mediaTimeoutMs: s.mediaTimeoutMs,
      answerTimeoutMs: s.answerTimeoutMs,
    };
    for (const call of [...this.calls.values()]) {
      if (call.isEnded) {
        if (lingerOver(call.endedAt?.getTime() ?? null, now, s.endedLingerMs)) this.calls.delete(call.id);
        continue;
      }
      const expired = expiredTimer(
        {
          eventsIdleSince: call.eventsIdleSince,
          answered: call.state === 'answered',
          createdAt: call.createdAt.getTime(),
          answeredAt: call.answeredAt?.getTime() ?? null,
          lastMediaAt: call.lastMediaAt,
        },
        now,
        timeouts,
      );
      if (expired === 'no-events-stream') call.finish('ended', expired, false);
      else if (expired === 'media-timeout') call.finish('failed', expired, false);
      else if (expired === 'noanswer') call.finish('noanswer', expired, false);
    }
  }
}
