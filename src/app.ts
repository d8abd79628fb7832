/**
 * Builds the Bolt app and wires it: Socket Mode when SLACK_APP_TOKEN is set (no public URL
 * needed), otherwise Bolt's HTTP receiver on PORT at /slack/events with request signing
 * enforced (bad or missing signatures and timestamps older than 5 minutes are refused). Every
 * Web API call goes to SLACK_API_URL. No logic lives here: commands/ holds it.
 */
import { App, type webApi } from '@slack/bolt';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { requireSlack, type Config } from './config.js';
import { SlackDelivery, SLACK_RETRY, slackErrorOf, SlackApiError } from './delivery/slack.js';
import type { CommandKey } from './ids.js';
import { createSyncJob, type SyncJob } from './jobs/sync.js';
import { describeSyncSchedule } from './jobs/scheduler.js';
import { registerCommands } from './listeners/commands.js';
import { registerSettings } from './listeners/settings.js';
import { registerSurfaces } from './listeners/surfaces.js';
import type { SubscriptionRunner } from './jobs/subscriptions.js';
import { createSubscriptionRunner } from '../commands/subscribe.js';
import { HomePublisher } from './delivery/home.js';
import { OwnerDirectory } from './delivery/slack-owners.js';
import { createSlackLogger } from './delivery/slack-logger.js';
import { COMMAND_HANDLERS } from '../commands/registry.js';
import type { CommandDeps, CommandHandler } from '../commands/command-context.js';
import type { Db } from '../store/db.js';

export interface CreateAppOptions {
  config: Config;
  db: Db;
  /** Where log lines go (already one line each; secrets redacted). */
  log: (line: string) => void;
  now?: () => Date;
  /** HTTP mode: the address to bind (default all interfaces; tests use 127.0.0.1). */
  host?: string;
  /** HTTP mode: overrides PORT (tests pass 0 for a free port). */
  port?: number;
  /** Web API retry budget (tests shorten the waits). */
  retry?: webApi.RetryOptions;
  /** Spacing of messages into one channel (tests: 0). */
  postIntervalMs?: number;
  syncJob?: SyncJob;
  /** Override handlers (tests). */
  handlers?: Partial<Record<CommandKey, CommandHandler>>;
}

export interface DealcastApp {
  app: App;
  slack: SlackDelivery;
  deps: CommandDeps;
  /** Scheduled reports: the scheduler ticks it; the subscription buttons use it. */
  subscriptions: SubscriptionRunner;
  /** App Home tabs (views.publish), per user. */
  home: HomePublisher;
  mode: 'socket' | 'http';
  /** Verifies the token (auth.test) and starts receiving; in HTTP mode resolves with the port. */
  start(): Promise<{ mode: 'socket' | 'http'; port?: number; botUserId: string | null; team: string | null }>;
  stop(): Promise<void>;
}

export function createDealcastApp(opts: CreateAppOptions): DealcastApp {
  const { config, db } = opts;
  requireSlack(config);
  const token = config.SLACK_BOT_TOKEN!;
  const logger = createSlackLogger(config, opts.log);
  const retry = opts.retry ?? SLACK_RETRY;
  const socketMode = Boolean(config.SLACK_APP_TOKEN);

  const app = new App({
    token,
    ...(socketMode
      ? { socketMode: true, appToken: config.SLACK_APP_TOKEN }
      : { signingSecret: config.SLACK_SIGNING_SECRET, signatureVerification: true, processBeforeResponse: false, port: config.PORT }),
    clientOptions: { slackApiUrl: config.SLACK_API_URL, retryConfig: retry },
    logger,
    deferInitialization: true,
  });

  const slack = new SlackDelivery({ token, apiUrl: config.SLACK_API_URL, retry, postIntervalMs: opts.postIntervalMs, logger, log: opts.log });
  const deps: CommandDeps = {
    db,
    config,
    crm: config.CRM,
    slack,
    owners: new OwnerDirectory(db, config.CRM, slack),
    sync: opts.syncJob ?? createSyncJob({ db, config, log: opts.log }),
    now: opts.now ?? (() => new Date()),
    log: opts.log,
    syncSchedule: describeSyncSchedule(config),
  };
  registerCommands(app, { ...COMMAND_HANDLERS, ...opts.handlers }, deps);
  registerSettings(app, deps);
  const subscriptions = createSubscriptionRunner(deps);
  const home = new HomePublisher(slack);
  registerSurfaces(app, deps, subscriptions, home);
  app.error(async (err) => {
    opts.log(`slack: unhandled error: ${err.message}`);
  });

  let started = false;
  return {
    app,
    slack,
    deps,
    subscriptions,
    home,
    mode: socketMode ? 'socket' : 'http',
    async start() {
      try {
        await app.init();
      } catch (err) {
        throw new SlackApiError('auth.test', slackErrorOf(err), undefined, { cause: err });
      }
      const who = await slack.authTest();
      if (socketMode) {
        await app.start();
        started = true;
        return { mode: 'socket', botUserId: who.botUserId, team: who.team };
      }
      const server = (await app.start({ port: opts.port ?? config.PORT, ...(opts.host ? { host: opts.host } : {}) })) as Server;
      started = true;
      return { mode: 'http', port: (server.address() as AddressInfo).port, botUserId: who.botUserId, team: who.team };
    },
    async stop() {
      if (started) await app.stop();
      started = false;
    },
  };
}
