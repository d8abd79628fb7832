/** Pipeline by stage: open deals per open canonical stage — count, value, weighted value. */
import { OPEN_CANONICAL_STAGES } from '../model/canonical-stages.js';
import type { Probabilities } from './probabilities.js';
import type { PipelineReport } from './report-types.js';
import { round } from './periods.js';
import { listWords } from './funnel.js';

/** Open deals grouped by CRM stage (value = sum of amounts, missing amounts count as 0). */
export interface OpenByStageRow {
  stageId: string | null;
  /** Canonical depth 0..3 of the deals' current stage. */
  depth: number;
  count: number;
  value: number;
}

export type PipelineBody = Pick<PipelineReport, 'stages' | 'total'>;

/**
 * weighted = Σ value × probability of the deals' CRM stage (admin > calibrated > CRM > default).
 * `depths`: the open canonical depths (0 Lead … 3 Negotiation) the reported pipelines map a stage
 * to. A canonical stage none of them has is left out unless deals sit in it (a two-stage pipeline
 * shows its two rows, not four with two empty ones). Lead is always shown: every deal starts
 * there (an import whose only stages are won and lost keeps its open deals in Lead). Without
 * `depths` (no stage mapped yet) all four rows are shown. `stage_notes` says which were left out.
 */
export function pipelineByStage(rows: OpenByStageRow[], probs: Pick<Probabilities, 'forStage'>, depths?: ReadonlySet<number>): PipelineBody & { stage_notes: string[] } {
  const all = OPEN_CANONICAL_STAGES.map((stage) => ({ stage: stage as string, count: 0, value: 0, weighted: 0 }));
  for (const r of rows) {
    const s = all[Math.max(0, Math.min(3, r.depth))]!;
    s.count += r.count;
    s.value += r.value;
    s.weighted += r.value * probs.forStage(r.stageId, r.depth);
  }
  for (const s of all) {
    s.value = round(s.value);
    s.weighted = round(s.weighted);
  }
  const stages = depths ? all.filter((s, d) => d === 0 || depths.has(d) || s.count > 0) : all;
  const total = stages.reduce((t, s) => ({ count: t.count + s.count, value: t.value + s.value, weighted: t.weighted + s.weighted }), {
    count: 0,
    value: 0,
    weighted: 0,
  });
  const missing = all.filter((s) => !stages.includes(s)).map((s) => s.stage);
  const stage_notes = missing.length ? [`No stage maps to ${listWords(missing, 'or')}: not shown.`] : [];
  return { stages, total: { count: total.count, value: round(total.value), weighted: round(total.weighted) }, stage_notes };
}
