/**
 * A rolling-window rate limiter: at most `requests` request starts in any `perMs` window, the
 * way HubSpot (TEN_SECONDLY_ROLLING) and Pipedrive (rolling 2 s) count. Time comes from an
 * injected clock, so tests never sleep on the wall clock.
 */

export interface Clock {
  /** Milliseconds, monotonic enough for windows (Date.now by default). */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export interface RateLimit {
  requests: number;
  perMs: number;
}

/**
 * Requests leave our side before the CRM sees them, and not always in the order they left.
 * Spacing each window a little wider than the published one absorbs that jitter so the CRM
 * never counts `requests + 1` in its own window. 2 % of the window, at least 1 ms.
 */
export const WINDOW_SAFETY_FRACTION = 0.02;

export class RollingWindowLimiter {
  readonly limit: RateLimit;
  private readonly clock: Clock;
  private readonly windowMs: number;
  /** Start times of the requests in the current window, oldest first. */
  private readonly starts: number[] = [];
  private blockedUntil = 0;

  constructor(limit: RateLimit, clock: Clock = systemClock, safetyMs = Math.max(1, Math.ceil(limit.perMs * WINDOW_SAFETY_FRACTION))) {
    if (!(limit.requests >= 1) || !(limit.perMs > 0)) throw new RangeError(`A rate limit needs requests >= 1 and perMs > 0 (got ${limit.requests}/${limit.perMs} ms).`);
    this.limit = limit;
    this.clock = clock;
    this.windowMs = limit.perMs + safetyMs;
  }

  /** Waits until a request may start, then counts it. Returns the milliseconds waited. */
  async acquire(): Promise<number> {
    let waited = 0;
    for (;;) {
      const now = this.clock.now();
      while (this.starts.length && this.starts[0] <= now - this.windowMs) this.starts.shift();
      let waitMs = 0;
      if (now < this.blockedUntil) waitMs = this.blockedUntil - now;
      else if (this.starts.length >= this.limit.requests) waitMs = this.starts[0] + this.windowMs - now;
      if (waitMs <= 0) {
        this.starts.push(now);
        return waited;
      }
      await this.clock.sleep(waitMs);
      waited += waitMs;
    }
  }

  /** The CRM told us to hold off (a 429): nobody in this bucket starts before `untilMs`. */
  blockUntil(untilMs: number): void {
    if (untilMs > this.blockedUntil) this.blockedUntil = untilMs;
  }
}
