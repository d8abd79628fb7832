/**
 * Exactly once on Slack's retries. Slack delivers again what it thinks was not acknowledged: a
 * Socket Mode envelope with `retry_attempt` > 0, an HTTP request with `X-Slack-Retry-Num`; and
 * a signed HTTP request can be replayed as is within its 5 minutes. Each of these carries the
 * same payload as the first delivery (the same trigger_id, event_id, action_ts …), so the
 * payload's fingerprint identifies it. A Bolt global middleware remembers fingerprints for a
 * window (10 minutes: longer than a signed request's ±5 minute life) and acks a repeat without
 * running anything again.
 */
import { createHash } from 'node:crypto';
import type { Middleware, AnyMiddlewareArgs } from '@slack/bolt';

/** How long a delivery is remembered. */
export const DEDUPE_WINDOW_MS = 10 * 60 * 1000;

export class DeliveryDedupe {
  private readonly seen = new Map<string, number>();
  private readonly windowMs: number;
  private readonly now: () => number;
  /** Repeats refused so far (status, tests and the bench). */
  duplicates = 0;

  constructor(opts: { windowMs?: number; now?: () => number } = {}) {
    this.windowMs = opts.windowMs ?? DEDUPE_WINDOW_MS;
    this.now = opts.now ?? Date.now;
  }

  /** True the first time `fingerprint` is offered within the window; false for a repeat. */
  first(fingerprint: string): boolean {
    const now = this.now();
    // Entries are in insertion (= time) order: drop the expired ones from the front.
    for (const [k, at] of this.seen) {
      if (now - at < this.windowMs) break;
      this.seen.delete(k);
    }
    if (this.seen.has(fingerprint)) {
      this.duplicates++;
      return false;
    }
    this.seen.set(fingerprint, now);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}

/** A stable fingerprint of a payload (key order does not matter). */
export function payloadFingerprint(body: unknown): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]));
    return v;
  };
  return createHash('sha256').update(JSON.stringify(canon(body))).digest('base64url');
}

/** What a delivery was, for a log line (never the payload itself). */
function describe(body: Record<string, unknown>): string {
  if (typeof body.command === 'string') return `${body.command} by ${String(body.user_id ?? '?')}`;
  if (typeof body.type === 'string') return `${body.type}${typeof body.event_id === 'string' ? ` ${body.event_id}` : ''}`;
  return 'a request';
}

/**
 * The Bolt global middleware: a repeat is acked (so Slack stops retrying) and goes no further.
 * Registered first, before any listener.
 */
export function exactlyOnce(dedupe: DeliveryDedupe, log: (line: string) => void): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as unknown as Record<string, unknown>;
    if (dedupe.first(payloadFingerprint(body))) {
      await args.next();
      return;
    }
    const retry = (args.context as { retryNum?: number }).retryNum;
    log(`slack: skipped a repeated delivery of ${describe(body)}${retry ? ` (Slack's retry ${retry})` : ''}: it was handled already`);
    const ack = (args as { ack?: (r?: unknown) => Promise<void> }).ack;
    if (ack) await ack();
  };
}
