/**
 * The honest backtest of the won-value forecast. At each weekly date t (a Monday, 00:00 UTC) the
 * forecast is made again with only what was known at t:
 *   - which deals were open at t, and the canonical stage each was in and for how long, from the
 *     stage path (stage history) — never a deal's later stage, close date or outcome;
 *   - the model (win-hazard.ts) learned from the weekly observations that ENDED by t (a deal
 *     won on t + 3 is not in them), in the look-back window;
 *   - the new-deal term from deals created before t.
 *   forecast        = expected value won in [t, t + H): open deals + forecast_new (run-rate in warm-up)
 *   forecast_p10/90 = the simulated range, widened by the errors of earlier points completed by t
 *   forecast_crm    = Σ amount × the CRM's probability of the deal's canonical stage at t ×
 *                     P(an open deal closes within H) = 1 − (1 − weekly close rate)^(H/7)
 *   forecast_run_rate = value won in the 90 days before t, × H / 90
 *   actual          = value won in [t, t + H) by in-scope deals, whenever created
 *   actual_existing = the part of it from deals that existed at t
 * Headline figures (wape, wape_crm, wape_run_rate, bias, coverage) are over warm points only.
 * Amounts as known at t: an open deal's amount from its newest weekly deal snapshot taken by t;
 * before the first snapshot of it (snapshots began at some date, or it was created since the last
 * one), its current amount — the CRM keeps no amount history, so that part looks ahead. Won
 * amounts in `actual` are the final ones (what was booked).
 */
import type { BacktestPoint, ReliabilityRow } from './report-types.js';
import { observationsOf, stateAt, type DealHistory } from './win-hazard.js';
import { errorScale, fitModel, relativeError, minCreatedDay, rangeFor, runRate, type WonRange } from './won-range.js';
import { round } from './periods.js';
import { closeDayAt } from './close-date.js';
import { dayToIso } from '../time/calendar.js';

export const BACKTEST_HORIZON_DAYS = 30;
const DAY_S = 86_400;

export function wape(points: { forecast: number; actual: number }[]): number | null {
  const actual = points.reduce((a, p) => a + p.actual, 0);
  if (actual <= 0) return null;
  return round(points.reduce((a, p) => a + Math.abs(p.forecast - p.actual), 0) / actual, 4);
}

export interface BacktestOptions {
  /** The point dates (epoch days, Mondays). */
  days: number[];
  horizonDays?: number;
  lookbackDays?: number;
  /** The CRM's probability per open canonical stage 0..3 (mean of its stages). */
  crmByDepth: number[];
  runs?: number;
  seed?: number;
  /**
   * Build the weekly observations up to this day (default: the last point) so that a live
   * forecast made later on the same deal list reuses them; what each point learns is unchanged.
   */
  observeToDay?: number;
}

export interface BacktestBody {
  points: BacktestPoint[];
  wape: number | null;
  wape_crm: number | null;
  wape_run_rate: number | null;
  bias: number | null;
  coverage: number | null;
  warm_points: number;
  reliability: ReliabilityRow[];
  /** The error scale (√ mean z²) the live forecast's range is widened by, from every completed warm point. */
  error_scale: number | null;
  /** The same misses as a share of the forecast (`relativeError`): what a smaller scope's range is widened by. */
  relative_error: number | null;
}

/** Reliability buckets of the predicted P(won within H): [0, 0.05), [0.05, 0.1), [0.1, 0.2) … [0.5, 1]. */
export const RELIABILITY_EDGES = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0001];

