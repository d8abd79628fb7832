/**
 * Value won in a coming window, as a range: open deals × their time-bound win probabilities
 * (win-hazard.ts), plus deals not yet created that will be created and won inside the window,
 * simulated deal by deal (seeded, so the same inputs give the same range) and widened by the
 * model's own past errors. `forecastWonRange` is the one entry point other reports build on.
 */
import { seededRandom, standardNormal } from './random.js';
import {
  observationsOf,
  closedInWindow,
  snapshotIndexAt,
  curveWeeks,
  fitHazards,
  stateAt,
  windowCounts,
  winCurves,
  winWithin,
  type DealHistory,
  type Observations,
} from './win-hazard.js';
import { closeBucket, closeDateObservationsOf, closeDateOffsets, withOffset } from './close-date.js';

const DAY_S = 86_400;

/** Below this many deals closed in the learning window the model is not trusted (warm-up: run-rate instead). */
export const WARMUP_MIN_CLOSED = 40;
/** …nor before this many days of history (a pipeline's long stages are not seen yet). */
export const WARMUP_MIN_DAYS = 120;
/** Recent creation rate: deals created in this many days before the date; the recent cohort's conversion is measured over as many days. */
export const CREATION_WINDOW_DAYS = 45;
/** Run-rate baseline: value won in this many days before the date, scaled to the horizon. */
export const RUN_RATE_DAYS = 90;
/** New-deal conversion: a pipeline's curve leans on the all-pipeline curve with this many pseudo-deals. */
export const NEW_DEAL_PRIOR = 20;
/** …and the recent cohort's curve leans on the pipeline's whole-year curve with this many. */
export const RECENT_COHORT_PRIOR = 20;
/** The conversion curve is learned up to this many days after creation (longer windows reuse its last value). */
export const NEW_DEAL_MAX_DAYS = 180;
/**
 * Credibility of the model against the run-rate (prior strength, in closed deals): the point
 * forecast is z · model + (1 − z) · run-rate with z = closed ÷ (closed + 100), closed = deals
 * closed in the learning window. A model learned from 40 closed deals (the warm-up minimum) gets
 * 29%, from 1,000 91%: a small history is one regime's worth of data and the model, which has no
 * prior beyond that history in a one-pipeline CRM, should not be trusted alone.
 */
export const CREDIBILITY_CLOSED = 100;
export const credibility = (closed: number): number => closed / (closed + CREDIBILITY_CLOSED);
export const SIMULATION_RUNS = 400;
/** Deals simulated one by one (the largest variance first); the rest enter as one normal term. */
export const EXACT_DEALS = 120;
export const RANGE_SEED = 42;

/** What of the forecast scope the model needs: its won deals by close time, and its deals by creation per pipeline. */
interface ScopeIndex {
  /** Per pipeline, the creation times of the scope's deals, sorted. */
  scopeCreated: Map<string, Float64Array>;
  /** The scope's won deals' close times, sorted. */
  wonClosedAt: Float64Array;
  /** Prefix sums of the scope's won amounts in close order. */
  wonCum: Float64Array;
}

/** Deals sorted by creation, won in-scope deals sorted by close, computed once per deal list. */
interface DealIndex extends ScopeIndex {
  byCreated: DealHistory[];
  /** Per pipeline, sorted by creation: every deal, and won deals with days from creation to won (1 = within a day). */
  pipes: Map<string, { created: Float64Array; wonCreated: Float64Array; wonDays: Int32Array; wonAmount: Float64Array }>;
  /** Per pipeline, won deals with a known amount by close time, with prefix sums of their amounts (typical sizes). */
  sizedByPipe: Map<string, { closedAt: Float64Array; cum: Float64Array }>;
  createdAt: Float64Array;
  first: number;
}
const indexes = new WeakMap<DealHistory[], DealIndex>();

