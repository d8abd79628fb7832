/**
 * Where Slack's rate limits are kept, scoped the way Slack scopes them:
 *
 * - `RateLimitScopes`: a Retry-After that Slack sent blocks one scope only (one channel's posts,
 *   or one Web API method — Slack counts limits per method tier and per channel), so a 429 in
 *   #sales never delays a modal, a users.info, or a post into #deals.
 * - `ChannelQueue`: everything posted into one channel (a command's reply, a digest, an alert,
 *   an upload) goes out in order, at least `intervalMs` apart (Slack allows about one message per
 *   second per channel), and a send that hits a 429 waits that channel's Retry-After and is sent
 *   again: nothing is dropped. Channels never wait for each other.
 *
 * Time comes from an injected clock, so tests never wait on the wall clock.
 */
import { systemClock, type Clock } from '../sync/rate-limiter.js';
import { RateLimitedError } from './messenger.js';

export interface ChannelQueueOptions {
  /** Minimum spacing between sends into one channel (default 1000 ms; 0 turns pacing off). */
  intervalMs?: number;
  /** Rate-limit retries for one message before giving up (default 8). */
  maxRateLimitRetries?: number;
  clock?: Clock;
  log?: (line: string) => void;
}

export const DEFAULT_CHANNEL_INTERVAL_MS = 1000;
export const DEFAULT_MAX_RATE_LIMIT_RETRIES = 8;

/** "Blocked until" per scope: `channel:C123` or a method name (`users.info`). */
export class RateLimitScopes {
  private readonly until = new Map<string, number>();
  constructor(private readonly clock: Clock = systemClock) {}

  /** Slack said: nothing more in `scope` for `ms`. */
  block(scope: string, ms: number): void {
    const t = this.clock.now() + Math.max(0, ms);
    if (t > (this.until.get(scope) ?? 0)) this.until.set(scope, t);
  }
  /** How long `scope` is still blocked (0 when free). */
  remainingMs(scope: string): number {
    const t = this.until.get(scope);
    if (t === undefined) return 0;
    const left = t - this.clock.now();
    if (left <= 0) this.until.delete(scope);
    return Math.max(0, left);
  }
  /** Waits until `scope` is free. */
  async waitFor(scope: string): Promise<void> {
    for (let left = this.remainingMs(scope); left > 0; left = this.remainingMs(scope)) await this.clock.sleep(left);
  }
  /** Scopes blocked right now, with the ms left (status and tests). */
  blocked(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const scope of [...this.until.keys()]) {
      const left = this.remainingMs(scope);
      if (left > 0) out[scope] = left;
    }
    return out;
  }
}

export const channelScope = (channel: string) => `channel:${channel}`;

export class ChannelQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly lastSent = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly maxRetries: number;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  readonly limits: RateLimitScopes;
  /** Total time spent waiting on Retry-After (observable in tests and logs). */
  rateLimitedWaitMs = 0;

  constructor(opts: ChannelQueueOptions = {}, limits?: RateLimitScopes) {
    this.intervalMs = opts.intervalMs ?? DEFAULT_CHANNEL_INTERVAL_MS;
    this.maxRetries = opts.maxRateLimitRetries ?? DEFAULT_MAX_RATE_LIMIT_RETRIES;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? (() => undefined);
    this.limits = limits ?? new RateLimitScopes(this.clock);
  }

  /**
   * Runs `send` in `channel`'s turn. A RateLimitedError from it blocks that channel for the
   * Retry-After given, then the same send runs again (up to maxRateLimitRetries times).
   */
  run<T>(channel: string, send: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(channel) ?? Promise.resolve();
    const result = prev.then(() => this.sendPaced(channel, send));
    const tail = result.catch(() => undefined);
    this.tails.set(channel, tail);
    void tail.then(() => {
      if (this.tails.get(channel) === tail) this.tails.delete(channel);
    });
    return result;
  }

  /** Resolves once everything queued so far has been sent (or failed). */
  async drain(): Promise<void> {
    while (this.tails.size) await Promise.all([...this.tails.values()]);
  }

  /** Channels with sends waiting or in flight. */
  get busyChannels(): number {
    return this.tails.size;
  }

  private async sendPaced<T>(channel: string, send: () => Promise<T>): Promise<T> {
    const scope = channelScope(channel);
    for (let attempt = 0; ; attempt++) {
      await this.limits.waitFor(scope);
      const last = this.lastSent.get(channel);
      const wait = last === undefined || this.intervalMs <= 0 ? 0 : last + this.intervalMs - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait);
      this.lastSent.set(channel, this.clock.now());
      try {
        return await send();
      } catch (err) {
        if (!(err instanceof RateLimitedError) || attempt >= this.maxRetries) throw err;
        this.log(`slack: rate limited in ${channel}; waiting ${Math.ceil(err.retryAfterMs / 1000)} s, then sending again`);
        this.rateLimitedWaitMs += err.retryAfterMs;
        this.limits.block(scope, err.retryAfterMs);
      }
    }
  }
}
