/** Time spent in each open canonical stage, from stage history (completed visits only). */
import { OPEN_CANONICAL_STAGES } from '../model/canonical-stages.js';
import { medianOfCounts, round } from './periods.js';

/**
 * Deals grouped by open canonical depth and whole days spent in that stage (floor), with the
 * exact sum of days in each group. One deal counts once per stage it left (its visits summed).
 */
export interface DaysInStageRow {
  depth: number;
  days: number;
  count: number;
  sumDays: number;
}

export interface TimeInStageRow {
  stage: string;
  /** Deals that left the stage. */
  sample: number;
  mean_days: number | null;
  /** Median in whole days (floor of each deal's days). */
  median_days: number | null;
}

export function timeInStage(rows: DaysInStageRow[]): TimeInStageRow[] {
  return OPEN_CANONICAL_STAGES.map((stage, depth) => {
    const mine = rows.filter((r) => r.depth === depth);
    const n = mine.reduce((a, r) => a + r.count, 0);
    const sum = mine.reduce((a, r) => a + r.sumDays, 0);
    return {
      stage,
      sample: n,
      mean_days: n ? round(sum / n, 1) : null,
      median_days: medianOfCounts(mine.map((r) => ({ value: r.days, count: r.count }))),
    };
  });
}
