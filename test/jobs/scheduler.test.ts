import { afterEach, describe, expect, it } from 'vitest';
import { createScheduler, describeSyncSchedule, startScheduler, type ScheduledJobs, type Scheduler } from '../../src/jobs/scheduler.js';
import { staleCutoff } from '../../src/jobs/cron.js';
import type { SyncJob } from '../../src/jobs/sync.js';
import { loadConfig } from '../../src/config.js';
import { RecordingMessenger } from '../../src/delivery/messenger.js';
import { openDb, type Db } from '../../store/db.js';
import { getJobRun, recentJobRuns } from '../../store/job-runs.js';
import { tempDb } from '../helpers/db.js';
import { runSync } from '../../src/sync/engine.js';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { setSetting } from '../../store/settings.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

function database() {
  const t = tempDb();
  cleanups.push(t.cleanup);
  return t;
}

/** Jobs that record when they ran; any of them can be told to fail. */
function recordingJobs(fail: Partial<Record<keyof ScheduledJobs, (now: Date) => boolean>> = {}) {
  const runs: { job: string; now: string; lateFor?: string }[] = [];
  const job =
    (name: keyof ScheduledJobs) =>
    async (now: Date, arg?: unknown) => {
      // The digest gets { lateFor?, claim }, the alerts job its claim, the others nothing.
      const opts = arg as { lateFor?: Date } | undefined;
      runs.push({ job: name, now: now.toISOString(), ...(opts?.lateFor ? { lateFor: opts.lateFor.toISOString() } : {}) });
      if (fail[name]?.(now)) throw new Error(`${name} exploded`);
      return { ok: true };
    };
  const jobs: ScheduledJobs = { sync: job('sync'), snapshot: job('snapshot'), alerts: job('alerts'), digest: job('digest'), dashboard: job('dashboard') };
  return { jobs, runs, of: (name: string) => runs.filter((r) => r.job === name) };
}

function scheduler(db: Db, jobs: ScheduledJobs, log: string[] = [], extra: { syncCron?: string; maxLate?: number; timeZone?: string; dashboardCron?: string } = {}): Scheduler {
  const s = createScheduler({
    db,
    jobs,
    timeZone: extra.timeZone ?? 'UTC',
    syncCron: extra.syncCron ?? '0 0 1 1 *',
    digestCron: '0 8 * * 1-5',
    digestMaxLateHours: extra.maxLate ?? 4,
    dashboardCron: extra.dashboardCron,
    log: (l) => log.push(l),
  });
  cleanups.push(() => s.stop());
  return s;
}

const at = (iso: string) => new Date(iso);
const minutes = (startIso: string, count: number) => Array.from({ length: count }, (_, i) => new Date(Date.parse(startIso) + i * 60_000));

describe('scheduler: the digest runs exactly once per weekday slot', () => {
  it('posts one digest per weekday across two restarts around 08:00, and none at the weekend', async () => {
    const { path } = database();
    const rec = recordingJobs();
    // Monday 23 Nov to Sunday 29 Nov 2026.
    for (let d = 23; d <= 29; d++) {
      const day = `2026-11-${d}`;
      // First life: ticks up to 07:59, then the process dies.
      const a = scheduler(openDb(path), rec.jobs);
      for (const t of minutes(`${day}T07:57:00Z`, 3)) await a.tick(t);
      await a.stop();
      // Second life starts at 08:00:20 (the slot's minute) and dies at 08:03.
      const b = scheduler(openDb(path), rec.jobs);
      await b.tick(at(`${day}T08:00:20Z`));
      for (const t of minutes(`${day}T08:01:00Z`, 3)) await b.tick(t);
      await b.stop();
      // Third life from 08:02:10 on: the slot is in the ledger, nothing is posted again.
      const c = scheduler(openDb(path), rec.jobs);
      await c.tick(at(`${day}T08:02:10Z`));
      for (const t of minutes(`${day}T08:03:00Z`, 60)) await c.tick(t);
      await c.stop();
    }
    const days = rec.of('digest').map((r) => r.now.slice(0, 10));
    expect(days).toEqual(['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27']);
    expect(rec.of('digest').every((r) => r.lateFor === undefined)).toBe(true);
    const db = openDb(path);
    cleanups.push(() => void db.close());
    expect(recentJobRuns(db, 'digest', { limit: 50 }).map((r) => [r.slot, r.status, r.late])).toEqual(
      [27, 26, 25, 24, 23].map((d) => [`2026-11-${d}T08:00:00.000Z`, 'ok', false]),
    );
  });

  it('runs a slot once when two processes trigger it at the same moment', async () => {
    const { path } = database();
    const rec = recordingJobs();
    const a = scheduler(openDb(path), rec.jobs);
    const b = scheduler(openDb(path), rec.jobs);
    await Promise.all([a.tick(at('2026-11-24T08:00:00Z')), b.tick(at('2026-11-24T08:00:01Z')), a.tick(at('2026-11-24T08:00:30Z'))]);
    expect(rec.of('digest')).toHaveLength(1);
  });

  it('follows DEALCAST_TIMEZONE: 08:00 in Berlin is 07:00 UTC in winter', async () => {
    const { db } = database();
    const rec = recordingJobs();
    const s = scheduler(db, rec.jobs, [], { timeZone: 'Europe/Berlin' });
    await s.tick(at('2026-11-24T06:59:00Z'));
    await s.tick(at('2026-11-24T07:00:00Z'));
    await s.tick(at('2026-11-24T08:00:00Z'));
    expect(rec.of('digest').map((r) => r.now)).toEqual(['2026-11-24T07:00:00.000Z']);
  });
});

