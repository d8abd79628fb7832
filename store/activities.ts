import type { Db } from './db.js';
import type { ActivityRow, ActivityType } from '../src/model/rows.js';

export interface Activity {
  id: string;
  type: ActivityType;
  ownerId: string | null;
  dealId: string | null;
  occurredAt: string;
}

export function upsertActivities(db: Db, crm: string, rows: ActivityRow[], now: string): void {
  const stmt = db.prepare(
    `INSERT INTO activities (crm, id, type, owner_id, deal_id, occurred_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (crm, id) DO UPDATE SET type = excluded.type, owner_id = excluded.owner_id, deal_id = excluded.deal_id,
       occurred_at = excluded.occurred_at,
       deleted_at = CASE WHEN excluded.deleted_at IS NULL THEN NULL ELSE COALESCE(activities.deleted_at, excluded.deleted_at) END`,
  );
  for (const r of rows) stmt.run(crm, r.id, r.type, r.ownerId, r.dealId, new Date(r.occurredAt).toISOString(), r.deleted ? now : null);
}

export function listActivities(db: Db, crm: string, opts: { since?: string; until?: string } = {}): Activity[] {
  return db
    .prepare(
      `SELECT id, type, owner_id AS ownerId, deal_id AS dealId, occurred_at AS occurredAt FROM activities
       WHERE crm = ? AND deleted_at IS NULL AND occurred_at >= ? AND occurred_at < ? ORDER BY occurred_at`,
    )
    .all(crm, opts.since ?? '', opts.until ?? '9999') as Activity[];
}
