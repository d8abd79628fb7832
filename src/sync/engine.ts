/**
 * The sync engine: full and incremental sync for any connector.
 *
 * - Streams run in STREAM_ORDER. A page is written in transactions of at most writeChunkRows
 *   rows, the event loop turning between them (so an in-app sync never holds Slack's acks for
 *   more than one small transaction); the page's cursor is saved in the transaction of its last
 *   rows (the cursor rule): a crash loses at most the rows in flight, and the cursor never
 *   claims more than was written. A cursor is never later than the moment this sync started.
 * - Upserts are keyed on (crm, CRM id), so overlap and reruns are harmless: running the same
 *   sync twice leaves the data identical.
 * - A full sync marks deals that vanished from the CRM as deleted (kept, never erased), sweeping
 *   the stored deals a slice at a time before the deals stream is closed; a crash mid-sweep
 *   leaves the full sync unfinished, so the next run is full and sweeps again. A deal whose row
 *   could not be read (page.unreadIds) has not vanished; when unreadable rows do not say which
 *   deals they are, or the deletions would take most of the live deals (MASS_DELETION_*),
 *   nothing is marked deleted and the result says why (deletionsHeld).
 * - Stage history comes from the CRM when it keeps one, else from stage changes we observe.
 * - One sync per CRM at a time, across processes: a lease in the database (store/leases.ts). A
 *   second sync waits (opts.waitMs) or fails with SyncBusyError saying since when one runs.
 *   Page transactions are BEGIN IMMEDIATE, so other writers wait on the busy timeout instead of
 *   failing with "database is locked".
 * - Every run is recorded in sync_runs; a run left 'running' by a killed process is marked
 *   failed by the next run (which holds the lease, so the killed one is certainly gone), and if
 *   it was a full sync the next run is full again.
 */
import type { Db } from '../../store/db.js';
import { upsertPipelines } from '../../store/pipelines.js';
import { listStages, upsertStages } from '../../store/stages.js';
import { mapNewStages } from '../../store/stage-map.js';
import { upsertOwners } from '../../store/owners.js';
import { dealUpserter, liveDealIdsSlice, markMissingDealsDeletedSlice } from '../../store/deals.js';
import { insertStageHistory, refreshStageEnteredAt } from '../../store/stage-history.js';
import { upsertActivities } from '../../store/activities.js';
import { getCursor, saveCursor } from '../../store/sync-cursors.js';
import { finishRun, lastSuccessfulRun, markAbandonedRuns, recentRuns, recordHeldDeletions, startRun, updateRunCounts } from '../../store/sync-runs.js';
import { STREAM_ORDER, type StreamName, type StreamRows } from '../model/rows.js';
import type { Connector, CrmHttp, Page, Stream } from './connector.js';
import { describeError, SyncBusyError } from '../errors.js';
import { holdLease, isHeld } from '../../store/leases.js';
import { refreshDerived, type RefreshResult } from '../../store/deal-facts.js';
import { refreshDerivedOffThread } from './derived-refresh.js';
import { saveCurrencySettings } from '../../store/currency-rates.js';
import { replaceCrmTeams } from '../../store/crm-teams.js';
import { createProgress } from './progress.js';
import { dealFieldGuard } from './field-guard.js';
import { listOpenSchemaDrift, recordTypeDrift, resolveTypeDrift, shortSchemaDrift } from '../../store/schema-drift.js';
import { syncCrmTargets, type TargetsSyncStatus } from './targets-sync.js';

/**
 * A full sync that would mark at least MASS_DELETION_MIN_DEALS deals deleted, and more than
 * MASS_DELETION_SHARE of the live ones, holds the deletions back unless told they are meant
 * (SyncOptions.confirmDeletions): an export of one filtered view, or a token that lost access to
 * some pipelines, looks exactly like most deals vanishing. Below the minimum a person sees the
 * few deals in question and nothing is lost either way (deleted deals are kept, and come back
 * when a later sync sees them again).
 */
export const MASS_DELETION_SHARE = 0.5;
export const MASS_DELETION_MIN_DEALS = 10;

