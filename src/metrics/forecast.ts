/** Weighted forecast by expected close month. */
import type { Probabilities } from './probabilities.js';
import type { ForecastMonthRow, ForecastNext } from './report-types.js';
import { observationsOf, type DealHistory } from './win-hazard.js';
import { fitModel, minCreatedDay, openAt, rangeFor, RANGE_SEED, runRate } from './won-range.js';
import { round } from './periods.js';
import { monthLabel, monthStart } from '../time/calendar.js';

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

/**
 * The months again with the time-bound model (won-range.ts) in place of close dates:
 *   weighted  = Σ amount × P(won in [max(now, month start), month end)) over deals open now
 *   new_deals = expected value of deals created and won in that part of the month
 *   p10/p50/p90 = the range of the value still to be won in it (open + new), widened by the
 *                 backtest's error scale
 * and `next`: the same for the next `horizonDays` days. While the model warms up (won-range.ts
 * WARMUP_*), the months are left as forecastByMonth made them and `next.expected` is the run-rate. `pipeline`, `weighted_crm` and `won`
 * are as forecastByMonth computed them (close dates as the CRM shows them now).
 */
export function forecastMonthsWithRange(
  deals: DealHistory[],
  months: ForecastMonthRow[],
  opts: { now: Date; monthStarts: number[]; horizonDays: number; lookbackDays: number; errorScale: number | null; runs?: number; seed?: number },
): { months: ForecastMonthRow[]; next: ForecastNext } {
  const T = Math.floor(opts.now.getTime() / 1000);
  const nowDays = T / 86_400;
  const ends = opts.monthStarts.slice(1).map((d) => Math.max(0, d - nowDays));
  const maxDays = Math.max(opts.horizonDays, ...ends);
  const obs = observationsOf(deals, minCreatedDay(deals), Math.floor(nowDays));
  const model = fitModel(deals, obs, T, maxDays, { lookbackDays: opts.lookbackDays });
  const open = openAt(deals, T);
  const seed = opts.seed ?? RANGE_SEED;
  const out = months.map((m, i) => {
    // Warm-up: too little history to trust the model; the months keep the close-date weighting and show no range.
    if (model.warmUp) return m;
    const a = Math.max(0, (opts.monthStarts[i] ?? 0) - nowDays);
    const b = ends[i] ?? 0;
    const r = rangeFor(model, open, a, b, { scale: opts.errorScale, runs: opts.runs, seed: seed + i });
    return { ...m, weighted: round(r.open), new_deals: round(r.new_deals), p10: round(r.p10), p50: round(r.p50), p90: round(r.p90) };
  });
  const rr = runRate(deals, T, opts.horizonDays);
  const n = rangeFor(model, open, 0, opts.horizonDays, { scale: opts.errorScale, runs: opts.runs, seed, runRate: rr });
  return {
    months: out,
    next: {
      horizon_days: opts.horizonDays,
      expected: round(n.expected),
      open: round(n.open),
      new_deals: round(n.new_deals),
      p10: round(n.p10),
      p50: round(n.p50),
      p90: round(n.p90),
      open_deals: n.open_deals,
      warm_up: n.warm_up,
      run_rate: round(rr),
      credibility: round(n.credibility, 3),
      error_scale: opts.errorScale === null ? null : round(opts.errorScale, 3),
    },
  };
}
