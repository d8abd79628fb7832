import type { Db } from './db.js';
import type { DealRow, DealStatus } from '../src/connectors/types.js';

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

const iso = (v: string | null | undefined): string | null => (v ? new Date(v).toISOString() : null);

export function deriveStatus(row: DealRow, flags: UpsertDealsContext['stageFlags']): DealStatus {
  if (row.status) return row.status;
  const f = row.stageId ? flags.get(row.stageId) : undefined;
  if (f?.isClosed) return f.isWon ? 'won' : 'lost';
  return 'open';
}

/** Prepared once per database; the sync engine calls `run` per page inside its transaction. */
export function dealUpserter(db: Db, crm: string) {
  const current = db.prepare('SELECT stage_id AS stageId, stage_entered_at AS stageEnteredAt FROM deals WHERE crm = ? AND id = ?');
  const upsert = db.prepare(
    `INSERT INTO deals (crm, id, name, amount, currency, pipeline_id, stage_id, owner_id, source, created_at, close_date,
                        closed_at, status, stage_entered_at, crm_modified_at, deleted_at)
     VALUES (@crm, @id, @name, @amount, @currency, @pipelineId, @stageId, @ownerId, @source, @createdAt, @closeDate,
             @closedAt, @status, @stageEnteredAt, @modifiedAt, @deletedAt)
     ON CONFLICT (crm, id) DO UPDATE SET name = excluded.name, amount = excluded.amount, currency = excluded.currency,
       pipeline_id = excluded.pipeline_id, stage_id = excluded.stage_id, owner_id = excluded.owner_id, source = excluded.source,
       created_at = excluded.created_at, close_date = excluded.close_date, closed_at = excluded.closed_at, status = excluded.status,
       stage_entered_at = excluded.stage_entered_at, crm_modified_at = excluded.crm_modified_at,
       deleted_at = CASE WHEN excluded.deleted_at IS NULL THEN NULL ELSE COALESCE(deals.deleted_at, excluded.deleted_at) END`,
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
      upsert.run({
        crm,
        id: r.id,
        name: r.name,
        amount: r.amount,
        currency: r.currency,
        pipelineId: r.pipelineId,
        stageId: r.stageId,
        ownerId: r.ownerId,
        source: r.source,
        createdAt,
        closeDate: r.closeDate,
        closedAt: iso(r.closedAt),
        status: deriveStatus(r, ctx.stageFlags),
        stageEnteredAt,
        modifiedAt,
        deletedAt: r.deleted ? ctx.now : null,
      });
    }
    return { upserted: rows.length, stageChanged };
  };
}

/** Marks every live deal not in `seen` as deleted at `now` (after a complete full sync). */
export function markMissingDealsDeleted(db: Db, crm: string, seen: Set<string>, now: string): number {
  const ids = db.prepare('SELECT id FROM deals WHERE crm = ? AND deleted_at IS NULL').pluck().all(crm) as string[];
  const mark = db.prepare('UPDATE deals SET deleted_at = ? WHERE crm = ? AND id = ?');
  let n = 0;
  for (const id of ids) {
    if (!seen.has(id)) {
      mark.run(now, crm, id);
      n++;
    }
  }
  return n;
}

const DEAL_COLS = `id, name, amount, currency, pipeline_id AS pipelineId, stage_id AS stageId, owner_id AS ownerId, source,
  created_at AS createdAt, close_date AS closeDate, closed_at AS closedAt, status, stage_entered_at AS stageEnteredAt,
  crm_modified_at AS crmModifiedAt, deleted_at AS deletedAt`;

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