export interface SyncOptions {
  /** Re-read everything and mark vanished deals deleted. */
  full?: boolean;
  /** A full sync may mark most of the live deals deleted (see MASS_DELETION_SHARE). */
  confirmDeletions?: boolean;
  now?: Date;
  http?: CrmHttp;
  log?: (line: string) => void;
  /** Show progress (a live line on a TTY, plain lines otherwise). */
  progress?: boolean;
  /** Test hook: called inside the transaction of each page's last rows (the one saving its cursor), after they are written. */
  afterPageWrite?: (stream: StreamName, pageIndex: number) => void;
  /** Rows written per transaction (default WRITE_CHUNK_ROWS; tests make pages span several). */
  writeChunkRows?: number;
  /** Called after the data is complete, inside no transaction (derived tables, snapshots). */
  afterSync?: (db: Db, crm: string) => void;
  /**
   * Rebuild the report tables in a worker thread (the app: slash commands stay answered during a
   * big sync). Default: in this thread.
   */
  derivedOffThread?: boolean;
  /** How the report tables are rebuilt after the data is in (the app's DerivedRefresher); wins over derivedOffThread. */
  refreshDerived?: (crm: string) => Promise<RefreshResult | null>;
  /**
   * One sync per CRM at a time (a lease in the database): how long to wait for a sync another
   * process (or this one) is running. 0 (the default) fails at once with SyncBusyError saying
   * since when it runs.
   */
  waitMs?: number;
}

export interface SyncResult {
  runId: number;
  mode: 'full' | 'incremental';
  counts: Record<string, number>;
  deleted: number;
  /** A full sync's deletions that were not made, and why (null when none were held back). */
  deletionsHeld: { kind: 'unidentified-rows' | 'mass-deletion'; missing: number; live: number; reason: string } | null;
  /** Deals not marked deleted although absent from the data, because their rows could not be read. */
  keptUnread: number;
  startedAt: string;
  finishedAt: string;
  /** Stages seen for the first time in this run (mapped automatically). */
  newStages: number;
  /** How the reports' per-deal facts were brought up to date (null if that failed). */
  derived: RefreshResult | null;
  /**
   * Fields the CRM stopped sending ('deals.amount'), with open drift reports: their columns keep
   * the last good values and the run is recorded as degraded. Empty when all is well.
   */
  degraded: string[];
  /** The CRM's own sales targets read after the data (null when the CRM keeps none). */
  targets?: TargetsSyncStatus | null;
}

/**
 * Rows written per transaction. Measured on the demo at 100k deals, a 1,000-row deals page takes
 * ~29 ms of CPU (p50), all of it on the thread that acks Slack; an ack needs several turns of the
 * event loop. With 1,000 rows a transaction (`npm run bench -- sync-ack`): slowest ack 23–33 ms
 * (250 rows: 15 ms), event-loop delay max 43–56 ms (32 ms), against a 1 s target; and the deals
 * stream writes 44–54k deals/s (250 rows: 37.5k), a full sync 9.4–10.7 s (12.2 s). Smaller
 * transactions rewrite the same index pages into the WAL at every commit, which is where the
 * difference goes.
 */
export const WRITE_CHUNK_ROWS = 1000;
/** Stored deals looked at per transaction when a full sync marks the vanished ones deleted (~2,000 ids: a few ms). */
export const DELETE_SWEEP_SLICE = 2000;

/** Lets pending I/O (Slack's requests and their acks) run before the next transaction. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

const noHttp: CrmHttp = {
  request() {
    return Promise.reject(new Error('This connector has no HTTP client configured.'));
  },
};

/** Decides whether this run must be full: asked for, first ever, or a full run never finished. */
function needsFull(db: Db, crm: string, asked: boolean): boolean {
  if (asked) return true;
  if (!lastSuccessfulRun(db, crm)) return true;
  const lastFull = recentRuns(db, crm, 1000).find((r) => r.mode === 'full');
  return lastFull !== undefined && lastFull.status !== 'ok';
}

export async function runSync(db: Db, connector: Connector, opts: SyncOptions = {}): Promise<SyncResult> {
  const crm = connector.crm;
  const now = opts.now ?? new Date();
  const log = opts.log ?? (() => {});
  const http = opts.http ?? noHttp;

  // One sync per CRM: whoever holds the lease is the only writer of this CRM's runs, so a run
  // left 'running' while we hold it belongs to a process that is gone.
  const lease = await holdLease(db, `sync:${crm}`, {
    waitMs: opts.waitMs ?? 0,
    onWait: (h) => log(`A sync of ${crm} is already running since ${h.acquiredAt} (${h.holder}); waiting for it to finish.`),
    onTakeover: (h) => log(`Taking over the sync lease of ${h.holder}, which stopped without releasing it.`),
  });
  if (!isHeld(lease)) throw new SyncBusyError(crm, lease.heldBy.acquiredAt, lease.heldBy.holder);
  try {
    return await syncHoldingLease(db, connector, opts, now, log, http);
  } finally {
    lease.release();
  }
}

