/** Weighted forecast by expected close month. */
import type { Probabilities } from './probabilities.js';
import type { ForecastMonthRow } from './report-types.js';
import { monthLabel, monthStart, round } from './periods.js';

/** Open deals grouped by CRM stage and expected close day (epoch day). */
export interface OpenByCloseDayRow {
  stageId: string | null;
  depth: number;
  closeDay: number;
  value: number;
}
/** Won value grouped by the day it was won (epoch day). */
export interface WonByDayRow {
  day: number;
  value: number;
}

export interface ForecastBody {
  months: ForecastMonthRow[];
  /** Open deals whose expected close date is already past (in no month above). */
  overdue: { count: number; value: number };
}

/**
 * Months = the current month and the next months-1 (default 3 in all). Per month:
 *   pipeline     = Σ value of open deals with expected close date in the month
 *   weighted     = Σ value × calibrated probability of the deal's stage (see probabilities.ts)
 *   weighted_crm = Σ value × the CRM's own probability of the deal's stage
 *   won          = Σ value of deals won (closed_at) in the month, to date
 */
export function forecastByMonth(
  open: OpenByCloseDayRow[],
  won: WonByDayRow[],
  overdue: { count: number; value: number },
  probs: Pick<Probabilities, 'forStage' | 'crmForStage'>,
  opts: { today: number; months?: number },
): ForecastBody {
  const n = opts.months ?? 3;
  const starts = Array.from({ length: n + 1 }, (_, i) => monthStart(opts.today, i));
  const months: ForecastMonthRow[] = starts.slice(0, n).map((s) => ({ month: monthLabel(s), pipeline: 0, weighted: 0, weighted_crm: 0, won: 0 }));
  const idx = (day: number): number => {
    for (let i = 0; i < n; i++) if (day >= starts[i]! && day < starts[i + 1]!) return i;
    return -1;
  };
  for (const r of open) {
    const m = months[idx(r.closeDay)];
    if (!m) continue;
    m.pipeline += r.value;
    m.weighted += r.value * probs.forStage(r.stageId, r.depth);
    m.weighted_crm += r.value * probs.crmForStage(r.stageId, r.depth);
  }
  for (const r of won) {
    const m = months[idx(r.day)];
    if (m) m.won += r.value;
  }
  for (const m of months) {
    m.pipeline = round(m.pipeline);
    m.weighted = round(m.weighted);
    m.weighted_crm = round(m.weighted_crm);
    m.won = round(m.won);
  }
  return { months, overdue: { count: overdue.count, value: round(overdue.value) } };
}
