/**
 * The scheduler: the only user of node-cron, which supplies the once-a-minute timer. Which slots
 * of SYNC_CRON / DIGEST_CRON / DASHBOARD_CRON are due, in the team's time zone, comes from the
 * team calendar (src/time/cron.ts: croner's slot arithmetic, DST-aware; staleness in ./cron.ts). Everything that must
 * survive a restart lives in the job ledger (job_runs), so each slot runs exactly once:
 *
 * - sync on SYNC_CRON; after a successful sync, the day's snapshot (once per local day, after
 *   its first successful sync) and the alerts (after every successful sync);
 * - digest on DIGEST_CRON. A digest slot missed while the process was down is posted once when it
 *   comes back, marked late, unless it is more than DIGEST_MAX_LATE_HOURS late: then it is
 *   recorded as skipped with a log line;
 * - a failing job is recorded and tried again at its next slot; it never stops the others.
 *
 * `tick(now)` does all the work and takes the time as an argument, so tests drive the schedule
 * with an injected clock and never wait.
 */
import type { ReportWork } from '../reports/work.js';
import { writeDashboardIfChanged } from './dashboard.js';
import { createTask, type ScheduledTask } from 'node-cron';
import type { Config } from '../config.js';
import type { Db } from '../../store/db.js';
import type { Messenger } from '../delivery/messenger.js';
import { digestDetail, runDigestJob } from './digest.js';
import { runAlertsJob } from './alerts.js';
import { runSnapshotJob } from './snapshot.js';
import { jobContext } from './context.js';
import { floorMinute } from './cron.js';
import { resolveTeamSettings } from '../settings/resolve.js';
import type { SyncJob } from './sync.js';
import { markInterruptedJobRuns, slotsRecorded } from '../../store/job-runs.js';
import { runInSlot, skipSlot, type Claim, type SlotOutcome } from './ledger.js';
import { localDay } from '../time/calendar.js';
import { CronSchedule } from '../time/cron.js';
import { runDealEventsJob } from './deal-events.js';
import { defaultSubscription } from '../../store/subscriptions.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** How far back a restart looks for digest slots it missed. */
export const DIGEST_LOOKBACK_MS = 24 * HOUR;
/** A digest that starts within this long of its slot is on time, not late. */
export const DIGEST_ON_TIME_MS = 5 * MINUTE;
/** Attempts a digest slot gets (a failure is tried again at the next tick, within the slot). */
export const DIGEST_ATTEMPTS = 3;
/** A ledger row still 'running' after this long belongs to a process that stopped. */
export const INTERRUPTED_AFTER_MS = 6 * HOUR;

export interface ScheduledJobs {
  sync(now: Date): Promise<unknown>;
  snapshot(now: Date): Promise<unknown>;
  /** Left out when there is nowhere to post (ALERT_CHANNEL unset). `claim` records its posts (src/jobs/ledger.ts). */
  alerts?(now: Date, claim?: Claim): Promise<unknown>;
  /** `lateFor` is the slot's time when the digest runs late. Returns the detail to record. Left out when DIGEST_CHANNEL is unset. */
  digest?(now: Date, opts: { lateFor?: Date; claim?: Claim }): Promise<unknown>;
  /** Rewrites the dashboard page when it changed. Left out when DASHBOARD_CRON is unset. */
  dashboard?(now: Date): Promise<unknown>;
  /** Deal events (won, regressions, pushed close dates …), after each successful sync. */
  dealEvents?(now: Date): Promise<unknown>;
  /** Scheduled reports due at `now` (each claims its own slot in the ledger). */
  subscriptions?(now: Date): Promise<unknown>;
}

