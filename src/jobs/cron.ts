/**
 * Cron expressions in a time zone, for matching slots only (node-cron supplies the grammar and
 * the time-zone matching; no timer is ever started here). The scheduler and the jobs' staleness
 * rule both read slots through this module.
 */
import { createTask, type ScheduledTask } from 'node-cron';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const floorMinute = (d: Date) => new Date(Math.floor(d.getTime() / MINUTE) * MINUTE);

/** A cron expression in a time zone, for matching only (never started). */
export class CronMatcher {
  private readonly task: ScheduledTask;
  constructor(
    readonly expression: string,
    readonly timeZone: string,
  ) {
    this.task = createTask(expression, () => undefined, { timezone: timeZone, name: `matcher ${expression}` });
  }
  /** Does the minute starting at `d` (seconds ignored) match? */
  matches(d: Date): boolean {
    return this.task.match(floorMinute(d));
  }
  /** Matching minutes in (from, to], oldest first. */
  between(from: Date, to: Date): Date[] {
    const out: Date[] = [];
    for (let t = floorMinute(from).getTime() + MINUTE; t <= to.getTime(); t += MINUTE) if (this.task.match(new Date(t))) out.push(new Date(t));
    return out;
  }
  /** The first matching minute after `at`, looking ahead at most `maxMs`. */
  next(at: Date, maxMs = 8 * 24 * HOUR): Date | null {
    const stop = at.getTime() + maxMs;
    for (let t = floorMinute(at).getTime() + MINUTE; t <= stop; t += MINUTE) if (this.task.match(new Date(t))) return new Date(t);
    return null;
  }
  /** The `n`-th most recent matching minute at or before `at` (n = 1 the latest), looking back at most `maxMs`. */
  previous(at: Date, n: number, maxMs = 8 * 24 * HOUR): Date | null {
    let seen = 0;
    const stop = at.getTime() - maxMs;
    for (let t = floorMinute(at).getTime(); t >= stop; t -= MINUTE) {
      if (this.task.match(new Date(t)) && ++seen === n) return new Date(t);
    }
    return null;
  }
  destroy(): void {
    void this.task.destroy();
  }
}

/**
 * Data is stale when the last successful sync started before the second most recent sync slot:
 * one missed sync is normal, two are not. For a regular schedule that is "older than twice the
 * sync interval"; for one that pauses overnight it does not cry wolf every morning.
 */
export function staleCutoff(syncCron: string, timeZone: string, now: Date): Date {
  const m = new CronMatcher(syncCron, timeZone);
  try {
    return m.previous(now, 2) ?? new Date(now.getTime() - 8 * 24 * HOUR);
  } finally {
    m.destroy();
  }
}
