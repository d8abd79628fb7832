/**
 * Small numeric helpers shared by the metrics. Calendar questions (days, weeks, months in the
 * team's time zone) are answered by src/time/, never here.
 */

export const DAY_MS = 86_400_000;
export const DAY_S = 86_400;

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