describe('scheduler: a digest missed while down', () => {
  it('is posted once, marked late, when the process comes back the same morning', async () => {
    const { path } = database();
    const rec = recordingJobs();
    const log: string[] = [];
    const a = scheduler(openDb(path), rec.jobs, log);
    await a.tick(at('2026-11-24T07:50:00Z'));
    await a.stop();
    const b = scheduler(openDb(path), rec.jobs, log);
    await b.tick(at('2026-11-24T10:30:00Z'));
    await b.tick(at('2026-11-24T10:31:00Z'));
    await b.stop();
    const c = scheduler(openDb(path), rec.jobs, log);
    await c.tick(at('2026-11-24T10:45:00Z'));
    expect(rec.of('digest')).toEqual([{ job: 'digest', now: '2026-11-24T10:30:00.000Z', lateFor: '2026-11-24T08:00:00.000Z' }]);
    const db = openDb(path);
    cleanups.push(() => void db.close());
    expect(getJobRun(db, 'digest', '2026-11-24T08:00:00.000Z')).toMatchObject({ status: 'ok', late: true });
    expect(log.some((l) => l.includes('posted late (150 min'))).toBe(true);
  });

  it('is skipped with a log line when more than DIGEST_MAX_LATE_HOURS late', async () => {
    const { db } = database();
    const rec = recordingJobs();
    const log: string[] = [];
    const s = scheduler(db, rec.jobs, log);
    await s.tick(at('2026-11-24T12:01:00Z'));
    await s.tick(at('2026-11-24T12:02:00Z'));
    expect(rec.of('digest')).toEqual([]);
    expect(getJobRun(db, 'digest', '2026-11-24T08:00:00.000Z')).toMatchObject({ status: 'skipped', late: true });
    expect(log.filter((l) => l.startsWith('digest 2026-11-24T08:00:00.000Z skipped: 4.0 h late, more than DIGEST_MAX_LATE_HOURS=4'))).toHaveLength(1);
  });

});

