import type { Db } from './db.js';

export function getCursor(db: Db, crm: string, stream: string): string | null {
  const v = db.prepare('SELECT cursor FROM sync_cursors WHERE crm = ? AND stream = ?').pluck().get(crm, stream) as string | null | undefined;
  return v ?? null;
}

export function saveCursor(db: Db, crm: string, stream: string, cursor: string | null, now: string): void {
  db.prepare(
    `INSERT INTO sync_cursors (crm, stream, cursor, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (crm, stream) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
  ).run(crm, stream, cursor, now);
}

export function clearCursors(db: Db, crm: string): void {
  db.prepare('DELETE FROM sync_cursors WHERE crm = ?').run(crm);
}

export function listCursors(db: Db, crm: string): { stream: string; cursor: string | null; updatedAt: string }[] {
  return db
    .prepare('SELECT stream, cursor, updated_at AS updatedAt FROM sync_cursors WHERE crm = ? ORDER BY stream')
    .all(crm) as { stream: string; cursor: string | null; updatedAt: string }[];
}