export interface SchedulerOptions {
  db: Db;
  timeZone: string;
  syncCron: string;
  digestCron: string;
  digestMaxLateHours: number;
  /** When to rewrite the dashboard page (DASHBOARD_CRON); no dashboard job without it. */
  dashboardCron?: string;
  jobs: ScheduledJobs;
  log?: (line: string) => void;
  /** The clock the minute timer reads (tests call tick(now) directly instead). */
  clock?: () => Date;
  /**
   * Read at every tick: the time zone and digest cron in effect (an admin may change them in
   * Slack with /dealcast settings). The schedule follows a change without a restart; a digest
   * slot that a change moves into the past is not posted late.
   */
  schedule?: () => { timeZone: string; digestCron: string };
  /** DEALCAST_CRASH_AT (tests): kill the process at this step of a job run. */
  crashAt?: string;
}

export interface TickReport {
  sync?: SlotOutcome<unknown>['status'] | 'busy';
  snapshot?: SlotOutcome<unknown>['status'];
  alerts?: SlotOutcome<unknown>['status'];
  dashboard?: SlotOutcome<unknown>['status'];
  dealEvents?: SlotOutcome<unknown>['status'];
  digests: { slot: string; status: SlotOutcome<unknown>['status'] | 'skipped'; late: boolean }[];
}

export class Scheduler {
  private sync: CronSchedule;
  private digest: CronSchedule;
  private dashboard: CronSchedule | null;
  private timeZone: string;
  private digestCron: string;
  private readonly log: (line: string) => void;
  private syncInFlight: Promise<unknown> | null = null;
  private lastDigestScan: Date | null = null;
  private timer: ScheduledTask | null = null;
  private readonly ticks = new Set<Promise<TickReport>>();

  constructor(private readonly opts: SchedulerOptions) {
    this.sync = new CronSchedule(opts.syncCron, opts.timeZone);
    this.digest = new CronSchedule(opts.digestCron, opts.timeZone);
    this.dashboard = opts.dashboardCron && opts.jobs.dashboard ? new CronSchedule(opts.dashboardCron, opts.timeZone) : null;
    this.timeZone = opts.timeZone;
    this.digestCron = opts.digestCron;
    this.log = opts.log ?? (() => undefined);
  }

  /** Rebuilds the matchers when the time zone or digest cron in effect changed. */
  private followSchedule(): void {
    const s = this.opts.schedule?.();
    if (!s || (s.timeZone === this.timeZone && s.digestCron === this.digestCron)) return;
    let sync: CronSchedule;
    let digest: CronSchedule;
    let dashboard: CronSchedule | null;
    try {
      sync = new CronSchedule(this.opts.syncCron, s.timeZone);
      digest = new CronSchedule(s.digestCron, s.timeZone);
      dashboard = this.dashboard && this.opts.dashboardCron ? new CronSchedule(this.opts.dashboardCron, s.timeZone) : null;
    } catch (err) {
      this.log(`scheduler: keeping the current schedule; the new one (${s.digestCron}, ${s.timeZone}) is not valid: ${(err as Error).message}`);
      return;
    }
    this.sync = sync;
    this.digest = digest;
    this.dashboard = dashboard;
    this.log(`scheduler: digest now on ${s.digestCron} in ${s.timeZone} (was ${this.digestCron} in ${this.timeZone})`);
    this.timeZone = s.timeZone;
    this.digestCron = s.digestCron;
  }

  /** Marks runs a stopped process left behind, catches up at once, then ticks every minute. */
  async start(): Promise<TickReport> {
    const now = (this.opts.clock ?? (() => new Date()))();
    const n = markInterruptedJobRuns(this.opts.db, now.toISOString(), new Date(now.getTime() - INTERRUPTED_AFTER_MS).toISOString());
    if (n) this.log(`scheduler: ${n} job run(s) interrupted by a stop were marked failed`);
    const first = this.tick(now);
    this.timer = createTask('* * * * *', () => void this.tick((this.opts.clock ?? (() => new Date()))()), { timezone: this.opts.timeZone, name: 'dealcast tick' });
    await this.timer.start();
    return first;
  }

  /** Stops the timer and waits for ticks in progress. */
  async stop(): Promise<void> {
    if (this.timer) {
      await this.timer.destroy();
      this.timer = null;
    }
    await Promise.allSettled([...this.ticks]);
  }