describe('scheduler: sync, snapshot and alerts', () => {
  it('takes the snapshot after the first successful sync of the day, alerts after every successful sync', async () => {
    const { db } = database();
    const rec = recordingJobs({ sync: (now) => now.toISOString() === '2026-11-24T00:00:00.000Z' });
    const s = scheduler(db, rec.jobs, [], { syncCron: '*/15 * * * *' });
    for (const t of ['00:00', '00:15', '00:30', '00:45']) await s.tick(at(`2026-11-24T${t}:00Z`));
    await s.tick(at('2026-11-25T00:00:00Z'));
    expect(rec.of('sync')).toHaveLength(5);
    expect(rec.of('snapshot').map((r) => r.now)).toEqual(['2026-11-24T00:15:00.000Z', '2026-11-25T00:00:00.000Z']);
    expect(rec.of('alerts').map((r) => r.now.slice(11, 16))).toEqual(['00:15', '00:30', '00:45', '00:00']);
    expect(getJobRun(db, 'sync', '2026-11-24T00:00:00.000Z')).toMatchObject({ status: 'failed' });
    expect(JSON.parse(getJobRun(db, 'sync', '2026-11-24T00:00:00.000Z')!.detail!)).toEqual({ error: 'sync exploded' });
  });

  it('a failing job never stops the others and is tried again at its next slot', async () => {
    const { db } = database();
    const rec = recordingJobs({
      digest: (now) => now.toISOString().startsWith('2026-11-24'),
      snapshot: () => true,
      alerts: () => true,
    });
    const log: string[] = [];
    const s = scheduler(db, rec.jobs, log, { syncCron: '0 8 * * *' });
    await s.tick(at('2026-11-24T08:00:00Z'));
    await s.tick(at('2026-11-25T08:00:00Z'));
    expect(rec.of('sync')).toHaveLength(2);
    expect(rec.of('digest')).toHaveLength(2);
    expect(getJobRun(db, 'digest', '2026-11-24T08:00:00.000Z')?.status).toBe('failed');
    expect(getJobRun(db, 'digest', '2026-11-25T08:00:00.000Z')?.status).toBe('ok');
    expect(getJobRun(db, 'alerts', '2026-11-25T08:00:00.000Z')?.status).toBe('failed');
    expect(log.some((l) => l.startsWith('digest 2026-11-24T08:00:00.000Z failed: digest exploded'))).toBe(true);
  });

  it('skips a sync slot while the previous sync is still running', async () => {
    const { db } = database();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const rec = recordingJobs();
    const slowSync = { ...rec.jobs, sync: async (now: Date) => (now.getUTCMinutes() === 0 ? gate : undefined) };
    const s = scheduler(db, slowSync, [], { syncCron: '*/15 * * * *' });
    const first = s.tick(at('2026-11-24T00:00:00Z'));
    const second = await s.tick(at('2026-11-24T00:15:00Z'));
    release();
    await first;
    expect(second.sync).toBe('busy');
    expect(getJobRun(db, 'sync', '2026-11-24T00:15:00.000Z')?.status).toBe('skipped');
    expect(getJobRun(db, 'sync', '2026-11-24T00:00:00.000Z')?.status).toBe('ok');
  });
});

describe('scheduler: the dashboard page', () => {
  it('rewrites the dashboard on DASHBOARD_CRON, once per slot, and not at all without it', async () => {
    const { db } = database();
    const rec = recordingJobs();
    const s = scheduler(db, rec.jobs, [], { syncCron: '0 0 1 1 *', dashboardCron: '30 * * * *' });
    for (const t of ['08:00', '08:30', '08:31', '09:30']) await s.tick(at(`2026-11-24T${t}:00Z`));
    await s.tick(at('2026-11-24T09:30:00Z')); // a second trigger of the same slot
    expect(rec.of('dashboard').map((r) => r.now.slice(11, 16))).toEqual(['08:30', '09:30']);
    expect(getJobRun(db, 'dashboard', '2026-11-24T08:30:00.000Z')?.status).toBe('ok');

    const other = database();
    const none = recordingJobs();
    const plain = scheduler(other.db, none.jobs, [], { syncCron: '0 0 1 1 *' });
    await plain.tick(at('2026-11-24T08:30:00Z'));
    expect(none.of('dashboard')).toHaveLength(0);
  });
});

describe('scheduler: jobs with nowhere to post', () => {
  it('runs sync and snapshot without a digest or alerts job', async () => {
    const { db } = database();
    const rec = recordingJobs();
    const { digest: _d, alerts: _a, dashboard: _db, ...jobs } = rec.jobs;
    const s = scheduler(db, jobs, [], { syncCron: '0 8 * * *' });
    const r = await s.tick(at('2026-11-24T08:00:00Z'));
    expect(r).toEqual({ sync: 'ok', snapshot: 'ok', digests: [] });
    expect(rec.runs.map((x) => x.job)).toEqual(['sync', 'snapshot']);
  });
});

describe('staleCutoff', () => {
  it('is the second most recent sync slot', () => {
    expect(staleCutoff('*/15 * * * *', 'UTC', at('2026-11-24T08:07:00Z')).toISOString()).toBe('2026-11-24T07:45:00.000Z');
    // A schedule that pauses overnight does not call the morning's data stale.
    expect(staleCutoff('*/15 9-17 * * 1-5', 'UTC', at('2026-11-24T08:00:00Z')).toISOString()).toBe('2026-11-23T17:30:00.000Z');
  });
});

