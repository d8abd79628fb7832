/**
 * Every report over a database filled by the demo CRM through the real sync engine, checked
 * against each other and against plain SQL on the synced tables (not on deal_facts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/db.js';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { runSync } from '../../src/sync/engine.js';
import { computeReport, REPORT_NAMES } from '../../src/reports/compute.js';
import type { ReportByName } from '../../src/metrics/report-types.js';
import type { Db } from '../../store/db.js';
import { refreshDerived } from '../../store/deal-facts.js';

const NOW = new Date('2026-11-24T08:00:00Z');
let t: ReturnType<typeof tempDb>;
let db: Db;
const reports = {} as ReportByName;

beforeAll(async () => {
  t = tempDb();
  db = t.db;
  await runSync(db, createDemoConnector({ seed: 7, deals: 1500, now: NOW }), { now: NOW });
  for (const name of REPORT_NAMES) (reports as unknown as Record<string, unknown>)[name] = computeReport(db, 'demo', name, { now: NOW });
});
afterAll(() => t.cleanup());

describe('reports over the demo CRM', () => {
  it('every report carries currency, filters and as_of', () => {
    for (const name of REPORT_NAMES) expect(reports[name]).toMatchObject({ currency: 'USD', filters: {}, as_of: NOW.toISOString() });
  });

  it('open pipeline matches the synced deals table, stage by stage', () => {
    const rows = db
      .prepare(
        `SELECT m.canonical AS stage, COUNT(*) AS count, TOTAL(d.amount) AS value FROM deals d JOIN stage_map m ON m.crm = d.crm AND m.stage_id = d.stage_id
         WHERE d.crm = 'demo' AND d.status = 'open' AND d.deleted_at IS NULL GROUP BY m.canonical`,
      )
      .all() as { stage: string; count: number; value: number }[];
    for (const s of reports.pipeline.stages) {
      const sql = rows.find((r) => r.stage === s.stage) ?? { count: 0, value: 0 };
      expect([s.stage, s.count, s.value]).toEqual([s.stage, sql.count, Math.round(sql.value * 100) / 100]);
      expect(s.weighted).toBeLessThanOrEqual(s.value);
    }
    expect(reports.pipeline.total.count).toBe(reports.quality.open_deals);
    expect(reports.pipeline.total.count).toBe(reports.velocity.current.open_deals);
  });

  it('calibration learns from history on a year of demo deals, where the CRM probabilities are too optimistic', () => {
    const cal = reports.forecast.calibration!.stages;
    expect(cal.map((s) => s.source)).toEqual(['history', 'history', 'history', 'history']);
    for (const s of cal) expect(s.sample).toBeGreaterThanOrEqual(20);
    // Later stages win more often; the demo's conversion is below its CRM's own numbers at Proposal.
    expect(cal[3]!.probability).toBeGreaterThan(cal[0]!.probability);
    expect(cal[2]!.probability).toBeLessThan(cal[2]!.crm_probability!);
  });

  it('funnel counts never grow with depth, and match the deals created in the cohort', () => {
    const f = reports.funnel;
    for (let i = 1; i < f.stages.length; i++) expect(f.stages[i]!.reached).toBeLessThanOrEqual(f.stages[i - 1]!.reached);
    const created = db
      .prepare(`SELECT COUNT(*) FROM deals WHERE crm = 'demo' AND deleted_at IS NULL AND created_at >= ? AND created_at <= ?`)
      .pluck()
      .get(`${f.cohort!.from}T00:00:00.000Z`, NOW.toISOString()) as number;
    expect(f.stages[0]!.reached).toBe(created);
    expect(f.stages[4]!.reached).toBe(f.cohort!.won);
  });

  it('forecast months are the current and next two; their pipeline is part of the open pipeline', () => {
    expect(reports.forecast.months.map((m) => m.month)).toEqual(['2026-11', '2026-12', '2027-01']);
    const inMonths = reports.forecast.months.reduce((a, m) => a + m.pipeline, 0);
    expect(inMonths).toBeLessThanOrEqual(reports.pipeline.total.value);
    expect(reports.forecast.months[0]!.won).toBeGreaterThan(0);
  });

  it('sources add up to the deals created in the last year', () => {
    const n = db
      .prepare(`SELECT COUNT(*) FROM deals WHERE crm = 'demo' AND deleted_at IS NULL AND created_at >= ?`)
      .pluck()
      .get(`${reports.sources.from}T00:00:00.000Z`) as number;
    expect(reports.sources.sources.reduce((a, s) => a + s.count, 0)).toBe(n);
    // The demo's referrals win more often than its paid ads.
    const rate = (name: string) => reports.sources.sources.find((s) => s.source === name)!.win_rate!;
    expect(rate('Referral')).toBeGreaterThan(rate('Paid Ads'));
  });

  it('stuck deals are at least 2× their stage average, most stuck first', () => {
    const d = reports.deals;
    expect(d.total).toBeGreaterThan(0);
    for (const r of d.deals) expect(r.stuck_ratio!).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < d.deals.length; i++) expect(d.deals[i]!.stuck_ratio!).toBeLessThanOrEqual(d.deals[i - 1]!.stuck_ratio!);
  });

  it('the rep who stopped logging activity shows it', () => {
    const quiet = reports.reps.reps.reduce((a, r) => ((r.hours_since_activity ?? 0) > (a.hours_since_activity ?? 0) ? r : a));
    expect(quiet.hours_since_activity!).toBeGreaterThan(5 * 24);
    expect(reports.reps.reps.filter((r) => (r.hours_since_activity ?? 0) > 5 * 24)).toHaveLength(1);
  });

  it('velocity and backtest have a point per period and comparable error figures', () => {
    expect(reports.velocity.points).toHaveLength(26);
    expect(reports.velocity.current.velocity).toBeGreaterThan(0);
    expect(reports.backtest.points.length).toBeGreaterThan(40);
    expect(reports.backtest.wape).not.toBeNull();
    expect(reports.backtest.wape_crm).not.toBeNull();
    for (const p of reports.backtest.points) expect(p.date < '2026-10-26').toBe(true);
  });

  it('quality finds the demo’s $0 deals and missing close dates', () => {
    expect(reports.quality.zero_amount + reports.quality.missing_amount).toBeGreaterThan(0);
    expect(reports.quality.missing_close_date).toBeGreaterThan(0);
  });

  it('filters narrow every report', () => {
    const one = computeReport(db, 'demo', 'pipeline', { now: NOW, filters: { pipeline: 'Enterprise', source: 'Inbound' } });
    expect(one.total.count).toBeGreaterThan(0);
    expect(one.total.count).toBeLessThan(reports.pipeline.total.count);
    for (const name of REPORT_NAMES) {
      const r = computeReport(db, 'demo', name, { now: NOW, filters: { pipeline: 'Enterprise', source: 'Inbound', since: '120d' } });
      expect(r.filters).toEqual({ pipeline: 'Enterprise', source: 'Inbound', since: '2026-07-27' });
    }
  });

  it('after a later incremental sync, refreshing only the changed deals gives what a full rebuild gives', async () => {
    const later = new Date('2026-11-27T08:00:00Z');
    const before = refreshDerived(db, 'demo');
    expect(before.mode).toBe('none');
    // The engine refreshes the derived tables itself at the end of a sync, for the changed deals only.
    const synced = await runSync(db, createDemoConnector({ seed: 7, deals: 1500, now: later }), { now: later });
    const r = synced.derived!;
    expect(r.mode).toBe('changed');
    expect(refreshDerived(db, 'demo').mode).toBe('none');
    expect(r.deals).toBeGreaterThan(0);
    expect(r.deals).toBeLessThan(300);
    const dump = () => ({
      facts: db.prepare('SELECT * FROM deal_facts ORDER BY deal_id').all(),
      skipped: db.prepare('SELECT * FROM deal_facts_skipped ORDER BY deal_id').all(),
      weekly: (db.prepare('SELECT day, depth, pipeline_id, owner_id, source, value, deals FROM deal_facts_weekly WHERE deals > 0 ORDER BY 1, 2, 3, 4, 5').all() as { value: number }[]).map(
        (w) => ({ ...w, value: Math.round(w.value * 100) / 100 }),
      ),
      closed: db.prepare('SELECT day, deepest, status, pipeline_id, deals FROM deal_facts_closed_daily WHERE deals > 0 ORDER BY 1, 2, 3, 4').all(),
    });
    const incremental = dump();
    refreshDerived(db, 'demo', { full: true });
    expect(incremental).toEqual(dump());
    expect(computeReport(db, 'demo', 'pipeline', { now: later }).total.count).toBe(
      db.prepare(`SELECT COUNT(*) FROM deals WHERE crm = 'demo' AND status = 'open' AND deleted_at IS NULL`).pluck().get(),
    );
  });
});
