/**
 * computeReport over the hand-built CRM in fixture.ts. Every expected number is worked out in
 * the comments from the fixture's table (now = Monday 2026-06-15 12:00 UTC).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/db.js';
import { computeReport } from '../../src/reports/compute.js';
import { saveStageMap } from '../../store/stage-map.js';
import { upsertActivities } from '../../store/activities.js';
import { refreshDerived } from '../../store/deal-facts.js';
import { UsageError } from '../../src/errors.js';
import { addDeals, CRM, NOW, seedFixture } from '../metrics/fixture.js';
import type { Db } from '../../store/db.js';

let t: ReturnType<typeof tempDb>;
let db: Db;
beforeEach(() => {
  t = tempDb();
  db = t.db;
  seedFixture(db);
});
afterEach(() => t.cleanup());

const report = <N extends Parameters<typeof computeReport>[2]>(name: N, extra: Partial<Parameters<typeof computeReport>[3]> = {}) =>
  computeReport(db, CRM, name, { now: NOW, timeZone: 'UTC', ...extra });

describe('funnel', () => {
  it('counts every deal at each stage up to the deepest it reached, lost deals included', () => {
    const r = report('funnel');
    // Cohort: created since 2025-12-17 (180 days) = D1, D2, D3, D4, D5, D7, D8 (D6 is older).
    // Deepest: D1 Proposal (lost from there), D2 Won, D3 Qualified, D4 Lead, D5 Proposal
    // (skipped Qualified), D7 Won (straight from Lead), D8 Lead.
    // Lead 7; Qualified D1 D2 D3 D5 D7 = 5; Proposal D1 D2 D5 D7 = 4; Negotiation D2 D7 = 2; Won 2.
    expect(r.stages.map((s) => [s.stage, s.reached])).toEqual([
      ['Lead', 7],
      ['Qualified', 5],
      ['Proposal', 4],
      ['Negotiation', 2],
      ['Closed Won', 2],
    ]);
    // D8 is in Partners (Lead, Closed Won, Closed Lost only): it counts in Lead and could never
    // reach Qualified, so Lead → Qualified is measured within Sales: 5 of its 6 (D1 D2 D3 D4 D5 D7).
    // Then 4/5, 2/4, 2/2, and null for the last row.
    expect(r.stages.map((s) => s.conversion_to_next)).toEqual([0.8333, 0.8, 0.5, 1, null]);
    expect(r.notes).toContain(
      'Qualified, Proposal and Negotiation count only deals of Sales (Partners has no such stages); conversions are measured within the pipelines that have both stages.',
    );
    // Won D2 D7, lost D1 D4: 2 / 4.
    expect(r.win_rate).toBe(0.5);
    expect(r.cohort).toEqual({ from: '2025-12-17', to: '2026-06-15', deals: 7, won: 2, lost: 2, open: 3 });
  });

  it('a lost deal that reached Proposal counts in Lead, Qualified and Proposal only', () => {
    const one = tempDb();
    try {
      seedFixture(one.db, []);
      addDeals(one.db, [
        { id: 'L1', amount: 1000, created: '2026-05-01', path: [['s-lead', '2026-05-01'], ['s-qual', '2026-05-05'], ['s-prop', '2026-05-10'], ['s-lost', '2026-05-20']] },
      ]);
      const r = computeReport(one.db, CRM, 'funnel', { now: NOW, timeZone: 'UTC' });
      expect(r.stages.map((s) => s.reached)).toEqual([1, 1, 1, 0, 0]);
      expect(r.win_rate).toBe(0);
    } finally {
      one.cleanup();
    }
  });

  it('reports time in each stage from stage history, completed visits only', () => {
    const r = report('funnel');
    // Lead visits that ended: D1 9d, D2 10d, D3 9d, D4 5d, D5 19d, D7 13d → mean 65/6 = 10.8, median (9+10)/2.
    // Qualified: D1 10d, D2 10d. Proposal: D1 12d, D2 11d. Negotiation: D2 15d. (D3, D5, D8 still open there.)
    expect(r.time_in_stage).toEqual([
      { stage: 'Lead', sample: 6, mean_days: 10.8, median_days: 9.5 },
      { stage: 'Qualified', sample: 2, mean_days: 10, median_days: 10 },
      { stage: 'Proposal', sample: 2, mean_days: 11.5, median_days: 11.5 },
      { stage: 'Negotiation', sample: 1, mean_days: 15, median_days: 15 },
    ]);
  });
});

describe('pipeline and calibration', () => {
  it('weights open deals with the CRM probability while fewer than 20 closed deals exist, and says so', () => {
    const r = report('pipeline');
    // Open: D8 Lead 7,000 × 10% = 700; D3 Qualified 5,000 × 20% = 1,000; D5 Proposal 20,000 × 50% = 10,000.
    expect(r.stages).toEqual([
      { stage: 'Lead', count: 1, value: 7000, weighted: 700 },
      { stage: 'Qualified', count: 1, value: 5000, weighted: 1000 },
      { stage: 'Proposal', count: 1, value: 20000, weighted: 10000 },
      { stage: 'Negotiation', count: 0, value: 0, weighted: 0 },
    ]);
    expect(r.total).toEqual({ count: 3, value: 32000, weighted: 11700 });
    // Closed in the last 365 days: D1 D2 D4 D6 D7 = 5 (< 20): every stage falls back.
    const lead = r.calibration!.stages[0];
    expect(lead).toMatchObject({ stage: 'Lead', source: 'crm', probability: 0.1, sample: 5, crm_probability: 0.1 });
    // Won D2 D6 D7 of 5 → raw history 0.6, reported but not used.
    expect(lead!.history_probability).toBeCloseTo(0.6, 10);
    expect(r.calibration!.stages.map((s) => s.source)).toEqual(['crm', 'crm', 'crm', 'crm']);
  });

  it('uses smoothed history once the sample minimum is met', () => {
    const r = report('pipeline', { calibrationMinSample: 2 });
    // Beta prior of 10 pseudo-deals at the CRM probability. A closed deal counts at a stage only
    // if it was seen OPEN there or deeper: D1 Proposal (lost), D2 Negotiation (won), D4 Lead (lost),
    // D6 Lead (no history: only creation is known; won), D7 Lead (went straight to won).
    // Lead: 5 closed, 3 won → (3 + 10·0.1)/(5 + 10) = 4/15; Qualified: D1 D2, 1 won → (1 + 2)/12;
    // Proposal: D1 D2 → (1 + 5)/12; Negotiation: D2 alone, 1 < 2 → the CRM's 80%.
    // (Crediting every stage up to Closed Won would have given Negotiation 3 of 3 won.)
    const p = r.calibration!.stages.map((s) => s.probability);
    expect(p[0]).toBeCloseTo(4 / 15, 10);
    expect(p[1]).toBeCloseTo(3 / 12, 10);
    expect(p[2]).toBeCloseTo(6 / 12, 10);
    expect(p[3]).toBeCloseTo(0.8, 10);
    expect(r.calibration!.stages.map((s) => [s.source, s.sample])).toEqual([
      ['history', 5],
      ['history', 2],
      ['history', 2],
      ['crm', 1],
    ]);
    // 7,000·4/15 + 5,000·3/12 + 20,000·6/12 = 1,866.67 + 1,250 + 10,000
    expect(r.total.weighted).toBeCloseTo(13116.67, 1);
  });

  it('an admin override in the stage map wins over history and the CRM', () => {
    saveStageMap(db, CRM, [{ stageId: 's-prop', canonical: 'Proposal', winProbability: 0.3, included: true }], 'U_ADMIN', '2026-06-15T10:00:00.000Z');
    for (const minSample of [2, 20]) {
      const r = report('pipeline', { calibrationMinSample: minSample });
      // D5 20,000 × 30% = 6,000 whatever history says.
      expect(r.stages[2]).toEqual({ stage: 'Proposal', count: 1, value: 20000, weighted: 6000 });
      expect(r.calibration!.stages[2]).toMatchObject({ source: 'admin', probability: 0.3 });
    }
  });

  it('leaves deals in excluded stages out of reports', () => {
    saveStageMap(db, CRM, [{ stageId: 's-qual', canonical: 'Qualified', winProbability: null, included: false }], 'U_ADMIN', '2026-06-15T10:00:00.000Z');
    const r = report('pipeline');
    // D3 sits in the excluded stage: gone. D1/D2's visits to it no longer count either.
    expect(r.total).toEqual({ count: 2, value: 27000, weighted: 10700 });
    expect(report('funnel').stages[0]!.reached).toBe(6);
  });
});

describe('filters compose', () => {
  it('by owner (email or name), pipeline (name, any case), source and since', () => {
    expect(report('pipeline', { filters: { owner: 'bea@example.com' } }).total).toMatchObject({ count: 2, value: 27000 });
    // Bea's deals in Sales: D5 only (D8 is in Partners).
    expect(report('pipeline', { filters: { owner: 'Bea Jones', pipeline: 'Sales' } }).total).toEqual({ count: 1, value: 20000, weighted: 10000 });
    expect(report('pipeline', { filters: { owner: 'Bea Jones', pipeline: 'Sales', source: 'Inbound' } }).total.count).toBe(0);
    const partners = report('pipeline', { filters: { pipeline: 'partners', source: 'referral' } });
    expect(partners.stages[0]).toEqual({ stage: 'Lead', count: 1, value: 7000, weighted: 700 });
    expect(partners.filters).toEqual({ pipeline: 'Partners', source: 'Referral' });
    // Created on or after 2026-05-01: D5, D8.
    expect(report('pipeline', { filters: { since: '2026-05-01' } }).total.count).toBe(2);
    // Funnel for Bea in Sales: cohort D4 (Lead, lost), D5 (Proposal), D7 (won) → 3, 2, 2, 1, 1.
    const f = report('funnel', { filters: { owner: 'bea@example.com', pipeline: 'Sales' } });
    expect(f.stages.map((s) => s.reached)).toEqual([3, 2, 2, 1, 1]);
    expect(f.win_rate).toBe(0.5);
  });

  it('rejects a filter that matches nothing, naming what exists', () => {
    expect(() => report('pipeline', { filters: { owner: 'nobody' } })).toThrow(UsageError);
    const hint = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as UsageError).hint;
      }
      return undefined;
    };
    expect(hint(() => report('pipeline', { filters: { pipeline: 'Nope' } }))).toBe('Pipelines: Sales, Partners.');
    expect(hint(() => report('pipeline', { filters: { source: 'Carrier pigeon' } }))).toBe('Sources: Inbound, Outbound, Referral.');
    expect(() => report('pipeline', { filters: { since: 'last tuesday' } })).toThrow(UsageError);
  });
});

describe('forecast', () => {
  it('shows the current month and the next two: pipeline, weighted, weighted with CRM %, won', () => {
    const r = report('forecast');
    // June: D5 closes 06-30 (20,000 × 50%), D7 won 06-02 (3,000). July: D3 (5,000 × 20%). August: D8 (7,000 × 10%).
    expect(r.months).toEqual([
      { month: '2026-06', pipeline: 20000, weighted: 10000, weighted_crm: 10000, won: 3000 },
      { month: '2026-07', pipeline: 5000, weighted: 1000, weighted_crm: 1000, won: 0 },
      { month: '2026-08', pipeline: 7000, weighted: 700, weighted_crm: 700, won: 0 },
    ]);
    expect(r.overdue).toEqual({ count: 0, value: 0 });
    expect(report('forecast', { months: 1 }).months.map((m) => m.month)).toEqual(['2026-06']);
  });

  it('while the time-bound model warms up, weighted uses calibrated probabilities by close month, weighted_crm the CRM’s own', () => {
    const r = report('forecast', { calibrationMinSample: 2 });
    // July: D3 (Qualified) 5,000 × 3/12 = 1,250 calibrated vs 5,000 × 20% = 1,000 CRM.
    expect(r.months[1]!.weighted).toBeCloseTo(1250, 2);
    expect(r.months[1]!.weighted_crm).toBe(1000);
    // 5 closed deals < 40: warm-up, said so; the next 30 days fall back to the run-rate:
    // won in [03-17, 06-15) = D2 10,000 + D7 3,000 → 13,000 × 30/90.
    expect(r.next).toMatchObject({ warm_up: true, expected: 4333.33, run_rate: 4333.33, horizon_days: 30 });
    expect(r.months[1]!.p10).toBeUndefined();
  });
});

describe('velocity, win rate, cycle', () => {
  it('computes the current figures over deals closed in the last 90 days', () => {
    const r = report('velocity');
    // Closed since 2026-03-18: D1 lost, D2 won (10,000, 46 days), D4 lost, D7 won (3,000, 13 days).
    // Win rate 2/4, avg won 6,500, mean cycle 29.5 days; 3 open deals.
    // Velocity = 3 × 0.5 × 6,500 / 29.5 = 330.51 per day.
    expect(r.current).toMatchObject({ open_deals: 3, win_rate: 0.5, avg_won: 6500, cycle_days: 29.5, velocity: 330.51, won_deals: 2, lost_deals: 2, cycle_days_median: 29.5 });
    // Actually won: 13,000 over the 90 days 2026-03-18 … 2026-06-15 = 144.44 per day.
    expect(r.current).toMatchObject({ window_from: '2026-03-18', won_value_per_day: 144.44 });
  });

  it('reconstructs open deals at each period end', () => {
    const r = report('velocity', { filters: { since: '2026-04-13' } });
    // Week of 04-13 ends 04-20 00:00: D2 (won 04-20 09:00), D3, D4 (lost 04-20 09:00) were open.
    expect(r.points[0]).toMatchObject({ period: '2026-04-13', open_deals: 3 });
    // Last week (06-15, ends now): D3, D5, D8.
    expect(r.points[r.points.length - 1]).toMatchObject({ period: '2026-06-15', open_deals: 3 });
  });
});

describe('stuck deals', () => {
  it('flags open deals whose days in stage reach 2× the stage average', () => {
    const r = report('deals', { minSample: 2 });
    // Averages (deals created in the last 365 days that left the stage): Lead 10.8 (n=6), Qualified 10 (n=2),
    // Proposal 11.5 (n=2), Negotiation n=1 < 2 (no average).
    // D3 in Qualified since 04-10 09:00 → 66.1 days → 6.61×; D5 in Proposal since 05-20 09:00 → 26.1 days → 2.27×;
    // D8 in Lead 14.1 days → 1.31× (not stuck).
    expect(r.total).toBe(2);
    expect(r.deals.map((d) => [d.id, d.stage, d.days_in_stage, d.stage_avg_days, d.stuck_ratio])).toEqual([
      ['D3', 'Qualified', 66.1, 10, 6.61],
      ['D5', 'Proposal', 26.1, 11.5, 2.27],
    ]);
    expect(r.deals[0]).toMatchObject({ crm_stage: 'Qualified', owner: 'Al Smith', pipeline: 'Sales', close_date: '2026-07-10' });
  });

  it('needs a minimum sample before calling anything stuck', () => {
    // Default minimum 10 completed visits: no stage has that many.
    expect(report('deals').total).toBe(0);
  });
});

describe('sources, quality, reps', () => {
  it('breaks deals created in the last year down by source', () => {
    const r = report('sources');
    // Referral D5 D7 D8: 30,000, won D7; Inbound D1 D2 D3 D6: 27,000, won D2 D6, lost D1; Outbound D4 lost.
    expect(r.sources).toEqual([
      { source: 'Referral', count: 3, value: 30000, won: 1, lost: 0, win_rate: 1, won_value: 3000 },
      { source: 'Inbound', count: 4, value: 27000, won: 2, lost: 1, win_rate: 0.6667, won_value: 18000 },
      { source: 'Outbound', count: 1, value: 2000, won: 0, lost: 1, win_rate: 0, won_value: 0 },
    ]);
  });

  it('counts data-quality problems among open deals', () => {
    addDeals(db, [
      { id: 'Q1', ownerId: null, amount: 0, created: '2026-06-10', closeDate: null, path: [['s-lead', '2026-06-10']] },
      { id: 'Q2', ownerId: 'o9', amount: null, created: '2026-06-10', closeDate: '2026-06-01', path: [['s-lead', '2026-06-10']] },
    ]);
    const r = report('quality');
    // Open: D3 D5 D8 Q1 Q2. Q1: $0, no close date, no owner. Q2: missing amount, close date passed, unknown owner.
    expect(r).toMatchObject({ open_deals: 5, zero_amount: 1, missing_amount: 1, missing_close_date: 1, past_close_date: 1, no_owner: 2, needs_review_stages: [] });
  });

  it('scores reps on activity in the period, open pipeline and won value', () => {
    upsertActivities(
      db,
      CRM,
      [
        { id: 'a1', type: 'call', ownerId: 'o1', dealId: 'D3', occurredAt: '2026-06-10T09:00:00Z' },
        { id: 'a2', type: 'email', ownerId: 'o1', dealId: null, occurredAt: '2026-06-14T12:00:00Z' },
        { id: 'a3', type: 'meeting', ownerId: 'o2', dealId: 'D5', occurredAt: '2026-05-01T09:00:00Z' },
      ],
      NOW.toISOString(),
    );
    const r = report('reps');
    // Period 2026-05-16 … now. Bea: won D7 (3,000) in the period, open D5 + D8; last activity 05-01 09:00 = 1,083 h ago.
    // Al: 1 call, 1 email, open D3, last activity 24 h ago.
    expect(r).toMatchObject({ since: '2026-05-16', until: '2026-06-15', activities_available: true });
    expect(r.reps).toEqual([
      { owner: 'Bea Jones', owner_id: 'o2', calls: 0, emails: 0, meetings: 0, tasks: 0, open_deals: 2, open_value: 27000, won_value: 3000, last_activity_at: '2026-05-01T09:00:00.000Z', hours_since_activity: 1083 },
      { owner: 'Al Smith', owner_id: 'o1', calls: 1, emails: 1, meetings: 0, tasks: 0, open_deals: 1, open_value: 5000, won_value: 0, last_activity_at: '2026-06-14T12:00:00.000Z', hours_since_activity: 24 },
    ]);
    expect(report('reps', { activitiesAvailable: false }).reps[1]).toMatchObject({ calls: 0, last_activity_at: null });
  });
});

describe('backtest', () => {
  it('never uses a deal closed after the date it forecasts from', () => {
    // A probe: open in Lead since 04-01, expected to close 05-20, 1,000.
    addDeals(db, [{ id: 'P1', amount: 1000, created: '2026-04-01', closeDate: '2026-05-20', path: [['s-lead', '2026-04-01']] }]);
    const before = report('backtest', { filters: { since: '2026-04-01' } });
    // Weekly dates 04-06 … 05-11 (the last whose 30 days have passed by 06-15).
    expect(before.points.map((p) => p.date)).toEqual(['2026-04-06', '2026-04-13', '2026-04-20', '2026-04-27', '2026-05-04', '2026-05-11']);
    // 25 deals created and won on 04-28, the day after the 04-27 date.
    addDeals(
      db,
      Array.from({ length: 25 }, (_, i) => ({ id: `X${i}`, amount: 100, created: '2026-04-28T08:00:00.000Z', path: [['s-lead', '2026-04-28T08:00:00.000Z'], ['s-won', '2026-04-28T10:00:00.000Z']] as [string, string][] })),
    );
    const after = report('backtest', { filters: { since: '2026-04-01' } });
    // Up to 04-27 no forecast figure changes; only `actual` grows by the 2,500 won on 04-28
    // (all value won in the window counts), not `actual_existing` (the deals did not exist yet).
    for (let i = 0; i < 4; i++) {
      const { actual: a1, ...f1 } = after.points[i]!;
      const { actual: a0, ...f0 } = before.points[i]!;
      expect(f1).toEqual(f0);
      expect(a1).toBe(a0 + 2500);
    }
    // Fewer than 40 closed deals: every date is warm-up and forecasts the run-rate.
    // 04-27: won in [01-27, 04-27) = D2 10,000 → × 30/90 = 3,333.33.
    expect(after.points[3]).toMatchObject({ date: '2026-04-27', forecast: 3333.33, warm_up: true, forecast_run_rate: 3333.33 });
    // 05-04: the 2,500 won on 04-28 is now known → (10,000 + 2,500) × 30/90.
    expect(before.points[4]!.forecast).toBe(3333.33);
    expect(after.points[4]!.forecast).toBe(4166.67);
  });

  it('compares forecasts with all the value won in the next 30 days; headline figures only over warm dates', () => {
    const r = report('backtest', { filters: { since: '2026-04-01' } });
    // 04-06: won in [04-06, 05-06): D2 (10,000, won 04-20), which existed on 04-06. Nothing won
    // in the 90 days before 04-06 (D6 closed 2025-12-01): run-rate 0.
    expect(r.points[0]).toMatchObject({ date: '2026-04-06', forecast: 0, actual: 10000, actual_existing: 10000, warm_up: true });
    // 05-11: won in [05-11, 06-10): D7 (3,000, 06-02), created 05-20 → none from deals that existed.
    expect(r.points[5]).toMatchObject({ date: '2026-05-11', actual: 3000, actual_existing: 0 });
    // Every date is warm-up: no headline figure.
    expect(r).toMatchObject({ wape: null, bias: null, coverage: null, warm_points: 0 });
  });
});

describe('derived facts', () => {
  it('an incremental refresh leaves the same tables as a full rebuild', () => {
    const dump = () => ({
      facts: db.prepare('SELECT * FROM deal_facts ORDER BY deal_id').all(),
      weekly: (db.prepare('SELECT day, depth, pipeline_id, owner_id, source, value, deals FROM deal_facts_weekly WHERE deals > 0 ORDER BY 1, 2, 3, 4, 5').all() as { value: number }[]).map((r) => ({ ...r, value: Math.round(r.value * 100) / 100 })),
      closed: db.prepare('SELECT day, deepest, status, pipeline_id, deals FROM deal_facts_closed_daily WHERE deals > 0 ORDER BY 1, 2, 3, 4').all(),
    });
    refreshDerived(db, CRM, { full: true });
    addDeals(db, [
      // D3 moves on to Proposal and is won; D5 changes amount and close date; a new deal arrives; D4 vanishes.
      { id: 'D3', ownerId: 'o1', source: 'Inbound', amount: 5000, created: '2026-04-01', closeDate: '2026-06-12', path: [['s-lead', '2026-04-01'], ['s-qual', '2026-04-10'], ['s-prop', '2026-05-01'], ['s-won', '2026-06-12']] },
      { id: 'D5', ownerId: 'o2', source: 'Referral', amount: 25000, created: '2026-05-01', closeDate: '2026-05-28', path: [['s-lead', '2026-05-01'], ['s-prop', '2026-05-20']] },
      { id: 'N1', ownerId: 'o2', source: null, amount: null, created: '2026-05-02', closeDate: '2026-05-30', path: [['s-lead', '2026-05-02'], ['s-neg', '2026-05-10']] },
    ]);
    db.prepare(`UPDATE deals SET deleted_at = '2026-06-15T00:00:00.000Z' WHERE id = 'D4'`).run();
    expect(refreshDerived(db, CRM).mode).toBe('changed');
    const incremental = dump();
    refreshDerived(db, CRM, { full: true });
    expect(incremental).toEqual(dump());
    expect(incremental.weekly.length).toBeGreaterThan(5);
  });

  it('deals removed and replaced (the demo starting afresh) are not missed', () => {
    expect(report('pipeline').total.count).toBe(3);
    db.prepare('DELETE FROM deal_stage_history').run();
    db.prepare('DELETE FROM deals').run();
    addDeals(db, [{ id: 'Z1', amount: 100, created: '2026-06-14', path: [['s-lead', '2026-06-14']] }]);
    expect(refreshDerived(db, CRM).mode).toBe('full');
    expect(report('pipeline').total).toMatchObject({ count: 1, value: 100 });
  });

  it('facts never built are built on the side, on this connection only, with the same numbers as refreshed facts', () => {
    const side = report('pipeline');
    expect(db.prepare('SELECT COUNT(*) FROM main.deal_facts').pluck().get()).toBe(0);
    refreshDerived(db, CRM);
    expect(report('pipeline')).toEqual(side);
  });

  it('reports never rebuild the derived tables: changed data is read as of the last refresh, and the report says so', () => {
    refreshDerived(db, CRM);
    expect(report('pipeline').total.count).toBe(3);
    expect(report('pipeline').notes ?? []).toEqual([]);
    const stamp = () => db.prepare("SELECT value, updated_at FROM internal_state WHERE key LIKE 'derived:%'").all();
    const facts = () => db.prepare('SELECT * FROM deal_facts ORDER BY deal_id').all();
    const [stampBefore, factsBefore] = [stamp(), facts()];
    // A sync writes a new deal (its refresh still pending).
    db.prepare(`INSERT INTO sync_runs (crm, mode, started_at, status) VALUES (?, 'incremental', ?, 'running')`).run(CRM, new Date().toISOString());
    addDeals(db, [{ id: 'N1', amount: 500, created: '2026-06-14', path: [['s-lead', '2026-06-14']] }]);
    const stale = report('pipeline');
    expect(stale.total.count).toBe(3);
    expect(stale.derived_as_of).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(stale.notes?.[0]).toMatch(/^Figures are from the report tables as of \d{4}-\d\d-\d\d \d\d:\d\d: newer changes/);
    for (const name of ['funnel', 'velocity', 'reps', 'forecast', 'deals', 'quality'] as const) report(name);
    expect(stamp()).toEqual(stampBefore);
    expect(facts()).toEqual(factsBefore);
    // The write side refreshes: current again, no note.
    refreshDerived(db, CRM);
    const fresh = report('pipeline');
    expect(fresh.total.count).toBe(4);
    expect(fresh.derived_as_of).toBeUndefined();
    expect(fresh.notes ?? []).toEqual([]);
  });

  it('refreshDerived rebuilds only what changed, everything on demand', () => {
    refreshDerived(db, CRM);
    addDeals(db, [{ id: 'N1', amount: 500, created: '2026-06-14', path: [['s-lead', '2026-06-14']] }]);
    expect(refreshDerived(db, CRM)).toMatchObject({ mode: 'changed', deals: 1 });
    expect(report('pipeline').total.count).toBe(4);
    // Nothing changed since: nothing to do. A changed deal: only it is re-derived. Asked: all nine.
    expect(refreshDerived(db, CRM)).toMatchObject({ mode: 'none', deals: 0 });
    db.prepare("UPDATE deals SET amount = 600 WHERE id = 'N1'").run();
    expect(refreshDerived(db, CRM)).toMatchObject({ mode: 'changed', deals: 1 });
    expect(report('pipeline').total).toMatchObject({ count: 4, value: 32600 });
    expect(refreshDerived(db, CRM, { full: true })).toMatchObject({ mode: 'full', deals: 9 });
    // A stage-map edit rebuilds everything.
    saveStageMap(db, CRM, [{ stageId: 's-lead', canonical: 'Lead', winProbability: null, included: false }], 'U1', '2026-06-15T11:00:00.000Z');
    expect(refreshDerived(db, CRM)).toMatchObject({ mode: 'full' });
  });
});
