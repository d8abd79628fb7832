/**
 * The rep-called forecast beside the model's: per rep and for the team, for the current period,
 * what the reps put in Commit and Best case (from the CRM's forecast category), the model's
 * P10/P50/P90 for the same scope and period (won-range.ts, as the quota report runs it), and each
 * rep's historical commit bias: at every past weekly deal snapshot, the commit they called for
 * that period (won so far + open Commit), against what the period actually closed won.
 *
 * Pure: deals, snapshots, period and `now` in. One currency at a time: only deals in
 * `currency` count (a deal without one is in `defaultCurrency`), the rest are counted and left
 * out, never converted or added. docs/metrics.md ("Commit") states every figure.
 */
import { categoryOf, type ForecastCategory, type MappableCategory } from './forecast-category.js';
import type { QuotaDeal } from './attainment.js';
import { forecastWonRangeByScope, type WonRange } from './won-range.js';
import type { DealHistory } from './win-hazard.js';
import { dayStartS, isoToDay, type DayNumber } from '../time/calendar.js';
import { fiscalPeriodOf, type FiscalPeriod } from '../time/fiscal.js';

const DAY_S = 86_400;

/** Past snapshot points a bias needs before it is shown (fewer: "not enough history"). */
export const MIN_BIAS_POINTS = 4;

export interface CommitDeal extends QuotaDeal {
  id: string;
  /** Expected close date, 'YYYY-MM-DD' (null: none). Only read of deals open at `now`. */
  closeDate: string | null;
  /** The CRM's forecast category as the CRM spells it. Only read of deals open at `now`. */
  forecastCategory: string | null;
}

/** One open deal in one weekly deal snapshot. */
export interface CommitSnapshot {
  day: string;
  ownerId: string | null;
  amount: number | null;
  currency: string | null;
  closeDate: string | null;
  forecastCategory: string | null;
}

export interface CommitOptions {
  now: Date;
  timeZone: string;
  /** The current period (the quota report's: fiscalPeriodOf today). */
  period: FiscalPeriod;
  fiscalStartMonth: number;
  /** The one currency measured. */
  currency: string;
  /** The currency of deals without one. */
  defaultCurrency: string;
  /** The admin's value→category map (normaliseCategoryMap). */
  categoryMap?: ReadonlyMap<string, MappableCategory>;
  /** Only these reps get a row (the team row still counts every deal); undefined = everyone. */
  ownerIds?: readonly string[];
  errorScale?: number | null;
  /** The backtest's relative error: when known, each scope is widened for its own size (as the quota report does). */
  relativeError?: number | null;
  runs?: number;
  seed?: number;
  lookbackDays?: number;
}

export interface CommitBias {
  /** 'ok' when at least MIN_BIAS_POINTS past points, else 'not_enough_history'. */
  status: 'ok' | 'not_enough_history';
  /** Σ actual ÷ Σ called over the points (null: not enough history, or nothing was ever called). */
  ratio: number | null;
  /** Past snapshot points whose period has ended and where the scope called or won anything. */
  points: number;
  /** Σ over the points of the commit called then: won so far in that point's period + the open Commit amount closing in it. */
  called: number;
  /** Σ over the points of what that period actually closed won. */
  actual: number;
}

export interface CommitRow {
  scope: 'team' | 'rep';
  /** '' for the team; the CRM owner id for a rep. */
  owner_id: string;
  currency: string;
  /** Won in the period up to now. */
  won: number;
  /** Open amounts closing in the period, by the rep's category. */
  open: Record<Exclude<ForecastCategory, 'closed'>, number>;
  deals: Record<Exclude<ForecastCategory, 'closed'>, number>;
  /** won + open Commit: the rep-called number. */
  commit: number;
  /** commit + open Best case. */
  best_case: number;
  /** Open Pipeline-category amount closing in the period (not added to the above). */
  pipeline: number;
  /** won + the model's range for the rest of the period. */
  model: { p10: number; p50: number; p90: number; expected: number; warm_up: boolean };
  /** Where commit sits against the model: 'below' P10, 'within' P10–P90, 'above' P90. */
  commit_vs_model: 'below' | 'within' | 'above';
  bias: CommitBias;
}

export interface CommitResult {
  rows: CommitRow[];
  /** Open deals closing in the period (this currency) by how their category was found. */
  categories: { mapped: number; unset: number; unknown: number; unknown_values: { value: string; deals: number }[] };
  other_currency_deals: number;
  days_remaining: number;
}