describe('startScheduler (the app)', () => {
  it('runs the sync on its cron; a failing run is logged and the schedule goes on; no digest/alerts without channels', async () => {
    const { db } = database();
    let calls = 0;
    const sync: SyncJob = {
      refreshDerived: async () => undefined,
      running: false,
      run: async () => {
        calls++;
        if (calls === 1) throw new Error('CRM unreachable');
        return { runId: 2, mode: 'incremental', counts: {}, deleted: 0, deletionsHeld: null, keptUnread: 0, startedAt: '', finishedAt: '', newStages: 0, derived: null, degraded: [] };
      },
    };
    const logs: string[] = [];
    const config = loadConfig({ envFile: null, env: { SYNC_CRON: '*/15 * * * *', DEALCAST_TIMEZONE: 'Europe/Berlin' } });
    // The clock sits between slots, so start-up runs nothing by itself.
    const s = await startScheduler({ config, db, sync, messenger: new RecordingMessenger(), log: (l) => logs.push(l), clock: () => at('2026-11-24T08:07:00Z') });
    cleanups.push(() => s.stop());
    expect(s.nextSync()?.toISOString()).toBe('2026-11-24T08:15:00.000Z');
    expect(logs).toEqual([
      'digest: no digest channel (DIGEST_CHANNEL, or /dealcast settings), so no digest will be posted until one is chosen',
      'alerts: no alert channel (ALERT_CHANNEL, or /dealcast settings), so no alerts will be posted until one is chosen',
      'scheduler: started',
    ]);
    expect((await s.scheduler.tick(at('2026-11-24T08:15:00Z'))).sync).toBe('failed');
    expect(logs.at(-1)).toBe('sync 2026-11-24T08:15:00.000Z failed: CRM unreachable (it runs again at its next slot)');
    expect((await s.scheduler.tick(at('2026-11-24T08:30:00Z'))).sync).toBe('ok');
    expect(calls).toBe(2);
  });

  it('follows the digest channel, time zone and digest time saved in Slack, without a restart', async () => {
    const { db } = database();
    const synced = at('2026-11-24T06:00:00Z');
    await runSync(db, createDemoConnector({ deals: 200, now: synced }), { now: synced });
    const sync: SyncJob = { running: false, refreshDerived: async () => undefined, run: async () => ({ runId: 1, mode: 'incremental', counts: {}, deleted: 0, deletionsHeld: null, keptUnread: 0, startedAt: '', finishedAt: '', newStages: 0, derived: null, degraded: [] }) };
    const config = loadConfig({ envFile: null, env: { CRM: 'demo', SYNC_CRON: '0 0 1 1 *', DIGEST_CRON: '0 8 * * 1-5' } });
    const messenger = new RecordingMessenger();
    const logs: string[] = [];
    const s = await startScheduler({ config, db, sync, messenger, log: (l) => logs.push(l), clock: () => at('2026-11-24T07:00:00Z') });
    cleanups.push(() => s.stop());
    // No channel anywhere: 08:00 passes without a digest.
    expect((await s.scheduler.tick(at('2026-11-24T08:00:00Z'))).digests).toEqual([]);
    // An admin saves a channel, Berlin time and 10:30 in Slack.
    const savedAt = '2026-11-24T08:10:00.000Z';
    setSetting(db, 'digest.channel', 'C0NEWDIGEST', savedAt, 'U0BOSS');
    setSetting(db, 'schedule.timezone', 'Europe/Berlin', savedAt, 'U0BOSS');
    setSetting(db, 'digest.time', '10:30', savedAt, 'U0BOSS');
    // 09:30 UTC is 10:30 in Berlin in November.
    const report = await s.scheduler.tick(at('2026-11-24T09:30:00Z'));
    expect(report.digests.filter((d) => d.status === 'ok')).toEqual([{ slot: '2026-11-24T09:30:00.000Z', status: 'ok', late: false }]);
    expect(messenger.calls.filter((c) => c.kind === 'post').map((c) => c.channel)).toEqual(['C0NEWDIGEST']);
    expect(logs).toContain('scheduler: digest now on 30 10 * * 1-5 in Europe/Berlin (was 0 8 * * 1-5 in UTC)');
  });

  it('describes the schedule for /dealcast status', () => {
    expect(describeSyncSchedule({ SYNC_CRON: '*/15 * * * *', DEALCAST_TIMEZONE: 'UTC' })).toBe('every 15 minutes (`*/15 * * * *`, UTC)');
    expect(describeSyncSchedule({ SYNC_CRON: '0 6 * * 1-5', DEALCAST_TIMEZONE: 'Europe/Berlin' })).toBe('on a schedule (`0 6 * * 1-5`, Europe/Berlin)');
  });
});