async function syncHoldingLease(db: Db, connector: Connector, opts: SyncOptions, now: Date, log: (line: string) => void, http: CrmHttp): Promise<SyncResult> {
  const crm = connector.crm;
  const startedAt = now.toISOString();
  const abandoned = markAbandonedRuns(db, crm, startedAt);
  if (abandoned.length) log(`Resuming after an interrupted sync (run ${abandoned.map((r) => r.id).join(', ')}).`);
  const firstSync = !lastSuccessfulRun(db, crm);
  const full = needsFull(db, crm, opts.full ?? false);
  const mode = full ? 'full' : 'incremental';
  const runId = startRun(db, crm, mode, startedAt);
  const counts: Record<string, number> = {};
  const progress = createProgress(opts.progress ?? false, log);
  let deleted = 0;
  let deletionsHeld: SyncResult['deletionsHeld'] = null;
  let keptUnread = 0;
  let newStages = 0;

  const upsertDeals = dealUpserter(db, crm);
  const guard = dealFieldGuard(db, crm);
  let heldBack: string[] = [];
  const loadStageFlags = () => new Map(listStages(db, crm, { includeDeleted: true }).map((s) => [s.id, { isClosed: s.isClosed, isWon: s.isWon }]));
  let stageFlags = loadStageFlags();
  const seenDeals = new Set<string>();
  const unreadDeals = new Set<string>();
  let unidentifiedRows = 0;
  // Fields the connector reported as changed type, per stream: field → what the CRM holds now, rows read blank.
  const typeChanges = new Map<StreamName, Map<string, { detail: string; rows: number }>>();
  const noteTypeChanges = (name: StreamName, page: Page<unknown>) => {
    if (!page.typeChanged?.length) return;
    const seen = typeChanges.get(name) ?? new Map<string, { detail: string; rows: number }>();
    typeChanges.set(name, seen);
    for (const c of page.typeChanged) {
      const was = seen.get(c.field);
      seen.set(c.field, { detail: was?.detail ?? `${c.crmField} is now ${c.found}`, rows: (was?.rows ?? 0) + page.rows.length });
    }
  };

  /** Writes some of a page's rows (deals already through the field guard). */
  const writeRows = <K extends StreamName>(name: K, rows: StreamRows[K][]): void => {
    switch (name) {
      case 'pipelines':
        upsertPipelines(db, crm, rows as StreamRows['pipelines'][], startedAt);
        break;
      case 'stages':
        newStages += upsertStages(db, crm, rows as StreamRows['stages'][], startedAt).length;
        break;
      case 'owners':
        upsertOwners(db, crm, rows as StreamRows['owners'][]);
        break;
      case 'deals': {
        const deals = rows as StreamRows['deals'][];
        if (full) for (const r of deals) seenDeals.add(r.id);
        upsertDeals(deals, { now: startedAt, stageFlags, observeHistory: !connector.capabilities.stageHistory });
        break;
      }
      case 'stage_history': {
        const history = rows as StreamRows['stage_history'][];
        insertStageHistory(db, crm, history, 'crm');
        // Per deal from all its stored history, so a deal whose rows straddle two chunks ends right.
        refreshStageEnteredAt(db, crm, new Set(history.map((r) => r.dealId)));
        break;
      }
      case 'activities':
        upsertActivities(db, crm, rows as StreamRows['activities'][], startedAt);
        break;
    }
  };
  const chunkRows = Math.max(1, opts.writeChunkRows ?? WRITE_CHUNK_ROWS);

  try {
    for (const name of STREAM_ORDER) {
      const stream = connector.streams[name] as Stream<StreamRows[typeof name]> | undefined;
      if (!stream) continue;
      const cursor = full || !stream.incremental ? null : getCursor(db, crm, name);
      counts[name] = 0;
      progress.stream(name);
      let pageIndex = 0;
      for await (const page of stream.read({ cursor, full, startedAt: now, http, log })) {
        noteTypeChanges(name, page);
        if (name === 'deals') {
          for (const id of page.unreadIds ?? []) unreadDeals.add(id);
          unidentifiedRows += page.unidentifiedRows ?? 0;
        }
        // Reading the page was one turn of the event loop; each transaction below is another.
        await turn();
        let rows: StreamRows[typeof name][] = page.rows;
        let written = 0;
        do {
          db.transaction(() => {
            // The field guard decides on the whole page, once, before any of its rows is written.
            if (written === 0 && name === 'deals') rows = guard.guardPage(page.rows as StreamRows['deals'][], page.typeChanged) as StreamRows[typeof name][];
            const chunk = rows.length <= chunkRows ? rows : rows.slice(written, written + chunkRows);
            writeRows(name, chunk);
            const end = written + chunk.length;
            counts[name] = (counts[name] ?? 0) + chunk.length;
            if (end >= rows.length) {
              // The page's last rows: its cursor goes with them.
              if (stream.incremental && page.checkpoint) {
                const capped = page.checkpoint < startedAt ? page.checkpoint : startedAt;
                saveCursor(db, crm, name, capped, startedAt);
              }
              updateRunCounts(db, runId, counts);
              opts.afterPageWrite?.(name, pageIndex);
            } else updateRunCounts(db, runId, counts);
            written = end;
          }).immediate();
          // Slash commands are acked between transactions.
          await turn();
        } while (written < rows.length);
        pageIndex++;
        progress.rows(name, counts[name]);
      }
      if (name === 'deals' && full) {
        // Deals that vanished from the CRM: first counted, then marked deleted, a slice of the
        // stored ones per turn or transaction (one pass over 1M deals would hold the event loop for
        // seconds). Before the stream is closed: a crash meanwhile leaves this full sync
        // unfinished, and the next run is full and sweeps again.
        let live = 0;
        let missing = 0;
        keptUnread = 0;
        for (let after: string | null = null; ; ) {
          const ids = liveDealIdsSlice(db, crm, after, DELETE_SWEEP_SLICE);
          if (!ids.length) break;
          live += ids.length;
          for (const id of ids) {
            if (seenDeals.has(id)) continue;
            if (unreadDeals.has(id)) keptUnread++;
            else missing++;
          }
          after = ids[ids.length - 1]!;
          await turn();
        }
        const share = live ? missing / live : 0;
        const held: Exclude<SyncResult['deletionsHeld'], null>['kind'] | null =
          missing === 0
            ? null
            : unidentifiedRows > 0
              ? 'unidentified-rows'
              : !opts.confirmDeletions && missing >= MASS_DELETION_MIN_DEALS && share > MASS_DELETION_SHARE
                ? 'mass-deletion'
                : null;
        if (held) {
          const reason =
            held === 'unidentified-rows'
              ? `${unidentifiedRows} row${unidentifiedRows === 1 ? '' : 's'} could not be read and ${unidentifiedRows === 1 ? 'does' : 'do'} not say which deal ${unidentifiedRows === 1 ? 'it is' : 'they are'}, so which deals are really gone is not known`
              : `they are ${Math.round(share * 100)}% of the ${live} live deals, which looks more like an incomplete export (a filtered view) or a lost permission than deals really removed`;
          deletionsHeld = { kind: held, missing, live, reason };
          log(`${missing} deal${missing === 1 ? '' : 's'} missing from this full read ${missing === 1 ? 'was' : 'were'} not marked deleted, because ${reason}.`);
        } else if (missing > 0) {
          // A deal whose row could not be read has not vanished: the sweep passes it like a seen one.
          for (const id of unreadDeals) seenDeals.add(id);
          for (let after: string | null = null; ; ) {
            const slice = db.transaction(() => markMissingDealsDeletedSlice(db, crm, seenDeals, startedAt, after, DELETE_SWEEP_SLICE)).immediate();
            deleted += slice.marked;
            if (slice.lastId === null) break;
            after = slice.lastId;
            await turn();
          }
        }
        // Kept for `dealcast status` until a full read settles them.
        recordHeldDeletions(db, crm, deletionsHeld ? { at: startedAt, ...deletionsHeld } : null, startedAt);
      }
      // The stream is complete: everything up to the sync's start has been seen.
      db.transaction(() => {
        if (stream.incremental) saveCursor(db, crm, name, startedAt, startedAt);
        if (name === 'stages') {
          mapNewStages(db, crm, startedAt, !firstSync);
          stageFlags = loadStageFlags();
        }
        if (name === 'deals') heldBack = guard.finish();
        // Recorded before the fill tracker (afterSync) sees the blanks, so the report says "changed type", not "missing".
        const changed = typeChanges.get(name);
        if ((counts[name] ?? 0) > 0 && resolveTypeDrift(db, crm, name, [...(changed?.keys() ?? [])], startedAt)) {
          log(`A ${name} field that had changed type in the CRM reads as before again.`);
        }
        if (changed?.size) {
          const opened = recordTypeDrift(
            db,
            crm,
            runId,
            name,
            [...changed].map(([field, c]) => ({ field, ...c })),
            startedAt,
          );
          for (const d of opened) log(`The CRM changed the type of ${d.stream}.${d.field} (${d.detail}); it is read as blank and the last good values are kept.`);
        }
      }).immediate();
      progress.done(name, counts[name]);
    }
    if (connector.currencies) {
      // Rates are read after the data (a deal may name a currency added since); without them the
      // last rates stay and amounts in currencies without one are left out of totals, visibly.
      try {
        const info = await connector.currencies(http);
        saveCurrencySettings(db, crm, info, info.source, startedAt);
      } catch (err) {
        log(`Could not read the CRM's currencies and exchange rates (reports keep the last ones): ${describeError(err).split('\n')[0]}`);
      }
    }
    if (connector.teams) {
      // Teams likewise: replaced as a whole, so one renamed or removed in the CRM is here too.
      // An account that cannot read them (plan, permission) has no CRM teams; any other failure
      // keeps the last ones.
      try {
        const got = await connector.teams(http);
        const change = replaceCrmTeams(db, crm, got.available ? got.teams : [], startedAt);
        if (!got.available) log(`Team membership is not read from ${connector.label}: ${got.reason}`);
        else if (change.changed) {
          const parts = [
            change.added.length ? `added ${change.added.join(', ')}` : '',
            change.removed.length ? `removed ${change.removed.join(', ')}` : '',
            change.renamed.length ? `renamed ${change.renamed.map(([a, b]) => `${a} → ${b}`).join(', ')}` : '',
          ].filter(Boolean);
          log(`${got.source}: ${got.teams.length} team(s)${parts.length ? ` (${parts.join('; ')})` : ', members changed'}.`);
        }
      } catch (err) {
        log(`Could not read the CRM's teams (visibility keeps the last ones): ${describeError(err).split('\n')[0]}`);
      }
    }
    // The CRM's own targets, after the teams so a team's goal finds the team it names (never
    // fails the sync: a missing scope marks them unavailable).
    const targets = await syncCrmTargets(db, connector, http, now, log);
    opts.afterSync?.(db, crm);
    // Drift open after this run (reported by afterSync's field-fill tracker): degraded, not failed, not silent.
    const drift = listOpenSchemaDrift(db, crm);
    const degraded = [...new Set([...drift.map((d) => `${d.stream}.${d.field}`), ...heldBack.map((f) => `deals.${f}`)])].sort();
    if (degraded.length) log(`Degraded: ${drift.map(shortSchemaDrift).join('; ') || `the CRM stopped sending ${degraded.join(', ')}`}.`);
    // Keep the reports' per-deal facts current now, off the path of the next slash command.
    // The data is complete either way: a failure here is logged, and reports read the last refresh (saying so).
    let derived: RefreshResult | null = null;
    try {
      derived = opts.refreshDerived ? await opts.refreshDerived(crm) : opts.derivedOffThread ? await refreshDerivedOffThread(db, crm) : refreshDerived(db, crm);
    } catch (err) {
      log(`Could not refresh report tables (reports will retry): ${describeError(err).split('\n')[0]}`);
    }
    // When the run really ended (never before it started, even when `now` is in the future).
    const finishedAt = new Date(Math.max(Date.now(), now.getTime())).toISOString();
    finishRun(db, runId, 'ok', finishedAt, counts, undefined, degraded);
    return { runId, mode, counts, deleted, deletionsHeld, keptUnread, startedAt, finishedAt, newStages, derived, degraded, targets };
  } catch (err) {
    finishRun(db, runId, 'failed', new Date(Math.max(Date.now(), now.getTime())).toISOString(), counts, describeError(err).split('\n')[0]);
    throw err;
  }
}
