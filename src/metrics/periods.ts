/** Calendar arithmetic for reports, in UTC epoch days (days since 1970-01-01). */

export const DAY_MS = 86_400_000;
export const DAY_S = 86_400;

export const epochDay = (d: Date): number => Math.floor(d.getTime() / DAY_MS);
export const dayToIso = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
export const isoToDay = (date: string): number => Math.floor(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) / DAY_MS);

/** First day of the month containing `day`, shifted by `add` months. */
export function monthStart(day: number, add = 0): number {
  const d = new Date(day * DAY_MS);
  return Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1) / DAY_MS);
}

export const monthLabel = (day: number): string => dayToIso(day).slice(0, 7);

/** The Monday on or before `day` (1970-01-01 was a Thursday). */
export const weekStart = (day: number): number => day - ((day + 3) % 7);

/** Period starts from the period containing `fromDay` up to the one containing `toDay`. */
export function periodStarts(fromDay: number, toDay: number, granularity: 'week' | 'month'): number[] {
  const out: number[] = [];
  if (granularity === 'week') for (let d = weekStart(fromDay); d <= toDay; d += 7) out.push(d);
  else for (let d = monthStart(fromDay); d <= toDay; d = monthStart(d, 1)) out.push(d);
  return out;
}

export function median(sortedOrNot: number[]): number | null {
  if (!sortedOrNot.length) return null;
  const xs = [...sortedOrNot].sort((a, b) => a - b);
  const mid = xs.length >> 1;
  return xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}

/** Median of a distribution given as (value, count) pairs. */
export function medianOfCounts(rows: { value: number; count: number }[]): number | null {
  const xs = rows.filter((r) => r.count > 0).sort((a, b) => a.value - b.value);
  const n = xs.reduce((a, r) => a + r.count, 0);
  if (!n) return null;
  const at = (k: number): number => {
    let seen = 0;
    for (const r of xs) {
      seen += r.count;
      if (k < seen) return r.value;
    }
    return xs[xs.length - 1]!.value;
  };
  return n % 2 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
}

export const round = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
