/**
 * The job ledger: one row per scheduled run, keyed by (job, slot). Claiming a slot is an
 * INSERT that fails on conflict, inside a BEGIN IMMEDIATE transaction, so two processes (or a
 * restart and an overlapping trigger) can never both run the same slot. A claimed row names its
 * holder and records the steps done (progress), so a run killed mid-way is resumed, not lost or
 * repeated (src/jobs/ledger.ts, docs/exactly-once.md).
 */
import type { Db } from './db.js';
import { DEFAULT_LEASE_TTL_MS, holderGone, THIS_HOLDER } from './leases.js';

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

/** A 'running' row whose holder is gone (killed) or whose claim expired may be resumed by another run. */
export function claimStale(r: { holder: string | null; leaseUntil: string | null }, wallNow = Date.now()): boolean {
  return r.leaseUntil === null || Date.parse(r.leaseUntil) <= wallNow || holderGone(r.holder);
}

export type ClaimResult =
  | { claimed: true; resumed: boolean; attempts: number; progress: Record<string, unknown> }
  | { claimed: false; run: JobRun };

export interface ClaimOptions {
  late?: boolean;
  /** How long the claim holds without renewal (wall clock). */
  leaseMs?: number;
  /** Also take over a slot whose earlier attempt failed, up to this many attempts in all. */
  retryFailedUpTo?: number;
  holder?: string;
}

/**
 * Claims (job, slot) for this process, in one BEGIN IMMEDIATE transaction. A new slot is
 * claimed fresh; a slot left 'running' by a process that is gone (or whose claim expired) is
 * taken over and resumed with the steps it recorded; a failed slot is retried when asked. A
 * slot that is done, skipped, or running in a live process is not claimed.
 */
export function claimRun(db: Db, job: string, slot: string, now: string, opts: ClaimOptions = {}): ClaimResult {
  const holder = opts.holder ?? THIS_HOLDER;
  const until = new Date(Date.now() + (opts.leaseMs ?? DEFAULT_LEASE_TTL_MS)).toISOString();
  return db
    .transaction((): ClaimResult => {
      const r = db
        .prepare(
          `INSERT INTO job_runs (job, slot, started_at, finished_at, status, late, detail, holder, lease_until) VALUES (?, ?, ?, NULL, 'running', ?, NULL, ?, ?)
           ON CONFLICT (job, slot) DO NOTHING`,
        )
        .run(job, slot, now, opts.late ? 1 : 0, holder, until);
      if (r.changes === 1) return { claimed: true, resumed: false, attempts: 1, progress: {} };
      const cur = db.prepare(`SELECT ${COLS}, holder, lease_until AS leaseUntil, attempts, progress FROM job_runs WHERE job = ? AND slot = ?`).get(job, slot) as JobRunSql & {
        holder: string | null;
        leaseUntil: string | null;
        attempts: number;
        progress: string;
      };
      const resumable =
        (cur.status === 'running' && (cur.holder === holder || claimStale(cur))) || (cur.status === 'failed' && cur.attempts < (opts.retryFailedUpTo ?? 0));
      if (!resumable) return { claimed: false, run: toRun(cur) };
      db.prepare(`UPDATE job_runs SET status = 'running', finished_at = NULL, holder = ?, lease_until = ?, attempts = attempts + 1 WHERE job = ? AND slot = ?`).run(
        holder,
        until,
        job,
        slot,
      );
      return { claimed: true, resumed: true, attempts: cur.attempts + 1, progress: JSON.parse(cur.progress) as Record<string, unknown> };
    })
    .immediate();
}

/** Records a slot that will not run. False if the slot already had a row. */
export function skipRun(db: Db, job: string, slot: string, now: string, detail: string): boolean {
  return (
    db
      .prepare(
        `INSERT INTO job_runs (job, slot, started_at, finished_at, status, late, detail) VALUES (?, ?, ?, ?, 'skipped', 1, ?) ON CONFLICT (job, slot) DO NOTHING`,
      )
      .run(job, slot, now, now, detail).changes === 1
  );
}

