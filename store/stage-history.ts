import type { Db } from './db.js';
import type { StageHistoryRow } from '../src/model/rows.js';

export type HistorySource = 'crm' | 'observed' | 'backfill' | 'import';

export interface StageHistoryEntry {
  dealId: string;
  stageId: string;
  enteredAt: string;
  source: HistorySource;
}

/** Inserts history rows; a fact already known (same deal, stage, time) is left as it is. Returns rows added. */
export function insertStageHistory(db: Db, crm: string, rows: StageHistoryRow[], source: HistorySource): number {
  const stmt = db.prepare(
    `INSERT INTO deal_stage_history (crm, deal_id, stage_id, entered_at, source) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  );
  let n = 0;
  for (const r of rows) n += stmt.run(crm, r.dealId, r.stageId, r.enteredAt, source).changes;
  return n;
}

/** How the stage history of a CRM came to be: rows by source, and how many deals the observed rows cover. */
export interface StageHistorySources {
  total: number;
  /** From the CRM's own history (or the export's history file / "Date entered" columns). */
  fromCrm: number;
  /** Filled later from the CRM's history by `dealcast backfill`. */
  backfill: number;
  /** Recorded by dealcast itself, for a CRM that keeps none: a deal's stage when first synced, then each change seen. */
  observed: number;
  /** Deals with observed rows: their first one is "the stage it was in when first synced", the rest are changes seen. */
  observedDeals: number;
}

export function stageHistorySources(db: Db, crm: string): StageHistorySources {
  const r = db
    .prepare(
      `SELECT COUNT(*) AS total, COALESCE(SUM(source IN ('crm', 'import')), 0) AS fromCrm, COALESCE(SUM(source = 'backfill'), 0) AS backfill,
              COALESCE(SUM(source = 'observed'), 0) AS observed, COUNT(DISTINCT CASE WHEN source = 'observed' THEN deal_id END) AS observedDeals
       FROM deal_stage_history WHERE crm = ?`,
    )
    .get(crm) as StageHistorySources;
  return r;
}

export function listStageHistory(db: Db, crm: string): StageHistoryEntry[] {
  return db
    .prepare(
      `SELECT deal_id AS dealId, stage_id AS stageId, entered_at AS enteredAt, source FROM deal_stage_history
       WHERE crm = ? ORDER BY deal_id, entered_at`,
    )
    .all(crm) as StageHistoryEntry[];
}

/** Sets each listed deal's stage_entered_at from the history of its current stage. */
export function refreshStageEnteredAt(db: Db, crm: string, dealIds: Iterable<string>): void {
  const stmt = db.prepare(
    `UPDATE deals SET stage_entered_at = COALESCE(
       (SELECT MAX(h.entered_at) FROM deal_stage_history h WHERE h.crm = deals.crm AND h.deal_id = deals.id AND h.stage_id = deals.stage_id),
       stage_entered_at)
     WHERE crm = ? AND id = ?`,
  );
  for (const id of dealIds) stmt.run(crm, id);
}