/** A scope's index: `deals` as given, `byCreated` the same deals sorted by creation. */
function scopeIndex(deals: readonly DealHistory[], byCreated: readonly DealHistory[], inScope: (d: DealHistory) => boolean): ScopeIndex {
  const created = new Map<string, number[]>();
  for (const d of byCreated) {
    if (!inScope(d)) continue;
    const list = created.get(d.pipeline);
    if (list) list.push(d.created);
    else created.set(d.pipeline, [d.created]);
  }
  // Ties in close time keep the deals' given order, so the prefix sums add up in the same order whoever asks.
  const won = deals.filter((d) => inScope(d) && d.won && d.closed !== null).sort((a, b) => a.closed! - b.closed!);
  const wonCum = new Float64Array(won.length + 1);
  won.forEach((d, i) => {
    wonCum[i + 1] = wonCum[i]! + d.amount;
  });
  return {
    scopeCreated: new Map([...created].map(([p, xs]) => [p, Float64Array.from(xs)])),
    wonClosedAt: Float64Array.from(won, (d) => d.closed!),
    wonCum,
  };
}

function indexOf(deals: DealHistory[]): DealIndex {
  let ix = indexes.get(deals);
  if (ix) return ix;
  const byCreated = deals.slice().sort((a, b) => a.created - b.created);
  const sized = deals.filter((d) => d.won && d.closed !== null && d.amountKnown !== false).sort((a, b) => a.closed! - b.closed!);
  const sizedByPipe: DealIndex['sizedByPipe'] = new Map();
  for (const p of new Set(sized.map((d) => d.pipeline))) {
    const mine = sized.filter((d) => d.pipeline === p);
    const cum = new Float64Array(mine.length + 1);
    mine.forEach((d, i) => {
      cum[i + 1] = cum[i]! + d.amount;
    });
    sizedByPipe.set(p, { closedAt: Float64Array.from(mine, (d) => d.closed!), cum });
  }
  const pipes: DealIndex['pipes'] = new Map();
  for (const p of new Set(byCreated.map((d) => d.pipeline))) {
    const mine = byCreated.filter((d) => d.pipeline === p);
    const won = mine.filter((d) => d.won && d.closed !== null);
    pipes.set(p, {
      created: Float64Array.from(mine, (d) => d.created),
      wonCreated: Float64Array.from(won, (d) => d.created),
      wonDays: Int32Array.from(won, (d) => Math.floor((d.closed! - d.created) / DAY_S) + 1),
      wonAmount: Float64Array.from(won, (d) => d.amount),
    });
  }
  ix = {
    pipes,
    byCreated,
    sizedByPipe,
    createdAt: Float64Array.from(byCreated, (d) => d.created),
    ...scopeIndex(deals, byCreated, (d) => d.inScope),
    first: byCreated.length ? byCreated[0]!.created : Infinity,
  };
  indexes.set(deals, ix);
  return ix;
}

