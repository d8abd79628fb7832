import type { Db } from './db.js';
import type { DealRow, DealStatus } from '../src/model/rows.js';

export interface Deal {
  id: string;
  name: string;
  amount: number | null;
  currency: string | null;
  pipelineId: string | null;
  stageId: string | null;
  ownerId: string | null;
  source: string | null;
  createdAt: string;
  closeDate: string | null;
  closedAt: string | null;
  status: DealStatus;
  stageEnteredAt: string | null;
  crmModifiedAt: string | null;
  deletedAt: string | null;
  /** The CRM's forecast category, as the CRM spells it (null: none). */
  forecastCategory: string | null;
}

export interface UpsertDealsContext {
  /** The sync's start time (ISO); used for deletions and observed stage changes. */
  now: string;
  /** Closed/won flags per stage id, to derive status when the CRM gives none. */
  stageFlags: Map<string, { isClosed: boolean; isWon: boolean }>;
  /** Record stage changes we observe (for CRMs that keep no stage history). */
  observeHistory: boolean;
}

export interface UpsertDealsResult {
  upserted: number;
  /** Deals whose stage changed (or that are new), for stage_entered_at refreshes. */
  stageChanged: string[];
}

const CANONICAL_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** Normalises an instant to ISO-8601 UTC with milliseconds (skipping the work when it already is). */
const iso = (v: string | null | undefined): string | null => (v ? (CANONICAL_ISO.test(v) ? v : new Date(v).toISOString()) : null);

export function deriveStatus(row: DealRow, flags: UpsertDealsContext['stageFlags']): DealStatus {
  if (row.status) return row.status;
  const f = row.stageId ? flags.get(row.stageId) : undefined;
  if (f?.isClosed) return f.isWon ? 'won' : 'lost';
  return 'open';
}

/** Prepared once per database; the sync engine calls `run` per page inside its transaction. */
export function dealUpserter(db: Db, crm: string) {
  const current = db.prepare('SELECT stage_id AS stageId, stage_entered_at AS stageEnteredAt FROM deals WHERE crm = ? AND id = ?');
  // Positional parameters bind faster than named ones on this hot path. The WHERE on the
  // update skips the write (and its index maintenance) when nothing changed, so rereading
  // unchanged deals costs a lookup, not a rewrite.
  const upsert = db.prepare(
    `INSERT INTO deals (crm, id, name, amount, currency, pipeline_id, stage_id, owner_id, source, created_at, close_date,
                        closed_at, status, stage_entered_at, crm_modified_at, deleted_at, amount_home, created_known, forecast_category)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (crm, id) DO UPDATE SET name = excluded.name, amount = excluded.amount, currency = excluded.currency, amount_home = excluded.amount_home, created_known = excluded.created_known, forecast_category = excluded.forecast_category,
       pipeline_id = excluded.pipeline_id, stage_id = excluded.stage_id, owner_id = excluded.owner_id, source = excluded.source,
       created_at = excluded.created_at, close_date = excluded.close_date, closed_at = excluded.closed_at, status = excluded.status,
       stage_entered_at = excluded.stage_entered_at, crm_modified_at = excluded.crm_modified_at,
       deleted_at = CASE WHEN excluded.deleted_at IS NULL THEN NULL ELSE COALESCE(deals.deleted_at, excluded.deleted_at) END
     WHERE deals.name IS NOT excluded.name OR deals.amount IS NOT excluded.amount OR deals.currency IS NOT excluded.currency
       OR deals.amount_home IS NOT excluded.amount_home OR deals.created_known IS NOT excluded.created_known
       OR deals.forecast_category IS NOT excluded.forecast_category
       OR deals.pipeline_id IS NOT excluded.pipeline_id OR deals.stage_id IS NOT excluded.stage_id
       OR deals.owner_id IS NOT excluded.owner_id OR deals.source IS NOT excluded.source
       OR deals.created_at IS NOT excluded.created_at OR deals.close_date IS NOT excluded.close_date
       OR deals.closed_at IS NOT excluded.closed_at OR deals.status IS NOT excluded.status
       OR deals.stage_entered_at IS NOT excluded.stage_entered_at OR deals.crm_modified_at IS NOT excluded.crm_modified_at
       OR (deals.deleted_at IS NULL) IS NOT (excluded.deleted_at IS NULL)`,
  );
  const observed = db.prepare(
    `INSERT INTO deal_stage_history (crm, deal_id, stage_id, entered_at, source) VALUES (?, ?, ?, ?, 'observed') ON CONFLICT DO NOTHING`,
  );

  return function run(rows: DealRow[], ctx: UpsertDealsContext): UpsertDealsResult {
    const stageChanged: string[] = [];
    for (const r of rows) {
      const prev = current.get(crm, r.id) as { stageId: string | null; stageEnteredAt: string | null } | undefined;
      const createdAt = iso(r.createdAt) ?? ctx.now;
      const modifiedAt = iso(r.modifiedAt);
      let stageEnteredAt: string | null;
      const changed = !prev || prev.stageId !== r.stageId;
      if (!changed) stageEnteredAt = iso(r.stageEnteredAt) ?? prev.stageEnteredAt;
      else if (r.stageEnteredAt) stageEnteredAt = iso(r.stageEnteredAt);
      // A new deal entered its stage no earlier than it was created; a change we only observe
      // happened at the CRM's modified time at the latest.
      else stageEnteredAt = prev ? (modifiedAt ?? ctx.now) : (modifiedAt && !r.stageId ? modifiedAt : createdAt);
      if (changed) {
        stageChanged.push(r.id);
        if (ctx.observeHistory && r.stageId && stageEnteredAt) observed.run(crm, r.id, r.stageId, stageEnteredAt);
      }
      upsert.run(
        crm,
        r.id,
        r.name,
        r.amount,
        r.currency,
        r.pipelineId,
        r.stageId,
        r.ownerId,
        r.source,
        createdAt,
        r.closeDate,
        iso(r.closedAt),
        deriveStatus(r, ctx.stageFlags),
        stageEnteredAt,
        modifiedAt,
        r.deleted ? ctx.now : null,
        r.amountHome ?? null,
        r.createdUnknown ? 0 : 1,
        r.forecastCategory?.trim() || null,
      );
    }
    return { upserted: rows.length, stageChanged };
  };
}

