/**
 * What every slash command handler gets: the request as Slack sent it (transport-free, so
 * handlers run the same under Socket Mode, HTTP and tests) and the app's services.
 */
import type { Config } from '../src/config.js';
import type { SlackDelivery, ReplyTarget } from '../src/delivery/slack.js';
import type { SyncJob } from '../src/jobs/sync.js';
import type { OwnerDirectory } from '../src/delivery/slack-owners.js';
import type { Db } from '../store/db.js';

export interface CommandRequest {
  /** '/pipeline' */
  command: string;
  text: string;
  userId: string;
  channelId: string;
  responseUrl?: string;
  triggerId?: string;
  teamId?: string;
}

export interface CommandDeps {
  db: Db;
  config: Config;
  /** config.CRM: the CRM whose copy the reports read. */
  crm: string;
  slack: SlackDelivery;
  owners: OwnerDirectory;
  sync: SyncJob;
  now: () => Date;
  log: (line: string) => void;
  /** Human description of the sync schedule, for /dealcast status. */
  syncSchedule: string;
}

export type CommandHandler = (req: CommandRequest, deps: CommandDeps) => Promise<void>;

export function replyTarget(req: CommandRequest): ReplyTarget {
  return { channelId: req.channelId, userId: req.userId, responseUrl: req.responseUrl };
}
