/**
 * The job ledger: one row per scheduled run, keyed by (job, slot). Claiming a slot is an
 * INSERT that fails on conflict, inside a transaction, so two processes (or a restart and
 * an overlapping trigger) can never both run the same slot.
 */
import type { Db } from './db.js';

export type JobRunStatus = 'running' | 'ok' | 'failed' | 'skipped';

export interface JobRun {
  job: string;
  slot: string;
  startedAt: string;
  finishedAt: string | null;
  status: JobRunStatus;
  late: boolean;
  /** JSON written by the job (what it did, or why it failed). */
  detail: string | null;
}

interface JobRunSql extends Omit<JobRun, 'late'> {
  late: number;
}
const COLS = 'job, slot, started_at AS startedAt, finished_at AS finishedAt, status, late, detail';
const toRun = (r: JobRunSql): JobRun => ({ ...r, late: r.late === 1 });

/**
 * Claims (job, slot) for this process. Returns false when the slot already has a row (it ran,
 * is running elsewhere, failed, or was skipped): the caller must not run it.
 */
export function claimSlot(db: Db, job: string, slot: string, now: string, opts: { late?: boolean; status?: 'running' | 'skipped'; detail?: string } = {}): boolean {
  const status = opts.status ?? 'running';
  return db.transaction(() => {
    const r = db
      .prepare(
        `INSERT INTO job_runs (job, slot, started_at, finished_at, status, late, detail) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (job, slot) DO NOTHING`,
      )
      .run(job, slot, now, status === 'skipped' ? now : null, status, opts.late ? 1 : 0, opts.detail ?? null);
    return r.changes === 1;
  }).immediate();
}

export function finishJobRun(db: Db, job: string, slot: string, status: 'ok' | 'failed' | 'skipped', finishedAt: string, detail?: string): void {
  db.prepare('UPDATE job_runs SET status = ?, finished_at = ?, detail = COALESCE(?, detail) WHERE job = ? AND slot = ?').run(
    status,
    finishedAt,
    detail ?? null,
    job,
    slot,
  );
}

export function getJobRun(db: Db, job: string, slot: string): JobRun | null {
  const r = db.prepare(`SELECT ${COLS} FROM job_runs WHERE job = ? AND slot = ?`).get(job, slot) as JobRunSql | undefined;
  return r ? toRun(r) : null;
}

/** The latest runs of a job (by start time), optionally only with one status. */
export function recentJobRuns(db: Db, job: string, opts: { status?: JobRunStatus; limit?: number; before?: string } = {}): JobRun[] {
  const rows = db
    .prepare(
      `SELECT ${COLS} FROM job_runs WHERE job = ? AND (? IS NULL OR status = ?) AND (? IS NULL OR started_at < ?)
       ORDER BY started_at DESC, slot DESC LIMIT ?`,
    )
    .all(job, opts.status ?? null, opts.status ?? null, opts.before ?? null, opts.before ?? null, opts.limit ?? 20) as JobRunSql[];
  return rows.map(toRun);
}

/** Slots of `job` in [fromSlot, toSlot] that have a ledger row (any status). */
export function slotsRecorded(db: Db, job: string, fromSlot: string, toSlot: string): Set<string> {
  return new Set(db.prepare('SELECT slot FROM job_runs WHERE job = ? AND slot >= ? AND slot <= ?').pluck().all(job, fromSlot, toSlot) as string[]);
}

/**
 * Runs left 'running' by a process that stopped mid-job are marked failed (never rerun: a
 * digest half-posted must not be posted twice). Returns how many.
 */
export function markInterruptedJobRuns(db: Db, now: string, olderThan: string): number {
  return db
    .prepare(`UPDATE job_runs SET status = 'failed', finished_at = ?, detail = '{"error":"interrupted (the process stopped mid-run)"}' WHERE status = 'running' AND started_at < ?`)
    .run(now, olderThan).changes;
}