/** First index i with xs[i] >= x. */
function lowerBound(xs: Float64Array, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface LearnOptions {
  /** Learning look-back in days (default 365). */
  lookbackDays?: number;
}

/** The model as learned for one instant: P(won within d days) for any state, and the new-deal term. */
export interface FittedModel {
  at: number;
  warmUp: boolean;
  /** Deals closed in the learning window (the warm-up count). */
  closedInWindow: number;
  /** P(won within `days` days) for a deal of `pipeline` in stage c with `daysInStage` days there. */
  pWon(pipeline: string, c: number, daysInStage: number, days: number): number;
  /** Per pipeline: recent creation rate of in-scope deals (per day), conversion curve F(d), won sizes. */
  newDeals: Map<string, NewDealInputs>;
  /** Weekly probability that an open deal closes (won or lost), per pipeline (the CRM baseline's timing). */
  weeklyCloseRate: Map<string, number>;
  /** What an open deal is worth in the forecast: its amount, or its pipeline's typical won size when unknown. */
  value(d: DealHistory): number;
  /**
   * What an open deal was worth at the model's instant as far as was known then: its newest
   * weekly snapshot's amount taken by then (none set: the typical size), else `value(d)`.
   * `index`: that snapshot's index in `d.snapshots` when the caller has found it (-1: none).
   */
  valueThen(d: DealHistory, index?: number): number;
  /**
   * The close-date offsets (close-date.ts) for days [a, b) after the model's instant, one per
   * bucket; null when no snapshot with a close date is old enough to learn them from.
   */
  closeOffsets(a: number, b: number): Float64Array | null;
  /** P(won in [a, b)) for an open deal whose expected close day (as known at the instant) is `closeDay`; undefined: not known. */
  pWonWindow(o: { d: DealHistory; c: number; daysInStage: number }, a: number, b: number, closeDay: number | null | undefined): number;
}

export interface NewDealInputs {
  ratePerDay: number;
  /** F[d] = share of recent cohorts won within d days of creation, d = 0..maxDays. */
  conversion: number[];
  /** Amounts of those cohort deals won within maxDays (bootstrap sizes); their mean is the typical size. */
  sizes: number[];
  meanSize: number;
}

/**
 * Learns the model at instant T (epoch s) from what was known before it: observations ending by
 * T's day, deals created before T. `maxDays` = the longest window it will be asked about.
 */
export function fitModel(deals: DealHistory[], obs: Observations, T: number, maxDays: number, opts: LearnOptions = {}): FittedModel {
  const L = opts.lookbackDays ?? 365;
  const tDay = Math.floor(T / DAY_S);
  const counts = windowCounts(obs, tDay - L + 7, tDay);
  const closed = closedInWindow(obs, tDay - L + 7, tDay);
  const first = indexOf(deals).first;
  const historyDays = first === Infinity ? 0 : (T - first) / DAY_S;
  const warmUp = closed < WARMUP_MIN_CLOSED || historyDays < WARMUP_MIN_DAYS;
  const K = curveWeeks(maxDays);
  const curves = new Map<string, Float64Array[]>();
  const weeklyCloseRate = new Map<string, number>();
  for (const p of obs.pipelines) {
    curves.set(p, winCurves(fitHazards(counts, p), K));
    const c = counts.get(p)!;
    let n = 0;
    let x = 0;
    for (let i = 0; i < c.length; i += 7) {
      n += c[i]!;
      x += c[i + 1]! + c[i + 2]!;
    }
    weeklyCloseRate.set(p, n > 0 ? x / n : 0);
  }
  const globalCurves = winCurves(fitHazards(counts, '\u0000none'), K);
  // Typical won size per pipeline: mean known amount of deals won in the learning window (else all pipelines').
  const ix = indexOf(deals);
  const sizeOf = new Map<string, number>();
  let allSum = 0;
  let allN = 0;
  for (const [p, x] of ix.sizedByPipe) {
    const lo = lowerBound(x.closedAt, T - L * DAY_S);
    const hi = lowerBound(x.closedAt, T);
    const sum = x.cum[hi]! - x.cum[lo]!;
    if (hi > lo) sizeOf.set(p, sum / (hi - lo));
    allSum += sum;
    allN += hi - lo;
  }
  const typical = (p: string) => sizeOf.get(p) ?? (allN > 0 ? allSum / allN : 0);
  const value = (d: DealHistory) => (d.amountKnown === false ? typical(d.pipeline) : d.amount);
  const pWon = (pipeline: string, c: number, daysInStage: number, days: number) => winWithin(curves.get(pipeline) ?? globalCurves, c, daysInStage, days);
  const offsets = new Map<string, Float64Array | null>();
  const closeOffsets = (a: number, b: number): Float64Array | null => {
    const key = `${a}:${b}`;
    if (!offsets.has(key)) offsets.set(key, warmUp ? null : closeDateOffsets(closeDateObservationsOf(deals, a, b), T, L, pWon));
    return offsets.get(key)!;
  };
  return {
    value,
    valueThen: (d, index = snapshotIndexAt(d, T)) => {
      if (index < 0) return value(d);
      const a = d.snapshots![index]!.amount;
      return a === null ? typical(d.pipeline) : a;
    },
    at: T,
    warmUp,
    closedInWindow: closed,
    pWon,
    closeOffsets,
    pWonWindow: (o, a, b, closeDay) => {
      const p = Math.max(0, pWon(o.d.pipeline, o.c, o.daysInStage, b) - pWon(o.d.pipeline, o.c, o.daysInStage, a));
      if (closeDay === undefined) return p;
      const beta = closeOffsets(a, b);
      return beta ? withOffset(p, beta[closeBucket(closeDay, Math.floor(T / DAY_S), a, b)]!) : p;
    },
    newDeals: newDealInputs(deals, T, Math.ceil(Math.min(maxDays, NEW_DEAL_MAX_DAYS)), L),
    weeklyCloseRate,
  };
}

/**
 * New-deal inputs per pipeline at T:
 *   rate      = in-scope deals created in [T − 45 d, T) ÷ min(45, days of history)
 *   cohort    = deals created in [T − lookback, T − D days), D = min(window, 180): every one has D days of follow-up before T
 *   year_p(d) = (won_p(d) + 20 · F_all(d)) / (n_p + 20), won(d) = cohort deals won within d days of creation
 *   recent    = cohort deals created in the 45 days before T − D (the rate's window, moved back by the follow-up)
 *   F_p(d)    = (won_recent_p(d) + 20 · year_p(d)) / (n_recent_p + 20)
 * The conversion is measured on deals of the same recent weeks as the creation rate, so a burst of
 * deals that do not convert (a bulk import, a campaign of cold leads) lowers the conversion as it
 * raises the rate, and a change of conversion (a new team, a new offer) shows within weeks.
 *   size      = mean amount of the pipeline's cohort deals won within D days (else of all pipelines')
 */
export function newDealInputs(deals: DealHistory[], T: number, D: number, lookbackDays: number, scope?: ScopeIndex): Map<string, NewDealInputs> {
  const from = T - lookbackDays * DAY_S;
  const cohortEnd = T - D * DAY_S;
  const rateFrom = T - CREATION_WINDOW_DAYS * DAY_S;
  const ix = indexOf(deals);
  const scopeCreated = (scope ?? ix).scopeCreated;
  const none = new Float64Array(0);
  const first = ix.first;
  const rateDays = Math.max(1, Math.min(CREATION_WINDOW_DAYS, (T - first) / DAY_S));
  type Acc = { created: number; n: number; wonBy: number[]; sizes: number[]; recentN: number; recentWonBy: number[] };
  const acc = new Map<string, Acc>();
  const all: Acc = { created: 0, n: 0, wonBy: new Array(D + 1).fill(0), sizes: [], recentN: 0, recentWonBy: [] };
  // The recent cohort: the creation window's length, ending where follow-up is complete.
  const recentFrom = Math.max(from, cohortEnd - CREATION_WINDOW_DAYS * DAY_S);
  for (const [p, x] of ix.pipes) {
    const a: Acc = { created: 0, n: 0, wonBy: new Array(D + 1).fill(0), sizes: [], recentN: 0, recentWonBy: new Array(D + 1).fill(0) };
    const mine = scopeCreated.get(p) ?? none;
    a.created = lowerBound(mine, T) - lowerBound(mine, rateFrom);
    if (cohortEnd > from) {
      a.n = lowerBound(x.created, cohortEnd) - lowerBound(x.created, from);
      a.recentN = lowerBound(x.created, cohortEnd) - lowerBound(x.created, recentFrom);
      for (let i = lowerBound(x.wonCreated, from), end = lowerBound(x.wonCreated, cohortEnd); i < end; i++) {
        const days = x.wonDays[i]!; // won within `days` days (and every longer window)
        if (days > D) continue;
        a.wonBy[days]! += 1;
        all.wonBy[days]! += 1;
        if (x.wonCreated[i]! >= recentFrom) a.recentWonBy[days]! += 1;
        a.sizes.push(x.wonAmount[i]!);
        all.sizes.push(x.wonAmount[i]!);
      }
    }
    all.n += a.n;
    acc.set(p, a);
  }
  const cumulative = (xs: number[]) => {
    const out = xs.slice();
    for (let i = 1; i < out.length; i++) out[i]! += out[i - 1]!;
    return out;
  };
  const allWon = cumulative(all.wonBy);
  const fAll = allWon.map((w) => (all.n > 0 ? w / all.n : 0));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
  const out = new Map<string, NewDealInputs>();
  for (const [p, a] of acc) {
    const won = cumulative(a.wonBy);
    const long = won.map((w, d) => (w + NEW_DEAL_PRIOR * fAll[d]!) / (a.n + NEW_DEAL_PRIOR));
    const recentWon = cumulative(a.recentWonBy);
    const conversion = recentWon.map((w, d) => (w + RECENT_COHORT_PRIOR * long[d]!) / (a.recentN + RECENT_COHORT_PRIOR));
    const sizes = a.sizes.length ? a.sizes : all.sizes;
    out.set(p, { ratePerDay: a.created / rateDays, conversion, sizes, meanSize: mean(sizes) });
  }
  return out;
}

/**
 * Expected deals created and won in days [a, b) after T: rate · Σ_{j=0}^{b−1} (F(b − j) − F(a − j)),
 * a deal created on day j having b − j days to be won by the window's end (F(x ≤ 0) = 0,
 * F(x > D) = F(D)).
 */
export function newDealCount(inp: NewDealInputs, a: number, b: number): number {
  const D = inp.conversion.length - 1;
  const F = (x: number) => (x <= 0 ? 0 : inp.conversion[Math.min(Math.floor(x), D)]!);
  let s = 0;
  for (let j = 0; j < b; j++) s += F(b - j) - F(a - j);
  return inp.ratePerDay * s;
}

function poisson(r: () => number, mu: number): number {
  if (mu <= 0) return 0;
  if (mu > 50) return Math.max(0, Math.round(mu + Math.sqrt(mu) * standardNormal(r)));
  const l = Math.exp(-mu);
  let k = 0;
  let p = 1;
  for (;;) {
    p *= r();
    if (p <= l) return k;
    k++;
  }
}

export interface SimulatedRange {
  mean: number;
  sd: number;
  p10: number;
  p50: number;
  p90: number;
  /** Every run's total, ascending (for probabilities of reaching an amount). */
  totals: Float64Array;
}

const quantile = (sorted: Float64Array, q: number): number => {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
};

/**
 * Deal-level simulation of the value won: each open deal is won with its probability (the
 * EXACT_DEALS with the largest variance a²p(1−p) one by one, the rest as one normal term with
 * their mean and variance); new deals: a Poisson count per pipeline with its expected count,
 * each with a size drawn from that pipeline's recent won sizes.
 */
export function simulateWon(
  open: { amount: number; p: number }[],
  fresh: { count: number; sizes: number[] }[],
  opts: { runs?: number; seed?: number } = {},
): SimulatedRange {
  const runs = opts.runs ?? SIMULATION_RUNS;
  const r = seededRandom(opts.seed ?? RANGE_SEED);
  const variance = (d: { amount: number; p: number }) => d.amount * d.amount * d.p * (1 - d.p);
  const live = open.filter((d) => d.p > 0 && d.amount !== 0);
  let restMean = 0;
  let restVar = 0;
  let exact = live;
  if (live.length > EXACT_DEALS) {
    // The EXACT_DEALS largest variances (ties: the earlier deal), largest first, without sorting them all.
    const v = Float64Array.from(live, variance);
    const threshold = v.slice().sort()[v.length - EXACT_DEALS]!;
    let above = 0;
    for (let i = 0; i < v.length; i++) if (v[i]! > threshold) above++;
    let tiesLeft = EXACT_DEALS - above;
    const chosen: number[] = [];
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (x > threshold || (x === threshold && tiesLeft-- > 0)) chosen.push(i);
      else {
        restMean += live[i]!.amount * live[i]!.p;
        restVar += x;
      }
    }
    exact = chosen.sort((x, y) => v[y]! - v[x]! || x - y).map((i) => live[i]!);
  }
  const amounts = Float64Array.from(exact, (d) => d.amount);
  const probs = Float64Array.from(exact, (d) => d.p);
  const restSd = Math.sqrt(restVar);
  const newDeals = fresh.filter((f) => f.sizes.length > 0 && f.count > 0);
  const totals = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    let t = 0;
    for (let k = 0; k < amounts.length; k++) if (r() < probs[k]!) t += amounts[k]!;
    if (restSd > 0 || restMean > 0) t += Math.max(0, restMean + restSd * standardNormal(r));
    for (const f of newDeals) {
      const n = poisson(r, f.count);
      for (let k = 0; k < n; k++) t += f.sizes[Math.floor(r() * f.sizes.length)]!;
    }
    totals[i] = t;
  }
  let mean = 0;
  for (const t of totals) mean += t;
  mean /= runs;
  let v = 0;
  for (const t of totals) v += (t - mean) ** 2;
  totals.sort();
  return { mean, sd: Math.sqrt(v / Math.max(1, runs - 1)), p10: quantile(totals, 0.1), p50: quantile(totals, 0.5), p90: quantile(totals, 0.9), totals };
}

