/**
 * Daily pipeline snapshots: open pipeline per day, pipeline and canonical stage. Taken after the
 * day's first successful sync (reconstructed = false) or rebuilt from stage history for days
 * with no snapshot (reconstructed = true). A taken snapshot replaces a reconstructed one for the
 * same day; a reconstructed one never replaces a taken one.
 */
import type { Db } from './db.js';

export interface SnapshotRow {
  day: string;
  pipelineId: string;
  canonical: string;
  count: number;
  value: number;
  weighted: number;
  reconstructed: boolean;
  takenAt: string;
}

/** One day's totals over all pipelines and stages. */
export interface DayTotal {
  day: string;
  count: number;
  value: number;
  weighted: number;
  reconstructed: boolean;
}

/** Writes one day's rows, replacing that day's earlier rows (taken rows win over reconstructed ones). */
export function saveSnapshotDay(db: Db, crm: string, day: string, rows: Omit<SnapshotRow, 'day'>[]): boolean {
  return db.transaction(() => {
    const existing = db.prepare('SELECT MIN(reconstructed) FROM pipeline_snapshots WHERE crm = ? AND day = ?').pluck().get(crm, day) as number | null;
    const incomingReconstructed = rows.length === 0 || rows.every((r) => r.reconstructed);
    if (existing === 0 && incomingReconstructed) return false;
    db.prepare('DELETE FROM pipeline_snapshots WHERE crm = ? AND day = ?').run(crm, day);
    const ins = db.prepare(
      `INSERT INTO pipeline_snapshots (crm, day, pipeline_id, canonical, count, value, weighted, reconstructed, taken_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const r of rows) ins.run(crm, day, r.pipelineId, r.canonical, r.count, r.value, r.weighted, r.reconstructed ? 1 : 0, r.takenAt);
    return true;
  }).immediate();
}

/** Days in [from, to] (YYYY-MM-DD, inclusive) that have at least one snapshot row. */
export function snapshotDays(db: Db, crm: string, from: string, to: string): Set<string> {
  return new Set(db.prepare('SELECT DISTINCT day FROM pipeline_snapshots WHERE crm = ? AND day >= ? AND day <= ?').pluck().all(crm, from, to) as string[]);
}

/** Per-day totals in [from, to], oldest first. A day with an empty pipeline has no rows and is absent. */
export function dayTotals(db: Db, crm: string, from: string, to: string, opts: { pipelineId?: string } = {}): DayTotal[] {
  const rows = db
    .prepare(
      `SELECT day, SUM(count) AS count, TOTAL(value) AS value, TOTAL(weighted) AS weighted, MAX(reconstructed) AS reconstructed
       FROM pipeline_snapshots WHERE crm = ? AND day >= ? AND day <= ? AND (? IS NULL OR pipeline_id = ?)
       GROUP BY day ORDER BY day`,
    )
    .all(crm, from, to, opts.pipelineId ?? null, opts.pipelineId ?? null) as (Omit<DayTotal, 'reconstructed'> & { reconstructed: number })[];
  return rows.map((r) => ({ ...r, reconstructed: r.reconstructed === 1 }));
}

export function listSnapshotDay(db: Db, crm: string, day: string): SnapshotRow[] {
  const rows = db
    .prepare(
      `SELECT day, pipeline_id AS pipelineId, canonical, count, value, weighted, reconstructed, taken_at AS takenAt
       FROM pipeline_snapshots WHERE crm = ? AND day = ? ORDER BY pipeline_id, canonical`,
    )
    .all(crm, day) as (Omit<SnapshotRow, 'reconstructed'> & { reconstructed: number })[];
  return rows.map((r) => ({ ...r, reconstructed: r.reconstructed === 1 }));
}
