import type { Db } from './db.js';
import type { PipelineRow } from '../src/model/rows.js';

export interface Pipeline {
  id: string;
  name: string;
  position: number;
  deletedAt: string | null;
}

export function upsertPipelines(db: Db, crm: string, rows: PipelineRow[], now: string): void {
  const stmt = db.prepare(
    `INSERT INTO pipelines (crm, id, name, position, deleted_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (crm, id) DO UPDATE SET name = excluded.name, position = excluded.position,
       deleted_at = CASE WHEN excluded.deleted_at IS NULL THEN NULL ELSE COALESCE(pipelines.deleted_at, excluded.deleted_at) END`,
  );
  for (const r of rows) stmt.run(crm, r.id, r.name, r.position, r.deleted ? now : null);
}

export function listPipelines(db: Db, crm: string, opts: { includeDeleted?: boolean } = {}): Pipeline[] {
  return db
    .prepare(
      `SELECT id, name, position, deleted_at AS deletedAt FROM pipelines WHERE crm = ? ${opts.includeDeleted ? '' : 'AND deleted_at IS NULL'}
       ORDER BY position, name`,
    )
    .all(crm) as Pipeline[];
}
