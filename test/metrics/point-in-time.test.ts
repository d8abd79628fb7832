/**
 * Reports as of a past moment, rebuilt from the stage history of the hand-built CRM in
 * fixture.ts (times are 09:00 UTC on the days shown there). Worked out by hand:
 *
 * 2026-03-12 00:00  exist: D1 (Lead 03-01, Qualified 03-10), D2 (Lead 03-05), D6 (won 2025-12-01)
 *                   open: D2 Lead 10,000; D1 Qualified 4,000 (lost only on 04-01)         → 2 deals, 14,000
 * 2026-04-12 00:00  + D3 (Lead 04-01, Qualified 04-10); D1 lost 04-01; D2 Negotiation since 04-05 (won 04-20)
 *                   open: D3 Qualified 5,000; D2 Negotiation 10,000                       → 2 deals, 15,000
 * 2026-05-25 00:00  + D4 (lost 04-20), D5 (Proposal 05-20), D7 (Lead 05-20, won 06-02); D2 won 04-20
 *                   open: D7 Lead 3,000; D3 Qualified 5,000; D5 Proposal 20,000          → 3 deals, 28,000
 * Today (06-15):    open: D8 Lead 7,000; D3 Qualified 5,000; D5 Proposal 20,000           → 3 deals, 32,000
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync } from 'node:fs';
import { tempDb } from '../helpers/db.js';
import { computeReport } from '../../src/reports/compute.js';
import { factsAsOf } from '../../store/point-in-time.js';
import { dealHistories } from '../../store/report-queries.js';
import { refreshDerived } from '../../store/deal-facts.js';
import { openDb, type Db } from '../../store/db.js';
import { CRM, NOW, seedFixture } from './fixture.js';
import { formatReport } from '../../src/cli/report-format.js';

let t: ReturnType<typeof tempDb>;
let db: Db;
beforeEach(() => {
  t = tempDb();
  db = t.db;
  seedFixture(db);
});
afterEach(() => t.cleanup());

const pipelineAt = (iso: string, d: Db = db) => computeReport(d, CRM, 'pipeline', { timeZone: 'UTC', now: new Date(iso) });
const rows = (r: ReturnType<typeof pipelineAt>) => r.stages.map((s) => [s.stage, s.count, s.value]);

describe('the pipeline as it stood at a past moment', () => {
  it('2026-03-12: two deals existed and were open, one already Qualified', () => {
    const r = pipelineAt('2026-03-12T00:00:00Z');
    expect(rows(r)).toEqual([
      ['Lead', 1, 10_000],
      ['Qualified', 1, 4_000],
      ['Proposal', 0, 0],
      ['Negotiation', 0, 0],
    ]);
    expect(r.total).toMatchObject({ count: 2, value: 14_000 });
    expect(r.notes?.[0]).toMatch(/^Rebuilt as of 2026-03-12 from stage history/);
    expect(formatReport('pipeline', r)).toMatch(/Note: Rebuilt as of 2026-03-12/);
  });

  it('2026-04-12: a deal lost since is gone, one won later is still open in Negotiation', () => {
    const r = pipelineAt('2026-04-12T00:00:00Z');
    expect(rows(r)).toEqual([
      ['Lead', 0, 0],
      ['Qualified', 1, 5_000],
      ['Proposal', 0, 0],
      ['Negotiation', 1, 10_000],
    ]);
    expect(r.total).toMatchObject({ count: 2, value: 15_000 });
  });

  it('2026-05-25: deals created later do not exist yet', () => {
    const r = pipelineAt('2026-05-25T00:00:00Z');
    expect(rows(r)).toEqual([
      ['Lead', 1, 3_000],
      ['Qualified', 1, 5_000],
      ['Proposal', 1, 20_000],
      ['Negotiation', 0, 0],
    ]);
    expect(r.total).toMatchObject({ count: 3, value: 28_000 });
  });

  it('today is the stored state, with no note', () => {
    const r = pipelineAt(NOW.toISOString());
    expect(r.total).toMatchObject({ count: 3, value: 32_000 });
    expect(r.notes).toBeUndefined();
  });

  it('before the first deal: says so instead of showing today', () => {
    const r = pipelineAt('2025-01-01T00:00:00Z');
    expect(r.total).toMatchObject({ count: 0, value: 0 });
    expect(r.notes).toEqual(['No deal in the data existed yet on 2025-01-01: the first was created on 2025-10-01. Nothing to report as of then.']);
  });

  it('a deal that existed before any stage was recorded for it is counted in its first stage, and said', () => {
    // D6: created 2025-10-01, won 2025-12-01, no stage history at all.
    const r = pipelineAt('2025-11-01T00:00:00Z');
    expect(rows(r)[0]).toEqual(['Lead', 1, 8_000]);
    expect(r.notes?.join(' ')).toMatch(/1 of the 1 deals that existed then had no stage recorded yet/);
  });

  it('rebuilds the other reports too: the win rate counts only deals closed by then', () => {
    // Cohort created in the 180 days to 2026-04-12 (from 2025-10-14): D1 (lost 04-01), D2 (won only on 04-20), D3.
    const f = computeReport(db, CRM, 'funnel', { timeZone: 'UTC', now: new Date('2026-04-12T00:00:00Z') });
    expect(f.cohort).toMatchObject({ from: '2025-10-14', deals: 3, won: 0, lost: 1, open: 2 });
  });

  it('amounts, close dates and owners come from the weekly deal snapshot taken by then, for deals still open then', () => {
    // The snapshot of 2026-04-06 saw D2 (open, Negotiation since 04-05) at 8,000 closing 2026-05-31
    // with owner o2; today D2 is won at 10,000.
    db.prepare(
      `INSERT INTO deal_snapshots (crm, day, deal_id, pipeline_id, stage_id, canonical, amount, currency, close_date, owner_id, taken_at)
       VALUES (?, '2026-04-06', 'D2', 'p1', NULL, 3, 8000, 'USD', '2026-05-31', 'o2', '2026-04-06T06:00:00.000Z')`,
    ).run(CRM);
    // 04-12: D2 open in Negotiation at its snapshot amount: 5,000 (D3) + 8,000 = 13,000, not 15,000.
    const r = pipelineAt('2026-04-12T00:00:00Z');
    expect(rows(r)).toEqual([
      ['Lead', 0, 0],
      ['Qualified', 1, 5_000],
      ['Proposal', 0, 0],
      ['Negotiation', 1, 8_000],
    ]);
    expect(r.total).toMatchObject({ count: 2, value: 13_000 });
    expect(r.notes?.[0]).toMatch(/for 1 open deal the amount, expected close date and owner are from the weekly deal snapshot \(newest used: 2026-04-06\)/);
    const d2 = factsAsOf(db, CRM, new Date('2026-04-12T00:00:00Z')).facts.find((f) => f.dealId === 'D2')!;
    expect(d2).toMatchObject({ amount: 8000, ownerId: 'o2' });
    // Before the snapshot was taken, and after D2 was won (04-20), today's values stand.
    expect(pipelineAt('2026-03-12T00:00:00Z').total).toMatchObject({ count: 2, value: 14_000 });
    const won = factsAsOf(db, CRM, new Date('2026-05-25T00:00:00Z')).facts.find((f) => f.dealId === 'D2')!;
    expect(won).toMatchObject({ amount: 10_000, ownerId: 'o1' });
  });

  it('gives the forecast model the snapshot amounts and close dates of each deal, oldest first (none set: null)', () => {
    const snap = db.prepare(
      `INSERT INTO deal_snapshots (crm, day, deal_id, pipeline_id, stage_id, canonical, amount, currency, close_date, owner_id, taken_at)
       VALUES (?, ?, 'D2', 'p1', NULL, 3, ?, 'USD', '2026-05-31', 'o2', ?)`,
    );
    snap.run(CRM, '2026-04-13', null, '2026-04-13T06:00:00.000Z');
    snap.run(CRM, '2026-04-06', 8000, '2026-04-06T06:00:00.000Z');
    refreshDerived(db, CRM);
    const h = dealHistories(db, CRM, {}, {});
    expect(h.filter((d) => d.snapshots).map((d) => d.snapshots)).toEqual([
      [
        { t: Date.parse('2026-04-06T06:00:00Z') / 1000, amount: 8000, closeDay: Date.parse('2026-05-31') / 86_400_000 },
        { t: Date.parse('2026-04-13T06:00:00Z') / 1000, amount: null, closeDay: Date.parse('2026-05-31') / 86_400_000 },
      ],
    ]);
  });

  it('exposes the per-deal states as plain facts', () => {
    const { facts, info } = factsAsOf(db, CRM, new Date('2026-04-12T00:00:00Z'));
    const byId = new Map(facts.map((f) => [f.dealId, f]));
    expect([...byId.keys()].sort()).toEqual(['D1', 'D2', 'D3', 'D6']);
    expect(byId.get('D2')).toMatchObject({ status: 0, canonical: 3 });
    expect(byId.get('D1')).toMatchObject({ status: 2 });
    expect(info).toMatchObject({ reconstructed: true, deals: 4, stageUnknown: 0 });
  });

  it('works on a read-only copy of the database, which is left unchanged', () => {
    computeReport(db, CRM, 'pipeline', { timeZone: 'UTC', now: NOW });
    db.close();
    chmodSync(t.path, 0o444);
    const ro = openDb(t.path, { readonly: true });
    try {
      expect(pipelineAt('2026-04-12T00:00:00Z', ro).total).toMatchObject({ count: 2, value: 15_000 });
      expect(pipelineAt(NOW.toISOString(), ro).total).toMatchObject({ count: 3, value: 32_000 });
    } finally {
      ro.close();
      chmodSync(t.path, 0o644);
    }
  });
});

describe('the as-of day is the team’s', () => {
  it('Tokyo at 00:00 on 15 June (15:00 UTC on the 14th) is "as of Jun 15" in the chart and JSON', async () => {
    const { subtitleLines } = await import('../../charts/frame.js');
    const r = computeReport(db, CRM, 'pipeline', { timeZone: 'Asia/Tokyo', now: new Date('2026-06-14T15:00:00Z') });
    expect(r).toMatchObject({ as_of: '2026-06-14T15:00:00.000Z', as_of_day: '2026-06-15', time_zone: 'Asia/Tokyo' });
    expect(subtitleLines(r, undefined, undefined).join('\n')).toContain('as of Jun 15, 2026');
  });

  it('a past chart with no weekly snapshot taken by then says its amounts are today’s, not that snapshots were used', async () => {
    const { subtitleLines } = await import('../../charts/frame.js');
    const r = computeReport(db, CRM, 'pipeline', { timeZone: 'UTC', now: new Date('2026-04-12T00:00:00Z') });
    expect(r.notes?.[0]).toContain('no weekly deal snapshot was taken by then');
    const sub = subtitleLines(r, undefined, undefined).join('\n');
    expect(sub).toContain('rebuilt from stage history · amounts are today’s');
    expect(sub).not.toContain('snapshots');
  });
});
