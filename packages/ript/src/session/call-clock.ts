import { MEDIA_TICK_MS } from './ack-cadence.js';

/** Timeouts, revocations and ended calls are swept every this many ticks (100 ms). */
export const SWEEP_EVERY_TICKS = 5;

/** What a server does on its clock: per-tick media work, and the slower sweep of its calls' timers. */
export interface ClockWork {
  tick(now: number): void;
  sweep(now: number): void;
}

/**
 * The clock of a RIPT server's calls: `tick` every MEDIA_TICK_MS, `sweep` every SWEEP_EVERY_TICKS ticks. The timer
 * is unref'd (it never keeps a process alive). `step` is one tick, for tests.
 */
export class CallClock {
  private timer?: NodeJS.Timeout;
  private ticks = 0;

  constructor(
    private readonly work: ClockWork,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.step(this.now()), MEDIA_TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  step(now: number): void {
    this.work.tick(now);
    if (++this.ticks % SWEEP_EVERY_TICKS === 0) this.work.sweep(now);
  }
}
