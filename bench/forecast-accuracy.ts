/**
 * Forecast accuracy on the demo CRM (seed 42) at 1,500 and 6,000 deals: the honest backtest's
 * WAPE, bias and P10–P90 coverage over its warm weeks, beside the run-rate and CRM-probability
 * baselines. Targets (docs/metrics.md): WAPE ≤ 30% at 1,500 deals and ≤ 16% at 6,000, bias
 * 0.9–1.1, coverage 70–90%. Each size is measured as `npm run demo` leaves the database (the
 * weekly deal snapshots of the CRM's window replayed, so the expected close dates as they stood
 * each week are known) and, beside it, as a new install without snapshots (stage history only).
 * Then the speed of the same reports at 100k deals, cold (a fresh database handle: nothing
 * computed yet, as after a sync) and warm.
 */
import { openDb } from '../store/db.js';
import { createDemoConnector, DemoCrm } from '../src/connectors/demo.js';
import { seedDemoDealSnapshots } from '../src/cli/demo.js';
import { runSync } from '../src/sync/engine.js';
import { computeReport } from '../src/reports/compute.js';
import type { BacktestPoint } from '../src/metrics/report-types.js';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmtMs } from './stats.js';

const NOW = new Date('2026-11-24T08:00:00Z');
const SEED = 42;
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);

/**
 * The backtest's warm weeks taken apart (docs/metrics.md "backtest"): the model alone (open +
 * new, before the credibility mix) and the run-rate, each as WAPE and Σ forecast ÷ Σ actual; the
 * open-deal part against what deals open on the date won, the new-deal part against what deals
 * created inside the window won.
 */
export function errorSplit(points: BacktestPoint[]): string {
  const warm = points.filter((p) => !p.warm_up);
  const sum = (f: (p: BacktestPoint) => number) => warm.reduce((s, p) => s + f(p), 0);
  const actual = sum((p) => p.actual);
  const existing = sum((p) => p.actual_existing ?? 0);
  if (actual <= 0) return '—';
  const model = (p: BacktestPoint) => (p.forecast_open ?? 0) + (p.forecast_new ?? 0);
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '—');
  return (
    `model alone WAPE ${pct(sum((p) => Math.abs(model(p) - p.actual)) / actual)} bias ${ratio(sum(model), actual)}; ` +
    `run-rate bias ${ratio(
      sum((p) => p.forecast_run_rate ?? 0),
      actual,
    )}; ` +
    `open deals ${ratio(
      sum((p) => p.forecast_open ?? 0),
      existing,
    )} × what they won; new deals ${ratio(
      sum((p) => p.forecast_new ?? 0),
      actual - existing,
    )} × what they won`
  );
}

export async function benchForecastAccuracy(sizes: number[] = [1500, 6000], now = NOW): Promise<void> {
  for (const deals of sizes)
    for (const snapshots of [true, false]) {
      const db = openDb(':memory:');
      try {
        await runSync(db, createDemoConnector({ seed: SEED, deals, now }), { now });
        const weeks = snapshots ? seedDemoDealSnapshots(db, new DemoCrm({ seed: SEED, deals, now }), now, 'UTC') : 0;
        const t = performance.now();
        const r = computeReport(db, 'demo', 'backtest', { now, timeZone: 'UTC' });
        const ms = performance.now() - t;
        const target = deals <= 1500 ? 0.3 : 0.16;
        const ok = (r.wape ?? 1) <= target && (r.bias ?? 0) >= 0.9 && (r.bias ?? 0) <= 1.1 && (r.coverage ?? 0) >= 0.7 && (r.coverage ?? 0) <= 0.9;
        console.log(`  ${String(deals).padStart(6)} deals, ${snapshots ? `as the demo leaves it (${weeks} weeks of deal snapshots)` : 'a new install (no deal snapshots)'}`);
        console.log(
          `         ${r.warm_points}/${r.points.length} warm weeks  WAPE ${pct(r.wape)} (target ≤ ${pct(target)})  bias ${r.bias?.toFixed(3) ?? '—'}  ` +
            `P10–P90 coverage ${pct(r.coverage)}  | run-rate WAPE ${pct(r.wape_run_rate)}  CRM-probability WAPE ${pct(r.wape_crm)}  (${ms.toFixed(0)} ms)  ${snapshots ? (ok ? 'OK' : 'MISSED') : ''}`,
        );
        console.log(`         where the error comes from: ${errorSplit(r.points)}`);
      } finally {
        db.close();
      }
    }
}

/**
 * Cold and warm time of `report backtest` and `report forecast` at 100k demo deals, with the
 * weekly deal snapshots `npm run demo` replays (a year and more of them: what a team that has run
 * dealcast that long has, and what the forecast reads). Cold = a new database handle, so the deal
 * histories, snapshots, observations and backtest are all computed; warm = the same handle again
 * (what a slash command finds until the next sync changes the facts).
 */
export async function benchForecastSpeed(deals = 100_000, now = NOW): Promise<void> {
  const path = join(tmpdir(), `dealcast-bench-forecast-${SEED}-${deals}-${now.toISOString().slice(0, 10)}-snapshots.db`);
  if (!existsSync(path)) {
    const building = `${path}.building`;
    for (const s of ['', '-wal', '-shm']) rmSync(building + s, { force: true });
    const t = performance.now();
    const db = openDb(building);
    await runSync(db, createDemoConnector({ seed: SEED, deals, now }), { now });
    seedDemoDealSnapshots(db, new DemoCrm({ seed: SEED, deals, now }), now, 'UTC');
    computeReport(db, 'demo', 'pipeline', { now, timeZone: 'UTC' }); // derived tables built
    const rows = db.prepare('SELECT COUNT(*) FROM deal_snapshots').pluck().get() as number;
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    renameSync(building, path);
    console.log(`  generated ${deals} demo deals and ${rows.toLocaleString('en-US')} deal snapshot rows in ${fmtMs(performance.now() - t)}`);
  }
  const time = (db: ReturnType<typeof openDb>, name: 'backtest' | 'forecast') => {
    const t = performance.now();
    computeReport(db, 'demo', name, { now, timeZone: 'UTC' });
    return performance.now() - t;
  };
  for (const first of ['backtest', 'forecast'] as const) {
    const db = openDb(path);
    try {
      computeReport(db, 'demo', 'pipeline', { now, timeZone: 'UTC' }); // page cache, derived check
      const cold = time(db, first);
      const warmB = time(db, 'backtest');
      const warmF = time(db, 'forecast');
      console.log(`  ${deals} deals: ${first} cold ${fmtMs(cold)}; then backtest ${fmtMs(warmB)}, forecast ${fmtMs(warmF)}  (a slash command: target well under 3 s cold)`);
    } finally {
      db.close();
    }
  }
}
