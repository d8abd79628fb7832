/**
 * The deal_facts table (migration 003): one row per reportable deal, derived by
 * src/metrics/deal-facts.ts from deals + stage history + stage map. Only the write side rebuilds
 * it: the sync engine calls refreshDerived() after every sync, the settings save after a
 * stage-map edit, `dealcast start` at boot (all off the event loop: src/sync/derived-refresh.ts),
 * and one-shot CLI commands through ensureDerivedFresh(). Reports never write: they read the
 * last complete refresh and ask derivedState() whether it is current, and say so when it is not.
 */
import type { Db } from './db.js';
import { autoMapStage, isCanonicalStage } from '../src/model/canonical-stages.js';
import { deriveDealFact, type DealFact, type DealForFacts, type HistoryForFacts, type StageInfo } from '../src/metrics/deal-facts.js';
import { getState, setState } from './internal-state.js';
import { listStages } from './stages.js';
import { BACKTEST_HORIZON_DAYS } from '../src/metrics/backtest.js';
import { DAY_S } from '../src/metrics/periods.js';
import { weekStart } from '../src/time/calendar.js';
import { chooseReportingCurrency, currencyConverter, moneySignature, type Converter } from '../src/metrics/money.js';
import { loadCurrencySettings, mostCommonCurrency } from './currency-rates.js';

/** Bump when the derivation rules change: every database rebuilds its facts once. */
const FACTS_VERSION = 10;
const CHUNK = 2000;
/** Above about this many changed deals (marks are 4 per deal or so) a full rebuild is quicker than one by one. */
const FULL_REBUILD_ABOVE = 50_000;

interface Stamp {
  version: number;
  /** Signature of the stage map's canonical stages and included flags. */
  stageMapSignature: string | null;
  stageMapRows: number;
  /** The reporting currency the facts' amounts are in. */
  currency: string;
  /** The reporting currency asked for (DEALCAST_CURRENCY); null = the CRM's own choice. */
  asked?: string | null;
  /** Reporting currency, base currency and rates the amounts were converted with (moneySignature). */
  money?: string;
  /** MAX(rowid) of deals at the refresh (new deals raise it). */
  dealsMaxRowid?: number;
  /** The latest sync run's id at the refresh: a sync since means deals may have changed. */
  lastRun?: string | null;
  /** Counts the refreshes that rewrote facts: results computed from the facts are reused while it stands (factsFingerprint). */
  generation?: number;
  /** When the refresh committed (ISO instant). */
  refreshedAt?: string;
}

const stampKey = (crm: string) => `derived:deal_facts:${crm}`;

/** The reporting currency and the converter into it, with the signature of what they depend on. */
function moneyFor(db: Db, crm: string, asked: string | null, saved: Stamp | null, recount: boolean): { currency: string; convert: Converter; signature: string } {
  const settings = loadCurrencySettings(db, crm);
  // The most common currency is a scan of every deal: counted on a full rebuild, kept otherwise.
  const keep = !recount && saved?.currency && (saved.asked ?? null) === asked;
  const common = asked || settings.base ? null : keep ? saved.currency : mostCommonCurrency(db, crm);
  const currency = chooseReportingCurrency(asked, settings.base, common);
  return { currency, convert: currencyConverter(currency, settings), signature: moneySignature(currency, settings) };
}

/** What, besides the deals themselves (tracked by triggers), the facts depend on. */
function currentStamp(db: Db, crm: string, asked: string | null, saved: Stamp | null): Omit<Stamp, 'currency'> {
  // Only the canonical stage and the included flag shape the facts; the map has a few dozen rows.
  const map = db
    .prepare(
      `SELECT group_concat(stage_id || '=' || canonical || '/' || included, ',') AS sig, COUNT(*) AS n
       FROM (SELECT stage_id, canonical, included FROM stage_map WHERE crm = ? ORDER BY stage_id)`,
    )
    .get(crm) as { sig: string | null; n: number };
  return { version: FACTS_VERSION, stageMapSignature: map.sig, stageMapRows: map.n, asked, money: moneyFor(db, crm, asked, saved, false).signature };
}

