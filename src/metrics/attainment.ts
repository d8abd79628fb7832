/**
 * Attainment and pacing against a target: how much of one period's target a scope (the company,
 * a named team, a rep, a pipeline) has won, where it should be by now (on a straight line, and on the pace the
 * same scope usually wins at by this point of a period), what the forecast model expects for the
 * rest of the period (won-range.ts, horizon = the period's remaining days), how likely the
 * target is, and how much pipeline that takes. Pure: deals, target, period and `now` in.
 *
 * Only deals in the target's currency count (a deal without a currency is in the CRM's main
 * currency): amounts in different currencies are never added. docs/metrics.md ("Quota") states
 * every figure.
 */
import { stateAt, type DealHistory } from './win-hazard.js';
import { forecastWonRanges } from './won-range.js';
import { dayStartS, dayToIso, todayIn, type DayNumber } from '../time/calendar.js';
import { fiscalPeriodOf, type FiscalPeriod } from '../time/fiscal.js';

const DAY_S = 86_400;

/** Past periods of the same kind the historical pace and nothing else is learned from. */
export const PACE_HISTORY_PERIODS = 4;
/** Days of closed deals the value win rate (pipeline needed) is learned from. */
export const CONVERSION_LOOKBACK_DAYS = 365;

export interface QuotaDeal extends DealHistory {
  ownerId: string | null;
  /** ISO 4217, or null when the CRM gave none (then it is in `defaultCurrency`). */
  currency: string | null;
}

export interface QuotaTarget {
  /** 'team' is the whole company; 'sales_team' a named team (its deals: its members'). */
  scopeKind: 'team' | 'sales_team' | 'rep' | 'pipeline';
  /** '' for the company; 'crm:<id>' / 'slack:<id>' for a named team; the owner id for a rep; the pipeline id for a pipeline. */
  scopeId: string;
  /** A named team's members (CRM owner ids): the owners whose deals count. Required for 'sales_team'. */
  memberIds?: readonly string[];
  currency: string;
  amount: number;
}

export interface AttainmentOptions {
  now: Date;
  timeZone: string;
  /** The month the fiscal year starts in (for the past periods of the historical pace). */
  fiscalStartMonth: number;
  /** The currency of deals without one (the CRM's main currency). */
  defaultCurrency: string;
  /** Widening of the forecast range by the model's past misses (backtest error scale), if known. */
  errorScale?: number | null;
  /** The backtest's relative error (`relativeError`): when known, each scope is widened for its own size instead. */
  relativeError?: number | null;
  runs?: number;
  seed?: number;
  /** Forecast model look-back in days (default 365). */
  lookbackDays?: number;
  /** Also compute the forecast band of the pacing chart (`band`): a range every this many days from today to the period's end. */
  bandEveryDays?: number;
}

/** The forecast band at the end of one day: won so far + the range of what is won from now to then. */
export interface BandPoint {
  date: string;
  p10: number;
  p50: number;
  p90: number;
}

export interface PacingPoint {
  date: string;
  /** Won in the period up to the end of this day (null for days after today). */
  won: number | null;
  /** target × share of the period elapsed at the end of this day. */
  pace_linear: number;
  /** target × the share of a period's bookings usually won by then (null: no history). */
  pace_historical: number | null;
}

export interface Attainment {
  scope: QuotaTarget['scopeKind'];
  scope_id: string;
  currency: string;
  target: number;
  won: number;
  /** won ÷ target (null for a zero target). */
  attainment: number | null;
  /** Share of the period elapsed at `now` (by time, in the team's zone). */
  elapsed: number;
  expected_linear: number;
  /** Share of a period's won value usually won by this point, from the same scope's past periods. */
  historical_share: number | null;
  expected_historical: number | null;
  /** won ÷ the expected by now (historical when known, else linear); null when nothing is expected yet. */
  pace: number | null;
  pace_basis: 'historical' | 'linear';
  /** max(0, target − won). */
  still_needed: number;
  days_remaining: number;
  /** Value won in the rest of the period: the model's range (P10/P50/P90) and its expected value. */
  rest: { expected: number; p10: number; p50: number; p90: number; warm_up: boolean; scale?: number };
  /** won + the rest's range: where the period ends. */
  projected: { expected: number; p10: number; p50: number; p90: number };
  /** P(won by the end of the period ≥ target), from the simulated range. */
  probability: number;
  open_pipeline: number;
  open_deals: number;
  /** open_pipeline ÷ still_needed (null when nothing is needed). */
  coverage: number | null;
  /** Value win rate of the scope's deals closed in the last 365 days: won ÷ (won + lost), a closed deal of unknown amount at the mean won amount. */
  win_rate: number | null;
  /** still_needed ÷ win_rate: the open pipeline it takes at that rate. */
  pipeline_needed: number | null;
  /** max(0, pipeline_needed − open_pipeline): pipeline still to create. */
  pipeline_gap: number | null;
  /** Deals of the scope left out because they are in another currency. */
  other_currency_deals: number;
  pacing: PacingPoint[];
  /**
   * Only when asked for (bandEveryDays): where cumulative won may stand from today to the
   * period's end; the first point is today at won so far, the last is the period's last day
   * with the range of `projected`.
   */
  band?: BandPoint[];
}

