/**
 * Dates and times as people type them — `--now` on the command line, `since:` in a slash
 * command, `--since` in a report — read strictly: a date that does not exist (2026-02-30,
 * 2026-13-01, 2027-02-29) is refused with a message saying so, never rolled over into the next
 * month. A date or time without a zone is read in the team's time zone.
 */
import { Temporal } from 'temporal-polyfill';
import { addMonths, dayToIso, isoToDay, todayIn, dayStart, type DayNumber } from './calendar.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?$/i;
const ZONED = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** Why y-m-d is not a date ("February 2026 has 28 days"), or null when it is one. */
function impossibleDate(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12) return `there is no month ${m}`;
  const ym = Temporal.PlainYearMonth.from({ year: y, month: m });
  if (d < 1 || d > ym.daysInMonth) {
    const first = new Date(ym.toPlainDate({ day: 1 }).toZonedDateTime('UTC').epochMilliseconds);
    const name = first.toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
    return `${name} has ${ym.daysInMonth} days`;
  }
  return null;
}

/** A calendar date 'YYYY-MM-DD', checked to exist. */
export function parseCalendarDate(text: string): Parsed<string> {
  const v = text.trim();
  const m = ISO_DATE.exec(v);
  if (!m) return { ok: false, message: `"${v}" is not a date like 2026-01-31.` };
  const why = impossibleDate(Number(m[1]), Number(m[2]), Number(m[3]));
  if (why) return { ok: false, message: `${v} is not a real date (${why}).` };
  return { ok: true, value: v };
}

/**
 * An instant typed by a person: '2026-11-24T08:00:00Z' or with an offset (+09:00) is that
 * instant; '2026-11-24T08:00' is that wall time in `tz`; '2026-11-24' is the start of that day
 * in `tz`. Impossible dates and times are refused.
 */
export function parseInstant(text: string, tz: string): Parsed<Date> {
  const v = text.trim();
  const dateOnly = ISO_DATE.exec(v);
  const local = ISO_DATE_TIME.exec(v.replace(ZONED, ''));
  const m = dateOnly ?? local;
  if (!m) return { ok: false, message: `"${v}" is not a date or time; use ISO 8601, e.g. 2026-11-24, 2026-11-24T08:00 or 2026-11-24T08:00:00Z.` };
  const why = impossibleDate(Number(m[1]), Number(m[2]), Number(m[3]));
  if (why) return { ok: false, message: `"${v}" is not a real date (${why}).` };
  if (dateOnly) return { ok: true, value: dayStart(v, tz) };
  const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (h > 23 || mi > 59 || s > 59) return { ok: false, message: `"${v}" is not a real time of day.` };
  try {
    if (ZONED.test(v)) return { ok: true, value: new Date(Temporal.Instant.from(v.replace(' ', 'T')).epochMilliseconds) };
    const wall = Temporal.PlainDateTime.from(v.replace(' ', 'T'));
    return { ok: true, value: new Date(wall.toZonedDateTime(tz, { disambiguation: 'compatible' }).epochMilliseconds) };
  } catch (err) {
    return { ok: false, message: `"${v}" is not a date or time (${(err as Error).message}).` };
  }
}

/** A window start: N days/weeks/months/years back from today, or a calendar date. */
export type SinceArg = { kind: 'relative'; amount: number; unit: 'd' | 'w' | 'm' | 'y'; text: string } | { kind: 'date'; date: string; text: string };

const DURATION = /^(\d{1,4})\s*(d|w|m|y)$/i;
/** Longest look-back accepted: ten years. */
export const MAX_SINCE_DAYS = 3660;
export const SINCE_UNITS = { d: 'days', w: 'weeks', m: 'months', y: 'years' } as const;

/** `since` text: '90d', '12w', '6m', '1y' or '2026-01-31'. The message completes "since: …". */
export function parseSinceText(text: string): Parsed<SinceArg> {
  const v = text.trim();
  const d = DURATION.exec(v);
  if (d) {
    const amount = Number(d[1]);
    const unit = d[2]!.toLowerCase() as keyof typeof SINCE_UNITS;
    if (amount === 0) return { ok: false, message: 'needs a period longer than zero, like 7d or 3m.' };
    if (amount * { d: 1, w: 7, m: 31, y: 366 }[unit] > MAX_SINCE_DAYS) return { ok: false, message: 'reaches back more than ten years; use a shorter period.' };
    return { ok: true, value: { kind: 'relative', amount, unit, text: `${amount}${unit}` } };
  }
  if (ISO_DATE.test(v)) {
    const date = parseCalendarDate(v);
    if (!date.ok) return { ok: false, message: `has an impossible date: ${date.message}` };
    return { ok: true, value: { kind: 'date', date: v, text: v } };
  }
  return { ok: false, message: `needs a period like 7d, 12w, 6m, 1y or a date like 2026-01-31 (got \`${v}\`).` };
}

/**
 * The first day of a `since` window at `now`, in the team's calendar: 90d = 90 days before the
 * team's today; months and years are calendar months, clamped to the month's length (31 March −
 * 1m = 28 or 29 February).
 */
export function sinceStartDay(since: SinceArg, now: Date, tz: string): DayNumber {
  if (since.kind === 'date') return isoToDay(since.date);
  const today = todayIn(now, tz);
  switch (since.unit) {
    case 'd':
      return today - since.amount;
    case 'w':
      return today - 7 * since.amount;
    case 'm':
      return isoToDay(addMonths(dayToIso(today), -since.amount));
    case 'y':
      return isoToDay(addMonths(dayToIso(today), -12 * since.amount));
  }
}

/** Human words for a since argument: "last 90 days", "since 2026-01-01". */
export function describeSince(since: SinceArg): string {
  if (since.kind === 'date') return `since ${since.date}`;
  const unit = SINCE_UNITS[since.unit];
  return since.amount === 1 ? `last ${unit.slice(0, -1)}` : `last ${since.amount} ${unit}`;
}