const EMPTY = () => ({ commit: 0, best_case: 0, pipeline: 0, omitted: 0 });

export function commitForecast(deals: CommitDeal[], snapshots: CommitSnapshot[], opts: CommitOptions): CommitResult {
  const tz = opts.timeZone;
  const period = opts.period;
  const T = Math.floor(opts.now.getTime() / 1000);
  const P0 = dayStartS(period.fromDay, tz);
  const P1 = dayStartS(period.toDay, tz);
  const currencyOf = (c: string | null) => (c ? c.toUpperCase() : opts.defaultCurrency);
  const mine = deals.filter((d) => currencyOf(d.currency) === opts.currency);
  const otherCurrency = deals.length - mine.length;
  const inPeriod = (closeDate: string | null, p: FiscalPeriod) => {
    if (!closeDate) return false;
    const day = isoToDay(closeDate);
    return day >= p.fromDay && day < p.toDay;
  };
  const isOpen = (d: CommitDeal) => d.closed === null || d.closed > T;

  // Open deals expected to close this period, with their category (and how it was found).
  const categories: CommitResult['categories'] = { mapped: 0, unset: 0, unknown: 0, unknown_values: [] };
  const unknownValues = new Map<string, number>();
  const open = mine
    .filter((d) => isOpen(d) && d.created <= T && inPeriod(d.closeDate, period))
    .map((d) => {
      const c = categoryOf(d.forecastCategory, 'open', opts.categoryMap);
      categories[c.source]++;
      if (c.source === 'unknown') unknownValues.set(d.forecastCategory!.trim(), (unknownValues.get(d.forecastCategory!.trim()) ?? 0) + 1);
      return { d, category: c.category as Exclude<ForecastCategory, 'closed'> };
    });
  categories.unknown_values = [...unknownValues].map(([value, n]) => ({ value, deals: n })).sort((a, b) => b.deals - a.deals || a.value.localeCompare(b.value));
  const wonNow = mine.filter((d) => d.won && d.closed !== null && d.closed >= P0 && d.closed <= T);

  // Past points: one per snapshot day whose period has ended by now.
  const points = snapshotPoints(snapshots, mine, opts, currencyOf, T);

  const daysRemaining = Math.max(0, (P1 - Math.max(T, P0)) / DAY_S);
  const scopes: { scope: 'team' | 'rep'; id: string }[] = [{ scope: 'team', id: '' }];
  const reps = new Set<string>();
  for (const { d } of open) if (d.ownerId) reps.add(d.ownerId);
  for (const d of wonNow) if (d.ownerId) reps.add(d.ownerId);
  for (const p of points) for (const id of p.byOwner.keys()) if (id) reps.add(id);
  for (const id of [...reps].sort()) if (!opts.ownerIds || opts.ownerIds.includes(id)) scopes.push({ scope: 'rep', id });

  // The model learns from every deal in the currency, once; each scope's own deals are the ones forecast.
  const inScopeOf = (scope: 'team' | 'rep', id: string) => (ownerId: string | null) => scope === 'team' || ownerId === id;
  const byOwner = new Map<string | null, CommitDeal[]>();
  for (const d of mine) {
    const list = byOwner.get(d.ownerId);
    if (list) list.push(d);
    else byOwner.set(d.ownerId, [d]);
  }
  const ranges: (WonRange | null)[] =
    daysRemaining > 0 && T < P1
      ? forecastWonRangeByScope(
          mine,
          scopes.map(({ scope, id }) => (scope === 'team' ? mine : (byOwner.get(id) ?? []))),
          {
            now: new Date(Math.max(T, P0) * 1000),
            days: Math.ceil(daysRemaining),
            lookbackDays: opts.lookbackDays,
            scale: opts.errorScale ?? null,
            relativeError: opts.relativeError ?? null,
            runs: opts.runs,
            seed: opts.seed,
          },
        )
      : scopes.map(() => null);

  const rows = scopes.map(({ scope, id }, i): CommitRow => {
    const inScope = inScopeOf(scope, id);
    const won = wonNow.filter((d) => inScope(d.ownerId)).reduce((s, d) => s + d.amount, 0);
    const sums = EMPTY();
    const counts = EMPTY();
    for (const { d, category } of open) {
      if (!inScope(d.ownerId)) continue;
      sums[category] += d.amount;
      counts[category]++;
    }
    const commit = won + sums.commit;
    const r = ranges[i];
    const rest = r ? { p10: r.p10, p50: r.p50, p90: r.p90, expected: r.expected, warm_up: r.warm_up } : { p10: 0, p50: 0, p90: 0, expected: 0, warm_up: false };
    const model = { p10: won + rest.p10, p50: won + rest.p50, p90: won + rest.p90, expected: won + rest.expected, warm_up: rest.warm_up };
    return {
      scope,
      owner_id: id,
      currency: opts.currency,
      won,
      open: sums,
      deals: counts,
      commit,
      best_case: commit + sums.best_case,
      pipeline: sums.pipeline,
      model,
      commit_vs_model: commit < model.p10 ? 'below' : commit > model.p90 ? 'above' : 'within',
      bias: biasOf(points, scope === 'team' ? null : id),
    };
  });
  return { rows, categories, other_currency_deals: otherCurrency, days_remaining: daysRemaining };
}

