/**
 * Running a job exactly once: claim → post → confirm (docs/exactly-once.md).
 *
 * 1. Runs of one job are serialised across processes by a lease (`job:<name>`): a second run
 *    (another process, a manual run beside `start`) waits for the first, then sees what it did.
 * 2. The (job, slot) row is claimed in the ledger. A slot left running by a process that is gone
 *    is taken over and resumed; a done slot is not run again.
 * 3. The job records each step it completes (`claim.once(key, fn)`: a posted message's ts, an
 *    uploaded chart) before the next one, so a resumed run continues the same thread instead of
 *    posting a second root message, and a run killed right after posting still gets its charts.
 * 4. The row is confirmed ok (or failed, with the error). A failure is recorded and logged, never
 *    thrown: one failing job never stops another.
 *
 * Crash points for tests: `DEALCAST_CRASH_AT=<job>:<step>` (read via config, passed as
 * `crashAt`) kills the process with SIGKILL right after that step is recorded.
 */
import type { Db } from '../../store/db.js';
import { claimRun, closeOrphan, finishJobRun, orphanedRuns, renewClaim, saveProgress, skipRun } from '../../store/job-runs.js';
import { DEFAULT_LEASE_TTL_MS, holdLease, ifNotBusy, isHeld } from '../../store/leases.js';
import { describeError, DealcastError } from '../errors.js';

export type SlotOutcome<T> =
  | { status: 'ok'; result: T }
  | { status: 'failed'; error: unknown }
  /** Another run (this process, another process, an earlier life of this one) owns or finished the slot. */
  | { status: 'taken' };

/** What a job sees of its claim. */
export interface Claim {
  readonly job: string;
  readonly slot: string;
  /** True when an earlier attempt of this slot (or an orphaned run adopted) had recorded steps. */
  readonly resumed: boolean;
  /** Steps recorded so far (by this attempt or earlier ones). */
  readonly progress: Readonly<Record<string, unknown>>;
  /**
   * Runs `fn` once per slot: if `key` was recorded by an earlier attempt, returns the recorded
   * value without running it; otherwise runs it and records the value before returning.
   */
  once<V>(key: string, fn: () => Promise<V>): Promise<V>;
  /** Records a value under `key` (JSON-able), before going on. */
  record(key: string, value: unknown): void;
  /** A named point where a test may have the process killed (no-op otherwise). */
  checkpoint(step: string): void;
}

export interface SlotRun<T> {
  /** JSON-able summary of the result, stored in job_runs.detail. */
  detail?: (result: T) => unknown;
  late?: boolean;
  log?: (line: string) => void;
  /** When the run finished (defaults to the injected `now`, so tests see stable rows). */
  finishedAt?: () => Date;
  /** How long to wait for another run of the same job to finish (default 10 min). */
  waitMs?: number;
  /** Retry a failed slot until it has had this many attempts (default 1: no retry). */
  attempts?: number;
  /**
   * Take over the recorded steps of runs of this job (other slots) left running by a process
   * that is gone: the alerts job continues their threads instead of starting new ones.
   */
  adoptOrphans?: boolean;
  /** `<job>:<step>` at which to SIGKILL this process (config DEALCAST_CRASH_AT; tests only). */
  crashAt?: string;
  leaseMs?: number;
}

/** The claim was taken over by another process (ours expired): stop without confirming. */
export class LostClaimError extends DealcastError {
  constructor(job: string, slot: string) {
    super('lost_claim', `Another process took over ${job} ${slot} while this one was still running it.`, 'Nothing was posted twice; the other process finishes the run.');
  }
}

export const DEFAULT_JOB_WAIT_MS = 10 * 60_000;