  /** The next sync slot after `now` (for status messages). */
  nextSync(now: Date): Date | null {
    return this.sync.next(now);
  }

  /** Everything due at `now`. Never throws: failures are in the ledger and the log. */
  tick(now: Date): Promise<TickReport> {
    const p = this.runTick(now);
    this.ticks.add(p);
    void p.finally(() => this.ticks.delete(p));
    return p;
  }

  private async runTick(now: Date): Promise<TickReport> {
    const report = await this.runCoreJobs(now);
    const dashboard = this.opts.jobs.dashboard;
    if (this.dashboard?.matches(now) && dashboard) {
      const slot = floorMinute(now).toISOString();
      report.dashboard = (await runInSlot(this.opts.db, 'dashboard', slot, now, () => dashboard(now), { log: this.log, waitMs: 0, crashAt: this.opts.crashAt })).status;
    }
    return report;
  }

  /** Sync (then snapshot and alerts after a good one) and the digest. */
  private async runCoreJobs(now: Date): Promise<TickReport> {
    const report: TickReport = { digests: [] };
    this.followSchedule();
    const { db, jobs } = this.opts;
    if (this.sync.matches(now)) {
      const slot = floorMinute(now).toISOString();
      if (this.syncInFlight) {
        skipSlot(db, 'sync', slot, now, 'the previous sync was still running');
        this.log(`sync ${slot} skipped: the previous sync is still running`);
        report.sync = 'busy';
      } else {
        const run = runInSlot(db, 'sync', slot, now, () => jobs.sync(now), { log: this.log, waitMs: 0 });
        this.syncInFlight = run;
        let outcome: SlotOutcome<unknown>;
        try {
          outcome = await run;
        } finally {
          this.syncInFlight = null;
        }
        report.sync = outcome.status;
        if (outcome.status === 'ok') {
          report.snapshot = (await runInSlot(db, 'snapshot', localDay(now, this.timeZone), now, () => jobs.snapshot(now), { log: this.log, waitMs: 0 })).status;
        }
        // The digest due now reads the data this sync just brought in.
        await this.digestsDue(now, report);
        const alerts = jobs.alerts;
        if (outcome.status === 'ok' && alerts)
          report.alerts = (await runInSlot(db, 'alerts', slot, now, (claim) => alerts(now, claim), { log: this.log, adoptOrphans: true, crashAt: this.opts.crashAt })).status;
        const dealEvents = jobs.dealEvents;
        if (outcome.status === 'ok' && dealEvents) report.dealEvents = (await runInSlot(db, 'deal_events', slot, now, () => dealEvents(now), { log: this.log })).status;
        await this.subscriptionsDue(now);
        return report;
      }
    }
    await this.digestsDue(now, report);
    await this.subscriptionsDue(now);
    return report;
  }

  /** Scheduled reports: they claim their own ledger slots; a failure is theirs to record. */
  private async subscriptionsDue(now: Date): Promise<void> {
    const run = this.opts.jobs.subscriptions;
    if (!run) return;
    try {
      await run(now);
    } catch (err) {
      this.log(`subscriptions: ${(err as Error).message}`);
    }
  }

