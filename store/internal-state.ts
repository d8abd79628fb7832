/**
 * The internal_state table (migration 004): values dealcast keeps for itself — the derived
 * tables' stamps, the demo's data-set parameters — as JSON under a key. Not settings: no one
 * chooses them, they are not audited, and the settings modal never shows them.
 */
import type { Db } from './db.js';

/** Reads a JSON value, or `fallback` when unset. */
export function getState<T>(db: Db, key: string, fallback: T): T {
  const v = db.prepare('SELECT value FROM internal_state WHERE key = ?').pluck().get(key) as string | undefined;
  return v === undefined ? fallback : (JSON.parse(v) as T);
}

export function setState(db: Db, key: string, value: unknown, now: string): void {
  db.prepare(
    `INSERT INTO internal_state (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(key, JSON.stringify(value), now);
}
