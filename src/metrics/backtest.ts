/**
 * Backtest of the 30-day won-value forecast. For each weekly date t:
 *   pipeline(t)  = deals open at t (created <= t, not closed by t) with expected close date in
 *                  [t, t + 30 days), each at the deepest canonical stage it had reached by t
 *   forecast     = Σ value × calibrated probability learned ONLY from deals closed before t
 *                  (look-back window, same smoothing and fallback as today's calibration)
 *   forecast_crm = Σ value × the CRM's probability for that canonical stage
 *   actual       = Σ value of deals won in [t, t + 30 days) that existed at t
 *   wape         = Σ |forecast − actual| ÷ Σ actual over all points (same for wape_crm)
 * Admin overrides are today's judgement, not what was known at t, so the backtest ignores them.
 */
import type { BacktestPoint } from './report-types.js';
import { calibrate, type CalibrationOptions, type StageProbabilityInput } from './probabilities.js';
import { dayToIso, round } from './periods.js';

/** Closed deals by closing day (epoch day), deepest stage reached and outcome. */
export interface ClosedByDayDepthRow {
  day: number;
  deepest: number;
  won: boolean;
  count: number;
}
/** Pipeline open at point `point` (index into the dates) in canonical depth `depth` (0..3). */
export interface PipelineAtPointRow {
  point: number;
  depth: number;
  value: number;
}
export interface ActualAtPointRow {
  point: number;
  value: number;
}

export interface BacktestOptions extends CalibrationOptions {
  /** The point dates (epoch days). */
  days: number[];
  /** Calibration look-back in days (default 365). */
  lookbackDays?: number;
}

export const BACKTEST_HORIZON_DAYS = 30;

export function wape(points: { forecast: number; actual: number }[]): number | null {
  const actual = points.reduce((a, p) => a + p.actual, 0);
  if (actual <= 0) return null;
  return round(points.reduce((a, p) => a + Math.abs(p.forecast - p.actual), 0) / actual, 4);
}

export function backtest(
  stages: StageProbabilityInput[],
  closed: ClosedByDayDepthRow[],
  pipeline: PipelineAtPointRow[],
  actual: ActualAtPointRow[],
  opts: BacktestOptions,
): { points: BacktestPoint[]; wape: number | null; wape_crm: number | null } {
  const lookback = opts.lookbackDays ?? 365;
  const noAdmin = stages.map((s) => ({ ...s, adminProbability: null }));
  const points: BacktestPoint[] = opts.days.map((t, i) => {
    // Only deals closed strictly before t: nothing that happened on or after t is used.
    const known = closed.filter((r) => r.day < t && r.day >= t - lookback).map((r) => ({ deepest: r.deepest, won: r.won, count: r.count }));
    const probs = calibrate(noAdmin, known, opts);
    let forecast = 0;
    let forecastCrm = 0;
    for (const r of pipeline) {
      if (r.point !== i) continue;
      forecast += r.value * probs.byDepth[r.depth]!;
      forecastCrm += r.value * probs.crmByDepth[r.depth]!;
    }
    const act = actual.filter((a) => a.point === i).reduce((a, r) => a + r.value, 0);
    return { date: dayToIso(t), forecast: round(forecast), forecast_crm: round(forecastCrm), actual: round(act) };
  });
  return {
    points,
    wape: wape(points),
    wape_crm: wape(points.map((p) => ({ forecast: p.forecast_crm, actual: p.actual }))),
  };
}
