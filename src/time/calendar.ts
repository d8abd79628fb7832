/**
 * The team calendar: every question of the form "which day / week / month / quarter is this, in
 * the team's time zone?" and "when does that day start?". Built on Temporal (temporal-polyfill),
 * which knows the IANA zone rules, DST gaps and overlaps, month lengths and leap years; nothing
 * here adds milliseconds to get a calendar answer.
 *
 * Two representations cross the code base:
 * - instants (Date, or epoch seconds in the store), which have no calendar;
 * - calendar days, as a day number (days since 1970-01-01 of the calendar date, whatever the
 *   zone: 2026-12-01 is the same day number in Tokyo and Honolulu) or as 'YYYY-MM-DD'.
 * An instant becomes a day only through a zone (`dayOf`, `todayIn`); a day becomes an instant
 * only through a zone (`dayStart`). Functions are pure: `now` and the zone are arguments.
 */
import { Temporal } from 'temporal-polyfill';

/** A calendar day as days since 1970-01-01 (zone-free). */
export type DayNumber = number;
export type Granularity = 'day' | 'week' | 'month' | 'quarter';

const EPOCH = Temporal.PlainDate.from('1970-01-01');
const DAY_MS = 86_400_000;

/** True for an IANA zone name the runtime's time-zone database knows (Europe/Berlin, UTC, …); not a bare offset. */
export function isTimeZone(tz: string): boolean {
  if (!tz.trim() || /^[+-]\d/.test(tz.trim())) return false;
  try {
    Temporal.Now.instant().toZonedDateTimeISO(tz);
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const zoned = (at: Date | number, tz: string): Temporal.ZonedDateTime =>
  Temporal.Instant.fromEpochMilliseconds(typeof at === 'number' ? at : at.getTime()).toZonedDateTimeISO(tz);

// Day numbers and ISO dates. The day number of a calendar date is zone-free, so converting it is
// plain counting (Temporal agrees: PlainDate.since(EPOCH).days; checked in the tests).
export const plainOf = (day: DayNumber): Temporal.PlainDate => EPOCH.add({ days: day });
export const dayNumberOf = (d: Temporal.PlainDate): DayNumber => Math.round(Date.UTC(d.year, d.month - 1, d.day) / DAY_MS);
/** 'YYYY-MM-DD' of a day number. */
export const dayToIso = (day: DayNumber): string => plainOf(day).toString();
/** Day number of a valid 'YYYY-MM-DD' (anything after the first 10 characters is ignored). Throws on an impossible date. */
export const isoToDay = (date: string): DayNumber => dayNumberOf(Temporal.PlainDate.from(date.slice(0, 10)));

/** The calendar day (day number) `at` falls on in `tz`. */
export function dayOf(at: Date | number, tz: string): DayNumber {
  return dayNumberOf(zoned(at, tz).toPlainDate());
}
/** The team's "today" at `now`. */
export const todayIn = (now: Date, tz: string): DayNumber => dayOf(now, tz);

/** 'YYYY-MM-DD' of the calendar day `at` falls on in `tz`. */
export function localDay(at: Date, tz: string): string {
  return zoned(at, tz).toPlainDate().toString();
}
/** 'HH:MM' of `at` in `tz`. */
export function localTime(at: Date, tz: string): string {
  return zoned(at, tz).toPlainTime().toString({ smallestUnit: 'minute' });
}
/** 0 = Sunday … 6 = Saturday, in `tz`. */
export function localWeekday(at: Date, tz: string): number {
  return zoned(at, tz).dayOfWeek % 7;
}

/** The same wall-clock time `n` calendar days later (earlier when negative) in `tz`: 23 or 25 hours across a DST change. */
export function shiftDays(at: Date, n: number, tz: string): Date {
  return new Date(zoned(at, tz).add({ days: n }).epochMilliseconds);
}

/** The instant the calendar day starts in `tz` (not always 00:00: some zones skip midnight on a DST day). */
export function dayStart(day: DayNumber | string, tz: string): Date {
  const plain = typeof day === 'number' ? plainOf(day) : Temporal.PlainDate.from(day);
  return new Date(plain.toZonedDateTime({ timeZone: tz }).epochMilliseconds);
}
/** dayStart in epoch seconds (the store's unit). */
export const dayStartS = (day: DayNumber | string, tz: string): number => Math.floor(dayStart(day, tz).getTime() / 1000);

/** 'YYYY-MM-DD' `n` calendar days after `day`. */
export function addDays(day: string, n: number): string {
  return Temporal.PlainDate.from(day).add({ days: n }).toString();
}
/** 'YYYY-MM-DD' `n` calendar months after `day`, clamped to the month's length (31 Mar − 1 month = 28/29 Feb). */
export function addMonths(day: string, n: number): string {
  return Temporal.PlainDate.from(day).add({ months: n }, { overflow: 'constrain' }).toString();
}

/** 0 = Sunday … 6 = Saturday of a calendar date. */
export const dayOfWeek = (day: string | DayNumber): number => (typeof day === 'number' ? plainOf(day) : Temporal.PlainDate.from(day)).dayOfWeek % 7;
export const isWeekendDay = (day: string | DayNumber): boolean => {
  const w = dayOfWeek(day);
  return w === 0 || w === 6;
};

/** The business day (Mon–Fri) before `day`: Friday for a Monday. */
export function previousBusinessDay(day: string): string {
  let d = addDays(day, -1);
  while (isWeekendDay(d)) d = addDays(d, -1);
  return d;
}

/** First day of the month containing `day`, shifted by `add` months. */
export function monthStart(day: DayNumber, add = 0): DayNumber {
  return dayNumberOf(plainOf(day).with({ day: 1 }).add({ months: add }));
}
/** The Monday on or before `day` (weeks start on Monday, ISO 8601). */
export function weekStart(day: DayNumber): DayNumber {
  return day - (plainOf(day).dayOfWeek - 1);
}
/** First day of the calendar quarter containing `day`, shifted by `add` quarters. */
export function quarterStart(day: DayNumber, add = 0): DayNumber {
  const p = plainOf(day);
  return dayNumberOf(p.with({ month: p.month - ((p.month - 1) % 3), day: 1 }).add({ months: 3 * add }));
}
/** 'YYYY-MM' of the month containing `day`. */
export const monthLabel = (day: DayNumber): string => plainOf(day).toPlainYearMonth().toString();

/** Start of the period of `granularity` containing `day`, shifted by `add` periods. */
export function periodStart(day: DayNumber, granularity: Granularity, add = 0): DayNumber {
  switch (granularity) {
    case 'day':
      return day + add;
    case 'week':
      return weekStart(day) + 7 * add;
    case 'month':
      return monthStart(day, add);
    case 'quarter':
      return quarterStart(day, add);
  }
}

/** Period starts from the period containing `fromDay` up to the one containing `toDay`. */
export function periodStarts(fromDay: DayNumber, toDay: DayNumber, granularity: Granularity): DayNumber[] {
  const out: DayNumber[] = [];
  for (let d = periodStart(fromDay, granularity); d <= toDay; d = periodStart(d, granularity, 1)) out.push(d);
  return out;
}

export interface PeriodBounds {
  /** First and one-past-last calendar day. */
  fromDay: DayNumber;
  toDay: DayNumber;
  /** The instants the period starts and ends in the team's zone. */
  from: Date;
  to: Date;
}

/** The period of `granularity` containing `now` in `tz` (shifted by `add` periods): days and instants. */
export function periodAt(now: Date, tz: string, granularity: Granularity, add = 0): PeriodBounds {
  const fromDay = periodStart(todayIn(now, tz), granularity, add);
  const toDay = periodStart(fromDay, granularity, 1);
  return { fromDay, toDay, from: dayStart(fromDay, tz), to: dayStart(toDay, tz) };
}

/**
 * Hours between two instants not counting Saturdays and Sundays (calendar days in `tz`). Used
 * for "no activity for more than 48 hours, not counting weekends".
 */
export function businessHoursBetween(from: Date, to: Date, tz: string): number {
  if (to <= from) return 0;
  let total = 0;
  const last = dayOf(to, tz);
  for (let day = dayOf(from, tz); day <= last; day++) {
    if (isWeekendDay(day)) continue;
    const a = Math.max(dayStart(day, tz).getTime(), from.getTime());
    const b = Math.min(dayStart(day + 1, tz).getTime(), to.getTime());
    if (b > a) total += b - a;
  }
  return total / 3_600_000;
}

/** A stretch of time over which `tz` keeps one UTC offset. */
export interface OffsetSpan {
  /** [fromS, toS) in epoch seconds. */
  fromS: number;
  toS: number;
  /** Seconds the zone is ahead of UTC: the calendar day of t is floor((t + offsetS) / 86400). */
  offsetS: number;
}

/**
 * Splits [fromS, toS) at the zone's offset changes (DST, rule changes). Within one span the
 * calendar day of an instant is floor((t + offsetS) / 86400), which lets SQL group instants by
 * the team's days exactly.
 */
export function offsetSpans(fromS: number, toS: number, tz: string): OffsetSpan[] {
  const out: OffsetSpan[] = [];
  let t = fromS;
  while (t < toS) {
    const z = zoned(t * 1000, tz);
    const next = z.getTimeZoneTransition('next');
    const end = next ? Math.min(toS, Math.floor(next.epochMilliseconds / 1000)) : toS;
    out.push({ fromS: t, toS: end, offsetS: Math.round(z.offsetNanoseconds / 1e9) });
    if (end <= t) break;
    t = end;
  }
  return out;
}

/**
 * The instant of a wall-clock time in `tz`. A time that does not exist (the hour skipped when
 * clocks go forward) moves forward by the gap; a time that happens twice (clocks go back) is the
 * earlier one. Throws a RangeError for an impossible date or time.
 */
export function wallTimeToInstant(y: number, mo: number, d: number, h: number, mi: number, s: number, tz: string): Date {
  if (!Number.isInteger(mi) || !Number.isInteger(s) || mi < 0 || mi > 59 || s < 0 || s > 59) throw new RangeError(`Not a time: ${h}:${mi}:${s}`);
  // An export has thousands of dates on a few hundred days: Temporal answers once per wall-clock
  // hour, and an hour that is a plain 60 minutes in the zone (no offset change inside it) answers
  // for every minute and second in it.
  const key = `${tz}|${y}|${mo}|${d}|${h}`;
  let hourStart = hourStarts.get(key);
  if (hourStart === undefined) {
    const wall = Temporal.PlainDateTime.from({ year: y, month: mo, day: d, hour: h }, { overflow: 'reject' });
    const at = (w: Temporal.PlainDateTime) => w.toZonedDateTime(tz, { disambiguation: 'compatible' }).epochMilliseconds;
    const start = at(wall);
    hourStart = at(wall.add({ hours: 1 })) - start === 3_600_000 ? start : null;
    if (hourStarts.size >= 100_000) hourStarts.clear();
    hourStarts.set(key, hourStart);
  }
  if (hourStart !== null) return new Date(hourStart + (mi * 60 + s) * 1000);
  // The hour the clocks change in: ask Temporal for this exact time.
  const wall = Temporal.PlainDateTime.from({ year: y, month: mo, day: d, hour: h, minute: mi, second: s }, { overflow: 'reject' });
  return new Date(wall.toZonedDateTime(tz, { disambiguation: 'compatible' }).epochMilliseconds);
}
const hourStarts = new Map<string, number | null>();

/** Days in a month (1–12) of a year. */
export const daysInMonth = (year: number, month: number): number => Temporal.PlainYearMonth.from({ year, month }).daysInMonth;

/** Whole calendar days from `a` to `b` ('YYYY-MM-DD'): 1 from a day to the next, whatever DST does. */
export const daysBetween = (a: string, b: string): number => Temporal.PlainDate.from(a).until(Temporal.PlainDate.from(b), { largestUnit: 'day' }).days;