function sameStamp(saved: Stamp | null, now: Omit<Stamp, 'currency'>): saved is Stamp {
  return (
    saved !== null &&
    saved.version === now.version &&
    saved.stageMapSignature === now.stageMapSignature &&
    saved.stageMapRows === now.stageMapRows &&
    saved.money === now.money
  );
}

/** The reporting currency asked for: as given, else as last asked (callers without a config keep it). */
const askedCurrency = (opt: string | null | undefined, saved: Stamp | null): string | null =>
  opt === undefined ? (saved?.asked ?? null) : opt ? opt.toUpperCase() : null;

/**
 * The deal columns facts are derived from, as one string: a deal whose string differs from the
 * one stored with its facts (src_sig) has changed since. The same SQL expression computes both.
 */
const DEAL_SIGNATURE = (a: string) =>
  `(COALESCE(${a}.stage_id, '') || '|' || ${a}.status || '|' || COALESCE(${a}.amount, '') || '|' || COALESCE(${a}.pipeline_id, '') || '|' ||
    COALESCE(${a}.owner_id, '') || '|' || COALESCE(${a}.source, '') || '|' || ${a}.created_at || '|' || COALESCE(${a}.close_date, '') || '|' ||
    COALESCE(${a}.closed_at, '') || '|' || COALESCE(${a}.stage_entered_at, '') || '|' || COALESCE(${a}.currency, '') || '|' ||
    COALESCE(${a}.amount_home, '') || '|' || ${a}.created_known)`;

/** O(1) signals that deals may have changed: new rows, or a sync run since the last refresh. */
function changeSignals(db: Db, crm: string): { dealsMaxRowid: number; lastRun: string | null } {
  // The engine refreshes at the end of each run, so the run's id is enough (not its finish time).
  const run = db.prepare('SELECT MAX(id) FROM sync_runs WHERE crm = ?').pluck().get(crm) as number | null;
  return {
    dealsMaxRowid: (db.prepare('SELECT MAX(rowid) FROM deals').pluck().get() as number | null) ?? 0,
    lastRun: run === null ? null : String(run),
  };
}

/**
 * Deals whose facts are out of date: rows that differ from the row their facts (or their
 * exclusion) were derived from, deals deleted since, and deals whose history changed. Stops
 * counting past `limit` (a full rebuild is quicker then).
 */
function changedDeals(db: Db, crm: string, limit: number): string[] {
  return db
    .prepare(
      `SELECT d.id FROM deals d
         LEFT JOIN deal_facts f ON f.crm = d.crm AND f.deal_id = d.id
         LEFT JOIN deal_facts_skipped s ON s.crm = d.crm AND s.deal_id = d.id
       WHERE d.crm = ? AND CASE WHEN d.deleted_at IS NULL THEN COALESCE(f.src_sig, s.src_sig) IS NOT ${DEAL_SIGNATURE('d')}
                                ELSE f.deal_id IS NOT NULL OR s.deal_id IS NOT NULL END
       UNION SELECT deal_id FROM deal_facts_dirty WHERE crm = ?
       LIMIT ?`,
    )
    .pluck()
    .all(crm, crm, limit) as string[];
}

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

/** The deal columns money conversion reads besides DealForFacts. */
interface MoneyCols {
  currency: string | null;
  amountHome: number | null;
  /** 0 when the created date is a placeholder. */
  createdKnown?: number;
}

/** A deal's amount in the reporting currency; the rate is the one of its (expected or actual) close day. */
export function convertFact(convert: Converter, d: Pick<DealForFacts, 'amount' | 'closeDate' | 'closedAt' | 'createdAt'> & MoneyCols) {
  const day = d.closeDate?.slice(0, 10) ?? d.closedAt?.slice(0, 10) ?? d.createdAt.slice(0, 10);
  return convert({ amount: d.amount, currency: d.currency, amountHome: d.amountHome, day });
}