/** Saves the steps done so far; false when this process no longer holds the claim. */
export function saveProgress(db: Db, job: string, slot: string, progress: Record<string, unknown>, leaseMs = DEFAULT_LEASE_TTL_MS, holder = THIS_HOLDER): boolean {
  return (
    db
      .prepare(`UPDATE job_runs SET progress = ?, lease_until = ? WHERE job = ? AND slot = ? AND status = 'running' AND holder = ?`)
      .run(JSON.stringify(progress), new Date(Date.now() + leaseMs).toISOString(), job, slot, holder).changes === 1
  );
}

/** Extends the claim while the run works; false when it is no longer ours. */
export function renewClaim(db: Db, job: string, slot: string, leaseMs = DEFAULT_LEASE_TTL_MS, holder = THIS_HOLDER): boolean {
  return (
    db
      .prepare(`UPDATE job_runs SET lease_until = ? WHERE job = ? AND slot = ? AND status = 'running' AND holder = ?`)
      .run(new Date(Date.now() + leaseMs).toISOString(), job, slot, holder).changes === 1
  );
}

/** Confirms (ok) or gives up (failed) a claimed run; false when this process no longer held it. */
export function finishJobRun(db: Db, job: string, slot: string, status: 'ok' | 'failed', finishedAt: string, detail?: string, holder = THIS_HOLDER): boolean {
  return (
    db
      .prepare(
        `UPDATE job_runs SET status = ?, finished_at = ?, detail = COALESCE(?, detail), lease_until = NULL
         WHERE job = ? AND slot = ? AND status = 'running' AND holder = ?`,
      )
      .run(status, finishedAt, detail ?? null, job, slot, holder).changes === 1
  );
}

/** Runs of `job` left 'running' by a process that is gone, other than `slot` (oldest first), with their progress. */
export function orphanedRuns(db: Db, job: string, exceptSlot: string): (JobRun & { progress: Record<string, unknown> })[] {
  const rows = db
    .prepare(`SELECT ${COLS}, holder, lease_until AS leaseUntil, progress FROM job_runs WHERE job = ? AND status = 'running' AND slot <> ? ORDER BY started_at`)
    .all(job, exceptSlot) as (JobRunSql & { holder: string | null; leaseUntil: string | null; progress: string })[];
  return rows.filter((r) => claimStale(r)).map((r) => ({ ...toRun(r), progress: JSON.parse(r.progress) as Record<string, unknown> }));
}

/** Closes an orphaned run (its steps were taken over by another run, or it did nothing). */
export function closeOrphan(db: Db, job: string, slot: string, finishedAt: string, detail: string): void {
  db.prepare(`UPDATE job_runs SET status = 'failed', finished_at = ?, detail = ?, lease_until = NULL WHERE job = ? AND slot = ? AND status = 'running'`).run(
    finishedAt,
    detail,
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

/**
 * Slots of `job` in [fromSlot, toSlot] that are settled: done, skipped, running in a live process,
 * or failed `retryFailedUpTo` times. A slot left running by a process that is gone, or failed
 * fewer times, is not settled: it is resumed or retried within its slot.
 */
export function slotsRecorded(db: Db, job: string, fromSlot: string, toSlot: string, retryFailedUpTo = 0): Set<string> {
  const rows = db
    .prepare('SELECT slot, status, attempts, holder, lease_until AS leaseUntil FROM job_runs WHERE job = ? AND slot >= ? AND slot <= ?')
    .all(job, fromSlot, toSlot) as { slot: string; status: JobRunStatus; attempts: number; holder: string | null; leaseUntil: string | null }[];
  return new Set(
    rows.filter((r) => !((r.status === 'running' && claimStale(r)) || (r.status === 'failed' && r.attempts < retryFailedUpTo))).map((r) => r.slot),
  );
}

/**
 * Runs left 'running' by a process that is gone, started before `olderThan`, are marked failed
 * (too old to resume usefully). A live process's run is never touched. Returns how many.
 */
export function markInterruptedJobRuns(db: Db, now: string, olderThan: string): number {
  const rows = db.prepare(`SELECT job, slot, holder, lease_until AS leaseUntil FROM job_runs WHERE status = 'running' AND started_at < ?`).all(olderThan) as {
    job: string;
    slot: string;
    holder: string | null;
    leaseUntil: string | null;
  }[];
  let n = 0;
  for (const r of rows.filter((x) => claimStale(x))) {
    closeOrphan(db, r.job, r.slot, now, '{"error":"interrupted (the process stopped mid-run)"}');
    n++;
  }
  return n;
}
