/**
 * Report speed on 100k and 1M demo deals: the derived-table refresh (full, and after a small
 * change), then every report computed (median, p95), and computed and rendered to PNG. Targets: any report computed and rendered p95 < 300 ms at 100k
 * deals, < 1.5 s at 1M. The demo databases are generated once through the real sync engine and
 * kept in the temp folder (generating 1M deals takes a few minutes).
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../store/db.js';
import { refreshDerived } from '../store/deal-facts.js';
import { createDemoConnector } from '../src/connectors/demo.js';
import { runSync } from '../src/sync/engine.js';
import { computeReport, REPORT_NAMES } from '../src/reports/compute.js';
import { renderReportPng } from '../src/reports/render.js';
import { isChartName } from '../charts/index.js';
import { fmtMs, timeIt } from './stats.js';

const NOW = new Date('2026-11-24T08:00:00Z');
const SEED = 42;
const fmt = new Intl.NumberFormat('en-US');

async function demoDb(deals: number): Promise<Db> {
  const path = join(tmpdir(), `dealcast-bench-reports-${SEED}-${deals}-${NOW.toISOString().slice(0, 10)}.db`);
  if (existsSync(path)) {
    console.log(`  reusing ${path}`);
    return openDb(path);
  }
  const building = `${path}.building`;
  for (const s of ['', '-wal', '-shm']) rmSync(building + s, { force: true });
  const t = performance.now();
  const db = openDb(building);
  await runSync(db, createDemoConnector({ seed: SEED, deals, now: NOW }), { now: NOW });
  console.log(`  generated ${fmt.format(deals)} demo deals through runSync in ${fmtMs(performance.now() - t)}`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  renameSync(building, path);
  return openDb(path);
}

export async function benchReports(sizes: number[] = [100_000, 1_000_000]): Promise<void> {
  for (const deals of sizes) {
    const target = deals <= 100_000 ? 300 : 1500;
    console.log(`\n${fmt.format(deals)} demo deals (target: computed and rendered p95 < ${fmtMs(target)})`);
    const db = await demoDb(deals);
    try {
      const full = refreshDerived(db, 'demo', { full: true });
      console.log(`  refreshDerived, full rebuild: ${fmtMs(full.ms)}`);
      db.prepare(`UPDATE deals SET amount = COALESCE(amount, 0) + 1 WHERE crm = 'demo' AND rowid IN (SELECT rowid FROM deals WHERE crm = 'demo' LIMIT 1000)`).run();
      const changed = refreshDerived(db, 'demo');
      console.log(`  refreshDerived, 1,000 changed deals: ${fmtMs(changed.ms)}`);
      const runs = deals <= 100_000 ? 20 : 7;
      let worst = 0;
      console.log(`  ${'report'.padEnd(10)} ${'compute median'.padStart(15)} ${'p95'.padStart(9)}  ${'+ render median'.padStart(16)} ${'p95'.padStart(9)}`);
      for (const name of REPORT_NAMES) {
        computeReport(db, 'demo', name, { now: NOW }); // warm the page cache
        const compute = await timeIt(runs, () => computeReport(db, 'demo', name, { now: NOW }));
        let line = `  ${name.padEnd(10)} ${fmtMs(compute.median).padStart(15)} ${fmtMs(compute.p95).padStart(9)}`;
        let p95 = compute.p95;
        if (isChartName(name)) {
          const chart = name;
          const both = await timeIt(runs, () => renderReportPng(chart, computeReport(db, 'demo', chart, { now: NOW })));
          line += `  ${fmtMs(both.median).padStart(16)} ${fmtMs(both.p95).padStart(9)}`;
          p95 = both.p95;
        }
        worst = Math.max(worst, p95);
        console.log(line);
      }
      console.log(`  worst p95 ${fmtMs(worst)}   target < ${fmtMs(target)}  ${worst < target ? 'OK' : 'MISSED'}`);
    } finally {
      db.close();
    }
  }
}