/** What a deal contributes to the summary tables (the deal_facts columns they are built from). */
type SummaryFact = Pick<DealFact, 'pipelineId' | 'ownerId' | 'source' | 'amount' | 'status' | 'deepestOpen' | 'created' | 'closed' | 'closedDay' | 'closeDay' | 'at1' | 'at2' | 'at3'>;
const SUMMARY_COLS = `pipeline_id AS pipelineId, owner_id AS ownerId, source, amount, status, deepest_open AS deepestOpen, created, closed, closed_day AS closedDay,
  close_day AS closeDay, at1, at2, at3`;

/**
 * The day a closed deal counts on in deal_facts_closed_daily: its close day, or for a closed deal
 * the CRM never dated, its best known day (`closed`, the created date): leaving undated losses out
 * of calibration made a stage look almost always won (Olist's funnel: 98.9% instead of 13%).
 */
function closedDailyDay(f: Pick<SummaryFact, 'closedDay' | 'closed' | 'status'>): number | null {
  if (f.closedDay !== null) return f.closedDay;
  return f.status !== 0 && f.closed !== null ? Math.floor(f.closed / DAY_S) : null;
}

/**
 * Changes to deal_facts_weekly and deal_facts_closed_daily from changed deals: each old fact is
 * taken out (-1) and each new one put in (+1), by the same rules as the SQL in rebuildSummaries
 * (a test checks that both give the same tables).
 */
class SummaryDelta {
  private weekly = new Map<string, { key: [number, number, string | null, string | null, string | null]; value: number; deals: number }>();
  private closed = new Map<string, { key: [number, number, number, string | null]; deals: number }>();

  add(f: SummaryFact, sign: 1 | -1): void {
    const h = BACKTEST_HORIZON_DAYS;
    const amount = f.amount ?? 0;
    const put = (day: number, depth: number) => {
      const key: [number, number, string | null, string | null, string | null] = [day, depth, f.pipelineId, f.ownerId, f.source];
      const k = JSON.stringify(key);
      const e = this.weekly.get(k) ?? { key, value: 0, deals: 0 };
      e.value += sign * amount;
      e.deals += sign;
      this.weekly.set(k, e);
    };
    if (f.closeDay !== null) {
      for (let m = weekStart(f.closeDay); m > f.closeDay - h; m -= 7) {
        const t = m * DAY_S;
        if (f.created > t || (f.closed !== null && f.closed <= t)) continue;
        put(m, f.at3 !== null && f.at3 <= t ? 3 : f.at2 !== null && f.at2 <= t ? 2 : f.at1 !== null && f.at1 <= t ? 1 : 0);
      }
    }
    if (f.closedDay !== null && f.status === 1) for (let m = weekStart(f.closedDay); m > f.closedDay - h; m -= 7) if (f.created <= m * DAY_S) put(m, -1);
    const calibrationDay = closedDailyDay(f);
    if (calibrationDay !== null) {
      const key: [number, number, number, string | null] = [calibrationDay, f.deepestOpen, f.status, f.pipelineId];
      const k = JSON.stringify(key);
      const e = this.closed.get(k) ?? { key, deals: 0 };
      e.deals += sign;
      this.closed.set(k, e);
    }
  }

