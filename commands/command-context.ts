/**
 * What every slash command handler gets: the request as Slack sent it (transport-free, so
 * handlers run the same under Socket Mode, HTTP and tests) and the app's services.
 */
import type { Config } from '../src/config.js';
import type { SlackDelivery, ReplyTarget } from '../src/delivery/slack.js';
import type { SyncJob } from '../src/jobs/sync.js';
import type { OwnerDirectory } from '../src/delivery/slack-owners.js';
import type { AdminCheck } from '../src/delivery/slack-admins.js';
import type { ReportWork } from '../src/reports/work.js';
import type { Db } from '../store/db.js';
import { resolveTeamSettings } from '../src/settings/resolve.js';

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
  /** Who may run admin actions (cached for minutes). */
  admins: AdminCheck;
  sync: SyncJob;
  /** Computes reports and draws charts off the event loop (a worker pool in `dealcast start`). */
  reports: ReportWork;
  now: () => Date;
  log: (line: string) => void;
  /** Human description of the sync schedule, for /dealcast status. */
  syncSchedule: string;
}

/** The team's time zone in effect (the admin's setting, else DEALCAST_TIMEZONE): the reports' calendar. */
export function teamTimeZone(deps: Pick<CommandDeps, 'db' | 'config'>): string {
  return resolveTeamSettings(deps.db, deps.config).timeZone;
}

export type CommandHandler = (req: CommandRequest, deps: CommandDeps) => Promise<void>;

export function replyTarget(req: CommandRequest): ReplyTarget {
  return { channelId: req.channelId, userId: req.userId, responseUrl: req.responseUrl };
}
