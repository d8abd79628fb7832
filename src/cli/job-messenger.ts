/**
 * The messenger the CLI's one-shot digest and alert runs post through: one SlackDelivery
 * (SLACK_BOT_TOKEN, SLACK_API_URL) with its per-channel queue. `dealcast start` does not use
 * this: its jobs post through the app's own door (src/app.ts).
 */
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import type { Clock } from '../sync/rate-limiter.js';
import type { Messenger } from '../delivery/messenger.js';
import { SlackDelivery } from '../delivery/slack.js';

export interface CliMessengerOptions {
  clock?: Clock;
  postIntervalMs?: number;
}

export function cliMessenger(config: Config, log: (line: string) => void, opts: CliMessengerOptions = {}): { messenger: Messenger; done: () => Promise<void> } {
  if (!config.SLACK_BOT_TOKEN) throw new ConfigError(['SLACK_BOT_TOKEN is required to post to Slack (starts with xoxb-); use --dry-run to see the messages without posting']);
  const slack = new SlackDelivery({ token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL, log, clock: opts.clock, postIntervalMs: opts.postIntervalMs });
  return { messenger: slack.messenger({ fallbackUsers: config.DEALCAST_ADMINS }), done: () => slack.drain() };
}
