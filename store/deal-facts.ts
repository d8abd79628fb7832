/**
 * The deal_facts table (migration 002): one row per reportable deal, derived by
 * src/metrics/deal-facts.ts from deals + stage history + stage map. The sync engine calls
 * refreshDerived() after every sync; admin edits of the stage map call it too. Reports call
 * ensureDerivedFresh(), which rebuilds when the data changed since the last refresh (a new sync
 * run, new deals, a stage-map edit), so a forgotten refresh costs time, never wrong numbers.
 */
import type { Db } from './db.js';
import { autoMapStage, isCanonicalStage } from '../src/canonical-stages.js';
import { deriveDealFact, type DealFact, type DealForFacts, type HistoryForFacts, type StageInfo } from '../src/metrics/deal-facts.js';
import { getSetting, setSetting } from './settings.js';
import { listStages } from './stages.js';
import { BACKTEST_HORIZON_DAYS } from '../src/metrics/backtest.js';
import { DAY_S, weekStart } from '../src/metrics/periods.js';

/** Bump when the derivation rules change: every database rebuilds its facts once. */
const FACTS_VERSION = 3;
const CHUNK = 2000;
/** Above about this many changed deals (marks are 4 per deal or so) a full rebuild is quicker than one by one. */
const FULL_REBUILD_ABOVE = 50_000;

interface Stamp {
  version: number;
  /** Signature of the stage map's canonical stages and included flags. */
  stageMapSignature: string | null;
  stageMapRows: number;
  currency: string;
}

const stampKey = (crm: string) => `derived:deal_facts:${crm}`;

/** What, besides the deals themselves (tracked by triggers), the facts depend on. */
function currentStamp(db: Db, crm: string): Omit<Stamp, 'currency'> {
  // Only the canonical stage and the included flag shape the facts; the map has a few dozen rows.
  const map = db
    .prepare(
      `SELECT group_concat(stage_id || '=' || canonical || '/' || included, ',') AS sig, COUNT(*) AS n
       FROM (SELECT stage_id, canonical, included FROM stage_map WHERE crm = ? ORDER BY stage_id)`,
    )
    .get(crm) as { sig: string | null; n: number };
  return { version: FACTS_VERSION, stageMapSignature: map.sig, stageMapRows: map.n };
}

function sameStamp(saved: Stamp | null, now: Omit<Stamp, 'currency'>): saved is Stamp {
  return (
    saved !== null && saved.version === now.version && saved.stageMapSignature === now.stageMapSignature && saved.stageMapRows === now.stageMapRows
  );
}

/** Changed-deal marks (with repeats), counted up to just past the full-rebuild threshold. */
const dirtyCount = (db: Db, crm: string): number =>
  db.prepare('SELECT COUNT(*) FROM (SELECT 1 FROM deal_facts_dirty WHERE crm = ? LIMIT ?)').pluck().get(crm, 4 * FULL_REBUILD_ABOVE + 1) as number;

/** Canonical stage and included flag for every stage (mapped, or auto-mapped if not yet). */
export function loadStageInfo(db: Db, crm: string): Map<string, StageInfo> {
  const stages = listStages(db, crm, { includeDeleted: true });
  const rows = db.prepare('SELECT stage_id AS stageId, canonical, included FROM stage_map WHERE crm = ?').all(crm) as {
    stageId: string;
    canonical: string;
    included: number;
  }[];
  const mapped = new Map(rows.map((r) => [r.stageId, r]));
  const out = new Map<string, StageInfo>();
  for (const s of stages) {
    const m = mapped.get(s.id);
    if (m && isCanonicalStage(m.canonical)) out.set(s.id, { canonical: m.canonical, included: m.included === 1 });
    else out.set(s.id, { canonical: autoMapStage(s, stages.filter((o) => o.pipelineId === s.pipelineId && !o.deletedAt)), included: true });
  }
  return out;
}

export interface RefreshOptions {
  /** Rebuild every deal even if only some changed (after a stage-map edit this happens anyway). */
  full?: boolean;
}

export interface RefreshResult {
  mode: 'none' | 'changed' | 'full';
  /** Deals re-derived. */
  deals: number;
  ms: number;
}

/**
 * Brings deal_facts (and the weekly backtest table) up to date for one CRM. Incremental: only
 * deals the sync changed (triggers mark them in deal_facts_dirty) are re-derived; a stage-map
 * edit, a new derivation version or a very large change set rebuilds everything.
 * The sync engine calls it after every sync (`afterSync`); reports call it through
 * ensureDerivedFresh, so numbers are never stale.
 */