/** Past misses: s = √(mean z²), z = (actual − simulated mean) ÷ simulated sd, over completed warm points. */
export const MIN_PAST_POINTS = 6;

export function errorScale(past: { actual: number; mean: number; sd: number }[]): number | null {
  const z = past.filter((p) => p.sd > 0).map((p) => (p.actual - p.mean) / p.sd);
  if (z.length < MIN_PAST_POINTS) return null;
  return Math.sqrt(z.reduce((s, x) => s + x * x, 0) / z.length);
}

/**
 * The model's systematic error as a share of the forecast: c with c² = Σ((actual − mean)² − sd²) ÷ Σ mean²
 * (never below 0) over past points — the part of the misses the simulation's own spread does not
 * explain. Unlike `errorScale` (a multiple of one scope's simulated spread) it carries over to a
 * smaller scope: a rep's range is widened by √(1 + (c · expected ÷ sd)²) for that rep's own
 * expected and sd, so a rep with few deals is not widened by a factor learned on the whole team's
 * tight simulation. Null with fewer than MIN_PAST_POINTS points.
 */
export function relativeError(past: { actual: number; mean: number; sd: number }[]): number | null {
  if (past.length < MIN_PAST_POINTS) return null;
  let excess = 0;
  let scale = 0;
  for (const p of past) {
    excess += (p.actual - p.mean) ** 2 - p.sd ** 2;
    scale += p.mean ** 2;
  }
  return scale > 0 ? Math.sqrt(Math.max(0, excess) / scale) : null;
}

