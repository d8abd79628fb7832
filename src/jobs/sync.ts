/**
 * The sync job: one sync of the configured CRM, single-flight. The scheduler, `/dealcast sync`
 * and start-up all call `run`; a second call while a sync is running joins it instead of
 * starting another. It owns the write side of the report tables: after every sync (runSync
 * calls it), after a settings change that shapes them (`refreshDerived`) and at start-up, they
 * are rebuilt in a worker thread, one refresh at a time.
 */
import type { Config } from '../config.js';
import { createConnector, forecastCategoryField, type ConnectorBundle } from '../connectors/index.js';
import { runSync, type SyncResult } from '../sync/engine.js';
import type { Db } from '../../store/db.js';
import { DerivedRefresher } from '../sync/derived-refresh.js';

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
  const make = deps.connector ?? ((now: Date) => createConnector(deps.config, { now, log: deps.log, forecastCategoryField: forecastCategoryField(deps.db) }));
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
          const bundle = make(now);
          const { connector, http, afterSync } = bundle;
          close = bundle.close;
          const t0 = Date.now();
          const r = await runSync(deps.db, connector, {
            full: opts.full,
            now,
            http,
            log: deps.log,
            afterSync,
            // In the app: the report tables are rebuilt in a worker so slash commands stay answered.
            refreshDerived: (c) => derived.refresh(c),
          });
          deps.log(
            `sync: ${r.mode} sync of ${connector.label} done in ${((Date.now() - t0) / 1000).toFixed(1)} s (${Object.entries(r.counts)
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
