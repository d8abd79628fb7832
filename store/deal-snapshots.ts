/**
 * Weekly per-deal snapshots (migration 004 deal_snapshots): every open deal's stage, amount,
 * expected close date and owner as the CRM showed them on the snapshot day. Stage history says
 * when a deal moved; only these say what its close date and amount were at the time, so
 * close-date slippage and amount changes become measurable from the first snapshot on.
 */
import type { Db } from './db.js';

/** Days between deal snapshots. */
export const DEAL_SNAPSHOT_EVERY_DAYS = 7;

export interface DealSnapshotRow {
  day: string;
  dealId: string;
  pipelineId: string | null;
  stageId: string | null;
  canonical: number | null;
  amount: number | null;
  currency: string | null;
  closeDate: string | null;
  ownerId: string | null;
}

/** The latest day with a deal snapshot, or null. */
export function lastDealSnapshotDay(db: Db, crm: string): string | null {
  return (db.prepare('SELECT MAX(day) FROM deal_snapshots WHERE crm = ?').pluck().get(crm) as string | null) ?? null;
}

/**
 * Records every open, live deal as it stands now under `day` (replacing that day's rows if the
 * job runs twice). The canonical stage comes from deal_facts (refresh it first). Returns the rows written.
 */
export function saveDealSnapshot(db: Db, crm: string, day: string, takenAt: string): number {
  return db.transaction(() => {
    db.prepare('DELETE FROM deal_snapshots WHERE crm = ? AND day = ?').run(crm, day);
    return db
      .prepare(
        `INSERT INTO deal_snapshots (crm, day, deal_id, pipeline_id, stage_id, canonical, amount, currency, close_date, owner_id, taken_at)
         SELECT d.crm, ?, d.id, d.pipeline_id, d.stage_id, f.canonical, d.amount, d.currency, d.close_date, d.owner_id, ?
         FROM deals d LEFT JOIN deal_facts f ON f.crm = d.crm AND f.deal_id = d.id
         WHERE d.crm = ? AND d.status = 'open' AND d.deleted_at IS NULL`,
      )
      .run(day, takenAt, crm).changes;
  })();
}

/** One deal's snapshots, oldest first (what was known about it week by week). */
export function dealSnapshotHistory(db: Db, crm: string, dealId: string): DealSnapshotRow[] {
  return db
    .prepare(
      `SELECT day, deal_id AS dealId, pipeline_id AS pipelineId, stage_id AS stageId, canonical, amount, currency, close_date AS closeDate, owner_id AS ownerId
       FROM deal_snapshots WHERE crm = ? AND deal_id = ? ORDER BY day`,
    )
    .all(crm, dealId) as DealSnapshotRow[];
}