export function refreshDerived(db: Db, crm: string, opts: RefreshOptions = {}): RefreshResult {
  const t0 = performance.now();
  const saved = getSetting<Stamp | null>(db, stampKey(crm), null);
  const stamp = currentStamp(db, crm);
  const dirty = dirtyCount(db, crm);
  const full = opts.full === true || !sameStamp(saved, stamp) || dirty > 4 * FULL_REBUILD_ABOVE;
  if (!full && dirty === 0) return { mode: 'none', deals: 0, ms: performance.now() - t0 };

  const stages = loadStageInfo(db, crm);
  const dealCols = `id, pipeline_id AS pipelineId, stage_id AS stageId, owner_id AS ownerId, source, amount, status,
    created_at AS createdAt, closed_at AS closedAt, close_date AS closeDate, stage_entered_at AS stageEnteredAt`;
  const insert = db.prepare(
    `INSERT INTO deal_facts (crm, deal_id, pipeline_id, stage_id, owner_id, source, amount, status, canonical, deepest, created, created_day,
       closed, closed_day, close_day, stage_since, at1, at2, at3, days0, days1, days2, days3)
     VALUES (@crm, @dealId, @pipelineId, @stageId, @ownerId, @source, @amount, @status, @canonical, @deepest, @created, @createdDay,
       @closed, @closedDay, @closeDay, @stageSince, @at1, @at2, @at3, @days0, @days1, @days2, @days3)`,
  );
  let derived = 0;
  const writeChunk = (deals: DealForFacts[], history: (HistoryForFacts & { dealId: string })[]) => {
    const byDeal = new Map<string, HistoryForFacts[]>();
    for (const h of history) {
      let list = byDeal.get(h.dealId);
      if (!list) byDeal.set(h.dealId, (list = []));
      list.push(h);
    }
    for (const d of deals) {
      derived++;
      const fact: DealFact | null = deriveDealFact(d, byDeal.get(d.id) ?? [], stages);
      if (fact) insert.run({ crm, ...fact });
    }
  };

  db.transaction(() => {
    if (full) {
      db.prepare('DELETE FROM deal_facts WHERE crm = ?').run(crm);
      const page = db.prepare(`SELECT ${dealCols} FROM deals WHERE crm = ? AND deleted_at IS NULL AND id > ? ORDER BY id LIMIT ${CHUNK}`);
      const hist = db.prepare(
        `SELECT deal_id AS dealId, stage_id AS stageId, entered_at AS enteredAt FROM deal_stage_history
         WHERE crm = ? AND deal_id >= ? AND deal_id <= ? ORDER BY deal_id, entered_at`,
      );
      let after = '';
      for (;;) {
        const deals = page.all(crm, after) as DealForFacts[];
        if (!deals.length) break;
        const last = deals[deals.length - 1].id;
        writeChunk(deals, hist.all(crm, deals[0].id, last) as (HistoryForFacts & { dealId: string })[]);
        after = last;
      }
    } else {
      const ids = db.prepare('SELECT DISTINCT deal_id FROM deal_facts_dirty WHERE crm = ?').pluck().all(crm) as string[];
      const del = db.prepare('DELETE FROM deal_facts WHERE crm = ? AND deal_id = ?');
      for (let i = 0; i < ids.length; i += 500) {
        const part = ids.slice(i, i + 500);
        for (const id of part) del.run(crm, id);
        const marks = part.map(() => '?').join(',');
        const deals = db.prepare(`SELECT ${dealCols} FROM deals WHERE crm = ? AND deleted_at IS NULL AND id IN (${marks})`).all(crm, ...part) as DealForFacts[];
        const history = db
          .prepare(
            `SELECT deal_id AS dealId, stage_id AS stageId, entered_at AS enteredAt FROM deal_stage_history
             WHERE crm = ? AND deal_id IN (${marks}) ORDER BY deal_id, entered_at`,
          )
          .all(crm, ...part) as (HistoryForFacts & { dealId: string })[];
        writeChunk(deals, history);
      }
    }
    db.prepare('DELETE FROM deal_facts_dirty WHERE crm = ?').run(crm);
    rebuildWeekly(db, crm);
    if (full) {
      // Fresh statistics let the planner pick the covering indexes the report queries rely on.
      db.exec('PRAGMA analysis_limit = 1000; ANALYZE deal_facts; ANALYZE deal_facts_weekly; ANALYZE deal_facts_closed_daily;');
    }
    const currency =
      (db
        .prepare(
          `SELECT currency FROM deals WHERE crm = ? AND deleted_at IS NULL AND currency IS NOT NULL
           GROUP BY currency ORDER BY COUNT(*) DESC, currency LIMIT 1`,
        )
        .pluck()
        .get(crm) as string | undefined) ?? 'USD';
    setSetting(db, stampKey(crm), { ...stamp, currency } satisfies Stamp, new Date().toISOString());
  })();
  return { mode: full ? 'full' : 'changed', deals: derived, ms: performance.now() - t0 };
}

