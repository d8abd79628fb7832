import type { Db } from './db.js';

/** Reads a JSON setting, or `fallback` when unset. */
export function getSetting<T>(db: Db, key: string, fallback: T): T {
  const v = db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(key) as string | undefined;
  return v === undefined ? fallback : (JSON.parse(v) as T);
}

export function setSetting(db: Db, key: string, value: unknown, now: string, userId: string | null = null): void {
  db.prepare(
    `INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  ).run(key, JSON.stringify(value), now, userId);
}

export function addAudit(db: Db, at: string, userId: string, what: string, oldValue: unknown, newValue: unknown): void {
  db.prepare('INSERT INTO settings_audit (at, user_id, what, old, new) VALUES (?, ?, ?, ?, ?)').run(
    at,
    userId,
    what,
    oldValue === undefined ? null : JSON.stringify(oldValue),
    newValue === undefined ? null : JSON.stringify(newValue),
  );
}

/** The newest audit row (id, who, when), or null: a save since a given id means someone else changed settings. */
export function lastAudit(db: Db): { id: number; userId: string; at: string } | null {
  return (db.prepare('SELECT id, user_id AS userId, at FROM settings_audit ORDER BY id DESC LIMIT 1').get() as { id: number; userId: string; at: string } | undefined) ?? null;
}
