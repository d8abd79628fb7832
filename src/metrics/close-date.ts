/**
 * The expected close date as evidence: where a rep put a deal's close date says something the
 * stage and its age do not (a deal in Proposal due this month is likelier won this month than
 * one due next quarter). The weekly deal snapshots record the close date as it stood each week,
 * so what a close date in each position was worth can be learned without looking ahead.
 *
 * For a window of days [a, b) after an instant T, an open deal's close date falls in one of five
 * buckets (δ = close day − T's day):
 *   0 none set · 1 before the window (δ < a: overdue, or earlier) · 2 inside (a ≤ δ < b)
 *   3 just after (b ≤ δ < 2b − a) · 4 later
 * Each bucket gets a log-odds offset β learned from the snapshots whose window had ended by the
 * model's instant: for every deal open in a snapshot taken at s (s + b ≤ T, s ≥ T − look-back),
 * its state at s gives the hazard model's p = P(won in [s + a, s + b)) and the outcome y (won in
 * that window or not); β maximises Σ [y log σ(logit p + β) + (1 − y) log(1 − σ(logit p + β))] − K β² / 2,
 * a logistic offset with a normal prior of precision K = CLOSE_DATE_PRIOR around 0 (no effect).
 * The deal's probability becomes σ(logit p + β of its bucket). With no snapshots old enough the
 * offsets are 0 and the model is the hazard model alone.
 */
import { MAX_WEEKS, snapshotIndexAt, type DealHistory } from './win-hazard.js';

const DAY_S = 86_400;
export const CLOSE_BUCKETS = 5;
/** Precision of the prior on each bucket's offset (sd 1 / √K in log-odds). */
export const CLOSE_DATE_PRIOR = 4;
/** A snapshot older than this many days says nothing about the close date at an instant. */
export const SNAPSHOT_FRESH_DAYS = 14;

export function closeBucket(closeDay: number | null | undefined, tDay: number, a: number, b: number): number {
  if (closeDay === null || closeDay === undefined) return 0;
  const delta = closeDay - tDay;
  if (delta < a) return 1;
  if (delta < b) return 2;
  if (delta < 2 * b - a) return 3;
  return 4;
}

/**
 * The deal's expected close day as known at T: from its newest snapshot taken in the
 * SNAPSHOT_FRESH_DAYS before T (`index`: that snapshot's, when the caller has found it already);
 * undefined when none was (nothing is known, no offset applies).
 */
export function closeDayAt(d: DealHistory, T: number, index = snapshotIndexAt(d, T)): number | null | undefined {
  if (index < 0) return undefined;
  const snap = d.snapshots![index]!;
  if (T - snap.t > SNAPSHOT_FRESH_DAYS * DAY_S || snap.closeDay === undefined) return undefined;
  return snap.closeDay;
}

/** Snapshot observations for one window, counted per snapshot instant and (pipeline, stage, weeks in stage, bucket). */
export interface CloseDateObservations {
  a: number;
  b: number;
  /** Distinct snapshot instants, ascending. */
  times: number[];
  pipelines: string[];
  /** Cumulative counts over `times`: (times + 1) × KEYS × 2 (n, won). */
  cum: Float64Array;
}

const W = MAX_WEEKS + 1;
const keyCount = (pipelines: number) => pipelines * 4 * W * CLOSE_BUCKETS;

/**
 * Every snapshot of an open deal with a recorded close date, as flat columns: its instant's index
 * in `times`, its (pipeline, stage, weeks in stage) key, days from the snapshot's day to the close
 * date (NaN: none set) and seconds from the snapshot to the deal's win (NaN: not won). The same for
 * every window, so it is built once per deal list and each window only counts.
 */
interface SnapshotStates {
  times: number[];
  pipelines: string[];
  n: number;
  time: Int32Array;
  state: Int32Array;
  delta: Float64Array;
  wonAfter: Float64Array;
}

function snapshotStates(deals: DealHistory[]): SnapshotStates | null {
  const timeSet = new Set<number>();
  let n = 0;
  for (const d of deals)
    if (d.snapshots)
      for (const s of d.snapshots)
        if (s.closeDay !== undefined) {
          timeSet.add(s.t);
          n++;
        }
  if (!timeSet.size) return null;
  const times = [...timeSet].sort((x, y) => x - y);
  const tIndex = new Map(times.map((t, i) => [t, i]));
  const pipelines = [...new Set(deals.map((d) => d.pipeline))].sort();
  const pIndex = new Map(pipelines.map((p, i) => [p, i]));
  const time = new Int32Array(n);
  const state = new Int32Array(n);
  const delta = new Float64Array(n);
  const wonAfter = new Float64Array(n);
  let k = 0;
  for (const d of deals) {
    if (!d.snapshots) continue;
    const pi = pIndex.get(d.pipeline)!;
    // Snapshots are in time order: the stage at each is found by walking the path once.
    let vi = 0;
    let code = 0;
    let since = d.created;
    for (const s of d.snapshots) {
      if (s.closeDay === undefined || s.t < d.created || (d.closed !== null && d.closed <= s.t)) continue;
      while (vi < d.path.length && d.path[vi]!.t <= s.t) {
        code = d.path[vi]!.code;
        since = d.path[vi]!.t;
        vi++;
      }
      // As stateAt: a closed code before the deal closed is read as the nearest open stage.
      const c = code === 4 ? 3 : code === 5 ? 0 : code;
      const w = Math.min(MAX_WEEKS, Math.floor((s.t - Math.max(since, d.created)) / (7 * DAY_S)));
      time[k] = tIndex.get(s.t)!;
      state[k] = (pi * 4 + c) * W + w;
      delta[k] = s.closeDay === null ? Number.NaN : s.closeDay - Math.floor(s.t / DAY_S);
      wonAfter[k] = d.won && d.closed !== null ? d.closed - s.t : Number.NaN;
      k++;
    }
  }
  return { times, pipelines, n: k, time, state, delta, wonAfter };
}