/** The widening of a range of this expected value and simulated sd for a relative error c (≥ 1). */
export function scaleForRelativeError(c: number, expected: number, sd: number): number {
  return sd > 0 ? Math.sqrt(1 + ((c * Math.max(0, expected)) / sd) ** 2) : 1;
}

/** The simulated range widened around its median by s (never narrowed; never below 0). */
export function widen(r: Omit<SimulatedRange, 'totals'>, s: number | null): { p10: number; p50: number; p90: number } {
  const k = Math.max(1, s ?? 1);
  return { p10: Math.max(0, r.p50 - k * (r.p50 - r.p10)), p50: r.p50, p90: r.p50 + k * (r.p90 - r.p50) };
}

/**
 * P(value won ≥ x) under the same widening as `widen`: the share of runs whose total, moved away
 * from the median by the factor max(1, s) (and never below 0), reaches x. 1 when x ≤ 0.
 */
export function probabilityAtLeast(r: SimulatedRange, x: number, s: number | null): number {
  if (x <= 0) return 1;
  const n = r.totals.length;
  if (!n) return 0;
  const k = Math.max(1, s ?? 1);
  // Widened t = p50 + k (t − p50) ≥ x  ⟺  t ≥ p50 + (x − p50) / k; totals are ascending.
  const cut = r.p50 + (x - r.p50) / k;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (r.totals[mid]! < cut) lo = mid + 1;
    else hi = mid;
  }
  return (n - lo) / n;
}

