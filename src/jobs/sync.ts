/**
 * The sync job: one sync of the configured CRM, single-flight. The scheduler, `/dealcast sync`
 * and start-up all call `run`; a second call while a sync is running joins it instead of
 * starting another. In the built app the whole sync runs in a worker thread with its own write
 * connection (reading pages, upserting them, the end-of-stream bookkeeping and the report-table
 * refresh), so no part of it holds the event loop that acks Slack; a connector handed in by a
 * caller (tests) runs on this thread. It owns the write side of the report tables: after every
 * sync, after a settings change that shapes them (`refreshDerived`) and at start-up, they are
 * rebuilt off the event loop, one refresh at a time.
 */
import type { Config } from '../config.js';
import { createConnector, type ConnectorBundle } from '../connectors/index.js';
import { DealcastError, SyncBusyError } from '../errors.js';
import { runSync, type SyncResult } from '../sync/engine.js';
import { canRunOffThread, runOffThread, type OffThreadError } from '../sync/off-thread.js';
import { openDb, type Db } from '../../store/db.js';
import { refreshDerived } from '../../store/deal-facts.js';
import { DerivedRefresher } from '../sync/derived-refresh.js';

/**
 * Entry point in the sync worker: its own connection to the database file, the connector built
 * from the configuration there, the sync, the report-table refresh. Returns what the app logs.
 */
export async function syncInWorker(path: string, config: Config, opts: { full?: boolean; now: string }, log: (line: string) => void): Promise<{ result: SyncResult; label: string }> {
  const db = openDb(path);
  const now = new Date(opts.now);
  const bundle = createConnector(config, { now, log });
  try {
    const currency = config.DEALCAST_CURRENCY ?? null;
    const result = await runSync(db, bundle.connector, {
      full: opts.full,
      now,
      http: bundle.http,
      log,
      afterSync: bundle.afterSync,
      refreshDerived: async (crm) => refreshDerived(db, crm, { currency }),
    });
    return { result, label: bundle.connector.label };
  } finally {
    await bundle.close?.().catch(() => undefined);
    db.close();
  }
}

/** A sync worker's error as the app's own (a busy lease stays a SyncBusyError: /dealcast sync says so). */
export function reviveSyncError(e: OffThreadError): Error {
  if (!e.code) return new Error(e.message);
  const err = new DealcastError(e.code, e.message, e.hint);
  if (e.code === 'sync_busy') {
    Object.setPrototypeOf(err, SyncBusyError.prototype);
    Object.defineProperty(err, 'since', { value: e.since ?? '' });
    err.name = 'SyncBusyError';
  }
  return err;
}

export interface SyncJobDeps {
  db: Db;
  config: Config;
  log: (line: string) => void;
  /** Defaults to the registry (config.CRM). */
  connector?: (now: Date) => ConnectorBundle;
}

export interface SyncJob {
  run(opts?: { full?: boolean; now?: Date }): Promise<SyncResult>;
  /**
   * Brings the report tables up to date off the event loop (after a stage-map or currency
   * change, at start-up); resolves when done. Reports meanwhile read the last complete refresh.
   */
  refreshDerived(): Promise<void>;
  /** True while a sync is in flight. */
  readonly running: boolean;
}

export function createSyncJob(deps: SyncJobDeps): SyncJob {
  let inFlight: Promise<SyncResult> | null = null;
  const make = deps.connector ?? ((now: Date) => createConnector(deps.config, { now, log: deps.log }));
  const derived = new DerivedRefresher(deps.db, { currency: deps.config.DEALCAST_CURRENCY ?? null, log: deps.log });
  const crm = deps.config.CRM;
  return {
    async refreshDerived() {
      await derived.refresh(crm);
    },
    get running() {
      return inFlight !== null;
    },
    run(opts = {}) {
      if (inFlight) return inFlight;
      const now = opts.now ?? new Date();
      const started = (async () => {
        let close: (() => Promise<void>) | undefined;
        try {
          const t0 = Date.now();
          let r: SyncResult;
          let label: string;
          if (!deps.connector && !deps.db.memory && canRunOffThread(import.meta.url)) {
            ({ result: r, label } = await runOffThread<{ result: SyncResult; label: string }>(
              import.meta.url,
              'syncInWorker',
              [deps.db.name, deps.config, { full: opts.full, now: now.toISOString() }],
              { log: deps.log, revive: reviveSyncError },
            ));
          } else {
            const bundle = make(now);
            const { connector, http, afterSync } = bundle;
            close = bundle.close;
            label = connector.label;
            r = await runSync(deps.db, connector, {
              full: opts.full,
              now,
              http,
              log: deps.log,
              afterSync,
              // The report tables are rebuilt in a worker so slash commands stay answered.
              refreshDerived: (c) => derived.refresh(c),
            });
          }
          deps.log(
            `sync: ${r.mode} sync of ${label} done in ${((Date.now() - t0) / 1000).toFixed(1)} s (${Object.entries(r.counts)
              .map(([k, v]) => `${v} ${k}`)
              .join(', ')})`,
          );
          return r;
        } catch (err) {
          // Pages written before the failure are in: bring the report tables up to them too.
          void derived.refresh(crm);
          throw err;
        } finally {
          inFlight = null;
          await close?.().catch(() => undefined);
        }
      })();
      inFlight = started;
      return started;
    },
  };
}
