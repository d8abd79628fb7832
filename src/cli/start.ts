/**
 * `dealcast start` (also `npm start`): runs the Slack app and, in the same process, the schedule:
 * sync (SYNC_CRON), daily snapshot, digest (DIGEST_CRON) and alerts (src/jobs/scheduler.ts). Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT. The first
 * sync runs at start when the database has never synced. Stops cleanly on SIGINT/SIGTERM.
 */
import { derivedIsFresh } from '../../store/deal-facts.js';
import { createDealcastApp } from '../app.js';
import { HEARTBEAT_MS, healthFilePath, writeConnectionStatus } from '../delivery/connection-health.js';
import type { SocketHealth } from '../delivery/socket-mode.js';
import { describeError } from '../errors.js';
import { createSyncJob } from '../jobs/sync.js';
import { startScheduler } from '../jobs/scheduler.js';
import { refreshRecentHomes } from '../../commands/app-home.js';

/** After a sync, App Homes opened within this long are published again. */
const HOME_REFRESH_WITHIN_MS = 24 * 60 * 60 * 1000;
import { redactSecrets } from '../config.js';
import { lastSuccessfulRun } from '../../store/sync-runs.js';
import { cliConfig, escapeControl, openStore, parseFlags, type CliIo } from './io.js';

export interface StartOptions {
  /** Resolves when the app should stop (tests); defaults to SIGINT/SIGTERM. */
  stopWhen?: Promise<unknown>;
  /** Called once the app is receiving (tests learn the port). */
  onStarted?: (info: { mode: 'socket' | 'http'; port?: number }) => void;
  /** HTTP bind address and port override (tests). */
  host?: string;
  port?: number;
  /** Socket Mode tuning (tests). */
  socket?: Parameters<typeof createDealcastApp>[0]['socket'];
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => () => resolve(sig);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });
}

export async function run(argv: string[], io: CliIo, opts: StartOptions = {}): Promise<number> {
  parseFlags(argv, {}, 'start');
  const config = cliConfig(io);
  // One event, one line: control characters (a newline in a slash-command argument, a CRM name) are escaped.
  const log = (line: string) => io.stdout(`${new Date().toISOString()} ${escapeControl(redactSecrets(config, line))}`);
  const db = openStore(config);
  const onRejection = (err: unknown) => log(`unhandled rejection: ${describeError(err)}`);
  process.on('unhandledRejection', onRejection);
  const sync = createSyncJob({ db, config, log });
  // Socket Mode that could not reconnect for SOCKET_MODE_MAX_DOWN_SECONDS ends the process with
  // code 1, so a supervisor restarts it instead of leaving a process that hears nothing.
  let socketDown: (h: SocketHealth) => void = () => undefined;
  const down = new Promise<SocketHealth>((resolve) => (socketDown = resolve));
  const healthPath = healthFilePath(config.DEALCAST_DB);
  let heartbeat: NodeJS.Timeout | null = null;
  try {
    let report: () => void = () => undefined;
    const dc = createDealcastApp({
      config,
      db,
      log,
      syncJob: sync,
      host: opts.host,
      port: opts.port,
      socket: opts.socket,
      onSocketDown: (h) => socketDown(h),
      onSocketHealth: () => report(),
    });
    if (healthPath) {
      report = () => {
        try {
          writeConnectionStatus(healthPath, {
            mode: dc.mode,
            pid: process.pid,
            updatedAt: new Date().toISOString(),
            socket: dc.socket ? { ...dc.socket.health } : null,
            duplicatesSkipped: dc.dedupe.duplicates,
            rateLimited: dc.slack.limits.blocked(),
          });
        } catch (err) {
          log(`status: could not write ${healthPath}: ${describeError(err)}`);
        }
      };
      heartbeat = setInterval(report, HEARTBEAT_MS);
      heartbeat.unref();
    }
    const started = dc.start();
    const first = await Promise.race([started.then((info) => ({ info })), down.then((h) => ({ down: h }))]);
    if ('down' in first) {
      log(`slack: could not connect to Slack: ${first.down.lastError ?? 'unknown error'}; exiting with code 1`);
      await dc.stop().catch(() => undefined);
      await started.catch(() => undefined);
      return 1;
    }
    const info = first.info;
    report();
    log(
      `dealcast is running in ${info.mode === 'socket' ? 'Socket Mode' : `HTTP mode on port ${info.port} (endpoint /slack/events)`}` +
        `${info.team ? ` for ${info.team}` : ''}; CRM ${config.CRM}, database ${config.DEALCAST_DB}`,
    );
    let firstSync: Promise<unknown> = Promise.resolve();
    if (!lastSuccessfulRun(db, config.CRM)) {
      log('sync: never synced; running the first sync now');
      firstSync = sync.run().catch((err: unknown) => log(`sync: first sync failed: ${describeError(err)}`));
    } else if (!derivedIsFresh(db, config.CRM, { currency: config.DEALCAST_CURRENCY ?? null })) {
      // An upgrade (new derivation rules), another reporting currency, or a refresh a stop cut
      // short: rebuilt in a worker while commands answer from the last complete refresh.
      log('report tables: out of date; refreshing them in the background');
      firstSync = sync.refreshDerived();
    }
    // The schedule (sync, snapshot, digest, alerts) starts once the first sync is in, so a digest
    // caught up at start-up reads real data.
    const scheduler = firstSync.then(() =>
      startScheduler({
        config,
        db,
        sync,
        log,
        reports: dc.deps.reports,
        messenger: dc.slack.messenger({ fallbackUsers: config.DEALCAST_ADMINS }),
        slackUserForOwner: (ownerId) => dc.deps.owners.slackUserForOwner(ownerId),
        openDm: (userId) => dc.slack.openDm(userId),
        subscriptions: (now) => dc.subscriptions.tick(now),
        afterSync: () => refreshRecentHomes(dc.deps, dc.home, HOME_REFRESH_WITHIN_MS),
      }),
    );
    scheduler.catch((err: unknown) => log(`scheduler: could not start: ${describeError(err)}`));
    opts.onStarted?.({ mode: info.mode, port: info.port });
    const why = await Promise.race([opts.stopWhen ?? untilSignal(), down.then(() => 'socket-down' as const)]);
    log(`stopping${typeof why === 'string' ? ` (${why === 'socket-down' ? 'no Slack connection; a supervisor should restart dealcast' : why})` : ''}`);
    await (await scheduler.catch(() => null))?.stop();
    // Posts already queued get a few seconds to go out (a channel under a long Retry-After does not hold the exit).
    await Promise.race([dc.slack.drain(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    await dc.stop();
    report();
    return why === 'socket-down' ? 1 : 0;
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    process.off('unhandledRejection', onRejection);
    // A sync still writing keeps its handle; the process exit closes it (the next start marks
    // that run interrupted and resumes).
    if (!sync.running) db.close();
  }
}