  /** Runs the latest digest slot not yet in the ledger (late if need be); records older or too-late ones as skipped. */
  private async digestsDue(now: Date, report: TickReport): Promise<void> {
    const { db } = this.opts;
    const digest = this.opts.jobs.digest;
    if (!digest) return;
    const from = new Date(Math.max(now.getTime() - DIGEST_LOOKBACK_MS, (this.lastDigestScan?.getTime() ?? 0) - 1));
    this.lastDigestScan = now;
    // between() is (from, to]; include `from`'s own minute on the first scan.
    const slots = this.digest.between(new Date(from.getTime() - MINUTE), now);
    const firstSlot = slots[0];
    const lastSlot = slots[slots.length - 1];
    if (!firstSlot || !lastSlot) return;
    // Slots done, skipped or being posted elsewhere; a slot whose run was interrupted or failed is due again.
    const recorded = slotsRecorded(db, 'digest', firstSlot.toISOString(), lastSlot.toISOString(), DIGEST_ATTEMPTS);
    const open = slots.filter((s) => !recorded.has(s.toISOString()));
    const maxLateMs = this.opts.digestMaxLateHours * HOUR;
    // A digest due while this process syncs waits for the sync, so it reads fresh data.
    const last = open[open.length - 1];
    if (last && now.getTime() - last.getTime() <= maxLateMs && this.syncInFlight) await this.syncInFlight.catch(() => undefined);
    for (const [i, s] of open.entries()) {
      const slot = s.toISOString();
      const lateMs = now.getTime() - s.getTime();
      const latest = i === open.length - 1;
      if (!latest || lateMs > maxLateMs) {
        const why = latest
          ? `${(lateMs / HOUR).toFixed(1)} h late, more than DIGEST_MAX_LATE_HOURS=${this.opts.digestMaxLateHours}`
          : 'a later digest slot is due';
        if (skipSlot(db, 'digest', slot, now, why)) {
          this.log(`digest ${slot} skipped: ${why}`);
          report.digests.push({ slot, status: 'skipped', late: true });
        }
        continue;
      }
      const late = lateMs > DIGEST_ON_TIME_MS;
      const outcome = await runInSlot(db, 'digest', slot, now, (claim) => digest(now, late ? { lateFor: s, claim } : { claim }), {
        late,
        log: this.log,
        attempts: DIGEST_ATTEMPTS,
        crashAt: this.opts.crashAt,
      });
      if (late && outcome.status === 'ok') this.log(`digest ${slot} posted late (${Math.round(lateMs / MINUTE)} min after its slot)`);
      report.digests.push({ slot, status: outcome.status, late });
    }
  }
}

export function createScheduler(opts: SchedulerOptions): Scheduler {
  return new Scheduler(opts);
}

export interface StartSchedulerDeps {
  config: Config;
  db: Db;
  /** The app's single-flight sync (also used by /dealcast sync). */
  sync: SyncJob;
  /** Where the digest, alerts and snapshots compute their reports and charts (the app's worker pool); inline when absent. */
  reports?: ReportWork;
  /** Where the digest and alerts post (src/delivery/slack.ts behind the channel queue). */
  messenger: Messenger;
  log: (line: string) => void;
  /** Slack user of a CRM owner, looked up when not yet known (alerts @-mention owners). */
  slackUserForOwner?: (ownerId: string) => Promise<string | null>;
  /** The DM channel with a Slack user (deal events to owners; subscriptions to a DM). */
  openDm?: (userId: string) => Promise<string>;
  /** Scheduled reports (src/jobs/subscriptions.ts), run at every tick. */
  subscriptions?: (now: Date) => Promise<unknown>;
  /** After each successful sync and its deal events (App Home refreshes). */
  afterSync?: (now: Date) => Promise<unknown>;
  clock?: () => Date;
}

