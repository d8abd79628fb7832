import { afterEach, describe, expect, it } from 'vitest';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { runSync } from '../../src/sync/engine.js';
import { computeReport } from '../../src/reports/compute.js';
import { fillSnapshotGaps, runSnapshotJob, type SnapshotDeps } from '../../src/jobs/snapshot.js';
import { pipelineHistory } from '../../src/jobs/pipeline-history.js';
import { reportProvider } from '../../src/jobs/context.js';
import { dayTotals, listSnapshotDay } from '../../store/snapshots.js';
import { dealSnapshotHistory } from '../../store/deal-snapshots.js';
import { tempDb } from '../helpers/db.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanups.splice(0)) f();
});

const NOW = new Date('2026-11-24T06:30:00Z');

async function setup() {
  const t = tempDb();
  cleanups.push(t.cleanup);
  await runSync(t.db, createDemoConnector({ seed: 7, deals: 400, now: NOW }), { now: NOW });
  const reports = reportProvider(t.db, 'demo', () => 'Europe/Berlin');
  const deps: SnapshotDeps = { db: t.db, crm: 'demo', timeZone: 'Europe/Berlin', pipeline: pipelineHistory(t.db, 'demo', reports) };
  return { db: t.db, deps, reports };
}

describe('snapshot job', () => {
  it("records today's open pipeline per pipeline and stage, equal to the pipeline report", async () => {
    const { db, deps } = await setup();
    const r = await runSnapshotJob(deps, NOW);
    expect(r.day).toBe('2026-11-24');
    const rows = listSnapshotDay(db, 'demo', '2026-11-24');
    expect(rows.length).toBeGreaterThan(2);
    expect(rows.every((x) => !x.reconstructed)).toBe(true);
    expect(new Set(rows.map((x) => x.pipelineId)).size).toBe(2);
    const report = computeReport(db, 'demo', 'pipeline', { now: NOW, timeZone: 'Europe/Berlin' });
    const sum = (k: 'count' | 'value' | 'weighted') => rows.reduce((a, x) => a + x[k], 0);
    expect(sum('count')).toBe(report.total.count);
    expect(sum('value')).toBeCloseTo(report.total.value, 2);
    // Each pipeline's rows are what `/pipeline pipeline:<it>` shows, weighted with that pipeline's
    // own calibration, so their sum is near (not equal to) the all-pipelines weighted value.
    expect(Math.abs(sum('weighted') - report.total.weighted) / report.total.weighted).toBeLessThan(0.05);
  });

  it('reconstructs the days before install from stage history, marked reconstructed, with the same model as today', async () => {
    const { db, deps } = await setup();
    const r = await runSnapshotJob(deps, NOW);
    expect(r.reconstructedDays).toHaveLength(35);
    expect(r.reconstructedDays[0]).toBe('2026-10-20');
    expect(r.reconstructedDays.at(-1)).toBe('2026-11-23');
    const days = dayTotals(db, 'demo', '2026-10-01', '2026-11-24');
    expect(days.filter((d) => d.reconstructed).map((d) => d.day)).toEqual(r.reconstructedDays);
    // Reconstructing "now" gives exactly what the report counts now: one model, not two.
    const [atNow] = await deps.pipeline.at([NOW], NOW);
    const report = computeReport(db, 'demo', 'pipeline', { now: NOW, timeZone: 'Europe/Berlin' });
    expect(atNow!.reduce((a, c) => a + c.count, 0)).toBe(report.total.count);
    expect(atNow!.reduce((a, c) => a + c.value, 0)).toBeCloseTo(report.total.value, 2);
    // The pipeline changes from day to day (it is history, not today's copy).
    expect(new Set(days.map((d) => Math.round(d.value))).size).toBeGreaterThan(10);
  });

  it('never replaces a taken snapshot with a reconstruction, and fills only the gaps', async () => {
    const { db, deps } = await setup();
    await runSnapshotJob(deps, NOW);
    const taken = listSnapshotDay(db, 'demo', '2026-11-24');
    // The next day: yesterday stays as taken; only missing days are rebuilt.
    const tomorrow = new Date('2026-11-25T06:30:00Z');
    db.prepare("DELETE FROM pipeline_snapshots WHERE day = '2026-11-10'").run();
    const r = await runSnapshotJob(deps, tomorrow);
    expect(r.reconstructedDays).toEqual(['2026-11-10']);
    expect(listSnapshotDay(db, 'demo', '2026-11-24')).toEqual(taken);
    expect(await fillSnapshotGaps(deps, tomorrow)).toEqual([]);
  });

  it('records every open deal weekly (stage, amount, close date, owner), so later changes stay measurable', async () => {
    const { db, deps } = await setup();
    const first = await runSnapshotJob(deps, NOW);
    const open = db.prepare("SELECT COUNT(*) FROM deals WHERE crm = 'demo' AND status = 'open' AND deleted_at IS NULL").pluck().get() as number;
    expect(first.dealsSnapshotted).toBe(open);
    // Daily runs in between take no deal snapshot; seven days later the next one is taken.
    expect((await runSnapshotJob(deps, new Date('2026-11-25T06:30:00Z'))).dealsSnapshotted).toBeNull();
    const id = db.prepare("SELECT id FROM deals WHERE crm = 'demo' AND status = 'open' AND close_date IS NOT NULL LIMIT 1").pluck().get() as string;
    const before = db.prepare("SELECT close_date AS closeDate, amount, owner_id AS ownerId, stage_id AS stageId FROM deals WHERE crm = 'demo' AND id = ?").get(id) as Record<string, unknown>;
    // The rep pushes the close date out by a month and changes the amount.
    db.prepare("UPDATE deals SET close_date = '2027-03-01', amount = 1234 WHERE crm = 'demo' AND id = ?").run(id);
    expect((await runSnapshotJob(deps, new Date('2026-12-01T06:30:00Z'))).dealsSnapshotted).toBe(open);
    const history = dealSnapshotHistory(db, 'demo', id);
    expect(history.map((h) => h.day)).toEqual(['2026-11-24', '2026-12-01']);
    expect(history[0]).toMatchObject({ ...before, currency: 'USD' });
    expect(history[0]!.canonical).toBeGreaterThanOrEqual(0);
    expect(history[1]).toMatchObject({ closeDate: '2027-03-01', amount: 1234 });
  });
});
