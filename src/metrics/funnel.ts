/** Cumulative funnel and stage conversion over a creation cohort. */
import { CANONICAL_STAGES } from '../model/canonical-stages.js';
import type { FunnelStageRow } from './report-types.js';
import { round } from './periods.js';

/** Cohort deals grouped by the deepest canonical stage reached (0 Lead … 4 Closed Won) and status. */
export interface CohortByDepthRow {
  deepest: number;
  status: 'open' | 'won' | 'lost';
  count: number;
}

export interface FunnelBody {
  stages: FunnelStageRow[];
  win_rate: number | null;
  cohort: { from: string; to: string; deals: number; won: number; lost: number; open: number };
}

/**
 * reached(stage) = cohort deals whose deepest stage >= the stage (Closed Won row: won deals).
 * A deal lost from Proposal counts in Lead, Qualified and Proposal.
 * conversion_to_next = reached(next) / reached(this); null for the last row or when reached = 0.
 * win_rate = won / (won + lost) among cohort deals already closed.
 */
export function cumulativeFunnel(rows: CohortByDepthRow[], cohort: { from: string; to: string }): FunnelBody {
  const depths = CANONICAL_STAGES.slice(0, 5);
  const reached = depths.map((_, d) => rows.filter((r) => r.deepest >= d).reduce((a, r) => a + r.count, 0));
  const stages: FunnelStageRow[] = depths.map((stage, d) => {
    const here = reached[d] ?? 0;
    const next = reached[d + 1];
    return { stage, reached: here, conversion_to_next: next !== undefined && here > 0 ? round(next / here, 4) : null };
  });
  const sum = (s: CohortByDepthRow['status']) => rows.filter((r) => r.status === s).reduce((a, r) => a + r.count, 0);
  const won = sum('won');
  const lost = sum('lost');
  const open = sum('open');
  return {
    stages,
    win_rate: won + lost > 0 ? round(won / (won + lost), 4) : null,
    cohort: { ...cohort, deals: won + lost + open, won, lost, open },
  };
}
