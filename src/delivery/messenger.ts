/**
 * What the digest and alert jobs need from a chat platform: post, reply in a thread, update a
 * message, upload a chart into a thread. src/delivery/slack.ts implements it over the Web API
 * (through the same per-channel queue slash commands use); the CLI's --dry-run and the tests
 * implement it in memory. Views build the content; this only carries it.
 */
import type { types } from '@slack/bolt';

/** A Block Kit block, typed by @slack/types (views build them; only delivery sends them). */
export type Block = types.KnownBlock;

/** The one message-content type: every message dealcast sends, from commands and jobs alike. */
export interface MessageContent {
  /** Notification / fallback text; always given. */
  text: string;
  blocks?: Block[];
}

export interface ChartPng {
  png: Buffer;
  filename: string;
  title: string;
  altText: string;
}

export interface Messenger {
  post(channel: string, content: MessageContent): Promise<{ ts: string }>;
  reply(channel: string, threadTs: string, content: MessageContent): Promise<{ ts: string }>;
  update(channel: string, ts: string, content: MessageContent): Promise<void>;
  upload(channel: string, threadTs: string | undefined, chart: ChartPng): Promise<void>;
}

/** A platform rate limit: wait `retryAfterMs`, then send the same message again. */
export class RateLimitedError extends Error {
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number, options?: { cause?: unknown }) {
    super(`Rate limited; retry after ${retryAfterMs} ms.`, options);
    this.retryAfterMs = retryAfterMs;
  }
}

export type MessengerCall =
  | { kind: 'post'; channel: string; content: MessageContent; ts: string }
  | { kind: 'reply'; channel: string; threadTs: string; content: MessageContent; ts: string }
  | { kind: 'update'; channel: string; ts: string; content: MessageContent }
  | { kind: 'upload'; channel: string; threadTs: string | undefined; chart: ChartPng };

/**
 * An in-memory messenger that records every call and hands out increasing message timestamps
 * (like Slack's "1700000000.000100"). Used by --dry-run and by unit tests.
 */
export class RecordingMessenger implements Messenger {
  readonly calls: MessengerCall[] = [];
  private seq = 0;
  constructor(private readonly onCall: (call: MessengerCall) => void = () => undefined) {}

  private nextTs(): string {
    this.seq++;
    return `1000000000.${String(this.seq).padStart(6, '0')}`;
  }
  async post(channel: string, content: MessageContent) {
    const ts = this.nextTs();
    this.record({ kind: 'post', channel, content, ts });
    return { ts };
  }
  async reply(channel: string, threadTs: string, content: MessageContent) {
    const ts = this.nextTs();
    this.record({ kind: 'reply', channel, threadTs, content, ts });
    return { ts };
  }
  async update(channel: string, ts: string, content: MessageContent) {
    this.record({ kind: 'update', channel, ts, content });
  }
  async upload(channel: string, threadTs: string | undefined, chart: ChartPng) {
    this.record({ kind: 'upload', channel, threadTs, chart });
  }
  private record(call: MessengerCall) {
    this.calls.push(call);
    this.onCall(call);
  }
}