/** The team's day an instant (epoch s) falls on. */
const todayOf = (s: number, tz: string): DayNumber => todayIn(new Date(s * 1000), tz);

function inScope(d: QuotaDeal, t: QuotaTarget): boolean {
  switch (t.scopeKind) {
    case 'team':
      return true;
    case 'sales_team':
      return d.ownerId !== null && (t.memberIds ?? []).includes(d.ownerId);
    case 'rep':
      return d.ownerId === t.scopeId;
    case 'pipeline':
      return d.pipeline === t.scopeId;
  }
}

/** A won deal as a point in a period: its close time as a fraction of the period, and its amount. */
interface WonPoint {
  at: number;
  amount: number;
}

/** Cumulative share of won value by fraction of the period, pooled over the past periods given. */
function historicalShare(won: QuotaDeal[], periods: { from: number; to: number }[]): ((x: number) => number) | null {
  const points: WonPoint[] = [];
  for (const p of periods) {
    for (const d of won) {
      if (d.closed! >= p.from && d.closed! < p.to) points.push({ at: (d.closed! - p.from) / (p.to - p.from), amount: d.amount });
    }
  }
  const total = points.reduce((s, p) => s + p.amount, 0);
  if (!(total > 0)) return null;
  points.sort((a, b) => a.at - b.at);
  const at = Float64Array.from(points, (p) => p.at);
  const cum = new Float64Array(points.length + 1);
  points.forEach((p, i) => {
    cum[i + 1] = cum[i]! + p.amount;
  });
  return (x: number) => {
    // Won at or before fraction x.
    let lo = 0;
    let hi = at.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return cum[lo]! / total;
  };
}