const statesCache = new WeakMap<DealHistory[], SnapshotStates | null>();

export function closeDateObservations(deals: DealHistory[], a: number, b: number): CloseDateObservations | null {
  if (!statesCache.has(deals)) statesCache.set(deals, snapshotStates(deals));
  const st = statesCache.get(deals)!;
  if (!st) return null;
  const { times, pipelines } = st;
  const K = keyCount(pipelines.length);
  const cum = new Float64Array((times.length + 1) * K * 2);
  for (let i = 0; i < st.n; i++) {
    const dl = st.delta[i]!;
    // closeBucket, on the days from the snapshot's day.
    const bucket = Number.isNaN(dl) ? 0 : dl < a ? 1 : dl < b ? 2 : dl < 2 * b - a ? 3 : 4;
    const base = ((st.time[i]! + 1) * K + st.state[i]! * CLOSE_BUCKETS + bucket) * 2;
    cum[base]! += 1;
    const won = st.wonAfter[i]!;
    if (won >= a * DAY_S && won < b * DAY_S) cum[base + 1]! += 1;
  }
  for (let i = 1; i <= times.length; i++) for (let k = 0; k < K * 2; k++) cum[i * K * 2 + k]! += cum[(i - 1) * K * 2 + k]!;
  return { a, b, times, pipelines, cum };
}

const cache = new WeakMap<DealHistory[], Map<string, CloseDateObservations | null>>();

export function closeDateObservationsOf(deals: DealHistory[], a: number, b: number): CloseDateObservations | null {
  let m = cache.get(deals);
  if (!m) cache.set(deals, (m = new Map()));
  const key = `${a}:${b}`;
  if (!m.has(key)) m.set(key, closeDateObservations(deals, a, b));
  return m.get(key)!;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

/** σ(logit p + β); 0 and 1 stay as they are. */
export function withOffset(p: number, beta: number): number {
  if (p <= 0 || p >= 1 || beta === 0) return p;
  return sigmoid(logit(p) + beta);
}

/**
 * The per-bucket offsets at instant T (epoch s) from the snapshots taken in [T − lookback, T − b days],
 * with `pWon(pipeline, stage, daysInStage, days)` the hazard model learned for T. Null without such snapshots.
 */
export function closeDateOffsets(
  obs: CloseDateObservations | null,
  T: number,
  lookbackDays: number,
  pWon: (pipeline: string, c: number, daysInStage: number, days: number) => number,
): Float64Array | null {
  if (!obs) return null;
  const hiT = T - obs.b * DAY_S;
  const loT = T - lookbackDays * DAY_S;
  let lo = 0;
  while (lo < obs.times.length && obs.times[lo]! < loT) lo++;
  let hi = lo;
  while (hi < obs.times.length && obs.times[hi]! <= hiT) hi++;
  if (hi <= lo) return null;
  const K = keyCount(obs.pipelines.length);
  // Per bucket: the (p, n, won) groups.
  const groups: { p: number; n: number; y: number }[][] = Array.from({ length: CLOSE_BUCKETS }, () => []);
  for (let pi = 0; pi < obs.pipelines.length; pi++)
    for (let c = 0; c < 4; c++)
      for (let w = 0; w < W; w++) {
        let p: number | null = null;
        for (let bucket = 0; bucket < CLOSE_BUCKETS; bucket++) {
          const key = ((pi * 4 + c) * W + w) * CLOSE_BUCKETS + bucket;
          const n = obs.cum[(hi * K + key) * 2]! - obs.cum[(lo * K + key) * 2]!;
          if (n <= 0) continue;
          const y = obs.cum[(hi * K + key) * 2 + 1]! - obs.cum[(lo * K + key) * 2 + 1]!;
          p ??= Math.max(0, pWon(obs.pipelines[pi]!, c, w * 7, obs.b) - pWon(obs.pipelines[pi]!, c, w * 7, obs.a));
          groups[bucket]!.push({ p, n, y });
        }
      }
  const out = new Float64Array(CLOSE_BUCKETS);
  for (let bucket = 0; bucket < CLOSE_BUCKETS; bucket++) out[bucket] = fitOffset(groups[bucket]!, CLOSE_DATE_PRIOR);
  return out;
}

/** The MAP log-odds offset for groups of (p, n deals, y won), by Newton's method. */
export function fitOffset(groups: { p: number; n: number; y: number }[], prior: number): number {
  let beta = 0;
  for (let it = 0; it < 30; it++) {
    let g = -prior * beta;
    let h = prior;
    for (const { p, n, y } of groups) {
      if (p <= 0 || p >= 1) continue;
      const q = sigmoid(logit(p) + beta);
      g += y - n * q;
      h += n * q * (1 - q);
    }
    const step = g / h;
    beta += Math.max(-2, Math.min(2, step));
    if (Math.abs(step) < 1e-9) break;
  }
  return beta;
}