  apply(db: Db, crm: string): void {
    const wUpd = db.prepare(
      `UPDATE deal_facts_weekly SET value = value + ?, deals = deals + ?
       WHERE crm = ? AND day = ? AND depth = ? AND pipeline_id IS ? AND owner_id IS ? AND source IS ?`,
    );
    const wIns = db.prepare('INSERT INTO deal_facts_weekly (crm, day, depth, pipeline_id, owner_id, source, value, deals) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const wDel = db.prepare(
      'DELETE FROM deal_facts_weekly WHERE crm = ? AND day = ? AND depth = ? AND pipeline_id IS ? AND owner_id IS ? AND source IS ? AND deals <= 0',
    );
    for (const { key, value, deals } of this.weekly.values()) {
      if (deals === 0 && Math.abs(value) < 1e-9) continue;
      const [day, depth, p, o, s] = key;
      if (wUpd.run(value, deals, crm, day, depth, p, o, s).changes === 0) wIns.run(crm, day, depth, p, o, s, value, deals);
      else wDel.run(crm, day, depth, p, o, s);
    }
    const cUpd = db.prepare('UPDATE deal_facts_closed_daily SET deals = deals + ? WHERE crm = ? AND day = ? AND deepest = ? AND status = ? AND pipeline_id IS ?');
    const cIns = db.prepare('INSERT INTO deal_facts_closed_daily (crm, day, deepest, status, pipeline_id, deals) VALUES (?, ?, ?, ?, ?, ?)');
    const cDel = db.prepare('DELETE FROM deal_facts_closed_daily WHERE crm = ? AND day = ? AND deepest = ? AND status = ? AND pipeline_id IS ? AND deals <= 0');
    for (const { key, deals } of this.closed.values()) {
      if (deals === 0) continue;
      const [day, deepest, status, p] = key;
      if (cUpd.run(deals, crm, day, deepest, status, p).changes === 0) cIns.run(crm, day, deepest, status, p, deals);
      else cDel.run(crm, day, deepest, status, p);
    }
  }
}

export interface RefreshOptions {
  /** Rebuild every deal even if only some changed (after a stage-map edit this happens anyway). */
  full?: boolean;
  /** The reporting currency asked for (DEALCAST_CURRENCY); null = the CRM's; undefined = as last asked. */
  currency?: string | null;
}

export interface RefreshResult {
  mode: 'none' | 'changed' | 'full';
  /** Deals re-derived. */
  deals: number;
  ms: number;
}

/**
 * Brings deal_facts (and the summary tables) up to date for one CRM. Incremental: only deals
 * that are new, changed, deleted, or whose history changed are re-derived (one pass over the deals
 * compares each with the row its facts came from); a stage-map edit, a new derivation version or
 * a very large change set rebuilds everything.
 * The write side calls it (after a sync, after a stage-map save, at start-up); reports never do.
 */
