import type { Db } from './db.js';
import { holderGone, onThisHost, THIS_HOLDER } from './leases.js';
import { redactError } from './redact.js';
import { getState, setState } from './internal-state.js';

export interface SyncRun {
  id: number;
  crm: string;
  mode: 'full' | 'incremental';
  startedAt: string;
  finishedAt: string | null;
  status: 'running' | 'ok' | 'failed';
  counts: Record<string, number>;
  error: string | null;
  /** Fields held back at their last good values because the CRM stopped sending them ('deals.amount'); empty when none. */
  degraded: string[];
}

export function startRun(db: Db, crm: string, mode: SyncRun['mode'], startedAt: string, holder = THIS_HOLDER): number {
  return Number(db.prepare(`INSERT INTO sync_runs (crm, mode, started_at, status, holder) VALUES (?, ?, ?, 'running', ?)`).run(crm, mode, startedAt, holder).lastInsertRowid);
}

export function updateRunCounts(db: Db, id: number, counts: Record<string, number>): void {
  db.prepare('UPDATE sync_runs SET counts = ? WHERE id = ?').run(JSON.stringify(counts), id);
}

export function finishRun(db: Db, id: number, status: 'ok' | 'failed', finishedAt: string, counts: Record<string, number>, error?: string, degraded: string[] = []): void {
  db.prepare('UPDATE sync_runs SET status = ?, finished_at = ?, counts = ?, error = ?, degraded = ? WHERE id = ?').run(
    status,
    finishedAt,
    JSON.stringify(counts),
    error === undefined ? null : redactError(error),
    degraded.length ? JSON.stringify(degraded) : null,
    id,
  );
}

interface RunSql extends Omit<SyncRun, 'counts' | 'degraded'> {
  counts: string;
  degraded: string | null;
}
const cols = `id, crm, mode, started_at AS startedAt, finished_at AS finishedAt, status, counts, error, degraded`;
const toRun = (r: RunSql): SyncRun => ({ ...r, counts: JSON.parse(r.counts) as Record<string, number>, degraded: r.degraded ? (JSON.parse(r.degraded) as string[]) : [] });

export function lastRun(db: Db, crm: string): SyncRun | null {
  const r = db.prepare(`SELECT ${cols} FROM sync_runs WHERE crm = ? ORDER BY id DESC LIMIT 1`).get(crm) as RunSql | undefined;
  return r ? toRun(r) : null;
}

export function lastSuccessfulRun(db: Db, crm: string): SyncRun | null {
  const r = db.prepare(`SELECT ${cols} FROM sync_runs WHERE crm = ? AND status = 'ok' ORDER BY id DESC LIMIT 1`).get(crm) as RunSql | undefined;
  return r ? toRun(r) : null;
}

export function recentRuns(db: Db, crm: string, limit = 10): SyncRun[] {
  return (db.prepare(`SELECT ${cols} FROM sync_runs WHERE crm = ? ORDER BY id DESC LIMIT ?`).all(crm, limit) as RunSql[]).map(toRun);
}

/**
 * Runs left 'running' by a process that is gone are marked failed so status tells the truth. The
 * caller holds the CRM's sync lease; a run whose holder is still alive here is never touched.
 */
export function markAbandonedRuns(db: Db, crm: string, now: string): SyncRun[] {
  const running = db.prepare(`SELECT ${cols}, holder FROM sync_runs WHERE crm = ? AND status = 'running'`).all(crm) as (RunSql & { holder: string | null })[];
  // Another host's run cannot be checked here; its lease has lapsed (we hold it), so it stopped.
  const stale = running.filter((r) => r.holder !== THIS_HOLDER && (holderGone(r.holder) || !onThisHost(r.holder)));
  const mark = db.prepare(`UPDATE sync_runs SET status = 'failed', finished_at = ?, error = 'interrupted (the process stopped mid-sync)' WHERE id = ? AND status = 'running'`);
  for (const r of stale) mark.run(now, r.id);
  return stale.map(({ holder: _holder, ...r }) => toRun(r));
}

/** Deletions a full read did not make, and why (sync/engine.ts), kept until a full read settles them. */
export interface HeldDeletions {
  /** When the full read that held them back started. */
  at: string;
  kind: 'unidentified-rows' | 'mass-deletion';
  missing: number;
  live: number;
  reason: string;
}

const heldKey = (crm: string) => `sync.deletions_held:${crm}`;

/** Records the held-back deletions of a full read, or (null) that the last full read held none back. */
export function recordHeldDeletions(db: Db, crm: string, held: HeldDeletions | null, now: string): void {
  if (held === null && getState<HeldDeletions | null>(db, heldKey(crm), null) === null) return;
  setState(db, heldKey(crm), held, now);
}

/** The deletions the last full read held back, if it held any. */
export function heldDeletions(db: Db, crm: string): HeldDeletions | null {
  return getState<HeldDeletions | null>(db, heldKey(crm), null);
}