export interface WonRange {
  /** Expected value won from deals open at the start (Σ amount × P(won in the window)). */
  open: number;
  /** Expected value won from deals created and won inside the window. */
  new_deals: number;
  /** open + new_deals (the point forecast). */
  expected: number;
  p10: number;
  p50: number;
  p90: number;
  /** The model is still warming up (too little history): expected is the run-rate, the range is the simulation's. */
  warm_up: boolean;
  open_deals: number;
  /** Weight of the model in `expected` (the rest is the run-rate); 1 when no run-rate is given, 0 in warm-up. */
  credibility: number;
  /** The point forecast and the simulation's sd before widening (what past errors are measured against). */
  sim_mean: number;
  sim_sd: number;
  /** P(value won in the window ≥ `atLeast`), when asked for (probabilityAtLeast). */
  p_at_least?: number;
  /** The factor (≥ 1) the simulated range was widened by around its median. */
  scale: number;
}

/** Open in-scope deals at T with their state (`inScope`: the scope, when not the deals' own flag). */
export function openAt(deals: readonly DealHistory[], T: number, inScope: (d: DealHistory) => boolean = (d) => d.inScope): { d: DealHistory; c: number; daysInStage: number }[] {
  const out: { d: DealHistory; c: number; daysInStage: number }[] = [];
  for (const d of deals) {
    if (!inScope(d)) continue;
    const s = stateAt(d, T);
    if (s) out.push({ d, c: s.code, daysInStage: (T - s.since) / DAY_S });
  }
  return out;
}

