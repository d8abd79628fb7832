/**
 * views.publish for the App Home tab, beside src/delivery/slack.ts (which it uses for the
 * client, its retry budget and its error type). A user's Home is published at most once per
 * HOME_MIN_INTERVAL_MS: opening and closing the tab quickly does not spend Slack's rate limit.
 */
import type { types } from '@slack/bolt';
import { SlackApiError, slackErrorOf, type SlackDelivery } from './slack.js';

export const HOME_MIN_INTERVAL_MS = 10_000;

export class HomePublisher {
  private readonly last = new Map<string, number>();
  constructor(
    private readonly slack: Pick<SlackDelivery, 'client'>,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Users whose Home was published since `sinceMs` (to refresh after a sync). */
  recentUsers(sinceMs: number): string[] {
    return [...this.last.entries()].filter(([, at]) => at >= sinceMs).map(([u]) => u);
  }

  /** True when published, false when skipped (published moments ago). */
  async publish(userId: string, view: types.HomeView, opts: { force?: boolean } = {}): Promise<boolean> {
    const now = this.clock();
    const prev = this.last.get(userId);
    if (!opts.force && prev !== undefined && now - prev < HOME_MIN_INTERVAL_MS) return false;
    this.last.set(userId, now);
    try {
      await this.slack.client.views.publish({ user_id: userId, view });
    } catch (err) {
      this.last.delete(userId);
      throw new SlackApiError('views.publish', slackErrorOf(err), undefined, { cause: err });
    }
    return true;
  }
}
