/**
 * Running a job in a ledger slot: claim (job, slot) — an INSERT that fails when the slot already
 * has a row — run, and record ok or failed with the job's detail. A failure is recorded and
 * logged, never thrown: one failing job never stops another, and the next slot tries again.
 */
import type { Db } from '../../store/db.js';
import { claimSlot, finishJobRun } from '../../store/job-runs.js';
import { describeError } from '../errors.js';

export type SlotOutcome<T> =
  | { status: 'ok'; result: T }
  | { status: 'failed'; error: unknown }
  /** Another run (this process, another process, an earlier life of this one) owns the slot. */
  | { status: 'taken' };

export interface SlotRun<T> {
  /** JSON-able summary of the result, stored in job_runs.detail. */
  detail?: (result: T) => unknown;
  late?: boolean;
  log?: (line: string) => void;
  /** When the run finished (defaults to the injected `now`, so tests see stable rows). */
  finishedAt?: () => Date;
}

export async function runInSlot<T>(db: Db, job: string, slot: string, now: Date, run: () => Promise<T>, opts: SlotRun<T> = {}): Promise<SlotOutcome<T>> {
  if (!claimSlot(db, job, slot, now.toISOString(), { late: opts.late })) return { status: 'taken' };
  const finished = () => (opts.finishedAt ? opts.finishedAt() : now).toISOString();
  try {
    const result = await run();
    finishJobRun(db, job, slot, 'ok', finished(), JSON.stringify(opts.detail ? opts.detail(result) : (result ?? null)));
    return { status: 'ok', result };
  } catch (error) {
    const message = describeError(error);
    finishJobRun(db, job, slot, 'failed', finished(), JSON.stringify({ error: message.split('\n')[0] }));
    opts.log?.(`${job} ${slot} failed: ${message.split('\n').join(' ')} (it runs again at its next slot)`);
    return { status: 'failed', error };
  }
}

/** Records a slot that will not run (e.g. a digest too late to be useful). False if the slot already had a row. */
export function skipSlot(db: Db, job: string, slot: string, now: Date, reason: string): boolean {
  return claimSlot(db, job, slot, now.toISOString(), { status: 'skipped', late: true, detail: JSON.stringify({ reason }) });
}
