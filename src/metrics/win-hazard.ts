/**
 * Time-bound win probabilities: a competing-risk, discrete-time hazard model learned from the
 * deals' own stage history. The question it answers is "will this open deal be won within the
 * next H days?", not "will it ever be won?" (that is probabilities.ts).
 *
 * Time runs in weeks aligned on Mondays (UTC). On each Monday m an open deal is in a state:
 * its pipeline, its current canonical stage c (0 Lead … 3 Negotiation) and the whole weeks it
 * has spent in that stage, w. By the next Monday one of six things has happened: won, lost, or
 * still open in stage 0, 1, 2 or 3 (the same stage = it stayed and aged a week). Counting those
 * outcomes per (pipeline, stage, days-in-stage bucket) over the Mondays of the learning window
 * gives weekly rates; chaining the weeks gives P(won within H days). docs/metrics.md states the
 * model with its constants; the tests work the numbers by hand.
 */
import type { PathVisit } from './deal-facts.js';
import { weekStart as calendarWeekStart } from '../time/calendar.js';

const DAY_S = 86_400;
const WEEK_S = 7 * DAY_S;

/** A deal as the model sees it. Amounts are plain numbers (convert currencies before). */
export interface DealHistory {
  /** Pipeline id ('' when none). */
  pipeline: string;
  /** Current amount (a missing amount is 0, with `amountKnown` false). */
  amount: number;
  /**
   * False when the amount says nothing about what the deal was worth while open: none set, or 0
   * on a lost deal (some CRMs and exports zero a lost deal's value). Such a deal is valued at its
   * pipeline's typical won size while open. Default true.
   */
  amountKnown?: boolean;
  created: number;
  /** When won or lost (epoch s), null while open. */
  closed: number | null;
  won: boolean;
  /** Canonical visits, ascending (see deal-facts.ts); before the first visit the deal is in Lead. */
  path: PathVisit[];
  /** In the report's scope (owner, source, created-since filters): forecast and actual count it. Learning uses every deal. */
  inScope: boolean;
  /** The CRM's own probability for the deal's current CRM stage (live forecast), if known. */
  crmProbability?: number | null;
  /**
   * What the weekly deal snapshots saw while the deal was open, oldest first: at instant `t`
   * (epoch s, when the snapshot was taken) its amount was `amount` (null: none set), in the same
   * currency as `amount`, and its expected close date was `closeDay` (epoch day; null: none set;
   * absent: not recorded). Absent or empty when no snapshot has it: the current amount stands for
   * every past date.
   */
  snapshots?: { t: number; amount: number | null; closeDay?: number | null }[];
  /** The expected close date (epoch day; null: none set) as the report's facts have it: for an open deal, as known at the report's instant. */
  closeDay?: number | null;
}

/**
 * Index in `d.snapshots` of the deal's newest snapshot taken at or before T (what was known of
 * its amount and close date then); -1 when none had been taken of it by then.
 */
