/**
 * The scheduler across daylight-saving changes, on an injected clock ticking every 5 minutes:
 * a daily 08:00 digest runs once per day at 08:00 local, and the hourly sync's snapshot once per
 * team day, in New York and Berlin, through both changes of 2026.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createScheduler, type ScheduledJobs } from '../../src/jobs/scheduler.js';
import { recentJobRuns } from '../../store/job-runs.js';
import { tempDb } from '../helpers/db.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function runDays(timeZone: string, fromIso: string, toIso: string) {
  const t = tempDb();
  cleanups.push(t.cleanup);
  const runs: { job: string; now: string; late: boolean }[] = [];
  const job = (name: string) => async (now: Date, opts?: { lateFor?: Date }) => {
    runs.push({ job: name, now: now.toISOString(), late: opts?.lateFor !== undefined });
    return { ok: true };
  };
  const jobs: ScheduledJobs = { sync: job('sync'), snapshot: job('snapshot'), digest: job('digest') };
  const s = createScheduler({ db: t.db, jobs, timeZone, syncCron: '0 * * * *', digestCron: '0 8 * * *', digestMaxLateHours: 4 });
  cleanups.push(() => s.stop());
  for (let ms = Date.parse(fromIso); ms < Date.parse(toIso); ms += 5 * 60_000) await s.tick(new Date(ms));
  return { runs, of: (name: string) => runs.filter((r) => r.job === name), db: t.db };
}

describe.each([
  {
    tz: 'America/New_York',
    spring: { from: '2026-03-07T05:00:00Z', to: '2026-03-10T04:00:00Z', digests: ['2026-03-07T13:00:00.000Z', '2026-03-08T12:00:00.000Z', '2026-03-09T12:00:00.000Z'] },
    autumn: { from: '2026-10-31T04:00:00Z', to: '2026-11-03T05:00:00Z', digests: ['2026-10-31T12:00:00.000Z', '2026-11-01T13:00:00.000Z', '2026-11-02T13:00:00.000Z'] },
    days: { spring: ['2026-03-07', '2026-03-08', '2026-03-09'], autumn: ['2026-10-31', '2026-11-01', '2026-11-02'] },
  },
  {
    tz: 'Europe/Berlin',
    spring: { from: '2026-03-27T23:00:00Z', to: '2026-03-30T22:00:00Z', digests: ['2026-03-28T07:00:00.000Z', '2026-03-29T06:00:00.000Z', '2026-03-30T06:00:00.000Z'] },
    autumn: { from: '2026-10-23T22:00:00Z', to: '2026-10-26T23:00:00Z', digests: ['2026-10-24T06:00:00.000Z', '2026-10-25T07:00:00.000Z', '2026-10-26T07:00:00.000Z'] },
    days: { spring: ['2026-03-28', '2026-03-29', '2026-03-30'], autumn: ['2026-10-24', '2026-10-25', '2026-10-26'] },
  },
])('a team in $tz', ({ tz, spring, autumn, days }) => {
  for (const [season, w] of [['spring', spring], ['autumn', autumn]] as const) {
    it(`${season}: a daily 08:00 digest fires once per day at 08:00 local, never late; one snapshot per team day`, async () => {
      const r = await runDays(tz, w.from, w.to);
      expect(r.of('digest').map((x) => x.now)).toEqual(w.digests);
      expect(r.of('digest').every((x) => !x.late)).toBe(true);
      // Three local days of hourly syncs: 23, 24 or 25 of them a day, and the ledger's snapshot slots are the team's days.
      expect(r.of('sync')).toHaveLength(72 + (season === 'spring' ? -1 : 1));
      const snapshotSlots = recentJobRuns(r.db, 'snapshot', { limit: 10 }).map((x) => x.slot).sort();
      expect(snapshotSlots).toEqual(days[season]);
      expect(r.of('snapshot')).toHaveLength(3);
    });
  }
});
