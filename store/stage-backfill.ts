/**
 * What `dealcast backfill` reads and writes: deals whose stage-entry dates are missing, and
 * filling them from the CRM's own history without touching dates already known.
 */
import type { Db } from './db.js';
import type { StageHistoryRow } from '../src/model/rows.js';

/**
 * Live deals with no known entry into their current stage: no history row for it, or no
 * stage_entered_at. Oldest-created first, so a limited run fills the longest-open gaps first.
 */
export function dealsMissingStageDates(db: Db, crm: string): string[] {
  return db
    .prepare(
      `SELECT d.id FROM deals d
       WHERE d.crm = ? AND d.deleted_at IS NULL AND d.stage_id IS NOT NULL
         AND (d.stage_entered_at IS NULL OR NOT EXISTS (
               SELECT 1 FROM deal_stage_history h WHERE h.crm = d.crm AND h.deal_id = d.id AND h.stage_id = d.stage_id))
       ORDER BY d.created_at, d.id`,
    )
    .pluck()
    .all(crm) as string[];
}

/**
 * Adds the CRM's history facts as source 'backfill' (a fact already known stays as it is) and
 * sets stage_entered_at only where it is empty. Returns the deals that gained a date.
 */
export function fillStageDates(db: Db, crm: string, rows: StageHistoryRow[]): { rowsAdded: number; dealsGained: Set<string> } {
  const hadCurrent = db.prepare(
    `SELECT EXISTS (SELECT 1 FROM deals d JOIN deal_stage_history h ON h.crm = d.crm AND h.deal_id = d.id AND h.stage_id = d.stage_id
                    WHERE d.crm = ? AND d.id = ?)`,
  );
  const insert = db.prepare(`INSERT INTO deal_stage_history (crm, deal_id, stage_id, entered_at, source) VALUES (?, ?, ?, ?, 'backfill') ON CONFLICT DO NOTHING`);
  const setEntered = db.prepare(
    `UPDATE deals SET stage_entered_at =
       (SELECT MAX(h.entered_at) FROM deal_stage_history h WHERE h.crm = deals.crm AND h.deal_id = deals.id AND h.stage_id = deals.stage_id)
     WHERE crm = ? AND id = ? AND stage_entered_at IS NULL`,
  );
  const dealsGained = new Set<string>();
  let rowsAdded = 0;
  db.transaction(() => {
    const ids = [...new Set(rows.map((r) => r.dealId))];
    const before = new Map(ids.map((id) => [id, (hadCurrent.pluck().get(crm, id) as number) === 1]));
    for (const r of rows) rowsAdded += insert.run(crm, r.dealId, r.stageId, r.enteredAt).changes;
    for (const id of ids) {
      const filledEntered = setEntered.run(crm, id).changes > 0 && db.prepare('SELECT stage_entered_at FROM deals WHERE crm = ? AND id = ?').pluck().get(crm, id) !== null;
      const nowCurrent = (hadCurrent.pluck().get(crm, id) as number) === 1;
      if (filledEntered || (!before.get(id) && nowCurrent)) dealsGained.add(id);
    }
  }).immediate();
  return { rowsAdded, dealsGained };
}
