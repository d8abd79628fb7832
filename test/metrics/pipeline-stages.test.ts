/**
 * The pipeline report shows the canonical stages the reported pipelines have: a two-stage
 * pipeline is not drawn with empty Qualified, Proposal and Negotiation rows, and no open deal is
 * ever hidden.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOn, OLIST_FIXTURE, OLIST_MAPPING } from '../helpers/olist-cli.js';
import { pipelineByStage, type OpenByStageRow } from '../../src/metrics/pipeline.js';
import type { PipelineReport } from '../../src/metrics/report-types.js';
import { pipelineChart } from '../../charts/pipeline.js';

const probs = { forStage: (_id: string | null, depth: number) => [0.1, 0.3, 0.5, 0.8][depth]! };

describe('pipelineByStage with the stages the pipelines map', () => {
  const rows: OpenByStageRow[] = [
    { stageId: 'lead', depth: 0, count: 3, value: 300 },
    { stageId: 'neg', depth: 3, count: 1, value: 1000 },
  ];

  it('leaves out a canonical stage no pipeline has, and says so; Lead always stays', () => {
    const r = pipelineByStage(rows, probs, new Set([3]));
    expect(r.stages).toEqual([
      { stage: 'Lead', count: 3, value: 300, weighted: 30 },
      { stage: 'Negotiation', count: 1, value: 1000, weighted: 800 },
    ]);
    expect(r.total).toEqual({ count: 4, value: 1300, weighted: 830 });
    expect(r.stage_notes).toEqual(['No stage maps to Qualified or Proposal: not shown.']);
  });

  it('never hides open deals: a stage with deals is shown even when no pipeline maps to it any more', () => {
    const r = pipelineByStage([...rows, { stageId: 'old', depth: 1, count: 2, value: 50 }], probs, new Set([0, 3]));
    expect(r.stages.map((s) => s.stage)).toEqual(['Lead', 'Qualified', 'Negotiation']);
    expect(r.total.count).toBe(6);
    expect(r.stage_notes).toEqual(['No stage maps to Proposal: not shown.']);
  });

  it('shows all four stages without a stage map (nothing mapped yet) or when every stage is mapped', () => {
    expect(pipelineByStage(rows, probs).stages).toHaveLength(4);
    // Pipelines whose only mapped stages are won and lost: the rows with deals.
    expect(pipelineByStage(rows, probs, new Set()).stages.map((s) => s.stage)).toEqual(['Lead', 'Negotiation']);
    const all = pipelineByStage(rows, probs, new Set([0, 1, 2, 3]));
    expect(all.stages.map((s) => s.stage)).toEqual(['Lead', 'Qualified', 'Proposal', 'Negotiation']);
    expect(all.stage_notes).toEqual([]);
  });
});

describe('report pipeline on an Olist-shaped import (every open deal a lead)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dealcast-pipeline-stages-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows the Lead row only (every deal starts there), with the note, in JSON, text and chart', async () => {
    const db = join(dir, 'olist.db');
    expect((await cliOn(db, 'import-csv', OLIST_FIXTURE, ...OLIST_MAPPING, '--now', '2018-06-30T00:00:00Z')).code).toBe(0);
    const json = await cliOn(db, 'report', 'pipeline', '--json', '--now', '2018-06-30T00:00:00Z');
    expect(json.code).toBe(0);
    const r = JSON.parse(json.out) as PipelineReport;
    expect(r.stages.map((s) => s.stage)).toEqual(['Lead']);
    expect(r.stages[0]!.count).toBe(r.total.count);
    expect(r.notes).toContain('No stage maps to Qualified, Proposal or Negotiation: not shown.');
    const text = await cliOn(db, 'report', 'pipeline', '--now', '2018-06-30T00:00:00Z');
    for (const absent of ['Qualified', 'Proposal', 'Negotiation']) expect(text.out.split('\n').some((l) => l.trimStart().startsWith(absent))).toBe(false);
    expect(text.out).toContain('No stage maps to Qualified, Proposal or Negotiation: not shown.');
    expect(JSON.stringify(pipelineChart(r))).not.toMatch(/"stage":"(Qualified|Proposal|Negotiation)"/);
  });
});
