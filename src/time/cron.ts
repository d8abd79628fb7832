/**
 * Slot arithmetic for cron schedules in a time zone: which slots fall in a stretch of time, the
 * next one, the n-th previous one. node-cron (src/jobs/scheduler.ts) stays the timer that wakes
 * the process every minute; node-cron 4 can only say when a task runs next from the wall clock
 * (getNextRun takes no start instant, and there is no previous), so the slots themselves come
 * from croner, which computes them from any instant in any IANA zone, DST included: a slot in
 * the hour skipped when clocks go forward runs when the clock resumes (Vixie cron's rule); a
 * slot in the hour repeated when clocks go back runs once.
 */
import { Cron } from 'croner';

const MINUTE = 60_000;
const floorMinute = (t: number) => Math.floor(t / MINUTE) * MINUTE;

export class CronSchedule {
  private readonly cron: Cron;
  constructor(
    readonly expression: string,
    readonly timeZone: string,
  ) {
    // No callback: croner computes, never schedules.
    this.cron = new Cron(expression, { timezone: timeZone, mode: '5-or-6-parts' });
  }

  /** The latest slot at or before `at`, or null (none at all). */
  latest(at: Date): Date | null {
    // previousRuns excludes a run at exactly the reference; one second later includes it.
    return this.cron.previousRuns(1, new Date(floorMinute(at.getTime()) + 1000))[0] ?? null;
  }

  /** Is there a slot in the minute starting at `at` (seconds ignored)? */
  matches(at: Date): boolean {
    const s = this.latest(at);
    return s !== null && s.getTime() === floorMinute(at.getTime());
  }

  /** Slots in (from, to], oldest first. */
  between(from: Date, to: Date): Date[] {
    const out: Date[] = [];
    for (let s = this.cron.nextRun(new Date(floorMinute(from.getTime()))); s && s.getTime() <= to.getTime(); s = this.cron.nextRun(s)) out.push(s);
    return out;
  }

  /** The first slot after `at`, looking ahead at most `maxMs`. */
  next(at: Date, maxMs = 366 * 24 * 60 * MINUTE): Date | null {
    const s = this.cron.nextRun(new Date(floorMinute(at.getTime())));
    return s && s.getTime() <= at.getTime() + maxMs ? s : null;
  }

  /** The `n`-th most recent slot at or before `at` (n = 1 the latest), looking back at most `maxMs`. */
  previous(at: Date, n: number, maxMs = 366 * 24 * 60 * MINUTE): Date | null {
    const s = this.cron.previousRuns(n, new Date(floorMinute(at.getTime()) + 1000))[n - 1];
    return s && s.getTime() >= at.getTime() - maxMs ? s : null;
  }
}

/** Why `expression` is not a schedule croner understands, or null when it is one. */
export function cronProblem(expression: string, timeZone = 'UTC'): string | null {
  try {
    new CronSchedule(expression, timeZone);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
