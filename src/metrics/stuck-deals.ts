/**
 * Stuck deals: open deals whose days in their current canonical stage reach `threshold` × the
 * historical mean days in that stage (time-in-stage.ts over the look-back cohort). A stage's
 * mean is used only when at least `minSample` deals have left that stage.
 */
import { OPEN_CANONICAL_STAGES } from '../model/canonical-stages.js';
import type { DealListRow } from './report-types.js';
import type { TimeInStageRow } from './time-in-stage.js';
import { DAY_S, round } from './periods.js';
import { dayToIso } from '../time/calendar.js';

export const STUCK_THRESHOLD = 2;
export const STUCK_MIN_SAMPLE = 10;

export interface StuckOptions {
  now: Date;
  threshold?: number;
  minSample?: number;
}

/** Usable mean days per open canonical depth (null below the sample minimum). */
export function stageAverages(times: TimeInStageRow[], minSample = STUCK_MIN_SAMPLE): (number | null)[] {
  return OPEN_CANONICAL_STAGES.map((_, d) => {
    const t = times[d];
    return t && t.sample >= minSample && t.mean_days !== null && t.mean_days > 0 ? t.mean_days : null;
  });
}

/**
 * Per depth, the latest stage entry time (epoch s) that makes a deal stuck at `now`, or null
 * when the stage has no usable average. The store uses these to select candidates in SQL.
 */
export function stuckCutoffs(times: TimeInStageRow[], opts: StuckOptions): (number | null)[] {
  const nowS = opts.now.getTime() / 1000;
  const threshold = opts.threshold ?? STUCK_THRESHOLD;
  return stageAverages(times, opts.minSample).map((avg) => (avg === null ? null : Math.floor(nowS - threshold * avg * DAY_S)));
}

export interface OpenDealCandidate {
  id: string;
  name: string;
  amount: number | null;
  amountOriginal?: number | null;
  currencyOriginal?: string | null;
  depth: number;
  crmStage: string;
  owner: string | null;
  pipeline: string | null;
  stageSince: number | null;
  closeDay: number | null;
}

/** days_in_stage = (now − entry into the current canonical stage) in days; stuck_ratio = days ÷ stage mean. */
export function dealRow(d: OpenDealCandidate, averages: (number | null)[], now: Date): DealListRow {
  const days = d.stageSince === null ? null : round((now.getTime() / 1000 - d.stageSince) / DAY_S, 1);
  const avg = averages[d.depth] ?? null;
  return {
    id: d.id,
    name: d.name,
    amount: d.amount,
    amount_original: d.amountOriginal ?? d.amount,
    currency_original: d.currencyOriginal ?? null,
    stage: OPEN_CANONICAL_STAGES[d.depth]!,
    crm_stage: d.crmStage,
    owner: d.owner,
    pipeline: d.pipeline,
    days_in_stage: days,
    stage_avg_days: avg,
    stuck_ratio: days !== null && avg ? round(days / avg, 2) : null,
    close_date: d.closeDay === null ? null : dayToIso(d.closeDay),
  };
}

/** The stuck deals among the candidates, most stuck first. */
export function stuckDeals(candidates: OpenDealCandidate[], times: TimeInStageRow[], opts: StuckOptions): DealListRow[] {
  const threshold = opts.threshold ?? STUCK_THRESHOLD;
  const averages = stageAverages(times, opts.minSample);
  const nowS = opts.now.getTime() / 1000;
  const isStuck = (c: OpenDealCandidate): boolean => {
    const avg = averages[c.depth];
    return c.stageSince !== null && avg != null && (nowS - c.stageSince) / DAY_S >= threshold * avg;
  };
  return candidates
    .filter(isStuck)
    .map((c) => dealRow(c, averages, opts.now))
    .sort((a, b) => (b.stuck_ratio ?? 0) - (a.stuck_ratio ?? 0) || (b.amount ?? 0) - (a.amount ?? 0));
}
