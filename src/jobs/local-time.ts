/**
 * Calendar arithmetic in the team's time zone (DEALCAST_TIMEZONE): which local day an instant
 * falls on, whether it is a weekend, and business days. Instants stay UTC everywhere else.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();
function parts(date: Date, tz: string): { year: number; month: number; day: number; weekday: number; hour: number; minute: number } {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(tz, f);
  }
  const p: Record<string, string> = {};
  for (const x of f.formatToParts(date)) p[x.type] = x.value;
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.weekday ?? '');
  return { year: Number(p.year), month: Number(p.month), day: Number(p.day), weekday, hour: Number(p.hour), minute: Number(p.minute) };
}

/** The local calendar day of `date` in `tz`, 'YYYY-MM-DD'. */
export function localDay(date: Date, tz: string): string {
  const p = parts(date, tz);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** 0 = Sunday … 6 = Saturday, in `tz`. */
export function localWeekday(date: Date, tz: string): number {
  return parts(date, tz).weekday;
}

/** 'HH:MM' in `tz`. */
export function localTime(date: Date, tz: string): string {
  const p = parts(date, tz);
  return `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

/** Calendar arithmetic on 'YYYY-MM-DD' strings (no time zone involved). */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function dayOfWeek(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}

export const isWeekendDay = (day: string): boolean => dayOfWeek(day) === 0 || dayOfWeek(day) === 6;

/** The business day (Mon–Fri) before `day`: Friday for a Monday. */
export function previousBusinessDay(day: string): string {
  let d = addDays(day, -1);
  while (isWeekendDay(d)) d = addDays(d, -1);
  return d;
}

/** The UTC instant at which local day `day` starts in `tz` (handles DST by correcting once). */
export function startOfLocalDay(day: string, tz: string): Date {
  const guess = new Date(`${day}T00:00:00Z`);
  const offsetMs = (d: Date) => {
    const p = parts(d, tz);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - Math.floor(d.getTime() / 60_000) * 60_000;
  };
  let t = new Date(guess.getTime() - offsetMs(guess));
  t = new Date(guess.getTime() - offsetMs(t));
  return t;
}

/**
 * Hours between two instants not counting Saturdays and Sundays (local days in `tz`). Used for
 * "no activity for more than 48 hours, not counting weekends".
 */
export function businessHoursBetween(from: Date, to: Date, tz: string): number {
  if (to <= from) return 0;
  let total = 0;
  let day = localDay(from, tz);
  const lastDay = localDay(to, tz);
  for (let guard = 0; guard < 3700; guard++) {
    const start = startOfLocalDay(day, tz);
    const end = startOfLocalDay(addDays(day, 1), tz);
    if (!isWeekendDay(day)) {
      const a = Math.max(start.getTime(), from.getTime());
      const b = Math.min(end.getTime(), to.getTime());
      if (b > a) total += b - a;
    }
    if (day >= lastDay) break;
    day = addDays(day, 1);
  }
  return total / 3_600_000;
}
