/**
 * The team digest as the default subscription. Its channel, time, days and time zone are the
 * team settings (DIGEST_CHANNEL / DIGEST_CRON / DEALCAST_TIMEZONE, or /dealcast settings), and
 * it follows them when an admin changes them; in /dealcast subscriptions it can be sent now,
 * paused and deleted like any other (a deleted one is not recreated; the digest is then off).
 * A DIGEST_CRON that is not "minute hour * * days" stays with the scheduler's own digest job.
 */
import type { Db } from '../../store/db.js';
import { createSubscription, defaultSubscription, updateSubscription, type Frequency } from '../../store/subscriptions.js';
import type { TeamSettings } from '../settings/resolve.js';

const DOW: Record<string, number> = { '0': 7, '7': 7, '1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6 };

/** A daily-at-a-time cron as a subscription schedule, or null when it is anything else. */
export function scheduleOfCron(cron: string): { frequency: Frequency; days: number[]; time: string } | null {
  const f = cron.trim().split(/\s+/);
  const [min, hour, dom, mon, dow] = f.length === 6 ? f.slice(1) : f;
  if (!min || !hour || !/^\d{1,2}$/.test(min) || !/^\d{1,2}$/.test(hour) || dom !== '*' || mon !== '*' || !dow) return null;
  const time = `${hour.padStart(2, '0')}:${min.padStart(2, '0')}`;
  if (dow === '*') return { frequency: 'daily', days: [], time };
  if (dow === '1-5' || dow === 'MON-FRI' || dow === 'mon-fri') return { frequency: 'weekdays', days: [], time };
  const parts = dow.split(',');
  if (parts.every((p) => p in DOW)) return { frequency: 'weekly', days: [...new Set(parts.map((p) => DOW[p]!))].sort(), time };
  return null;
}

/** Creates or updates the default subscription from the team settings. Returns whether one is in charge of the digest. */
export function syncDefaultDigest(db: Db, team: Pick<TeamSettings, 'digestChannel' | 'digestCron' | 'timeZone'>, ownerUserId: string, now: Date): boolean {
  const existing = defaultSubscription(db);
  if (existing?.deleted) return true;
  const sched = scheduleOfCron(team.digestCron);
  if (!sched || !team.digestChannel || !/^[CG][A-Z0-9]+$/.test(team.digestChannel)) return existing !== null;
  const want = { target: team.digestChannel, report: 'digest', filters: '', ...sched, timeZone: team.timeZone, skipDates: existing?.skipDates ?? [] };
  if (!existing) {
    createSubscription(db, { ownerUserId, ...want, isDefault: true }, now.toISOString());
    return true;
  }
  const same = existing.target === want.target && existing.time === want.time && existing.frequency === want.frequency && existing.timeZone === want.timeZone && JSON.stringify(existing.days) === JSON.stringify(want.days);
  if (!same) updateSubscription(db, existing.id, want, now.toISOString());
  return true;
}
