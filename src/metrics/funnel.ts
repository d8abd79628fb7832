/** Cumulative funnel and stage conversion over a creation cohort. */
import { CANONICAL_STAGES } from '../model/canonical-stages.js';
import type { FunnelStageRow } from './report-types.js';
import { round } from './periods.js';

/** Cohort deals grouped by the deepest canonical stage reached (0 Lead … 4 Closed Won), status and pipeline. */
export interface CohortByDepthRow {
  deepest: number;
  status: 'open' | 'won' | 'lost';
  /** The deal's pipeline (absent: the row is read as being in a pipeline with every stage). */
  pipelineId?: string;
  count: number;
}

export interface FunnelBody {
  stages: FunnelStageRow[];
  win_rate: number | null;
  cohort: { from: string; to: string; deals: number; won: number; lost: number; open: number };
  /** What the stage rows leave out or count only in some pipelines, in words (empty when nothing). */
  stage_notes: string[];
}

/** The reported pipelines: name and the open canonical depths (1 Qualified … 3 Negotiation; Lead is implied) their stages map to. */
export type PipelineStages = ReadonlyMap<string, { name: string; depths: ReadonlySet<number> }>;

const LEAD = 0;
const WON = 4;

/**
 * Rows: Lead (every deal starts there), each open canonical stage at least one reported
 * pipeline maps a stage to, and Closed Won. A canonical stage no reported pipeline has is not
 * shown (a two-stage won/lost pipeline goes from Lead straight to Closed Won).
 *
 * reached(stage) = cohort deals whose deepest stage >= the stage, counting only deals of pipelines
 * that have the stage (Closed Won row: won deals). A deal lost from Proposal counts in Lead,
 * Qualified and Proposal.
 * conversion_to_next = reached(next) / reached(this), both among deals of pipelines that have
 * both stages (with one pipeline, simply reached(next) / reached(this)); null for the last row or
 * when that base is 0.
 * win_rate = won / (won + lost) among cohort deals already closed.
 *
 * Without `pipelines` every canonical stage is shown and every deal counts in every stage (the
 * definition before pipelines were told apart).
 */
export function cumulativeFunnel(rows: CohortByDepthRow[], cohort: { from: string; to: string }, pipelines?: PipelineStages): FunnelBody {
  const has = (pipelineId: string | undefined, depth: number): boolean => {
    if (depth === LEAD || depth === WON || !pipelines || pipelineId === undefined) return true;
    return pipelines.get(pipelineId)?.depths.has(depth) ?? false;
  };
  // The pipelines the report is about: those with cohort deals (else every reported one).
  const inCohort = [...new Set(rows.filter((r) => r.count > 0 && r.pipelineId !== undefined).map((r) => r.pipelineId!))];
  const reported = pipelines ? (inCohort.length ? inCohort.filter((p) => pipelines.has(p)) : [...pipelines.keys()]) : [];
  const shown = [0, 1, 2, 3, 4].filter((d) => !pipelines || d === LEAD || d === WON || reported.some((p) => has(p, d)));
  const count = (pred: (r: CohortByDepthRow) => boolean) => rows.filter(pred).reduce((a, r) => a + r.count, 0);
  const stages: FunnelStageRow[] = shown.map((d, i) => {
    const here = count((r) => has(r.pipelineId, d) && r.deepest >= d);
    const next = shown[i + 1];
    let conversion: number | null = null;
    if (next !== undefined) {
      const both = (r: CohortByDepthRow) => has(r.pipelineId, d) && has(r.pipelineId, next);
      const base = count((r) => both(r) && r.deepest >= d);
      conversion = base > 0 ? round(count((r) => both(r) && r.deepest >= next) / base, 4) : null;
    }
    return { stage: CANONICAL_STAGES[d]!, reached: here, conversion_to_next: conversion };
  });

  const stageNotes: string[] = [];
  if (pipelines && reported.length) {
    const missing = [1, 2, 3].filter((d) => !shown.includes(d)).map((d) => CANONICAL_STAGES[d]!);
    const nameOf = (p: string) => pipelines.get(p)?.name ?? p;
    const names = reported.map(nameOf);
    if (missing.length) {
      stageNotes.push(
        `No stage${names.length === 1 ? '' : ` of the ${names.length} pipelines`} maps to ${listWords(missing, 'or')}: not shown.`,
      );
    }
    // Stages some reported pipelines lack, grouped by the pipelines that have them: one sentence each.
    const partial = new Map<string, { stages: string[]; having: string[]; without: string[] }>();
    for (const d of shown) {
      if (d === LEAD || d === WON) continue;
      const having = reported.filter((p) => has(p, d));
      if (having.length === reported.length) continue;
      const key = having.join('\u0000');
      const group = partial.get(key) ?? { stages: [], having: having.map(nameOf), without: reported.filter((p) => !has(p, d)).map(nameOf) };
      group.stages.push(CANONICAL_STAGES[d]!);
      partial.set(key, group);
    }
    for (const g of partial.values()) {
      stageNotes.push(
        `${listWords(g.stages)} ${g.stages.length === 1 ? 'counts' : 'count'} only deals of ${listWords(g.having)} (${listWords(g.without)} ${g.without.length === 1 ? 'has' : 'have'} no such stage${g.stages.length === 1 ? '' : 's'}); conversions are measured within the pipelines that have both stages.`,
      );
    }
  }

  const sum = (s: CohortByDepthRow['status']) => count((r) => r.status === s);
  const won = sum('won');
  const lost = sum('lost');
  const open = sum('open');
  return {
    stages,
    win_rate: won + lost > 0 ? round(won / (won + lost), 4) : null,
    cohort: { ...cohort, deals: won + lost + open, won, lost, open },
    stage_notes: stageNotes,
  };
}

/** 'a', 'a and b', 'a, b and c' (or 'or'). */
export function listWords(xs: string[], conjunction: 'and' | 'or' = 'and'): string {
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} ${conjunction} ${xs.at(-1)}`;
}
