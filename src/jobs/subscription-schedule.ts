/**
 * A subscription's schedule as a cron expression (its slots come from the team calendar's cron
 * arithmetic, src/time/cron.ts, in the subscription's own zone) plus its holiday skip list, and the words `/dealcast subscribe`
 * understands for it:
 *
 *   daily | weekdays | weekly [mon,wed …] | monthly [day:1,15]   at:08:30 (or 08:30)
 *   tz:Europe/Berlin   skip:2026-12-24,2026-12-31   to:dm
 *
 * A monthly day the month does not have (31 in April) has no slot that month.
 */
import { CronSchedule } from '../time/cron.js';
import { isTimeZone, localDay } from '../time/calendar.js';
import type { Frequency } from '../../store/subscriptions.js';

export interface Schedule {
  frequency: Frequency;
  days: number[];
  time: string;
  timeZone: string;
  skipDates: string[];
}

const WEEKDAYS: Record<string, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };
const WEEKDAY_NAMES = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const HHMM = /^([01]?\d|2[0-3]):([0-5]\d)$/;

export function cronOf(s: Pick<Schedule, 'frequency' | 'days' | 'time'>): string {
  const m = HHMM.exec(s.time);
  if (!m) throw new Error(`not a time of day: ${s.time}`);
  const [min, hour] = [Number(m[2]), Number(m[1])];
  switch (s.frequency) {
    case 'daily':
      return `${min} ${hour} * * *`;
    case 'weekdays':
      return `${min} ${hour} * * 1-5`;
    case 'weekly':
      // cron counts Sunday as 0; ISO as 7.
      return `${min} ${hour} * * ${[...new Set(s.days.length ? s.days : [1])].map((d) => d % 7).sort().join(',')}`;
    case 'monthly':
      return `${min} ${hour} ${[...new Set(s.days.length ? s.days : [1])].sort((a, b) => a - b).join(',')} * *`;
  }
}

/** The schedule's slots in (from, to], oldest first, without the skipped days. */
export function slotsBetween(s: Schedule, from: Date, to: Date): Date[] {
  const m = new CronSchedule(cronOf(s), s.timeZone);
  const skip = new Set(s.skipDates);
  return m.between(from, to).filter((d) => !skip.has(localDay(d, s.timeZone)));
}

/** The next slot after `at` (within ~62 days), skipped days left out; null when none. */
export function nextSlot(s: Schedule, at: Date): Date | null {
  const m = new CronSchedule(cronOf(s), s.timeZone);
  const skip = new Set(s.skipDates);
  let t = at;
  for (let i = 0; i < 40; i++) {
    const n = m.next(t, 32 * 86_400_000);
    if (!n) return null;
    if (!skip.has(localDay(n, s.timeZone))) return n;
    t = n;
  }
  return null;
}

export function describeSchedule(s: Schedule): string {
  const when =
    s.frequency === 'daily'
      ? 'every day'
      : s.frequency === 'weekdays'
        ? 'every weekday'
        : s.frequency === 'weekly'
          ? `every ${(s.days.length ? s.days : [1]).map((d) => WEEKDAY_NAMES[d]).join(', ')}`
          : `monthly on day ${(s.days.length ? s.days : [1]).join(', ')}`;
  const skip = s.skipDates.length ? `, skipping ${s.skipDates.slice(0, 5).join(', ')}${s.skipDates.length > 5 ? ` and ${s.skipDates.length - 5} more` : ''}` : '';
  return `${when} at ${s.time} (${s.timeZone})${skip}`;
}

export interface ScheduleWords {
  frequency?: Frequency;
  days?: number[];
  time?: string;
  timeZone?: string;
  skipDates?: string[];
  toDm?: boolean;
}

/**
 * Reads one token of a subscribe command as a schedule word. Returns what it set, a problem
 * sentence, or null when the token is not about the schedule (a filter, say).
 */
export function scheduleWord(key: string | null, value: string): ScheduleWords | string | null {
  const v = value.trim();
  const lower = v.toLowerCase();
  if (key === null) {
    if (lower === 'daily' || lower === 'weekdays' || lower === 'weekly' || lower === 'monthly') return { frequency: lower };
    if (HHMM.test(v)) return { time: normaliseTime(v) };
    const days = lower.split(',').filter(Boolean);
    if (days.length && days.every((d) => d in WEEKDAYS)) return { frequency: 'weekly', days: days.map((d) => WEEKDAYS[d]!) };
    return null;
  }
  switch (key) {
    case 'at':
      return HHMM.test(v) ? { time: normaliseTime(v) } : `\`at:${v}\` is not a time of day; write at:08:30 (24-hour).`;
    case 'tz':
      return isTimeZone(v) ? { timeZone: v } : `\`tz:${v}\` is not a time zone; write an IANA name such as tz:Europe/Berlin or tz:Asia/Tokyo.`;
    case 'on': {
      const days = lower.split(',').filter(Boolean);
      if (!days.length || !days.every((d) => d in WEEKDAYS)) return `\`on:${v}\`: list weekdays as on:mon,wed,fri.`;
      return { frequency: 'weekly', days: days.map((d) => WEEKDAYS[d]!) };
    }
    case 'day': {
      const days = lower.split(',').filter(Boolean).map(Number);
      if (!days.length || !days.every((d) => Number.isInteger(d) && d >= 1 && d <= 31)) return `\`day:${v}\`: list days of the month from 1 to 31, e.g. day:1,15.`;
      return { frequency: 'monthly', days };
    }
    case 'skip': {
      const dates = v.split(',').map((d) => d.trim()).filter(Boolean);
      const bad = dates.filter((d) => !/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)));
      return bad.length ? `\`skip:\` takes dates as YYYY-MM-DD separated by commas (not ${bad.join(', ')}).` : { skipDates: dates };
    }
    case 'to':
      if (lower === 'dm' || lower === 'me') return { toDm: true };
      if (lower === 'channel' || lower === 'here') return { toDm: false };
      return `\`to:${v}\`: write to:dm for your direct messages, or leave it out for this channel.`;
    default:
      return null;
  }
}

function normaliseTime(t: string): string {
  const m = HHMM.exec(t)!;
  return `${m[1]!.padStart(2, '0')}:${m[2]}`;
}