export function refreshDerived(db: Db, crm: string, opts: RefreshOptions = {}): RefreshResult {
  const t0 = performance.now();
  const saved = getState<Stamp | null>(db, stampKey(crm), null);
  const asked = askedCurrency(opts.currency, saved);
  const stamp = currentStamp(db, crm, asked, saved);
  const signals = changeSignals(db, crm);
  let full = opts.full === true || !sameStamp(saved, stamp);
  const changed = full ? [] : changedDeals(db, crm, FULL_REBUILD_ABOVE + 1);
  if (changed.length > FULL_REBUILD_ABOVE) full = true;
  if (!full && changed.length === 0) {
    if (saved) {
      const at = new Date().toISOString();
      setState(db, stampKey(crm), { ...saved, ...signals, refreshedAt: at } satisfies Stamp, at);
    }
    return { mode: 'none', deals: 0, ms: performance.now() - t0 };
  }

  const stages = loadStageInfo(db, crm);
  const money = moneyFor(db, crm, asked, saved, full);
  const dealCols = `id, pipeline_id AS pipelineId, stage_id AS stageId, owner_id AS ownerId, source, amount, currency, amount_home AS amountHome, created_known AS createdKnown, status,
    created_at AS createdAt, closed_at AS closedAt, close_date AS closeDate, stage_entered_at AS stageEnteredAt, ${DEAL_SIGNATURE('deals')} AS srcSig`;
  const insert = db.prepare(
    `INSERT INTO deal_facts (crm, deal_id, pipeline_id, stage_id, owner_id, source, amount, status, canonical, deepest, created, created_day,
       closed, closed_day, close_day, stage_since, at1, at2, at3, days0, days1, days2, days3, path, deepest_open, src_sig, amount_original, currency_original, created_known)
     VALUES (@crm, @dealId, @pipelineId, @stageId, @ownerId, @source, @amount, @status, @canonical, @deepest, @created, @createdDay,
       @closed, @closedDay, @closeDay, @stageSince, @at1, @at2, @at3, @days0, @days1, @days2, @days3, @path, @deepestOpen, @srcSig, @amountOriginal, @currencyOriginal, @createdKnown)`,
  );
  const skip = db.prepare('INSERT INTO deal_facts_skipped (crm, deal_id, src_sig) VALUES (?, ?, ?)');
  let derived = 0;
  const delta = new SummaryDelta();
  const writeChunk = (deals: (DealForFacts & MoneyCols & { srcSig: string })[], history: (HistoryForFacts & { dealId: string })[]) => {
    const byDeal = new Map<string, HistoryForFacts[]>();
    for (const h of history) {
      let list = byDeal.get(h.dealId);
      if (!list) byDeal.set(h.dealId, (list = []));
      list.push(h);
    }
    for (const d of deals) {
      derived++;
      const fact: DealFact | null = deriveDealFact(d, byDeal.get(d.id) ?? [], stages);
      if (fact) {
        const m = convertFact(money.convert, d);
        fact.amount = m.amount;
        insert.run({ crm, ...fact, srcSig: d.srcSig, amountOriginal: d.amount, currencyOriginal: m.currency, createdKnown: d.createdKnown });
        if (!full) delta.add(fact, 1);
      } else skip.run(crm, d.id, d.srcSig);
    }
  };

  db.transaction(() => {
    // A full rebuild writes every row: building the indexes once afterwards beats updating them row by row.
    const indexes = full
      ? (db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deal_facts' AND sql IS NOT NULL").all() as {
          name: string;
          sql: string;
        }[])
      : [];
    if (full) {
      for (const ix of indexes) db.exec(`DROP INDEX ${ix.name}`);
      db.prepare('DELETE FROM deal_facts WHERE crm = ?').run(crm);
      db.prepare('DELETE FROM deal_facts_skipped WHERE crm = ?').run(crm);
      const page = db.prepare(`SELECT ${dealCols} FROM deals WHERE crm = ? AND deleted_at IS NULL AND id > ? ORDER BY id LIMIT ${CHUNK}`);
      const hist = db.prepare(
        `SELECT deal_id AS dealId, stage_id AS stageId, entered_at AS enteredAt FROM deal_stage_history
         WHERE crm = ? AND deal_id >= ? AND deal_id <= ? ORDER BY deal_id, entered_at`,
      );
      let after = '';
      for (;;) {
        const deals = page.all(crm, after) as (DealForFacts & MoneyCols & { srcSig: string })[];
        const first = deals[0];
        const lastDeal = deals[deals.length - 1];
        if (!first || !lastDeal) break;
        const last = lastDeal.id;
        writeChunk(deals, hist.all(crm, first.id, last) as (HistoryForFacts & { dealId: string })[]);
        after = last;
      }
    } else {
      const ids = changed;
      const del = db.prepare('DELETE FROM deal_facts WHERE crm = ? AND deal_id = ?');
      const unskip = db.prepare('DELETE FROM deal_facts_skipped WHERE crm = ? AND deal_id = ?');
      for (let i = 0; i < ids.length; i += 500) {
        const part = ids.slice(i, i + 500);
        const marks = part.map(() => '?').join(',');
        const old = db.prepare(`SELECT ${SUMMARY_COLS} FROM deal_facts WHERE crm = ? AND deal_id IN (${marks})`).all(crm, ...part) as SummaryFact[];
        for (const f of old) delta.add(f, -1);
        for (const id of part) {
          del.run(crm, id);
          unskip.run(crm, id);
        }
        const deals = db.prepare(`SELECT ${dealCols} FROM deals WHERE crm = ? AND deleted_at IS NULL AND id IN (${marks})`).all(crm, ...part) as (DealForFacts & MoneyCols & { srcSig: string })[];
        const history = db
          .prepare(
            `SELECT deal_id AS dealId, stage_id AS stageId, entered_at AS enteredAt FROM deal_stage_history
             WHERE crm = ? AND deal_id IN (${marks}) ORDER BY deal_id, entered_at`,
          )
          .all(crm, ...part) as (HistoryForFacts & { dealId: string })[];
        writeChunk(deals, history);
      }
    }
    for (const ix of indexes) db.exec(ix.sql);
    db.prepare('DELETE FROM deal_facts_dirty WHERE crm = ?').run(crm);
    if (full) rebuildSummaries(db, crm);
    else delta.apply(db, crm);
    if (full) {
      // Fresh statistics let the planner pick the covering indexes the report queries rely on.
      db.exec('PRAGMA analysis_limit = 1000; ANALYZE deal_facts; ANALYZE deal_facts_weekly; ANALYZE deal_facts_closed_daily;');
    }
    const at = new Date().toISOString();
    setState(
      db,
      stampKey(crm),
      { ...stamp, money: money.signature, currency: money.currency, ...signals, generation: (saved?.generation ?? 0) + 1, refreshedAt: at } satisfies Stamp,
      at,
    );
  }).immediate();
  if (!full) {
    // Deals removed outright (not marked deleted: the demo starting afresh) leave facts behind.
    const count = (sql: string) => db.prepare(sql).pluck().get(crm) as number;
    const live = count('SELECT COUNT(*) FROM deals WHERE crm = ? AND deleted_at IS NULL');
    const known = count('SELECT COUNT(*) FROM deal_facts WHERE crm = ?') + count('SELECT COUNT(*) FROM deal_facts_skipped WHERE crm = ?');
    if (live !== known) return refreshDerived(db, crm, { full: true, currency: asked });
  }
  return { mode: full ? 'full' : 'changed', deals: derived, ms: performance.now() - t0 };
}

