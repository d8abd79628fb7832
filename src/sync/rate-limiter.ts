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
 * A request reaches the CRM some time after it leaves us, and its arrival is what the CRM
 * counts. So a request holds its place in the window from the moment it starts until its
 * answer arrives, and is dated by that answer: no later request can land in the CRM's window
 * early, whatever the network does (a slow first TLS handshake, a queue). On top, the window
 * is 1 % wider than published (at least 1 ms) for clock granularity. The price is about one
 * round trip per window of throughput.
 */
export const WINDOW_SAFETY_FRACTION = 0.01;

interface Slot {
  /** When the answer arrived (or, while in flight, Infinity: it cannot expire yet). */
  at: number;
}

export class RollingWindowLimiter {
  readonly limit: RateLimit;
  private readonly clock: Clock;
  private readonly windowMs: number;
  private slots: Slot[] = [];
  private blockedUntil = 0;

  constructor(limit: RateLimit, clock: Clock = systemClock, safetyMs = Math.max(1, Math.ceil(limit.perMs * WINDOW_SAFETY_FRACTION))) {
    if (!(limit.requests >= 1) || !(limit.perMs > 0)) throw new RangeError(`A rate limit needs requests >= 1 and perMs > 0 (got ${limit.requests}/${limit.perMs} ms).`);
    this.limit = limit;
    this.clock = clock;
    this.windowMs = limit.perMs + safetyMs;
  }

  /**
   * Waits until a request may start and takes a place in the window. Call the returned
   * `done` when the answer (or failure) arrives. `waitedMs` is the time spent waiting.
   */
  async acquire(): Promise<{ waitedMs: number; done: () => void }> {
    let waitedMs = 0;
    for (;;) {
      const now = this.clock.now();
      this.slots = this.slots.filter((s) => s.at > now - this.windowMs);
      let waitMs = 0;
      if (now < this.blockedUntil) waitMs = this.blockedUntil - now;
      else if (this.slots.length >= this.limit.requests) {
        // The slot whose expiry brings us under the limit.
        const ats = this.slots.map((s) => s.at).sort((a, b) => a - b);
        const freeAt = ats[this.slots.length - this.limit.requests]! + this.windowMs;
        // In flight: poll briefly for its answer.
        waitMs = Number.isFinite(freeAt) ? freeAt - now : Math.max(1, Math.ceil(this.limit.perMs / 200));
      }
      if (waitMs <= 0) {
        const slot: Slot = { at: Infinity };
        this.slots.push(slot);
        return { waitedMs, done: () => (slot.at = this.clock.now()) };
      }
      await this.clock.sleep(waitMs);
      waitedMs += waitMs;
    }
  }

  /** The CRM told us to hold off (a 429): nobody in this bucket starts before `untilMs`. */
  blockUntil(untilMs: number): void {
    if (untilMs > this.blockedUntil) this.blockedUntil = untilMs;
  }
}