/** In-scope value won in [T − RUN_RATE_DAYS, T), scaled to `days` (by the history available when shorter). */
export function runRate(deals: DealHistory[], T: number, days: number, scope?: ScopeIndex): number {
  const ix = indexOf(deals);
  const first = ix.first;
  const from = T - RUN_RATE_DAYS * DAY_S;
  const sx = scope ?? ix;
  const won = sx.wonCum[lowerBound(sx.wonClosedAt, T)]! - sx.wonCum[lowerBound(sx.wonClosedAt, from)]!;
  const span = Math.min(RUN_RATE_DAYS, Math.max(1, (T - first) / DAY_S));
  return (won * days) / span;
}

/** The range for days [a, b) after the model's instant, over the open deals given. */
export function rangeFor(
  model: FittedModel,
  open: { d: DealHistory; c: number; daysInStage: number }[],
  a: number,
  b: number,
  opts: { scale?: number | null; relativeError?: number | null; runs?: number; seed?: number; runRate?: number; p?: ArrayLike<number>; values?: ArrayLike<number>; atLeast?: number } = {},
): WonRange {
  // `p`: each open deal's P(won in [a, b)) when the caller has it already; `values`: each one's worth, likewise.
  const given = opts.p;
  const items = open.map((o, k) => ({
    amount: opts.values ? opts.values[k]! : model.value(o.d),
    p: given ? given[k]! : model.pWonWindow(o, a, b, o.d.closed === null ? o.d.closeDay : undefined),
  }));
  const fresh = [...model.newDeals.values()].map((n) => ({ count: newDealCount(n, a, b), sizes: n.sizes, mean: n.meanSize }));
  const openValue = items.reduce((s, x) => s + x.amount * x.p, 0);
  const newValue = fresh.reduce((s, f) => s + f.count * f.mean, 0);
  const sim = simulateWon(items, fresh, { runs: opts.runs, seed: opts.seed });
  const modelValue = openValue + newValue;
  const z = opts.runRate === undefined ? 1 : model.warmUp ? 0 : credibility(model.closedInWindow);
  const expected = opts.runRate === undefined ? modelValue : z * modelValue + (1 - z) * opts.runRate;
  // The simulation is of the model alone: its range moves with the point forecast (not in warm-up, where the range stays the model's).
  const shift = model.warmUp ? 0 : expected - modelValue;
  const moved = { ...sim, p10: Math.max(0, sim.p10 + shift), p50: Math.max(0, sim.p50 + shift), p90: Math.max(0, sim.p90 + shift) };
  // A relative error (learned on a wider scope) gives this range its own widening; else the scale given.
  const scale = opts.relativeError != null ? scaleForRelativeError(opts.relativeError, expected, sim.sd) : (opts.scale ?? null);
  const w = widen(moved, scale);
  const out: WonRange = { open: openValue, new_deals: newValue, expected, ...w, warm_up: model.warmUp, open_deals: open.length, credibility: z, sim_mean: model.warmUp ? sim.mean : expected, sim_sd: sim.sd, scale: Math.max(1, scale ?? 1) };
  // The moved runs are t + shift, so reaching x is the unmoved runs reaching x − shift.
  if (opts.atLeast !== undefined) out.p_at_least = probabilityAtLeast(sim, opts.atLeast - shift, scale);
  return out;
}

/**
 * P10 / P50 / P90 (and the split) of the value won in days [fromDays, toDays) after `now` by the
 * in-scope deals (`inScope`), learning from every deal given. The entry point for other reports
 * (quota pacing, the digest): convert amounts to one currency before calling.
 */