export function quotaAttainment(deals: QuotaDeal[], target: QuotaTarget, period: FiscalPeriod, opts: AttainmentOptions): Attainment {
  const tz = opts.timeZone;
  const T = Math.floor(opts.now.getTime() / 1000);
  const P0 = dayStartS(period.fromDay, tz);
  const P1 = dayStartS(period.toDay, tz);
  const currencyOf = (d: QuotaDeal) => d.currency ?? opts.defaultCurrency;
  const sameCurrency = deals.filter((d) => currencyOf(d) === target.currency);
  const mine = sameCurrency.filter((d) => inScope(d, target));
  const otherCurrency = deals.filter((d) => currencyOf(d) !== target.currency && inScope(d, target)).length;
  const won = mine.filter((d) => d.won && d.closed !== null);

  const wonSoFar = won.filter((d) => d.closed! >= P0 && d.closed! <= T).reduce((s, d) => s + d.amount, 0);
  const elapsed = Math.min(1, Math.max(0, (T - P0) / (P1 - P0)));
  const expectedLinear = target.amount * elapsed;

  const past = Array.from({ length: PACE_HISTORY_PERIODS }, (_, i) => {
    const p = fiscalPeriodOf(period.fromDay, period.kind, opts.fiscalStartMonth, -(i + 1));
    return { from: dayStartS(p.fromDay, tz), to: dayStartS(p.toDay, tz) };
  });
  const share = historicalShare(won, past);
  const historical = share ? share(elapsed) : null;
  const expectedHistorical = historical === null ? null : target.amount * historical;
  const expectedNow = expectedHistorical ?? expectedLinear;

  const stillNeeded = Math.max(0, target.amount - wonSoFar);
  const daysRemaining = Math.max(0, (P1 - Math.max(T, P0)) / DAY_S);
  // The model learns from every deal in the currency; the scope's deals are the ones forecast.
  const modelDeals: DealHistory[] = sameCurrency.map((d) => ({ ...d, inScope: inScope(d, target) }));
  let rest: Attainment['rest'] = { expected: 0, p10: 0, p50: 0, p90: 0, warm_up: false };
  let probability = stillNeeded <= 0 ? 1 : 0;
  let band: BandPoint[] | undefined;
  if (daysRemaining > 0 && T < P1) {
    const from = Math.max(T, P0);
    const lastDays = Math.ceil(daysRemaining);
    // The band's checkpoints: the end of every bandEveryDays-th day from the first day forecast, and the period's last day.
    const marks: { day: DayNumber; days: number }[] = [];
    const every = opts.bandEveryDays;
    if (every !== undefined && every >= 1) {
      const first = todayOf(from, tz);
      for (let day = first + every; day < period.toDay - 1; day += every) marks.push({ day, days: Math.min(lastDays, Math.ceil((dayStartS(day + 1, tz) - from) / DAY_S)) });
    }
    const ranges = forecastWonRanges(modelDeals, {
      now: new Date(from * 1000),
      days: [...marks.map((m) => m.days), lastDays],
      lookbackDays: opts.lookbackDays,
      scale: opts.errorScale ?? null,
      relativeError: opts.relativeError ?? null,
      runs: opts.runs,
      seed: opts.seed,
      atLeast: stillNeeded,
    });
    const r = ranges[ranges.length - 1]!;
    rest = { expected: r.expected, p10: r.p10, p50: r.p50, p90: r.p90, warm_up: r.warm_up, scale: r.scale };
    probability = r.p_at_least ?? probability;
    if (every !== undefined && every >= 1) {
      const at = (day: DayNumber, x: { p10: number; p50: number; p90: number }): BandPoint => ({ date: dayToIso(day), p10: wonSoFar + x.p10, p50: wonSoFar + x.p50, p90: wonSoFar + x.p90 });
      band = [
        at(todayOf(from, tz), { p10: 0, p50: 0, p90: 0 }),
        ...marks.map((m, i) => at(m.day, ranges[i]!)),
        at(period.toDay - 1, r),
      ];
    }
  }

  let openPipeline = 0;
  let openDeals = 0;
  for (const d of mine) {
    if (!stateAt(d, T)) continue;
    openPipeline += d.amount;
    openDeals++;
  }
  const fromS = T - CONVERSION_LOOKBACK_DAYS * DAY_S;
  // A closed deal without a known amount (many exports zero a lost deal's value) counts at the
  // mean won amount of the window, so it weighs as a typical deal instead of vanishing.
  let wonValue = 0;
  let wonCount = 0;
  let knownLost = 0;
  let unknownClosed = 0;
  for (const d of mine) {
    if (d.closed === null || d.closed < fromS || d.closed > T) continue;
    if (d.amountKnown === false) unknownClosed++;
    else if (d.won) {
      wonValue += d.amount;
      wonCount++;
    } else knownLost += d.amount;
  }
  const typicalWon = wonCount > 0 ? wonValue / wonCount : 0;
  const closedValue = wonValue + knownLost + unknownClosed * typicalWon;
  const winRate = closedValue > 0 ? wonValue / closedValue : null;
  const pipelineNeeded = winRate ? stillNeeded / winRate : null;

  return {
    scope: target.scopeKind,
    scope_id: target.scopeId,
    currency: target.currency,
    target: target.amount,
    won: wonSoFar,
    attainment: target.amount > 0 ? wonSoFar / target.amount : null,
    elapsed,
    expected_linear: expectedLinear,
    historical_share: historical,
    expected_historical: expectedHistorical,
    pace: expectedNow > 0 ? wonSoFar / expectedNow : null,
    pace_basis: expectedHistorical === null ? 'linear' : 'historical',
    still_needed: stillNeeded,
    days_remaining: daysRemaining,
    rest,
    projected: { expected: wonSoFar + rest.expected, p10: wonSoFar + rest.p10, p50: wonSoFar + rest.p50, p90: wonSoFar + rest.p90 },
    probability,
    open_pipeline: openPipeline,
    open_deals: openDeals,
    coverage: stillNeeded > 0 ? openPipeline / stillNeeded : null,
    win_rate: winRate,
    pipeline_needed: pipelineNeeded,
    pipeline_gap: pipelineNeeded === null ? null : Math.max(0, pipelineNeeded - openPipeline),
    other_currency_deals: otherCurrency,
    pacing: pacingSeries(won, target.amount, period, { T, P0, P1, tz, share }),
    ...(band ? { band } : {}),
  };
}

/** One point per day of the period: won up to the end of that day (until today), and both pace lines. */
function pacingSeries(
  won: QuotaDeal[],
  amount: number,
  period: FiscalPeriod,
  c: { T: number; P0: number; P1: number; tz: string; share: ((x: number) => number) | null },
): PacingPoint[] {
  const closes = won
    .filter((d) => d.closed! >= c.P0 && d.closed! < c.P1 && d.closed! <= c.T)
    .map((d) => ({ t: d.closed!, a: d.amount }))
    .sort((a, b) => a.t - b.t);
  const out: PacingPoint[] = [];
  let i = 0;
  let sum = 0;
  for (let day: DayNumber = period.fromDay; day < period.toDay; day++) {
    const end = dayStartS(day + 1, c.tz);
    while (i < closes.length && closes[i]!.t < end) sum += closes[i++]!.a;
    const x = Math.min(1, (end - c.P0) / (c.P1 - c.P0));
    const started = dayStartS(day, c.tz) <= c.T;
    out.push({ date: dayToIso(day), won: started ? sum : null, pace_linear: amount * x, pace_historical: c.share ? amount * c.share(x) : null });
  }
  return out;
}