/**
 * One slice of the sweep after a complete full sync: the live deals after `afterId` in id order
 * (from the first when null), at most `limit` of them, each one not in `seen` marked deleted at
 * `now`. Returns how many it marked and the last id it looked at, null when none was left: the
 * caller runs slices (each in its own transaction) until then.
 */
export function markMissingDealsDeletedSlice(db: Db, crm: string, seen: Set<string>, now: string, afterId: string | null, limit: number): { marked: number; lastId: string | null } {
  const ids = liveDealIdsSlice(db, crm, afterId, limit);
  const mark = db.prepare('UPDATE deals SET deleted_at = ? WHERE crm = ? AND id = ?');
  let marked = 0;
  for (const id of ids) {
    if (!seen.has(id)) {
      mark.run(now, crm, id);
      marked++;
    }
  }
  return { marked, lastId: ids.length ? ids[ids.length - 1]! : null };
}

/** Ids of the live (not deleted) deals after `afterId` in id order (from the first when null), at most `limit`. */
export function liveDealIdsSlice(db: Db, crm: string, afterId: string | null, limit: number): string[] {
  return (
    afterId === null
      ? db.prepare('SELECT id FROM deals WHERE crm = ? AND deleted_at IS NULL ORDER BY id LIMIT ?').pluck().all(crm, limit)
      : db.prepare('SELECT id FROM deals WHERE crm = ? AND id > ? AND deleted_at IS NULL ORDER BY id LIMIT ?').pluck().all(crm, afterId, limit)
  ) as string[];
}

const DEAL_COLS = `id, name, amount, currency, pipeline_id AS pipelineId, stage_id AS stageId, owner_id AS ownerId, source,
  created_at AS createdAt, close_date AS closeDate, closed_at AS closedAt, status, stage_entered_at AS stageEnteredAt,
  crm_modified_at AS crmModifiedAt, deleted_at AS deletedAt, forecast_category AS forecastCategory`;

/** Every live (not deleted) deal. */
export function listDeals(db: Db, crm: string): Deal[] {
  return db.prepare(`SELECT ${DEAL_COLS} FROM deals WHERE crm = ? AND deleted_at IS NULL`).all(crm) as Deal[];
}

export function getDeal(db: Db, crm: string, id: string): Deal | null {
  return (db.prepare(`SELECT ${DEAL_COLS} FROM deals WHERE crm = ? AND id = ?`).get(crm, id) as Deal | undefined) ?? null;
}

export function countDeals(db: Db, crm: string): { total: number; open: number; won: number; lost: number; deleted: number } {
  return db
    .prepare(
      `SELECT COUNT(*) AS total,
              COALESCE(SUM(status = 'open' AND deleted_at IS NULL), 0) AS open,
              COALESCE(SUM(status = 'won' AND deleted_at IS NULL), 0) AS won,
              COALESCE(SUM(status = 'lost' AND deleted_at IS NULL), 0) AS lost,
              COALESCE(SUM(deleted_at IS NOT NULL), 0) AS deleted
       FROM deals WHERE crm = ?`,
    )
    .get(crm) as { total: number; open: number; won: number; lost: number; deleted: number };
}