export function forecastWonRange(deals: DealHistory[], opts: WonRangeOptions): WonRange {
  const T = Math.floor(opts.now.getTime() / 1000);
  const a = opts.fromDays ?? 0;
  const obs = observationsOf(deals, minCreatedDay(deals), Math.floor(T / DAY_S));
  const model = fitModel(deals, obs, T, opts.days, { lookbackDays: opts.lookbackDays });
  const rr = runRate(deals, T, opts.days - a);
  return rangeFor(model, openAt(deals, T), a, opts.days, { scale: opts.scale, relativeError: opts.relativeError, runs: opts.runs, seed: opts.seed, runRate: rr, atLeast: opts.atLeast });
}

export interface WonRangeOptions {
  now: Date;
  days: number;
  fromDays?: number;
  lookbackDays?: number;
  scale?: number | null;
  relativeError?: number | null;
  runs?: number;
  seed?: number;
  atLeast?: number;
}

/**
 * forecastWonRange for several scopes of one deal list (a team and each of its reps). A scope is
 * given as its deals: a sub-list of `deals`, in their order. Scope i's range is exactly
 * forecastWonRange of `deals` with `inScope` true for scope i's deals and false for the rest, but
 * the model (observations, hazards, curves, close-date offsets, typical sizes) is learned once,
 * since it learns from every deal whatever the scope; only the scope's own open deals, run-rate
 * and recent creation rate are computed per scope, from its deals alone.
 */
export function forecastWonRangeByScope(deals: DealHistory[], scopes: readonly (readonly DealHistory[])[], opts: WonRangeOptions): WonRange[] {
  if (scopes.length === 0) return [];
  const T = Math.floor(opts.now.getTime() / 1000);
  const a = opts.fromDays ?? 0;
  const obs = observationsOf(deals, minCreatedDay(deals), Math.floor(T / DAY_S));
  const model = fitModel(deals, obs, T, opts.days, { lookbackDays: opts.lookbackDays });
  const D = Math.ceil(Math.min(opts.days, NEW_DEAL_MAX_DAYS));
  const all = () => true;
  return scopes.map((members) => {
    const byCreated = members === deals ? indexOf(deals).byCreated : members.slice().sort((x, y) => x.created - y.created);
    const sx = scopeIndex(members, byCreated, all);
    const scoped: FittedModel = { ...model, newDeals: newDealInputs(deals, T, D, opts.lookbackDays ?? 365, sx) };
    const rr = runRate(deals, T, opts.days - a, sx);
    return rangeFor(scoped, openAt(members as DealHistory[], T, all), a, opts.days, { scale: opts.scale, relativeError: opts.relativeError, runs: opts.runs, seed: opts.seed, runRate: rr, atLeast: opts.atLeast });
  });
}

/**
 * The ranges of the value won in days [0, d) after `now` for each d of `days`, from one fitted
 * model (forecastWonRange fits one per call): the forecast band of a pacing chart. The longest
 * window gets `atLeast` and the same inputs as forecastWonRange(…, { days: max }) would, so its
 * range is that call's.
 */
export function forecastWonRanges(
  deals: DealHistory[],
  opts: { now: Date; days: number[]; lookbackDays?: number; scale?: number | null; relativeError?: number | null; runs?: number; seed?: number; atLeast?: number },
): WonRange[] {
  if (opts.days.length === 0) return [];
  const T = Math.floor(opts.now.getTime() / 1000);
  const max = Math.max(...opts.days);
  const obs = observationsOf(deals, minCreatedDay(deals), Math.floor(T / DAY_S));
  const model = fitModel(deals, obs, T, max, { lookbackDays: opts.lookbackDays });
  const open = openAt(deals, T);
  return opts.days.map((d) =>
    rangeFor(model, open, 0, d, {
      scale: opts.scale,
      relativeError: opts.relativeError,
      runs: opts.runs,
      seed: opts.seed,
      runRate: runRate(deals, T, d),
      ...(d === max && opts.atLeast !== undefined ? { atLeast: opts.atLeast } : {}),
    }),
  );
}

export function minCreatedDay(deals: DealHistory[]): number {
  const first = indexOf(deals).first;
  return first === Infinity ? 0 : Math.floor(first / DAY_S);
}
