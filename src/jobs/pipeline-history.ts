/**
 * The pipeline's history for snapshots: today's open pipeline per pipeline and canonical stage
 * (the pipeline report for each pipeline — what `/pipeline pipeline:<name>` shows, weighted with
 * that pipeline's own calibration), and the pipeline as it stood at past instants,
 * reconstructed with the same point-in-time model the backtest uses (store/report-queries.ts
 * openPipelineAt over deal_facts: open at t = created by t and not closed by t, at the deepest
 * stage reached by t). Weighted values of reconstructed days use today's calibrated probability
 * of each canonical stage.
 */
import type { Db } from '../../store/db.js';
import { listPipelines } from '../../store/pipelines.js';
import { earliestCreated, openPipelineAt } from '../../store/report-queries.js';
import { OPEN_CANONICAL_STAGES } from '../model/canonical-stages.js';
import type { ReportProvider } from './digest.js';
import type { PipelineCell, PipelineSource } from './snapshot.js';

/** Rows of deals with no pipeline (or one the CRM no longer lists) are kept under this id. */
export const NO_PIPELINE = '';

export function pipelineHistory(db: Db, crm: string, reports: ReportProvider): PipelineSource {
  return {
    async current(now) {
      const cells: PipelineCell[] = [];
      const pipelines = listPipelines(db, crm);
      const [all, ...each] = await Promise.all([reports('pipeline', { now }), ...pipelines.map((p) => reports('pipeline', { now, filters: { pipeline: p.id } }))]);
      const seen = new Map<string, { count: number; value: number; weighted: number }>(all.stages.map((s) => [s.stage, { count: 0, value: 0, weighted: 0 }]));
      for (const [i, p] of pipelines.entries()) {
        const r = each[i]!;
        for (const s of r.stages) {
          if (!s.count) continue;
          cells.push({ pipelineId: p.id, canonical: s.stage, count: s.count, value: s.value, weighted: s.weighted });
          const t = seen.get(s.stage)!;
          t.count += s.count;
          t.value += s.value;
          t.weighted += s.weighted;
        }
      }
      // Whatever the per-pipeline reports did not cover (deals without a pipeline) keeps the totals whole.
      for (const s of all.stages) {
        const t = seen.get(s.stage)!;
        if (s.count > t.count) cells.push({ pipelineId: NO_PIPELINE, canonical: s.stage, count: s.count - t.count, value: s.value - t.value, weighted: s.weighted - t.weighted });
      }
      return cells;
    },
    async at(instants, now) {
      if (!instants.length) return [];
      const calibration = (await reports('pipeline', { now })).calibration?.stages ?? [];
      const probability = (stage: string) => calibration.find((c) => c.stage === stage)?.probability ?? 0;
      const out: PipelineCell[][] = instants.map(() => []);
      for (const r of openPipelineAt(db, crm, instants.map((d) => Math.floor(d.getTime() / 1000)))) {
        const stage = OPEN_CANONICAL_STAGES[r.depth];
        const cells = out[r.point];
        if (stage === undefined || !cells) continue;
        cells.push({ pipelineId: r.pipelineId ?? NO_PIPELINE, canonical: stage, count: r.count, value: r.value, weighted: r.value * probability(stage) });
      }
      return out;
    },
    earliest() {
      const s = earliestCreated(db, crm, {});
      return s === null ? null : new Date(s * 1000);
    },
  };
}
