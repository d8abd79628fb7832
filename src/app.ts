/**
 * Builds the Bolt app and wires it: Socket Mode when SLACK_APP_TOKEN is set (no public URL
 * needed; src/delivery/socket-mode.ts, which reconnects by itself), otherwise Bolt's HTTP
 * receiver on PORT at /slack/events with request signing enforced and timestamps more than 5
 * minutes off in either direction refused (src/delivery/http-receiver.ts). A repeated delivery
 * (Slack's retries, a replayed request) is acked and not run again (src/delivery/exactly-once.ts).
 * Every Web API call goes to SLACK_API_URL through one client. No logic lives here: commands/
 * holds it.
 */
import { App, type webApi } from '@slack/bolt';
import { DeliveryDedupe, exactlyOnce } from './delivery/exactly-once.js';
import { GuardedHttpReceiver } from './delivery/http-receiver.js';
import { SlackSocketMode, type SocketHealth, type SocketModeOptions } from './delivery/socket-mode.js';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { requireSlack, type Config } from './config.js';
import { SlackDelivery, slackClientOptions, slackErrorOf, SlackApiError } from './delivery/slack.js';
import type { Clock } from './sync/rate-limiter.js';
import type { CommandKey } from './ids.js';
import { createSyncJob, type SyncJob } from './jobs/sync.js';
import { describeSyncSchedule } from './jobs/scheduler.js';
import { registerCommands } from './listeners/commands.js';
import { registerSettings } from './listeners/settings.js';
import { OwnerDirectory } from './delivery/slack-owners.js';
import { AdminCheck } from './delivery/slack-admins.js';
import { createSlackLogger } from './delivery/slack-logger.js';
import { COMMAND_HANDLERS } from '../commands/registry.js';
import type { CommandDeps, CommandHandler } from '../commands/command-context.js';
import type { Db } from '../store/db.js';
import { createReportWork } from './reports/pool.js';
import type { ReportWork } from './reports/work.js';

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
  /** Time for pacing and rate-limit waits (tests: a virtual clock). */
  clock?: Clock;
  syncJob?: SyncJob;
  /** Where reports are computed (default: a worker pool, src/reports/pool.ts). */
  reports?: ReportWork;
  /** Override handlers (tests). */
  handlers?: Partial<Record<CommandKey, CommandHandler>>;
  /** Socket Mode: called when no connection could be made for SOCKET_MODE_MAX_DOWN_SECONDS. */
  onSocketDown?: (health: SocketHealth) => void;
  /** Socket Mode: called on every change of the connection's health. */
  onSocketHealth?: (health: SocketHealth) => void;
  /** Socket Mode tuning (tests shorten backoff and timeouts). */
  socket?: Pick<SocketModeOptions, 'reconnect' | 'helloTimeoutMs' | 'pingIntervalMs' | 'pongTimeoutMs' | 'maxDownMs'>;
}

export interface DealcastApp {
  app: App;
  slack: SlackDelivery;
  deps: CommandDeps;
  mode: 'socket' | 'http';
  /** Repeated deliveries seen and skipped. */
  dedupe: DeliveryDedupe;
  /** Socket Mode's connection (null in HTTP mode). */
  socket: SlackSocketMode | null;
  /** Verifies the token (auth.test) and starts receiving; in HTTP mode resolves with the port. */
  start(): Promise<{ mode: 'socket' | 'http'; port?: number; botUserId: string | null; team: string | null }>;
  stop(): Promise<void>;
}

export function createDealcastApp(opts: CreateAppOptions): DealcastApp {
  const { config, db } = opts;
  requireSlack(config);
  const token = config.SLACK_BOT_TOKEN!;
  const logger = createSlackLogger(config, opts.log);
  const socketMode = Boolean(config.SLACK_APP_TOKEN);

  const nowMs = opts.clock?.now ?? Date.now;
  const socket = socketMode
    ? new SlackSocketMode({
        appToken: config.SLACK_APP_TOKEN!,
        log: opts.log,
        now: nowMs,
        maxDownMs: config.SOCKET_MODE_MAX_DOWN_SECONDS * 1000,
        onDown: opts.onSocketDown,
        onHealth: opts.onSocketHealth,
        ...opts.socket,
      })
    : null;
  const receiver =
    socket ??
    new GuardedHttpReceiver({
      signingSecret: config.SLACK_SIGNING_SECRET!,
      signatureVerification: true,
      processBeforeResponse: false,
      logger,
      now: nowMs,
      log: opts.log,
    });
  const app = new App({
    token,
    receiver,
    // The one Web API client (app.client): commands, jobs and the Socket Mode connection use it.
    clientOptions: slackClientOptions({ apiUrl: config.SLACK_API_URL, retry: opts.retry }),
    logger,
    deferInitialization: true,
  });
  const dedupe = new DeliveryDedupe({ now: nowMs });
  app.use(exactlyOnce(dedupe, opts.log));

  const slack = new SlackDelivery({ client: app.client, postIntervalMs: opts.postIntervalMs, clock: opts.clock, log: opts.log });
  const deps: CommandDeps = {
    db,
    config,
    crm: config.CRM,
    slack,
    owners: new OwnerDirectory(db, config.CRM, slack),
    reports: opts.reports ?? createReportWork(db, config.DEALCAST_DB, { size: config.REPORT_WORKERS, log: opts.log }),
    admins: new AdminCheck(config, slack, opts.clock ? { now: opts.clock.now } : {}),
    sync: opts.syncJob ?? createSyncJob({ db, config, log: opts.log }),
    now: opts.now ?? (() => new Date()),
    log: opts.log,
    syncSchedule: describeSyncSchedule(config),
  };
  registerCommands(app, { ...COMMAND_HANDLERS, ...opts.handlers }, deps);
  registerSettings(app, deps);
  app.error(async (err) => {
    opts.log(`slack: unhandled error: ${err.message}`);
  });

  let started = false;
  return {
    app,
    slack,
    deps,
    mode: socketMode ? 'socket' : 'http',
    dedupe,
    socket,
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
      const server = (await app.start({ port: opts.port ?? config.PORT, ...(opts.host ? { host: opts.host } : {}) } as never)) as Server;
      started = true;
      return { mode: 'http', port: (server.address() as AddressInfo).port, botUserId: who.botUserId, team: who.team };
    },
    async stop() {
      if (started) await app.stop();
      // Stopping while still connecting (Socket Mode retries until it connects) ends that too.
      else await socket?.stop();
      started = false;
      await deps.reports.close();
    },
  };
}