export async function runInSlot<T>(db: Db, job: string, slot: string, now: Date, run: (claim: Claim) => Promise<T>, opts: SlotRun<T> = {}): Promise<SlotOutcome<T>> {
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_TTL_MS;
  const crash = (step: string) => {
    if (opts.crashAt && opts.crashAt === `${job}:${step}`) {
      opts.log?.(`${job} ${slot}: crash injected at ${step} (DEALCAST_CRASH_AT)`);
      process.kill(process.pid, 'SIGKILL');
    }
  };
  const lease = await holdLease(db, `job:${job}`, {
    ttlMs: leaseMs,
    waitMs: opts.waitMs ?? DEFAULT_JOB_WAIT_MS,
    onWait: (h) => opts.log?.(`${job} ${slot}: another ${job} run is in progress (since ${h.acquiredAt}, ${h.holder}); waiting for it`),
  });
  if (!isHeld(lease)) {
    opts.log?.(`${job} ${slot}: not run: another ${job} run has been in progress since ${lease.heldBy.acquiredAt}`);
    return { status: 'taken' };
  }
  try {
    const claim = claimRun(db, job, slot, now.toISOString(), { late: opts.late, leaseMs, retryFailedUpTo: opts.attempts ?? 1 });
    if (!claim.claimed) return { status: 'taken' };
    const progress: Record<string, unknown> = { ...claim.progress };
    if (opts.adoptOrphans) {
      for (const o of orphanedRuns(db, job, slot)) {
        for (const [k, v] of Object.entries(o.progress)) if (!(k in progress)) progress[k] = v;
        closeOrphan(db, job, o.slot, now.toISOString(), JSON.stringify({ error: `interrupted; its steps were taken over by ${slot}` }));
        opts.log?.(`${job} ${slot}: taking over run ${o.slot}, interrupted before it finished`);
      }
    }
    if (claim.resumed && Object.keys(claim.progress).length) opts.log?.(`${job} ${slot}: resuming an interrupted run (attempt ${claim.attempts})`);
    const save = () => {
      if (!saveProgress(db, job, slot, progress, leaseMs)) throw new LostClaimError(job, slot);
    };
    if (opts.adoptOrphans) save();
    const renew = setInterval(() => {
      try {
        ifNotBusy(db, () => renewClaim(db, job, slot, leaseMs));
      } catch {
        // Busy or closed: the claim outlives a missed renewal.
      }
    }, Math.max(1000, Math.floor(leaseMs / 3)));
    renew.unref();
    const handle: Claim = {
      job,
      slot,
      resumed: Object.keys(progress).length > 0,
      progress,
      record(key, value) {
        progress[key] = value ?? null;
        save();
      },
      async once<V>(key: string, fn: () => Promise<V>): Promise<V> {
        if (key in progress) return progress[key] as V;
        const v = await fn();
        handle.record(key, v);
        crash(key);
        return v;
      },
      checkpoint: crash,
    };
    crash('claimed');
    const finished = () => (opts.finishedAt ? opts.finishedAt() : now).toISOString();
    try {
      const result = await run(handle);
      crash('before-confirm');
      if (!finishJobRun(db, job, slot, 'ok', finished(), JSON.stringify(opts.detail ? opts.detail(result) : (result ?? null)))) throw new LostClaimError(job, slot);
      return { status: 'ok', result };
    } catch (error) {
      if (error instanceof LostClaimError) {
        opts.log?.(`${job} ${slot}: ${error.message}`);
        return { status: 'taken' };
      }
      const message = describeError(error);
      finishJobRun(db, job, slot, 'failed', finished(), JSON.stringify({ error: message.split('\n')[0] }));
      opts.log?.(`${job} ${slot} failed: ${message.split('\n').join(' ')} (${(opts.attempts ?? 1) > claim.attempts ? 'it is tried again within its slot' : 'it runs again at its next slot'})`);
      return { status: 'failed', error };
    } finally {
      clearInterval(renew);
    }
  } finally {
    lease.release();
  }
}

/** Records a slot that will not run (e.g. a digest too late to be useful). False if the slot already had a row. */
export function skipSlot(db: Db, job: string, slot: string, now: Date, reason: string): boolean {
  return skipRun(db, job, slot, now.toISOString(), JSON.stringify({ reason }));
}