/**
 * deal_facts_closed_daily (closed deals per pipeline, day, deepest stage, outcome: calibration's input) and
 * deal_facts_weekly: for every Monday from the first deal on, the backtest's pipeline (open that
 * day, expected to close within 30 days, by deepest stage reached by then) and the value won in
 * the 30 days after it by deals that existed that day. Grouped by the filter columns.
 */
function rebuildWeekly(db: Db, crm: string): void {
  db.prepare('DELETE FROM deal_facts_closed_daily WHERE crm = ?').run(crm);
  db.prepare(
    `INSERT INTO deal_facts_closed_daily (crm, pipeline_id, day, deepest, status, deals)
     SELECT crm, pipeline_id, closed_day, deepest, status, COUNT(*) FROM deal_facts INDEXED BY deal_facts_closed
     WHERE crm = ? AND closed_day IS NOT NULL GROUP BY pipeline_id, closed_day, deepest, status`,
  ).run(crm);
  db.prepare('DELETE FROM deal_facts_weekly WHERE crm = ?').run(crm);
  const span = db.prepare('SELECT MIN(created) AS lo, MAX(MAX(created), COALESCE(MAX(closed), 0)) AS hi FROM deal_facts WHERE crm = ?').get(crm) as {
    lo: number | null;
    hi: number | null;
  };
  if (span.lo === null || span.hi === null) return;
  const first = weekStart(Math.floor(span.lo / DAY_S));
  const last = weekStart(Math.floor(span.hi / DAY_S)) + 7;
  const h = BACKTEST_HORIZON_DAYS;
  db.prepare(
    `WITH RECURSIVE mondays(d) AS (SELECT ? UNION ALL SELECT d + 7 FROM mondays WHERE d + 7 <= ?)
     INSERT INTO deal_facts_weekly (crm, day, pipeline_id, owner_id, source, depth, value, deals)
     SELECT ?, m.d, f.pipeline_id, f.owner_id, f.source,
            CASE WHEN f.at3 <= m.d * 86400 THEN 3 WHEN f.at2 <= m.d * 86400 THEN 2 WHEN f.at1 <= m.d * 86400 THEN 1 ELSE 0 END,
            TOTAL(f.amount), COUNT(*)
     FROM mondays m JOIN deal_facts f INDEXED BY deal_facts_close_day
       ON f.crm = ? AND f.close_day >= m.d AND f.close_day < m.d + ${h}
     WHERE f.created <= m.d * 86400 AND (f.closed IS NULL OR f.closed > m.d * 86400)
     GROUP BY 2, 3, 4, 5, 6`,
  ).run(first, last, crm, crm);
  db.prepare(
    `WITH RECURSIVE mondays(d) AS (SELECT ? UNION ALL SELECT d + 7 FROM mondays WHERE d + 7 <= ?)
     INSERT INTO deal_facts_weekly (crm, day, pipeline_id, owner_id, source, depth, value, deals)
     SELECT ?, m.d, f.pipeline_id, f.owner_id, f.source, -1, TOTAL(f.amount), COUNT(*)
     FROM mondays m JOIN deal_facts f INDEXED BY deal_facts_closed
       ON f.crm = ? AND f.closed_day >= m.d AND f.closed_day < m.d + ${h}
     WHERE f.status = 1 AND f.created <= m.d * 86400
     GROUP BY 2, 3, 4, 5`,
  ).run(first, last, crm, crm);
}

/** A sync that started less than this long ago and is still running will refresh when it ends. */
const SYNC_RUNNING_GRACE_MS = 2 * 3_600_000;

/**
 * Brings the derived tables up to date if anything changed; returns the dominant currency.
 * While a sync is running (it refreshes when it finishes), reports read the facts as of the last
 * refresh rather than rebuilding between its pages.
 */
export function ensureDerivedFresh(db: Db, crm: string): { refreshed: boolean; currency: string } {
  const saved = getSetting<Stamp | null>(db, stampKey(crm), null);
  const stamp = currentStamp(db, crm);
  if (sameStamp(saved, stamp)) {
    if (!db.prepare('SELECT 1 FROM deal_facts_dirty WHERE crm = ? LIMIT 1').get(crm)) return { refreshed: false, currency: saved.currency };
    const running = db.prepare("SELECT started_at FROM sync_runs WHERE crm = ? AND status = 'running' ORDER BY id DESC LIMIT 1").pluck().get(crm) as
      | string
      | undefined;
    if (running && Math.abs(Date.now() - Date.parse(running)) < SYNC_RUNNING_GRACE_MS) return { refreshed: false, currency: saved.currency };
  }
  refreshDerived(db, crm);
  return { refreshed: true, currency: getSetting<Stamp>(db, stampKey(crm), { currency: 'USD' } as Stamp).currency };
}
