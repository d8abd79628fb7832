/**
 * The write side of the derived report tables (deal_facts and its summaries): refreshDerived off
 * the event loop. The worker opens its own connection to the same database file (WAL: readers
 * keep the previous facts until the refresh commits, in one transaction), so an in-app sync of
 * 100k deals or a stage-map save does not freeze slash commands. Reports never refresh: they
 * read the last complete refresh and say when it is from (store/deal-facts.ts derivedState).
 */
import { canRunOffThread, runOffThread } from './off-thread.js';
import type { Db } from '../../store/db.js';
import { openDb } from '../../store/db.js';
import { refreshDerived, type RefreshOptions, type RefreshResult } from '../../store/deal-facts.js';
import { describeError } from '../errors.js';

/** Entry point in the worker: opens the file, refreshes, closes. */
export function refreshDerivedAt(path: string, crm: string, opts: RefreshOptions = {}): RefreshResult {
  const db = openDb(path);
  try {
    return refreshDerived(db, crm, opts);
  } finally {
    db.close();
  }
}

/** Refreshes in a worker thread when it can (a database file, compiled code), in this thread otherwise. */
export async function refreshDerivedOffThread(db: Db, crm: string, opts: RefreshOptions = {}): Promise<RefreshResult> {
  const url = import.meta.url;
  if (db.memory || !canRunOffThread(url)) return refreshDerived(db, crm, opts);
  return runOffThread<RefreshResult>(url, 'refreshDerivedAt', [db.name, crm, opts]);
}

/**
 * One refresher per app: refreshes run one at a time per CRM (two would only queue on SQLite's
 * write lock), and requests made while one runs share a single follow-up run, which sees every
 * change made before it starts. A failure is logged and reported as null: the data is intact and
 * reports keep reading the last complete refresh.
 */
export class DerivedRefresher {
  private readonly running = new Map<string, Promise<RefreshResult | null>>();
  private readonly queued = new Map<string, Promise<RefreshResult | null>>();

  constructor(
    private readonly db: Db,
    private readonly opts: { currency?: string | null; log?: (line: string) => void } = {},
  ) {}

  /** True while a refresh of `crm` runs or waits. */
  pending(crm: string): boolean {
    return this.running.has(crm) || this.queued.has(crm);
  }

  refresh(crm: string): Promise<RefreshResult | null> {
    const waiting = this.queued.get(crm);
    if (waiting) return waiting;
    const current = this.running.get(crm);
    if (!current) return this.start(crm);
    const next = current.then(() => {
      this.queued.delete(crm);
      return this.start(crm);
    });
    this.queued.set(crm, next);
    return next;
  }

  private start(crm: string): Promise<RefreshResult | null> {
    const opts: RefreshOptions = this.opts.currency === undefined ? {} : { currency: this.opts.currency };
    const p = refreshDerivedOffThread(this.db, crm, opts).then(
      (r) => r,
      (err: unknown) => {
        this.opts.log?.(`report tables: refresh failed (reports keep the last complete one): ${describeError(err).split('\n')[0]}`);
        return null;
      },
    );
    const done = p.finally(() => {
      if (this.running.get(crm) === done) this.running.delete(crm);
    });
    this.running.set(crm, done);
    return done;
  }
}
