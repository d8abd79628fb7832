import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../../store/db.js';

/** A fresh database file in a temp folder, removed by the returned cleanup. */
export function tempDb(): { db: Db; path: string; dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'dealcast-test-'));
  const path = join(dir, 'test.db');
  const db = openDb(path);
  return {
    db,
    path,
    dir,
    cleanup: () => {
      try {
        db.close();
      } catch {
        /* already closed */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Tables that hold synced data (not the run log, which differs between runs by design). */
export const DATA_TABLES = ['pipelines', 'stages', 'stage_map', 'owners', 'deals', 'deal_stage_history', 'activities', 'sync_cursors'];

/** Every row of every data table, in a stable order, for equality checks. */
export function dumpData(db: Db): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const t of DATA_TABLES) {
    const cols = (db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name);
    out[t] = db.prepare(`SELECT * FROM ${t} ORDER BY ${cols.join(', ')}`).all();
  }
  return out;
}
