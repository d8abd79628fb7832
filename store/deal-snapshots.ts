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
  /** The CRM's forecast category that day, as the CRM spells it. */
  forecastCategory: string | null;
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
        `INSERT INTO deal_snapshots (crm, day, deal_id, pipeline_id, stage_id, canonical, amount, currency, close_date, owner_id, forecast_category, taken_at)
         SELECT d.crm, ?, d.id, d.pipeline_id, d.stage_id, f.canonical, d.amount, d.currency, d.close_date, d.owner_id, d.forecast_category, ?
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
      `SELECT day, deal_id AS dealId, pipeline_id AS pipelineId, stage_id AS stageId, canonical, amount, currency, close_date AS closeDate, owner_id AS ownerId, forecast_category AS forecastCategory
       FROM deal_snapshots WHERE crm = ? AND deal_id = ? ORDER BY day`,
    )
    .all(crm, dealId) as DealSnapshotRow[];
}

/** A snapshot row as the commit report reads it: who owned what, for how much, in which category. */
export interface CommitSnapshotRow {
  day: string;
  dealId: string;
  ownerId: string | null;
  amount: number | null;
  currency: string | null;
  closeDate: string | null;
  forecastCategory: string | null;
}

/** Every deal snapshot row taken on or before `throughDay` (YYYY-MM-DD), oldest first. */
export function commitSnapshotRows(db: Db, crm: string, throughDay: string): CommitSnapshotRow[] {
  return db
    .prepare(
      `SELECT day, deal_id AS dealId, owner_id AS ownerId, amount, currency, close_date AS closeDate, forecast_category AS forecastCategory
       FROM deal_snapshots WHERE crm = ? AND day <= ? ORDER BY day, deal_id`,
    )
    .all(crm, throughDay) as CommitSnapshotRow[];
}

/** An open deal as a snapshot records it (for a snapshot written from what a CRM showed on a past day). */
export interface DealSnapshotInput {
  dealId: string;
  pipelineId: string | null;
  stageId: string | null;
  amount: number | null;
  currency: string | null;
  closeDate: string | null;
  ownerId: string | null;
  forecastCategory: string | null;
}

/**
 * Writes a deal snapshot for `day` from rows the caller knows were true then (the demo CRM, which
 * can replay any past week), unless a snapshot of that day was already taken. The canonical stage
 * is the stage map's. Returns the rows written (0 when the day was already there).
 */
export function saveDealSnapshotRows(db: Db, crm: string, day: string, takenAt: string, rows: DealSnapshotInput[]): number {
  return db.transaction(() => {
    if (db.prepare('SELECT 1 FROM deal_snapshots WHERE crm = ? AND day = ? LIMIT 1').get(crm, day)) return 0;
    const insert = db.prepare(
      `INSERT INTO deal_snapshots (crm, day, deal_id, pipeline_id, stage_id, canonical, amount, currency, close_date, owner_id, forecast_category, taken_at)
       VALUES (?, ?, ?, ?, ?, (SELECT CASE canonical WHEN 'Lead' THEN 0 WHEN 'Qualified' THEN 1 WHEN 'Proposal' THEN 2 WHEN 'Negotiation' THEN 3 END
                               FROM stage_map WHERE crm = ? AND stage_id = ?), ?, ?, ?, ?, ?, ?)`,
    );
    for (const r of rows) insert.run(crm, day, r.dealId, r.pipelineId, r.stageId, crm, r.stageId, r.amount, r.currency, r.closeDate, r.ownerId, r.forecastCategory, takenAt);
    return rows.length;
  })();
}
