/**
 * Upsert throughput for 100k demo deals, and peak RSS. Target: ≥ 50,000 deals/s and < 300 MB
 * RSS on 2 cores. Measured two ways: the whole deals stream through runSync (generation by the
 * demo CRM included), and the store's upsert alone on pre-generated rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../store/db.js';
import { dealUpserter } from '../store/deals.js';
import { createDemoConnector } from '../src/connectors/demo.js';
import { runSync } from '../src/sync/engine.js';
import type { DealRow } from '../src/model/rows.js';
import { peakRssMb } from './stats.js';

const fmt = new Intl.NumberFormat('en-US');

export async function benchSync(deals = 100_000): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dealcast-bench-'));
  try {
    const now = new Date('2026-11-24T09:00:00Z');
    const db = openDb(join(dir, 'bench.db'));
    const connector = createDemoConnector({ now, deals });
    const streamStart = new Map<string, number>();
    const streamMs: Record<string, number> = {};
    let last = 'pipelines';
    let t = performance.now();
    const result = await runSync(db, connector, {
      now,
      afterPageWrite: (s) => {
        if (!streamStart.has(s)) {
          streamMs[last] = performance.now() - t;
          t = performance.now();
          streamStart.set(s, t);
          last = s;
        }
      },
    });
    streamMs[last] = performance.now() - t;
    const total = Object.values(streamMs).reduce((a, b) => a + b, 0);
    const dealsPerSec = result.counts.deals! / (streamMs.deals! / 1000);
    console.log(`full sync of ${fmt.format(deals)} demo deals: ${(total / 1000).toFixed(2)} s in all`);
    for (const [s, ms] of Object.entries(streamMs)) {
      console.log(`  ${s.padEnd(14)} ${fmt.format(result.counts[s] ?? 0).padStart(10)} rows  ${(ms / 1000).toFixed(2)} s  ${fmt.format(Math.round((result.counts[s] ?? 0) / (ms / 1000)))} rows/s`);
    }
    console.log(`deals stream (generate + upsert): ${fmt.format(Math.round(dealsPerSec))} deals/s   target ≥ 50,000  ${dealsPerSec >= 50_000 ? 'OK' : 'MISSED'}`);

    // The store alone on pre-generated rows: inserts into an empty table, then a reread of
    // unchanged deals (what most incremental pages are).
    const rows: DealRow[] = [];
    for await (const p of connector.streams.deals!.read({ cursor: null, full: true, startedAt: now, http: { request: () => Promise.reject(new Error()) }, log: () => {} })) {
      rows.push(...p.rows);
    }
    const stageFlags = new Map<string, { isClosed: boolean; isWon: boolean }>();
    const pass = (label: string) => {
      const upsert = dealUpserter(db, 'bench');
      const t0 = performance.now();
      for (let i = 0; i < rows.length; i += 1000) {
        db.transaction(() => upsert(rows.slice(i, i + 1000), { now: now.toISOString(), stageFlags, observeHistory: false }))();
      }
      console.log(`store upsert alone, ${label}: ${fmt.format(Math.round(rows.length / ((performance.now() - t0) / 1000)))} deals/s`);
    };
    pass('inserts        ');
    pass('unchanged rows ');
    const rss = peakRssMb();
    console.log(`peak RSS: ${rss.toFixed(0)} MB   target < 300 MB  ${rss < 300 ? 'OK' : 'MISSED'}`);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
