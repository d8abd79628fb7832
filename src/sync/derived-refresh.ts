/**
 * refreshDerived off the event loop. The worker opens its own connection to the same database
 * file (WAL: the app keeps reading the previous facts until the refresh commits, in one
 * transaction), so an in-app sync of 100k deals does not freeze slash commands.
 */
import { canRunOffThread, runOffThread } from './off-thread.js';
import type { Db } from '../../store/db.js';
import { openDb } from '../../store/db.js';
import { refreshDerived, type RefreshOptions, type RefreshResult } from '../../store/deal-facts.js';

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
