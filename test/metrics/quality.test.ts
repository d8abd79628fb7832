/**
 * Data-quality checks over a hand-built CRM (fixture.ts pipelines and stages; now = 2026-06-15).
 *
 * Open deals Q1..Q8: amounts 1,000 1,100 1,200 1,300 1,400 1,500 -500 (Q7, negative) and 90,000 (Q8).
 * Median of the eight = (1,200 + 1,300) / 2 = 1,250; absolute deviations 250 150 50 50 150 250 1,750
 * 88,750 → MAD = (150 + 250) / 2 = 200. Modified z = 0.6745 × (x − 1,250) / 200:
 * Q8: 0.6745 × 88,750 / 200 = 299.3 → outlier; Q7: 0.6745 × −1,750 / 200 = −5.9 → outlier; Q1: −0.8.
 * Q9: created 1999-06-01. Q10: lost on 2026-05-01 but created 2026-05-10. Q11 in EUR (no rate: left out).
 * Stage "Closed Lost" of p2 mapped by an admin to Closed Won: a name that looks like another stage.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/db.js';
import { computeReport } from '../../src/reports/compute.js';
import { saveStageMap } from '../../store/stage-map.js';
import { CRM, NOW, seedFixture, type FixtureDeal } from './fixture.js';
import { formatReport } from '../../src/cli/report-format.js';
import { stageNameMismatches } from '../../src/metrics/quality.js';
import type { Db } from '../../store/db.js';

const open = (id: string, amount: number, extra: Partial<FixtureDeal> = {}): FixtureDeal => ({ id, amount, created: '2026-05-01', closeDate: '2026-07-01', path: [['s-lead', '2026-05-01']], ...extra });
const DEALS: FixtureDeal[] = [
  open('Q1', 1000),
  open('Q2', 1100),
  open('Q3', 1200),
  open('Q4', 1300),
  open('Q5', 1400),
  open('Q6', 1500),
  open('Q7', -500),
  open('Q8', 90_000),
  { id: 'Q9', amount: 2000, created: '1999-06-01', closeDate: '1999-07-01', path: [['s-won', '1999-07-01']] },
  { id: 'Q10', amount: 3000, created: '2026-05-10', closeDate: '2026-05-01', path: [['s-lost', '2026-05-01']] },
  { id: 'Q11', amount: 4000, currency: 'EUR', created: '2026-05-02', closeDate: '2026-08-01', path: [['s-won', '2026-06-01']] },
];

let t: ReturnType<typeof tempDb>;
let db: Db;
beforeEach(() => {
  t = tempDb();
  db = t.db;
  seedFixture(db, DEALS);
});
afterEach(() => t.cleanup());

describe('report quality', () => {
  it('finds negative amounts, outliers, impossible dates, mixed currencies and stages whose names look mapped wrong', () => {
    saveStageMap(db, CRM, [{ stageId: 't-lost', canonical: 'Closed Won', winProbability: null, included: true }], 'U_ADMIN', NOW.toISOString());
    const r = computeReport(db, CRM, 'quality', { timeZone: 'UTC', now: NOW, currency: 'USD' });
    expect(r.open_deals).toBe(8);
    expect(r.negative_amount).toBe(1);
    expect(r.amount_outliers?.count).toBe(2);
    expect(r.amount_outliers?.median).toBe(1250);
    expect(r.amount_outliers?.deals.map((d) => [d.id, d.z])).toEqual([
      ['Q8', 299.3],
      ['Q7', -5.9],
    ]);
    expect(r.created_before_2000).toBe(1);
    expect(r.created_in_future).toBe(0);
    expect(r.close_before_created).toBe(1);
    expect(r.currencies).toEqual([
      { currency: 'USD', deals: 10 },
      { currency: 'EUR', deals: 1 },
    ]);
    expect(r.unconverted?.deals).toBe(1);
    expect(r.stage_name_mismatches).toEqual([{ stage: 'Closed Lost', pipeline: 'Partners', canonical: 'Closed Won', looks_like: 'Closed Lost' }]);
    const text = formatReport('quality', r);
    expect(text).toMatch(/Amount negative\s+1/);
    expect(text).toMatch(/Outliers \(median \$1,250\): Deal Q8 \$90\.0k \(z 299\.3\)/);
    expect(text).toMatch(/Stage names that look mapped wrong: Closed Lost \(Partners\) → Closed Won, looks like Closed Lost/);
  });

  it('leaves nearby open stages alone: the first mapping orders them by place in the pipeline', () => {
    expect(stageNameMismatches([{ stage: 'Demo', pipeline: 'P', canonical: 'Proposal' }])).toEqual([]);
    expect(stageNameMismatches([{ stage: 'Prospecting', pipeline: 'P', canonical: 'Negotiation' }])).toEqual([
      { stage: 'Prospecting', pipeline: 'P', canonical: 'Negotiation', looks_like: 'Lead' },
    ]);
    expect(stageNameMismatches([{ stage: 'Won', pipeline: 'P', canonical: 'Negotiation' }])[0]?.looks_like).toBe('Closed Won');
  });
});