/** The app's schedule: sync, snapshot, digest and alerts, with the ledger. */
export async function startScheduler(deps: StartSchedulerDeps): Promise<{ scheduler: Scheduler; stop(): Promise<void>; nextSync(): Date | null }> {
  const clock = deps.clock ?? (() => new Date());
  const jc = jobContext({ config: deps.config, db: deps.db, messenger: deps.messenger, log: deps.log, now: clock, ...(deps.reports ? { reports: deps.reports } : {}) });
  // Channels, time zone and digest time are read when each job runs: saved in Slack
  // (/dealcast settings) they win over the environment, without a restart.
  const team = () => resolveTeamSettings(deps.db, deps.config);
  const first = team();
  const jobs: ScheduledJobs = {
    sync: (now) => deps.sync.run({ now }).then((r) => ({ runId: r.runId, mode: r.mode, counts: r.counts })),
    snapshot: (now) => runSnapshotJob({ ...jc.snapshot, timeZone: team().timeZone }, now),
    // No channel = no job (not a failure every slot); present again once a channel is chosen.
    get digest() {
      // With subscriptions running, the team digest is their default subscription (src/jobs/default-digest.ts).
      if (deps.subscriptions && defaultSubscription(deps.db)) return undefined;
      const t = team();
      const channel = t.digestChannel;
      return channel ? (now: Date, opts: { lateFor?: Date; claim?: Claim }) => runDigestJob({ ...jc.digest, channel, timeZone: t.timeZone }, now, opts).then(digestDetail) : undefined;
    },
    get alerts() {
      const t = team();
      const channel = t.alertChannel;
      return channel ? (now: Date, claim?: Claim) => runAlertsJob({ ...jc.alerts, channel, timeZone: t.timeZone, slackUserForOwner: deps.slackUserForOwner }, now, claim) : undefined;
    },
    dealEvents: async (now: Date) => {
      const r = await runDealEventsJob(
        {
          db: deps.db,
          crm: deps.config.CRM,
          poster: {
            post: (channel, c) => deps.messenger.post(channel, c),
            reply: (channel, threadTs, c) => deps.messenger.reply(channel, threadTs, c),
            openDm: deps.openDm ?? (() => Promise.reject(new Error('no way to open a DM here'))),
          },
          slackUserForOwner: deps.slackUserForOwner,
          log: deps.log,
        },
        now,
      );
      await deps.afterSync?.(now).catch((err: unknown) => deps.log(`after sync: ${(err as Error).message}`));
      return r;
    },
    ...(deps.subscriptions ? { subscriptions: deps.subscriptions } : {}),
    ...(deps.config.DASHBOARD_CRON
      ? { dashboard: (now: Date) => writeDashboardIfChanged({ db: deps.db, config: deps.config, log: deps.log }, now).then((r) => ({ written: r.written, reason: r.reason })) }
      : {}),
  };
  const scheduler = createScheduler({
    db: deps.db,
    timeZone: first.timeZone,
    syncCron: deps.config.SYNC_CRON,
    digestCron: first.digestCron,
    digestMaxLateHours: deps.config.DIGEST_MAX_LATE_HOURS,
    dashboardCron: deps.config.DASHBOARD_CRON,
    crashAt: deps.config.DEALCAST_CRASH_AT,
    log: deps.log,
    clock,
    schedule: () => {
      const t = team();
      return { timeZone: t.timeZone, digestCron: t.digestCron };
    },
    jobs,
  });
  if (!first.digestChannel) deps.log('digest: no digest channel (DIGEST_CHANNEL, or /dealcast settings), so no digest will be posted until one is chosen');
  if (!first.alertChannel) deps.log('alerts: no alert channel (ALERT_CHANNEL, or /dealcast settings), so no alerts will be posted until one is chosen');
  const initial = await scheduler.start();
  deps.log(`scheduler: started${initial.digests.length ? ` (digest ${initial.digests.map((d) => `${d.slot}: ${d.status}`).join(', ')})` : ''}`);
  return { scheduler, stop: () => scheduler.stop(), nextSync: () => scheduler.nextSync(clock()) };
}

/** "every 15 minutes (*\/15 * * * *, UTC)"-style description of the sync schedule. */
export function describeSyncSchedule(config: Pick<Config, 'SYNC_CRON' | 'DEALCAST_TIMEZONE'>): string {
  const m = /^\*\/(\d+) \* \* \* \*$/.exec(config.SYNC_CRON);
  const words = m ? `every ${m[1] === '1' ? 'minute' : `${m[1]} minutes`}` : config.SYNC_CRON === '0 * * * *' ? 'hourly' : 'on a schedule';
  return `${words} (\`${config.SYNC_CRON}\`, ${config.DEALCAST_TIMEZONE})`;
}