export function backtestForecast(deals: DealHistory[], opts: BacktestOptions): BacktestBody {
  const H = opts.horizonDays ?? BACKTEST_HORIZON_DAYS;
  const days = opts.days;
  const empty: BacktestBody = {
    points: [],
    wape: null,
    wape_crm: null,
    wape_run_rate: null,
    bias: null,
    coverage: null,
    warm_points: 0,
    reliability: [],
    error_scale: null,
    relative_error: null,
  };
  if (!days.length || !deals.length) return empty;
  const obs = observationsOf(deals, minCreatedDay(deals), Math.max(days[days.length - 1]!, opts.observeToDay ?? -Infinity));

  // Open deals at each date, and what actually happened: one pass per deal over the dates in its life.
  // `snap`: the deal's newest weekly snapshot taken by the date (-1: none), found by walking its snapshots once.
  const openByPoint: { d: DealHistory; c: number; daysInStage: number; snap: number }[][] = days.map(() => []);
  const actual = days.map(() => 0);
  const actualExisting = days.map(() => 0);
  const first = days[0]!;
  for (const d of deals) {
    if (!d.inScope) continue;
    const cDay = d.created / DAY_S;
    const endDay = d.closed === null ? Infinity : d.closed / DAY_S;
    if (d.won && d.closed !== null) {
      // Dates t with t <= endDay < t + H.
      for (let i = Math.max(0, Math.ceil((endDay - H - first) / 7 + 1e-9)); i < days.length && days[i]! <= endDay; i++) {
        if (endDay >= days[i]! + H) continue;
        actual[i]! += d.amount;
        if (cDay <= days[i]!) actualExisting[i]! += d.amount;
      }
    }
    // Dates t with cDay <= t < endDay: open then.
    const snaps = d.snapshots;
    let snap = -1;
    for (let i = Math.max(0, Math.ceil((cDay - first) / 7)); i < days.length && days[i]! < endDay; i++) {
      const t = days[i]!;
      const s = stateAt(d, t * DAY_S);
      if (snaps) while (snap + 1 < snaps.length && snaps[snap + 1]!.t <= t * DAY_S) snap++;
      if (s) openByPoint[i]!.push({ d, c: s.code, daysInStage: (t * DAY_S - s.since) / DAY_S, snap });
    }
  }

  // Reliability: predicted P(won within H) vs observed, over the open deals of warm points.
  const reliability: ReliabilityRow[] = [];
  for (let b = 0; b < RELIABILITY_EDGES.length - 1; b++) reliability.push({ from: RELIABILITY_EDGES[b]!, to: Math.min(1, RELIABILITY_EDGES[b + 1]!), deals: 0, predicted: 0, observed: 0 });
  const bucketOf = (p: number): ReliabilityRow => {
    let b = 0;
    while (b < reliability.length - 1 && p >= RELIABILITY_EDGES[b + 1]!) b++;
    return reliability[b]!;
  };

  const raw: { r: WonRange; crm: number; rr: number }[] = days.map((t, i) => {
    const T = t * DAY_S;
    const end = T + H * DAY_S;
    const model = fitModel(deals, obs, T, H, { lookbackDays: opts.lookbackDays });
    const rr = runRate(deals, T, H);
    const open = openByPoint[i]!;
    // Each open deal's P(won within H), once: for the range, the reliability panel.
    const p = new Float64Array(open.length);
    // The close date only as a weekly snapshot had it by t: the deal's close date today may be the day it closed.
    for (let k = 0; k < open.length; k++) p[k] = model.pWonWindow(open[k]!, 0, H, closeDayAt(open[k]!.d, T, open[k]!.snap));
    // Each open deal's worth as known at t: its weekly snapshot's amount, where one had been taken by then.
    const values = new Float64Array(open.length);
    for (let k = 0; k < open.length; k++) values[k] = model.valueThen(open[k]!.d, open[k]!.snap);
    const r = rangeFor(model, open, 0, H, { runs: opts.runs, seed: (opts.seed ?? 42) ^ t, runRate: rr, p, values });
    const closeWithin = new Map<string, number>();
    let crm = 0;
    for (let k = 0; k < open.length; k++) {
      const o = open[k]!;
      let q = closeWithin.get(o.d.pipeline);
      if (q === undefined) closeWithin.set(o.d.pipeline, (q = 1 - (1 - (model.weeklyCloseRate.get(o.d.pipeline) ?? 0)) ** (H / 7)));
      crm += values[k]! * (opts.crmByDepth[o.c] ?? 0) * q;
    }
    if (!r.warm_up)
      for (let k = 0; k < open.length; k++) {
        const d = open[k]!.d;
        const row = bucketOf(p[k]!);
        row.deals++;
        row.predicted += p[k]!;
        if (d.won && d.closed !== null && d.closed < end) row.observed++;
      }
    return { r, crm, rr };
  });

  // Widen each range by the misses of earlier warm points whose window had ended by its date.
  const points: BacktestPoint[] = days.map((t, i) => {
    const x = raw[i]!;
    const past = days
      .map((u, j) => ({ u, j }))
      .filter(({ u, j }) => u + H <= t && !raw[j]!.r.warm_up)
      .map(({ j }) => ({ actual: actual[j]!, mean: raw[j]!.r.sim_mean, sd: raw[j]!.r.sim_sd }));
    const s = errorScale(past);
    const k = Math.max(1, s ?? 1);
    const lo = Math.max(0, x.r.p50 - k * (x.r.p50 - x.r.p10));
    const hi = x.r.p50 + k * (x.r.p90 - x.r.p50);
    const warm = x.r.warm_up;
    return {
      date: dayToIso(t),
      forecast: round(x.r.expected),
      forecast_crm: round(x.crm),
      actual: round(actual[i]!),
      forecast_p10: round(warm ? x.rr : lo),
      forecast_p90: round(warm ? x.rr : hi),
      forecast_new: round(warm ? 0 : x.r.new_deals),
      forecast_open: round(warm ? x.rr : x.r.open),
      forecast_run_rate: round(x.rr),
      actual_existing: round(actualExisting[i]!),
      warm_up: warm,
    };
  });

  const warm = points.filter((p) => !p.warm_up);
  const sumA = warm.reduce((s, p) => s + p.actual, 0);
  const sumF = warm.reduce((s, p) => s + p.forecast, 0);
  const covered = warm.filter((p) => p.actual >= (p.forecast_p10 ?? 0) && p.actual <= (p.forecast_p90 ?? 0)).length;

  for (const r of reliability) {
    r.predicted = r.deals ? round(r.predicted / r.deals, 4) : 0;
    r.observed = r.deals ? round(r.observed / r.deals, 4) : 0;
  }

  const completed = days
    .map((u, j) => ({ u, j }))
    .filter(({ j }) => !raw[j]!.r.warm_up)
    .map(({ j }) => ({ actual: actual[j]!, mean: raw[j]!.r.sim_mean, sd: raw[j]!.r.sim_sd }));
  return {
    points,
    wape: wape(warm),
    wape_crm: wape(warm.map((p) => ({ forecast: p.forecast_crm, actual: p.actual }))),
    wape_run_rate: wape(warm.map((p) => ({ forecast: p.forecast_run_rate ?? 0, actual: p.actual }))),
    bias: sumA > 0 ? round(sumF / sumA, 4) : null,
    coverage: warm.length ? round(covered / warm.length, 4) : null,
    warm_points: warm.length,
    reliability: reliability.filter((r) => r.deals > 0),
    error_scale: errorScale(completed),
    relative_error: relativeError(completed),
  };
}
