/** Pipeline by stage: open deals per open canonical stage — count, value, weighted value. */
import { OPEN_CANONICAL_STAGES } from '../model/canonical-stages.js';
import type { Probabilities } from './probabilities.js';
import type { PipelineReport } from './report-types.js';
import { round } from './periods.js';

/** Open deals grouped by CRM stage (value = sum of amounts, missing amounts count as 0). */
export interface OpenByStageRow {
  stageId: string | null;
  /** Canonical depth 0..3 of the deals' current stage. */
  depth: number;
  count: number;
  value: number;
}

export type PipelineBody = Pick<PipelineReport, 'stages' | 'total'>;

/** weighted = Σ value × probability of the deals' CRM stage (admin > calibrated > CRM > default). */
export function pipelineByStage(rows: OpenByStageRow[], probs: Pick<Probabilities, 'forStage'>): PipelineBody {
  const stages = OPEN_CANONICAL_STAGES.map((stage) => ({ stage: stage as string, count: 0, value: 0, weighted: 0 }));
  for (const r of rows) {
    const s = stages[Math.max(0, Math.min(3, r.depth))]!;
    s.count += r.count;
    s.value += r.value;
    s.weighted += r.value * probs.forStage(r.stageId, r.depth);
  }
  for (const s of stages) {
    s.value = round(s.value);
    s.weighted = round(s.weighted);
  }
  const total = stages.reduce((t, s) => ({ count: t.count + s.count, value: t.value + s.value, weighted: t.weighted + s.weighted }), {
    count: 0,
    value: 0,
    weighted: 0,
  });
  return { stages, total: { count: total.count, value: round(total.value), weighted: round(total.weighted) } };
}
