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
