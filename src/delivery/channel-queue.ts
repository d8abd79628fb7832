/**
 * A per-channel send queue in front of a Messenger: messages into one channel go out in order,
 * at least `intervalMs` apart (Slack allows about one message per second per channel), and a
 * rate-limited send (HTTP 429) waits the Retry-After it was given and is sent again — nothing is
 * dropped. Channels do not wait for each other. The clock and sleep are injected, so tests
 * never wait on the wall clock.
 */
import { RateLimitedError, type ChartPng, type MessageContent, type Messenger } from './messenger.js';

export interface ChannelQueueOptions {
  /** Minimum spacing between sends into one channel (default 1000 ms). */
  intervalMs?: number;
  /** Rate-limit retries for one message before giving up (default 8). */
  maxRateLimitRetries?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

export const DEFAULT_CHANNEL_INTERVAL_MS = 1000;
export const DEFAULT_MAX_RATE_LIMIT_RETRIES = 8;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ChannelQueue implements Messenger {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly lastSent = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly maxRetries: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly log: (line: string) => void;
  /** Total time spent waiting on Retry-After (observable in tests and logs). */
  rateLimitedWaitMs = 0;

  constructor(
    private readonly inner: Messenger,
    opts: ChannelQueueOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? DEFAULT_CHANNEL_INTERVAL_MS;
    this.maxRetries = opts.maxRateLimitRetries ?? DEFAULT_MAX_RATE_LIMIT_RETRIES;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
    this.log = opts.log ?? (() => undefined);
  }

  post(channel: string, content: MessageContent) {
    return this.enqueue(channel, () => this.inner.post(channel, content));
  }
  reply(channel: string, threadTs: string, content: MessageContent) {
    return this.enqueue(channel, () => this.inner.reply(channel, threadTs, content));
  }
  update(channel: string, ts: string, content: MessageContent) {
    return this.enqueue(channel, () => this.inner.update(channel, ts, content));
  }
  upload(channel: string, threadTs: string | undefined, chart: ChartPng) {
    return this.enqueue(channel, () => this.inner.upload(channel, threadTs, chart));
  }

  /** Resolves once everything queued so far has been sent (or failed). */
  async drain(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }

  private enqueue<T>(channel: string, send: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(channel) ?? Promise.resolve();
    const result = prev.then(() => this.sendPaced(channel, send));
    const tail = result.catch(() => undefined);
    this.tails.set(channel, tail);
    void tail.then(() => {
      if (this.tails.get(channel) === tail) this.tails.delete(channel);
    });
    return result;
  }

  private async sendPaced<T>(channel: string, send: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const last = this.lastSent.get(channel);
      const wait = last === undefined ? 0 : last + this.intervalMs - this.now();
      if (wait > 0) await this.sleep(wait);
      this.lastSent.set(channel, this.now());
      try {
        return await send();
      } catch (err) {
        if (!(err instanceof RateLimitedError) || attempt >= this.maxRetries) throw err;
        this.log(`slack: rate limited in ${channel}; waiting ${Math.ceil(err.retryAfterMs / 1000)} s, then sending again`);
        this.rateLimitedWaitMs += err.retryAfterMs;
        await this.sleep(err.retryAfterMs);
      }
    }
  }
}