/**
 * deal_facts_closed_daily from deal_facts (closed deals by close day; undated ones by their best
 * known day, as closedDailyDay). Unqualified names: where temp tables of the same names
 * shadow them (facts rebuilt as of a past moment), those are the ones rebuilt.
 */
export function rebuildClosedDaily(db: Db, crm: string): void {
  db.prepare('DELETE FROM deal_facts_closed_daily WHERE crm = ?').run(crm);
  db.prepare(
    `INSERT INTO deal_facts_closed_daily (crm, pipeline_id, day, deepest, status, deals)
     SELECT crm, pipeline_id, COALESCE(closed_day, CAST(closed / 86400 AS INTEGER)) AS day, deepest_open, status, COUNT(*) FROM deal_facts
     WHERE crm = ? AND (closed_day IS NOT NULL OR (status != 0 AND closed IS NOT NULL)) GROUP BY pipeline_id, day, deepest_open, status`,
  ).run(crm);
}

/**
 * deal_facts_closed_daily (closed deals per pipeline, day, deepest stage, outcome: calibration's input) and
 * deal_facts_weekly: for every Monday from the first deal on, the backtest's pipeline (open that
 * day, expected to close within 30 days, by deepest stage reached by then) and the value won in
 * the 30 days after it by deals that existed that day. Grouped by the filter columns. Writes to
 * the tables these names resolve to (TEMP shadows of them too: store/point-in-time.ts).
 */
