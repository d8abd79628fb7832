/**
 * The jobs' reading of cron slots that is not the scheduler's own: when data counts as stale.
 * Slots come from the team calendar (src/time/cron.ts); nothing here starts a timer.
 */
import { CronSchedule } from '../time/cron.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const floorMinute = (d: Date) => new Date(Math.floor(d.getTime() / MINUTE) * MINUTE);

/**
 * Data is stale when the last successful sync started before the second most recent sync slot:
 * one missed sync is normal, two are not. For a regular schedule that is "older than twice the
 * sync interval"; for one that pauses overnight it does not cry wolf every morning.
 */
export function staleCutoff(syncCron: string, timeZone: string, now: Date): Date {
  return new CronSchedule(syncCron, timeZone).previous(now, 2, 8 * 24 * HOUR) ?? new Date(now.getTime() - 8 * 24 * HOUR);
}

/** The latest minute matching `cron` at or before `at`, at most `maxMs` back; null if none. */
export function latestSlot(cron: string, timeZone: string, at: Date, maxMs: number): Date | null {
  return new CronSchedule(cron, timeZone).previous(at, 1, maxMs);
}