interface Point {
  day: string;
  /** Per owner ('' = none): the commit called on the snapshot day for its period, and what that period closed won. */
  byOwner: Map<string, { called: number; actual: number }>;
}

/**
 * For each snapshot day s whose period (the kind of `opts.period`) ended by now: per owner, the
 * commit the view would have shown on s (won in that period before s, plus the snapshot's open
 * Commit amount with an expected close date in the period), and what the period actually closed
 * won (its whole won value).
 */
function snapshotPoints(snapshots: CommitSnapshot[], deals: CommitDeal[], opts: CommitOptions, currencyOf: (c: string | null) => string, T: number): Point[] {
  const tz = opts.timeZone;
  const byDay = new Map<string, CommitSnapshot[]>();
  for (const s of snapshots) {
    if (currencyOf(s.currency) !== opts.currency) continue;
    const list = byDay.get(s.day);
    if (list) list.push(s);
    else byDay.set(s.day, [s]);
  }
  const won = deals.filter((d) => d.won && d.closed !== null);
  const out: Point[] = [];
  for (const [day, rows] of [...byDay].sort((a, b) => a[0].localeCompare(b[0]))) {
    const sDay: DayNumber = isoToDay(day);
    const p = fiscalPeriodOf(sDay, opts.period.kind, opts.fiscalStartMonth);
    const start = dayStartS(p.fromDay, tz);
    const from = dayStartS(sDay, tz);
    const to = dayStartS(p.toDay, tz);
    if (to > T) continue; // its period has not ended: what was won is not known yet
    const byOwner = new Map<string, { called: number; actual: number }>();
    const at = (owner: string | null) => {
      const k = owner ?? '';
      let v = byOwner.get(k);
      if (!v) byOwner.set(k, (v = { called: 0, actual: 0 }));
      return v;
    };
    for (const s of rows) {
      if (!s.closeDate || !(s.amount && s.amount > 0)) continue;
      const cd = isoToDay(s.closeDate);
      if (cd < p.fromDay || cd >= p.toDay) continue;
      if (categoryOf(s.forecastCategory, 'open', opts.categoryMap).category === 'commit') at(s.ownerId).called += s.amount;
    }
    for (const d of won) {
      if (d.closed! < start || d.closed! >= to) continue;
      const v = at(d.ownerId);
      v.actual += d.amount;
      if (d.closed! < from) v.called += d.amount;
    }
    out.push({ day, byOwner });
  }
  return out;
}

/** The bias of one owner (null = the team: every owner) over the points where they called or won anything. */
function biasOf(points: Point[], ownerId: string | null): CommitBias {
  let n = 0;
  let called = 0;
  let actual = 0;
  for (const p of points) {
    let c = 0;
    let a = 0;
    if (ownerId === null) {
      for (const v of p.byOwner.values()) {
        c += v.called;
        a += v.actual;
      }
    } else {
      const v = p.byOwner.get(ownerId);
      c = v?.called ?? 0;
      a = v?.actual ?? 0;
    }
    if (c <= 0 && a <= 0) continue;
    n++;
    called += c;
    actual += a;
  }
  const enough = n >= MIN_BIAS_POINTS;
  return { status: enough ? 'ok' : 'not_enough_history', ratio: enough && called > 0 ? actual / called : null, points: n, called, actual };
}
