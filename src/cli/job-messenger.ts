/**
 * The messenger the CLI's digest and alert runs post through: Slack's Web API (SLACK_BOT_TOKEN,
 * SLACK_API_URL) behind the per-channel queue that paces posts and waits out 429s.
 */
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import { ChannelQueue, type ChannelQueueOptions } from '../delivery/channel-queue.js';
import { SlackDelivery, slackMessenger } from '../delivery/slack.js';

export function jobsSlackMessenger(config: Config, log: (line: string) => void, queue: ChannelQueueOptions = {}): ChannelQueue {
  if (!config.SLACK_BOT_TOKEN) throw new ConfigError(['SLACK_BOT_TOKEN is required to post to Slack (starts with xoxb-); use --dry-run to see the messages without posting']);
  const slack = new SlackDelivery({ token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL, postIntervalMs: 0, rateLimited: 'reject', log });
  return new ChannelQueue(slackMessenger(slack), { log, ...queue });
}

export function cliMessenger(config: Config, log: (line: string) => void, queue: ChannelQueueOptions = {}): { messenger: ChannelQueue; done: () => Promise<void> } {
  const messenger = jobsSlackMessenger(config, log, queue);
  return { messenger, done: () => messenger.drain() };
}
