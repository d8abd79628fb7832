/** Sourcing breakdown: deals created in the window, by source. */
import type { SourceRow } from './report-types.js';
import { round } from './periods.js';

export interface BySourceRow {
  source: string | null;
  status: 'open' | 'won' | 'lost';
  count: number;
  value: number;
}

export const NO_SOURCE = '(no source)';

/**
 * Per source: count and value (Σ amount) of deals created in the window, won and lost counts,
 * won_value, win_rate = won / (won + lost). Sorted by value, largest first.
 */
export function sourcingBreakdown(rows: BySourceRow[]): (SourceRow & { won_value: number })[] {
  const by = new Map<string, SourceRow & { won_value: number }>();
  for (const r of rows) {
    const key = r.source ?? NO_SOURCE;
    let s = by.get(key);
    if (!s) by.set(key, (s = { source: key, count: 0, value: 0, won: 0, lost: 0, win_rate: null, won_value: 0 }));
    s.count += r.count;
    s.value += r.value;
    if (r.status === 'won') {
      s.won += r.count;
      s.won_value += r.value;
    }
    if (r.status === 'lost') s.lost += r.count;
  }
  return [...by.values()]
    .map((s) => ({ ...s, value: round(s.value), won_value: round(s.won_value), win_rate: s.won + s.lost ? round(s.won / (s.won + s.lost), 4) : null }))
    .sort((a, b) => b.value - a.value || a.source.localeCompare(b.source));
}
