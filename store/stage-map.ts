import type { Db } from './db.js';
import { autoMapStage, isCanonicalStage, type CanonicalStage } from '../src/model/canonical-stages.js';
import { listStages } from './stages.js';

export interface StageMapEntry {
  stageId: string;
  canonical: CanonicalStage;
  /** Admin override (0..1), or null. */
  winProbability: number | null;
  included: boolean;
  needsReview: boolean;
  mappedBy: string;
  updatedAt: string;
}

/**
 * Maps every stage that has no mapping yet, automatically. Stages first seen after the
 * first sync (`flagNew`) are flagged "needs review" so an admin looks at them.
 */
export function mapNewStages(db: Db, crm: string, now: string, flagNew: boolean): number {
  const stages = listStages(db, crm, { includeDeleted: true });
  const mapped = new Set(db.prepare('SELECT stage_id FROM stage_map WHERE crm = ?').pluck().all(crm) as string[]);
  const insert = db.prepare(
    `INSERT INTO stage_map (crm, stage_id, canonical, win_probability, included, needs_review, mapped_by, updated_at)
     VALUES (?, ?, ?, NULL, 1, ?, 'auto', ?) ON CONFLICT (crm, stage_id) DO NOTHING`,
  );
  let n = 0;
  for (const s of stages) {
    if (mapped.has(s.id)) continue;
    const siblings = stages.filter((o) => o.pipelineId === s.pipelineId && !o.deletedAt);
    insert.run(crm, s.id, autoMapStage(s, siblings), flagNew ? 1 : 0, now);
    n++;
  }
  return n;
}

interface MapSql {
  stageId: string;
  canonical: string;
  winProbability: number | null;
  included: number;
  needsReview: number;
  mappedBy: string;
  updatedAt: string;
}

export function getStageMap(db: Db, crm: string): Map<string, StageMapEntry> {
  const rows = db
    .prepare(
      `SELECT stage_id AS stageId, canonical, win_probability AS winProbability, included, needs_review AS needsReview,
              mapped_by AS mappedBy, updated_at AS updatedAt FROM stage_map WHERE crm = ?`,
    )
    .all(crm) as MapSql[];
  const out = new Map<string, StageMapEntry>();
  for (const r of rows) {
    out.set(r.stageId, {
      ...r,
      canonical: isCanonicalStage(r.canonical) ? r.canonical : 'Lead',
      included: r.included === 1,
      needsReview: r.needsReview === 1,
    });
  }
  return out;
}

export interface StageMapUpdate {
  stageId: string;
  canonical: CanonicalStage;
  winProbability: number | null;
  included: boolean;
}

/** Writes admin edits (clearing "needs review"); the caller wraps it in a transaction with its audit row. */
export function saveStageMap(db: Db, crm: string, updates: StageMapUpdate[], userId: string, now: string): void {
  const stmt = db.prepare(
    `UPDATE stage_map SET canonical = ?, win_probability = ?, included = ?, needs_review = 0, mapped_by = ?, updated_at = ?
     WHERE crm = ? AND stage_id = ?`,
  );
  for (const u of updates) stmt.run(u.canonical, u.winProbability, u.included ? 1 : 0, userId, now, crm, u.stageId);
}

export function stagesNeedingReview(db: Db, crm: string): { stageId: string; name: string; pipelineId: string; canonical: string }[] {
  return db
    .prepare(
      `SELECT m.stage_id AS stageId, s.name, s.pipeline_id AS pipelineId, m.canonical FROM stage_map m
       JOIN stages s ON s.crm = m.crm AND s.id = m.stage_id
       WHERE m.crm = ? AND m.needs_review = 1 AND s.deleted_at IS NULL ORDER BY s.pipeline_id, s.position`,
    )
    .all(crm) as { stageId: string; name: string; pipelineId: string; canonical: string }[];
}
