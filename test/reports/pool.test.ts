/**
 * The report worker pool: the same reports and PNGs as on the main thread, computed by worker
 * threads with their own read-only SQLite connections; usage errors come back as UsageError;
 * stale derived tables are read as of their last refresh (reports never write them); a task queued behind busy workers waits its turn; close() ends everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { UsageError } from '../../src/errors.js';
import { InlineReports } from '../../src/reports/work.js';
import { runSync } from '../../src/sync/engine.js';
import { refreshDerived } from '../../store/deal-facts.js';
import type { ReportPool } from '../../src/reports/pool.js';
import { tempDb } from '../helpers/db.js';
import { tsReportPool } from '../helpers/report-pool.js';

const NOW = new Date('2026-11-24T09:00:00Z');
let store: ReturnType<typeof tempDb>;
let pool: ReportPool;

beforeAll(async () => {
  store = tempDb();
  await runSync(store.db, createDemoConnector({ seed: 7, deals: 600, now: NOW }), { now: NOW });
  pool = tsReportPool({ dbPath: store.path, db: store.db, size: 2 });
  // Workers load the TypeScript sources through a transform first: warm both up.
  await Promise.all([0, 1].map(() => pool.run({ crm: 'demo', name: 'quality', opts: { timeZone: 'UTC', now: NOW } })));
}, 120_000);
afterAll(async () => {
  await pool?.close();
  store?.cleanup();
});

describe('ReportPool', () => {
  it('computes the same reports and draws the same PNG as the main thread, several at once', async () => {
    const inline = new InlineReports(store.db);
    const names = ['pipeline', 'funnel', 'reps'] as const;
    const [pooled, local] = await Promise.all([
      Promise.all(names.map((name) => pool.run({ crm: 'demo', name, opts: { timeZone: 'UTC', now: NOW }, chart: { scale: 1 } }))),
      Promise.all(names.map((name) => inline.run({ crm: 'demo', name, opts: { timeZone: 'UTC', now: NOW }, chart: { scale: 1 } }))),
    ]);
    for (let i = 0; i < names.length; i++) {
      expect(pooled[i]!.report).toEqual(local[i]!.report);
      expect(pooled[i]!.png!.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      // The same picture (byte-identical files are not promised: the encoder may differ in detail).
      const [a, b] = await Promise.all([pooled[i]!.png!, local[i]!.png!].map((p) => sharp(p).raw().toBuffer({ resolveWithObject: true })));
      expect([a!.info.width, a!.info.height]).toEqual([b!.info.width, b!.info.height]);
      let diff = 0;
      for (let j = 0; j < a!.data.length; j++) diff += Math.abs(a!.data[j]! - b!.data[j]!);
      expect(diff / a!.data.length).toBeLessThan(1);
    }
    expect(pool.size).toBe(2);
  }, 120_000);

  it('pages /deals in SQL: biggest open deals first, one stage, the total counted in SQL', async () => {
    const { report } = await pool.run({ crm: 'demo', name: 'deals', opts: { timeZone: 'UTC', now: NOW, limit: 5, threshold: 0, order: 'amount', stage: { canonical: 2 } } });
    expect(report.deals.length).toBeLessThanOrEqual(5);
    expect(report.deals.every((d) => d.stage === 'Proposal')).toBe(true);
    const amounts = report.deals.map((d) => d.amount ?? 0);
    expect(amounts).toEqual([...amounts].sort((a, b) => b - a));
    const all = await pool.run({ crm: 'demo', name: 'deals', opts: { timeZone: 'UTC', now: NOW, limit: 100_000, threshold: 0, order: 'amount', stage: { canonical: 2 } } });
    expect(report.total).toBe(all.report.deals.length);
    expect(report.deals).toEqual(all.report.deals.slice(0, 5));
  });

  it('a bad filter comes back as a UsageError', async () => {
    await expect(pool.run({ crm: 'demo', name: 'pipeline', opts: { timeZone: 'UTC', now: NOW, filters: { pipeline: 'No Such Pipeline' } } })).rejects.toBeInstanceOf(UsageError);
  });

  it('stale derived tables: workers read the last refresh and say so; nothing rebuilds them until the write side does', async () => {
    const before = await pool.run({ crm: 'demo', name: 'pipeline', opts: { timeZone: 'UTC', now: NOW } });
    const stamp = () => store.db.prepare("SELECT value FROM internal_state WHERE key LIKE 'derived:%'").pluck().all();
    const kept = stamp();
    // New deals written without the refresh that follows a sync (it is pending).
    await runSync(store.db, createDemoConnector({ seed: 8, deals: 700, now: NOW }), { now: NOW, refreshDerived: async () => null });
    const stale = await pool.run({ crm: 'demo', name: 'pipeline', opts: { timeZone: 'UTC', now: NOW } });
    expect(stale.report.total).toEqual(before.report.total);
    expect(stale.report.notes?.some((n) => n.startsWith('Figures are from the report tables as of'))).toBe(true);
    expect(stamp()).toEqual(kept);
    refreshDerived(store.db, 'demo');
    const after = await pool.run({ crm: 'demo', name: 'pipeline', opts: { timeZone: 'UTC', now: NOW } });
    const inline = await new InlineReports(store.db).run({ crm: 'demo', name: 'pipeline', opts: { timeZone: 'UTC', now: NOW } });
    expect(after.report).toEqual(inline.report);
    expect(after.report.total).not.toEqual(before.report.total);
    expect(after.report.notes ?? []).toEqual([]);
  });

  it('after close() it refuses work', async () => {
    const p = tsReportPool({ dbPath: store.path, db: store.db, size: 1 });
    const running = p.run({ crm: 'demo', name: 'pipeline', opts: { timeZone: 'UTC', now: NOW } });
    const failed = expect(running).rejects.toThrow(/stopping/);
    await p.close();
    await failed;
    await expect(p.run({ crm: 'demo', name: 'pipeline', opts: { timeZone: 'UTC', now: NOW } })).rejects.toThrow(/closed/);
  });
});
