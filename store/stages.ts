import type { Db } from './db.js';
import type { StageRow } from '../src/model/rows.js';

export interface Stage {
  id: string;
  pipelineId: string;
  name: string;
  position: number;
  probability: number | null;
  isClosed: boolean;
  isWon: boolean;
  firstSeenAt: string;
  deletedAt: string | null;
}

/** Upserts stages; returns the ids seen for the first time. */
export function upsertStages(db: Db, crm: string, rows: StageRow[], now: string): string[] {
  const exists = db.prepare('SELECT 1 FROM stages WHERE crm = ? AND id = ?').pluck();
  const stmt = db.prepare(
    `INSERT INTO stages (crm, id, pipeline_id, name, position, probability, is_closed, is_won, first_seen_at, deleted_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (crm, id) DO UPDATE SET pipeline_id = excluded.pipeline_id, name = excluded.name,
       position = excluded.position, probability = excluded.probability, is_closed = excluded.is_closed,
       is_won = excluded.is_won,
       deleted_at = CASE WHEN excluded.deleted_at IS NULL THEN NULL ELSE COALESCE(stages.deleted_at, excluded.deleted_at) END`,
  );
  const fresh: string[] = [];
  for (const r of rows) {
    if (!exists.get(crm, r.id)) fresh.push(r.id);
    stmt.run(crm, r.id, r.pipelineId, r.name, r.position, r.probability, r.isClosed ? 1 : 0, r.isWon ? 1 : 0, now, r.deleted ? now : null);
  }
  return fresh;
}

interface StageSql {
  id: string;
  pipelineId: string;
  name: string;
  position: number;
  probability: number | null;
  isClosed: number;
  isWon: number;
  firstSeenAt: string;
  deletedAt: string | null;
}

export function listStages(db: Db, crm: string, opts: { includeDeleted?: boolean } = {}): Stage[] {
  const rows = db
    .prepare(
      `SELECT id, pipeline_id AS pipelineId, name, position, probability, is_closed AS isClosed, is_won AS isWon,
              first_seen_at AS firstSeenAt, deleted_at AS deletedAt
       FROM stages WHERE crm = ? ${opts.includeDeleted ? '' : 'AND deleted_at IS NULL'} ORDER BY pipeline_id, position, name`,
    )
    .all(crm) as StageSql[];
  return rows.map((r) => ({ ...r, isClosed: r.isClosed === 1, isWon: r.isWon === 1 }));
}
