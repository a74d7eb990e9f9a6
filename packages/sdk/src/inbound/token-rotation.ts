/** Node's timers take at most 2^31-1 ms (about 24.8 days); a longer wait is chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface TokenRotationOptions {
  /** How long each token lives. */
  ttlMs: number;
  /** When the current token expires (ms since the epoch). */
  expiresAt: number;
  /** Rotates once: a new token registered with the provider; resolves with the new expiry. */
  rotate(): Promise<number>;
  onError(err: unknown): void;
}

/**
 * Rotates a consumer TG's bearer token before it expires (issue 13: a gateway in front of a PBX runs for months,
 * longer than a token lives): at four fifths of its life, or a minute before expiry for short ones. A failed
 * rotation is retried a minute later, while the old token is still good.
 */
export class TokenRotation {
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly o: TokenRotationOptions) {}

  start(): this {
    this.schedule(this.o.expiresAt);
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(expiresAt: number): void {
    const lead = Math.max(Math.min(this.o.ttlMs / 5, 7 * 86_400_000), Math.min(60_000, this.o.ttlMs / 2));
    this.wait(expiresAt - lead - Date.now(), () => {
      this.o.rotate().then(
        (next) => this.schedule(next),
        (err: unknown) => {
          this.o.onError(err);
          this.wait(Math.min(60_000, Math.max(1000, (expiresAt - Date.now()) / 2)), () => this.schedule(expiresAt));
        },
      );
    });
  }

  private wait(ms: number, then: () => void): void {
    if (this.stopped) return;
    const step = Math.max(0, Math.min(ms, MAX_TIMER_MS));
    this.timer = setTimeout(() => (ms > MAX_TIMER_MS ? this.wait(ms - MAX_TIMER_MS, then) : then()), step);
    this.timer.unref();
  }
}