export function snapshotIndexAt(d: DealHistory, T: number): number {
  const s = d.snapshots;
  if (!s?.length || s[0]!.t > T) return -1;
  let lo = 0;
  let hi = s.length - 1;
  // Last index with t <= T.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s[mid]!.t <= T) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Days-in-stage buckets, in whole weeks: [0,1) [1,2) [2,4) [4,8) [8,13) [13,26) [26,∞). */
export const WEEK_BUCKET_STARTS = [0, 1, 2, 4, 8, 13, 26] as const;
export const BUCKETS = WEEK_BUCKET_STARTS.length;
/** The chain tracks weeks in stage up to this cap (the last bucket starts at 26). */
export const MAX_WEEKS = 26;
/** Outcomes by the next Monday: won, lost, open in stage 0..3. */
export const OUTCOMES = 6;
const O_WON = 0;
const O_LOST = 1;
const STAGES = 4;
/** Per bucket row: exposure n, then the six outcome counts. */
const ROW = 1 + OUTCOMES;
const CELLS = STAGES * BUCKETS * ROW;

/** Prior strengths (in deal-weeks): a cell leans on the next younger cell of its stage (the youngest on the pipeline's stage rate), that on the global stage rate. */
export const CELL_PRIOR = 20;
export const PIPELINE_PRIOR = 50;

export function bucketOfWeeks(w: number): number {
  let b = 0;
  for (let i = 1; i < BUCKETS; i++) if (w >= WEEK_BUCKET_STARTS[i]!) b = i;
  return b;
}

/** The deal's state at instant T: open stage 0..3 and the instant it entered it; null when not open at T. */
export function stateAt(d: DealHistory, T: number): { code: number; since: number } | null {
  if (d.created > T || (d.closed !== null && d.closed <= T)) return null;
  let code = 0;
  let since = d.created;
  for (const v of d.path) {
    if (v.t > T) break;
    code = v.code;
    since = v.t;
  }
  // A closed code before the deal closed is inconsistent data: treat it as the nearest open stage.
  if (code === 4) code = 3;
  else if (code === 5) code = 0;
  return { code, since: Math.max(since, d.created) };
}

/**
 * Weekly observation counts: for every Monday m on which a deal was open, its state and what had
 * happened by m + 7. Stored by the week the observation ENDS (m + 7), so a model for date t uses
 * exactly the observations complete by t. Cumulative over weeks: a window is a difference.
 */
export interface Observations {
  /** Epoch day of the first end-Monday (index 0). */
  firstDay: number;
  weeks: number;
  pipelines: string[];
  /** Per pipeline: cumulative counts, (weeks + 1) × CELLS (row 0 = zero). */
  cum: Float64Array[];
  /** Cumulative closed deals (won or lost) by week of closing, per pipeline. */
  closedCum: Float64Array[];
}

export function buildObservations(deals: DealHistory[], opts: { fromDay: number; toDay: number }): Observations {
  // A few hundred distinct days among 100k deals: look each Monday up in the calendar once.
  const mondays = new Map<number, number>();
  const weekStart = (day: number): number => {
    let m = mondays.get(day);
    if (m === undefined) mondays.set(day, (m = calendarWeekStart(day)));
    return m;
  };
  const firstDay = weekStart(opts.fromDay) + 7;
  const weeks = Math.max(0, Math.floor((weekStart(opts.toDay) - firstDay) / 7) + 1);
  const pipelines = [...new Set(deals.map((d) => d.pipeline))].sort();
  const pIndex = new Map(pipelines.map((p, i) => [p, i]));
  const raw = pipelines.map(() => new Float64Array((weeks + 1) * CELLS));
  const closedRaw = pipelines.map(() => new Float64Array(weeks + 1));
  for (const d of deals) {
    const pi = pIndex.get(d.pipeline)!;
    const arr = raw[pi]!;
    if (d.closed !== null) {
      const e = Math.floor((weekStart(Math.floor(d.closed / DAY_S)) + 7 - firstDay) / 7);
      if (e >= 0 && e < weeks) closedRaw[pi]![e + 1]! += 1;
    }
    // First Monday at or after creation.
    const cDay = Math.floor(d.created / DAY_S);
    let m = weekStart(cDay);
    if (m * DAY_S < d.created) m += 7;
    let vi = 0; // index of the first visit after the current instant
    let code = 0;
    let since = d.created;
    for (; ; m += 7) {
      const e = (m + 7 - firstDay) / 7;
      if (e >= weeks) break;
      const T = m * DAY_S;
      if (d.closed !== null && d.closed <= T) break;
      while (vi < d.path.length && d.path[vi]!.t <= T) {
        code = d.path[vi]!.code;
        since = d.path[vi]!.t;
        vi++;
      }
      if (e < 0) continue;
      const c = code === 4 ? 3 : code === 5 ? 0 : code;
      const w = Math.floor((T - Math.max(since, d.created)) / WEEK_S);
      const T2 = T + WEEK_S;
      let o: number;
      if (d.closed !== null && d.closed <= T2) o = d.won ? O_WON : O_LOST;
      else {
        let c2 = code;
        for (let j = vi; j < d.path.length && d.path[j]!.t <= T2; j++) c2 = d.path[j]!.code;
        o = 2 + (c2 === 4 ? 3 : c2 === 5 ? 0 : c2);
      }
      const base = (e + 1) * CELLS + (c * BUCKETS + bucketOfWeeks(w)) * ROW;
      arr[base]! += 1;
      arr[base + 1 + o]! += 1;
    }
  }
  for (const arr of raw) for (let e = 1; e <= weeks; e++) for (let k = 0; k < CELLS; k++) arr[e * CELLS + k]! += arr[(e - 1) * CELLS + k]!;
  for (const arr of closedRaw) for (let e = 1; e <= weeks; e++) arr[e]! += arr[e - 1]!;
  return { firstDay, weeks, pipelines, cum: raw, closedCum: closedRaw };
}

/**
 * The observations of a deal list from its first creation day to `toDay`, kept per list: a set
 * built to a later day answers every earlier window exactly as one built to that day would
 * (observations are filed by the week they end and windows cut at their own date), so the
 * backtest and the live forecast share one.
 */
const observationCache = new WeakMap<DealHistory[], { fromDay: number; toDay: number; obs: Observations }>();

export function observationsOf(deals: DealHistory[], fromDay: number, toDay: number): Observations {
  const hit = observationCache.get(deals);
  if (hit && hit.fromDay === fromDay && hit.toDay >= toDay) return hit.obs;
  const obs = buildObservations(deals, { fromDay, toDay });
  observationCache.set(deals, { fromDay, toDay, obs });
  return obs;
}

/** Raw counts per (stage, bucket): [n, won, lost, open0..3] for the observations ending in (fromDay, toDay]. */
export type CellCounts = Float64Array;

/** Observation counts per pipeline for the weeks ending in [fromDay, toDay] (epoch days, inclusive). */
export function windowCounts(obs: Observations, fromDay: number, toDay: number): Map<string, CellCounts> {
  const lo = Math.max(0, Math.ceil((fromDay - obs.firstDay) / 7));
  const hi = Math.min(obs.weeks - 1, Math.floor((toDay - obs.firstDay) / 7));
  const out = new Map<string, CellCounts>();
  obs.pipelines.forEach((p, i) => {
    const counts = new Float64Array(CELLS);
    if (hi >= lo) {
      const cum = obs.cum[i]!;
      for (let k = 0; k < CELLS; k++) counts[k] = cum[(hi + 1) * CELLS + k]! - cum[lo * CELLS + k]!;
    }
    out.set(p, counts);
  });
  return out;
}

/** Deals closed in the weeks ending in [fromDay, toDay], summed over pipelines. */
export function closedInWindow(obs: Observations, fromDay: number, toDay: number): number {
  const lo = Math.max(0, Math.ceil((fromDay - obs.firstDay) / 7));
  const hi = Math.min(obs.weeks - 1, Math.floor((toDay - obs.firstDay) / 7));
  if (hi < lo) return 0;
  return obs.closedCum.reduce((a, c) => a + c[hi + 1]! - c[lo]!, 0);
}

/** Weekly transition rates per (stage, bucket): rates[(c·BUCKETS + b)·OUTCOMES + o]. */
export interface HazardTable {
  rates: Float64Array;
  /** Exposure (deal-weeks) of each (stage, bucket) cell, for display. */
  exposure: Float64Array;
}

/**
 * Shrunk weekly rates for one pipeline:
 *   global(c, o)   = Σ_all pipelines, buckets x / Σ n                       (0 with no data)
 *   pipe(c, o)     = (x_pc + PIPELINE_PRIOR · global(c, o)) / (n_pc + PIPELINE_PRIOR)
 *   cell(c, 0, o)  = (x_pc0 + CELL_PRIOR · pipe(c, o)) / (n_pc0 + CELL_PRIOR)
 *   cell(c, b, o)  = (x_pcb + CELL_PRIOR · cell(c, b−1, o)) / (n_pcb + CELL_PRIOR)   for b ≥ 1
 * A thin old cell leans on the ages just younger, not on the stage average: most of a stage's
 * exposure is young deals, whose rates are usually far higher than a deal that has sat for
 * months (on the Salesforce export, a Lead's weekly won rate falls from 12% in its second week
 * to under 1% after 13 weeks). Rates of the six outcomes of a cell sum to 1 at every level.
 */
export function fitHazards(counts: Map<string, CellCounts>, pipeline: string, priors = { cell: CELL_PRIOR, pipeline: PIPELINE_PRIOR }): HazardTable {
  const global = new Float64Array(STAGES * OUTCOMES);
  const globalN = new Float64Array(STAGES);
  for (const cc of counts.values()) {
    for (let c = 0; c < STAGES; c++)
      for (let b = 0; b < BUCKETS; b++) {
        const base = (c * BUCKETS + b) * ROW;
        globalN[c]! += cc[base]!;
        for (let o = 0; o < OUTCOMES; o++) global[c * OUTCOMES + o]! += cc[base + 1 + o]!;
      }
  }
  const own = counts.get(pipeline) ?? new Float64Array(CELLS);
  const rates = new Float64Array(STAGES * BUCKETS * OUTCOMES);
  const exposure = new Float64Array(STAGES * BUCKETS);
  for (let c = 0; c < STAGES; c++) {
    const g = new Float64Array(OUTCOMES);
    for (let o = 0; o < OUTCOMES; o++) g[o] = globalN[c]! > 0 ? global[c * OUTCOMES + o]! / globalN[c]! : o === 2 + c ? 1 : 0;
    let nPc = 0;
    const xPc = new Float64Array(OUTCOMES);
    for (let b = 0; b < BUCKETS; b++) {
      const base = (c * BUCKETS + b) * ROW;
      nPc += own[base]!;
      for (let o = 0; o < OUTCOMES; o++) xPc[o]! += own[base + 1 + o]!;
    }
    const pipe = new Float64Array(OUTCOMES);
    for (let o = 0; o < OUTCOMES; o++) pipe[o] = nPc + priors.pipeline > 0 ? (xPc[o]! + priors.pipeline * g[o]!) / (nPc + priors.pipeline) : g[o]!;
    for (let b = 0; b < BUCKETS; b++) {
      const base = (c * BUCKETS + b) * ROW;
      const n = own[base]!;
      exposure[c * BUCKETS + b] = n;
      for (let o = 0; o < OUTCOMES; o++) {
        // The youngest bucket leans on the stage's rate; each older one on the bucket just younger.
        const prior = b === 0 ? pipe[o]! : rates[(c * BUCKETS + b - 1) * OUTCOMES + o]!;
        rates[(c * BUCKETS + b) * OUTCOMES + o] = n + priors.cell > 0 ? (own[base + 1 + o]! + priors.cell * prior) / (n + priors.cell) : prior;
      }
    }
  }
  return { rates, exposure };
}

/**
 * Cumulative P(won within k weeks) for every starting state, k = 0..K:
 *   V_0 = 0
 *   V_k(c, w) = won(c,b) + stay(c,b) · V_{k−1}(c, min(w+1, 26)) + Σ_{c'≠c} move_{c'}(c,b) · V_{k−1}(c', 0)
 * with b = bucket of w; lost ends the deal. Returned as V[k][c · 27 + w].
 */
export function winCurves(h: HazardTable, K: number): Float64Array[] {
  const W = MAX_WEEKS + 1;
  const V: Float64Array[] = [new Float64Array(STAGES * W)];
  for (let k = 1; k <= K; k++) {
    const prev = V[k - 1]!;
    const cur = new Float64Array(STAGES * W);
    for (let c = 0; c < STAGES; c++)
      for (let w = 0; w < W; w++) {
        const r = (c * BUCKETS + bucketOfWeeks(w)) * OUTCOMES;
        let v = h.rates[r + O_WON]!;
        for (let c2 = 0; c2 < STAGES; c2++) {
          const p = h.rates[r + 2 + c2]!;
          v += p * (c2 === c ? prev[c * W + Math.min(w + 1, MAX_WEEKS)]! : prev[c2 * W]!);
        }
        cur[c * W + w] = v;
      }
    V.push(cur);
  }
  return V;
}

/** P(won within `days`) from the curves, for a deal in stage c with `daysInStage` days there (linear between whole weeks). */
export function winWithin(V: Float64Array[], c: number, daysInStage: number, days: number): number {
  if (days <= 0) return 0;
  const W = MAX_WEEKS + 1;
  const w = Math.min(MAX_WEEKS, Math.max(0, Math.floor(daysInStage / 7)));
  const q = Math.floor(days / 7);
  const f = days / 7 - q;
  const at = (k: number) => V[Math.min(k, V.length - 1)]![c * W + w]!;
  return at(q) + (f > 0 ? f * (at(q + 1) - at(q)) : 0);
}

/** Weeks of curve needed for a horizon of `days`. */
export const curveWeeks = (days: number): number => Math.ceil(days / 7) + 1;

/** Weekly probability that an open deal of the pipeline closes (won or lost), pooled over its states. */
export function closeRate(counts: CellCounts | undefined): number {
  if (!counts) return 0;
  let n = 0;
  let x = 0;
  for (let i = 0; i < STAGES * BUCKETS; i++) {
    n += counts[i * ROW]!;
    x += counts[i * ROW + 1 + O_WON]! + counts[i * ROW + 1 + O_LOST]!;
  }
  return n > 0 ? x / n : 0;
}

/** A per-stage summary of a hazard table: exposure and the shrunk weekly won / lost rates by bucket. */
export function hazardRows(h: HazardTable): { stage: number; bucket: number; exposure: number; won: number; lost: number }[] {
  const out: { stage: number; bucket: number; exposure: number; won: number; lost: number }[] = [];
  for (let c = 0; c < STAGES; c++)
    for (let b = 0; b < BUCKETS; b++) {
      const r = (c * BUCKETS + b) * OUTCOMES;
      out.push({ stage: c, bucket: b, exposure: h.exposure[c * BUCKETS + b]!, won: h.rates[r + O_WON]!, lost: h.rates[r + O_LOST]! });
    }
  return out;
}
