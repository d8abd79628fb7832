/**
 * The funnel shows only the canonical stages the reported pipelines map to (issue 17): a won/lost
 * pipeline goes from Lead straight to Closed Won, and a stage present in one pipeline only counts
 * that pipeline's deals, with conversions measured where both stages exist.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOn, OLIST_FIXTURE, OLIST_MAPPING } from '../helpers/olist-cli.js';
import { cumulativeFunnel, type CohortByDepthRow } from '../../src/metrics/funnel.js';
import { funnelChart } from '../../charts/funnel.js';
import { reportSummary } from '../../src/views/report-summary.js';
import type { FunnelReport } from '../../src/metrics/report-types.js';

const COHORT = { from: '2018-01-01', to: '2018-06-30' };
const row = (pipelineId: string, deepest: number, status: CohortByDepthRow['status'], count: number): CohortByDepthRow => ({ pipelineId, deepest, status, count });

describe('cumulativeFunnel with the pipelines it reports', () => {
  it('a won/lost-only pipeline: Lead and Closed Won, nothing credited to stages it does not have', () => {
    // 10 leads (ليلى, 山田, שרה, 민수 …): 3 won (deepest 4), 7 lost from Lead (deepest 0).
    const pipelines = new Map([['olist', { name: 'مسار المبيعات', depths: new Set<number>() }]]);
    const f = cumulativeFunnel([row('olist', 4, 'won', 3), row('olist', 0, 'lost', 7)], COHORT, pipelines);
    expect(f.stages).toEqual([
      { stage: 'Lead', reached: 10, conversion_to_next: 0.3 },
      { stage: 'Closed Won', reached: 3, conversion_to_next: null },
    ]);
    expect(f.win_rate).toBe(0.3);
    expect(f.stage_notes).toEqual(['No stage maps to Qualified, Proposal or Negotiation: not shown.']);
    // Without the pipelines (the old definition), the won deals were credited with three stages.
    expect(cumulativeFunnel([row('olist', 4, 'won', 3), row('olist', 0, 'lost', 7)], COHORT).stages.map((s) => [s.stage, s.reached])).toEqual([
      ['Lead', 10],
      ['Qualified', 3],
      ['Proposal', 3],
      ['Negotiation', 3],
      ['Closed Won', 3],
    ]);
  });

  it('two pipelines with different stages: each stage counts the deals of the pipelines that have it', () => {
    // 東京 (Lead, Qualified, Won/Lost): 5 lost at Lead, 1 lost + 2 open at Qualified, 2 won → 10 deals.
    // 서울 (Lead, Negotiation, Won/Lost): 4 lost at Lead, 2 lost at Negotiation, 2 won → 8 deals.
    const pipelines = new Map([
      ['tokyo', { name: '東京', depths: new Set([0, 1]) }],
      ['seoul', { name: '서울', depths: new Set([0, 3]) }],
    ]);
    const rows = [
      row('tokyo', 0, 'lost', 5),
      row('tokyo', 1, 'lost', 1),
      row('tokyo', 1, 'open', 2),
      row('tokyo', 4, 'won', 2),
      row('seoul', 0, 'lost', 4),
      row('seoul', 3, 'lost', 2),
      row('seoul', 4, 'won', 2),
    ];
    const f = cumulativeFunnel(rows, COHORT, pipelines);
    // Lead: all 18. Qualified: 東京's deals at Qualified or deeper, 1 + 2 + 2 = 5 (not 서울's 4 past it).
    // Negotiation: 서울's 2 + 2 = 4. Closed Won: 2 + 2 = 4.
    // Lead → Qualified within 東京: 5 / 10. Qualified → Negotiation: no pipeline has both → null.
    // Negotiation → Won within 서울: 2 / 4.
    expect(f.stages).toEqual([
      { stage: 'Lead', reached: 18, conversion_to_next: 0.5 },
      { stage: 'Qualified', reached: 5, conversion_to_next: null },
      { stage: 'Negotiation', reached: 4, conversion_to_next: 0.5 },
      { stage: 'Closed Won', reached: 4, conversion_to_next: null },
    ]);
    // Win rate over all closed deals: 4 won ÷ (4 won + 12 lost).
    expect(f.win_rate).toBe(0.25);
    expect(f.cohort).toMatchObject({ deals: 18, won: 4, lost: 12, open: 2 });
    expect(f.stage_notes).toEqual([
      'No stage of the 2 pipelines maps to Proposal: not shown.',
      'Qualified counts only deals of 東京 (서울 has no such stage); conversions are measured within the pipelines that have both stages.',
      'Negotiation counts only deals of 서울 (東京 has no such stage); conversions are measured within the pipelines that have both stages.',
    ]);
    // Reporting 東京 alone: its own stages, its own deals.
    const tokyo = cumulativeFunnel(
      rows.filter((r) => r.pipelineId === 'tokyo'),
      COHORT,
      new Map([['tokyo', pipelines.get('tokyo')!]]),
    );
    expect(tokyo.stages).toEqual([
      { stage: 'Lead', reached: 10, conversion_to_next: 0.5 },
      { stage: 'Qualified', reached: 5, conversion_to_next: 0.4 },
      { stage: 'Closed Won', reached: 2, conversion_to_next: null },
    ]);
  });

  it('a pipeline with every stage reads as before', () => {
    const pipelines = new Map([['p', { name: 'Sales', depths: new Set([0, 1, 2, 3]) }]]);
    const rows = [row('p', 0, 'lost', 4), row('p', 2, 'lost', 2), row('p', 3, 'open', 1), row('p', 4, 'won', 3)];
    // Lead 10, Qualified 6, Proposal 6, Negotiation 4, Won 3.
    const f = cumulativeFunnel(rows, COHORT, pipelines);
    expect(f.stages.map((s) => [s.stage, s.reached, s.conversion_to_next])).toEqual([
      ['Lead', 10, 0.6],
      ['Qualified', 6, 1],
      ['Proposal', 6, 0.6667],
      ['Negotiation', 4, 0.75],
      ['Closed Won', 3, null],
    ]);
    expect(f.stage_notes).toEqual([]);
    expect(cumulativeFunnel(rows, COHORT).stages).toEqual(f.stages);
  });
});

describe('report funnel on an Olist-shaped import: JSON, text, chart and Slack message agree', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dealcast-funnel-stages-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows Lead → Closed Won with the note, everywhere', async () => {
    const db = join(dir, 'olist.db');
    expect((await cliOn(db, 'import-csv', OLIST_FIXTURE, ...OLIST_MAPPING, '--now', '2018-06-30T00:00:00Z')).code).toBe(0);
    const json = await cliOn(db, 'report', 'funnel', '--json', '--now', '2018-06-30T00:00:00Z', '--since', '2018-01-01');
    expect(json.code).toBe(0);
    const f = JSON.parse(json.out) as FunnelReport;
    // The fixture: 34 leads, 9 won, 25 lost; Lead → Closed Won 9 / 34.
    expect(f.stages).toEqual([
      { stage: 'Lead', reached: 34, conversion_to_next: Math.round((9 / 34) * 10_000) / 10_000 },
      { stage: 'Closed Won', reached: 9, conversion_to_next: null },
    ]);
    expect(f.notes).toContain('No stage maps to Qualified, Proposal or Negotiation: not shown.');
    expect(f.time_in_stage?.map((t) => t.stage)).toEqual(['Lead']);

    const text = await cliOn(db, 'report', 'funnel', '--now', '2018-06-30T00:00:00Z', '--since', '2018-01-01');
    expect(text.out).toContain('No stage maps to Qualified, Proposal or Negotiation: not shown.');
    for (const absent of ['Qualified ', 'Proposal ', 'Negotiation ']) expect(text.out.split('\n').some((l) => l.startsWith(absent))).toBe(false);

    const spec = JSON.stringify(funnelChart(f));
    expect(spec).toContain('moved on to Closed Won');
    expect(spec).not.toMatch(/"stage":"(Qualified|Proposal|Negotiation)"/);

    const slack = JSON.stringify(reportSummary('funnel', f, { filterText: '', freshness: { syncedAt: '2018-06-30T00:00:00.000Z', now: new Date('2018-06-30T00:00:00Z'), timeZone: 'Asia/Tokyo' } }));
    expect(slack).toContain('Lead → Closed Won');
    expect(slack).toContain('No stage maps to Qualified, Proposal or Negotiation: not shown.');
  });
});