export function rebuildSummaries(db: Db, crm: string): void {
  rebuildClosedDaily(db, crm);
  db.prepare('DELETE FROM deal_facts_weekly WHERE crm = ?').run(crm);
  // Every Monday a deal can count on: from the first creation to the last close (expected or actual).
  const span = db
    .prepare('SELECT MIN(created_day) AS lo, MAX(MAX(created_day), COALESCE(MAX(closed_day), 0), COALESCE(MAX(close_day), 0)) AS hi FROM deal_facts WHERE crm = ?')
    .get(crm) as { lo: number | null; hi: number | null };
  if (span.lo === null || span.hi === null) return;
  const first = weekStart(span.lo);
  const last = weekStart(span.hi);
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
 * Brings the derived tables up to date if anything changed; returns the dominant currency. For
 * the write side of one-shot CLI commands (a report printed by `dealcast report`, the demo):
 * never called on the app's read path. While a sync is running (it refreshes when it finishes)
 * it leaves the facts as of the last refresh rather than rebuilding between its pages.
 */
export function ensureDerivedFresh(db: Db, crm: string, opts: { currency?: string | null } = {}): { refreshed: boolean; currency: string } {
  const saved = getState<Stamp | null>(db, stampKey(crm), null);
  const asked = askedCurrency(opts.currency, saved);
  const stamp = currentStamp(db, crm, asked, saved);
  if (sameStamp(saved, stamp)) {
    const signals = changeSignals(db, crm);
    const changed =
      db.prepare('SELECT 1 FROM deal_facts_dirty WHERE crm = ? LIMIT 1').get(crm) !== undefined ||
      signals.dealsMaxRowid !== saved.dealsMaxRowid ||
      signals.lastRun !== saved.lastRun;
    if (!changed) return { refreshed: false, currency: saved.currency };
    const running = db.prepare("SELECT started_at FROM sync_runs WHERE crm = ? AND status = 'running' ORDER BY id DESC LIMIT 1").pluck().get(crm) as
      | string
      | undefined;
    if (running && Math.abs(Date.now() - Date.parse(running)) < SYNC_RUNNING_GRACE_MS) return { refreshed: false, currency: saved.currency };
  }
  refreshDerived(db, crm, { currency: asked });
  return { refreshed: true, currency: getState<Stamp>(db, stampKey(crm), { currency: 'USD' } as Stamp).currency };
}

/**
 * The reporting currency and converter the facts use now, read without writing (for facts built
 * on the side: as of a past moment, or on a database opened read-only).
 */
export function reportingMoney(db: Db, crm: string, opts: { currency?: string | null } = {}): { currency: string; convert: Converter } {
  const saved = getState<Stamp | null>(db, stampKey(crm), null);
  const m = moneyFor(db, crm, askedCurrency(opts.currency, saved), saved, false);
  return { currency: m.currency, convert: m.convert };
}

/** True when the derived facts are current. */
export function derivedIsFresh(db: Db, crm: string, opts: { currency?: string | null } = {}): boolean {
  return derivedState(db, crm, opts).status === 'fresh';
}

/**
 * What a report may read, without writing anything:
 * - `fresh`: the facts reflect the data and settings now;
 * - `stale`: a complete earlier refresh, in the same reporting currency, that newer data or a
 *   settings change (stage map, exchange rates) has not reached yet: a refresh is pending on the
 *   write side, and the report reads these facts and says when they are from;
 * - `missing`: nothing usable was ever built (a fresh database, facts by older derivation rules,
 *   or amounts in another reporting currency than the one asked): the report builds the facts on
 *   the side, on its own connection (store/point-in-time.ts withFactsAsOf).
 */
export interface DerivedState {
  status: 'fresh' | 'stale' | 'missing';
  /** The reporting currency of the stored facts (null when missing). */
  currency: string | null;
  /** When the stored facts were last refreshed (null when missing or not recorded). */
  refreshedAt: string | null;
}

export function derivedState(db: Db, crm: string, opts: { currency?: string | null } = {}): DerivedState {
  const saved = getState<Stamp | null>(db, stampKey(crm), null);
  if (!saved || saved.version !== FACTS_VERSION) return { status: 'missing', currency: null, refreshedAt: null };
  const asked = askedCurrency(opts.currency, saved);
  if ((saved.asked ?? null) !== asked) return { status: 'missing', currency: null, refreshedAt: null };
  const stamp = currentStamp(db, crm, asked, saved);
  const refreshedAt = saved.refreshedAt ?? null;
  const built: Stamp = saved;
  if (!sameStamp(saved, stamp)) {
    // New rates keep the currency: a lag worth a note. Another reporting currency is another report.
    const same = moneyFor(db, crm, asked, built, false).currency === built.currency;
    return { status: same ? 'stale' : 'missing', currency: same ? built.currency : null, refreshedAt };
  }
  const signals = changeSignals(db, crm);
  const current =
    db.prepare('SELECT 1 FROM deal_facts_dirty WHERE crm = ? LIMIT 1').get(crm) === undefined &&
    signals.dealsMaxRowid === saved.dealsMaxRowid &&
    signals.lastRun === saved.lastRun;
  return { status: current ? 'fresh' : 'stale', currency: saved.currency, refreshedAt };
}
