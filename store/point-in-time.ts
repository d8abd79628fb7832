/**
 * Reports as of a past moment. The deal facts every report query reads are rebuilt, deal by deal,
 * as each deal stood then (src/metrics/point-in-time.ts), into a TEMP table named deal_facts with
 * the same columns and indexes: SQLite resolves an unqualified name to the temp table first, so
 * the report queries run unchanged. The temp table lives only on this connection (it works on a
 * read-only database too) and is dropped afterwards.
 *
 * factsAsOf is the same rebuild as plain rows, for code that wants the per-deal states.
 */
import type { Db } from './db.js';
import { convertFact, loadStageInfo, rebuildClosedDaily, rebuildSummaries, reportingMoney } from './deal-facts.js';
import { listStages } from './stages.js';
import { deriveDealFact, type DealFact, type DealForFacts, type HistoryForFacts } from '../src/metrics/deal-facts.js';
import { dealAsOf, type StageFlags } from '../src/metrics/point-in-time.js';

export interface AsOfInfo {
  /** The facts were rebuilt for a moment before the data's latest state. */
  reconstructed: boolean;
  /** The moment the data reflects (the last sync's start, else the newest date in it). */
  dataAsOf: string | null;
  /** The earliest deal creation in the data. */
  dataFrom: string | null;
  /** Deals that existed at the moment. */
  deals: number;
  /** Of those, deals with no stage recorded by then (placed in their first known stage). */
  stageUnknown: number;
  /** The CRM keeps no stage history: stages before this moment (the first sync) are not known. */
  historyFrom: string | null;
  /** Deals open at the moment whose amount, currency, expected close date and owner came from a weekly deal snapshot taken by then. */
  fromSnapshots: number;
  /** The newest snapshot day used (null when none was). */
  snapshotDay: string | null;
}

export type AsOfFact = DealFact & { amountOriginal: number | null; currencyOriginal: string | null; createdKnown: number };

interface DealRowForAsOf extends DealForFacts {
  currency: string | null;
  amountHome: number | null;
  createdKnown: number;
}

const DEAL_COLS = `id, pipeline_id AS pipelineId, stage_id AS stageId, owner_id AS ownerId, source, amount, currency, amount_home AS amountHome,
  created_known AS createdKnown, status, created_at AS createdAt, closed_at AS closedAt, close_date AS closeDate, stage_entered_at AS stageEnteredAt`;

/** The moment the data reflects: the last successful sync's start, else the newest instant in the data. */
export function dataAsOf(db: Db, crm: string): string | null {
  const run = db.prepare("SELECT MAX(started_at) FROM sync_runs WHERE crm = ? AND status = 'ok'").pluck().get(crm) as string | null;
  if (run) return run;
  return db
    .prepare(
      `SELECT MAX(x) FROM (SELECT MAX(created_at) AS x FROM deals WHERE crm = @crm UNION ALL SELECT MAX(closed_at) FROM deals WHERE crm = @crm
       UNION ALL SELECT MAX(entered_at) FROM deal_stage_history WHERE crm = @crm)`,
    )
    .pluck()
    .get({ crm }) as string | null;
}

/** The newest instant in the data itself (creations, closes, stage changes): how current an export is. */
export function newestDataAt(db: Db, crm: string): string | null {
  return db
    .prepare(
      `SELECT MAX(x) FROM (SELECT MAX(created_at) AS x FROM deals WHERE crm = @crm AND deleted_at IS NULL
       UNION ALL SELECT MAX(closed_at) FROM deals WHERE crm = @crm AND deleted_at IS NULL
       UNION ALL SELECT MAX(entered_at) FROM deal_stage_history WHERE crm = @crm)`,
    )
    .pluck()
    .get({ crm }) as string | null;
}

/**
 * True when a report for `at` must be rebuilt from history: something in the data (a creation, a
 * close, a stage change) happened after it, so today's state is not the state at `at`.
 */
export function needsReconstruction(db: Db, crm: string, at: Date): boolean {
  const newest = newestDataAt(db, crm);
  if (newest === null || at.getTime() >= Date.parse(newest)) return false;
  // Dates after the last sync (a created date typed in the future) are not news from after `at`.
  const synced = db.prepare("SELECT MAX(started_at) FROM sync_runs WHERE crm = ? AND status = 'ok'").pluck().get(crm) as string | null;
  return synced === null || at.getTime() < Date.parse(synced);
}

/**
 * Every deal's facts as of `at` (all live deals when `at` is null: today's state), in the
 * reporting currency, with what the rebuild could and could not know.
 */
export function factsAsOf(db: Db, crm: string, at: Date | null, opts: { currency?: string | null } = {}): { facts: AsOfFact[]; info: AsOfInfo } {
  const t = at ? at.getTime() : Number.POSITIVE_INFINITY;
  const stageInfo = loadStageInfo(db, crm);
  const stages = listStages(db, crm, { includeDeleted: true });
  const flags = new Map<string, StageFlags>(stages.map((s) => [s.id, { isClosed: s.isClosed, isWon: s.isWon, pipelineId: s.pipelineId }]));
  const firstOpen = new Map<string, string>();
  for (const s of [...stages].filter((x) => !x.isClosed && !x.deletedAt).sort((a, b) => a.position - b.position)) if (!firstOpen.has(s.pipelineId)) firstOpen.set(s.pipelineId, s.id);
  const money = reportingMoney(db, crm, opts);
  const deals = db.prepare(`SELECT ${DEAL_COLS} FROM deals WHERE crm = ? AND deleted_at IS NULL ORDER BY id`).all(crm) as DealRowForAsOf[];
  const history = db
    .prepare('SELECT deal_id AS dealId, stage_id AS stageId, entered_at AS enteredAt FROM deal_stage_history WHERE crm = ? ORDER BY deal_id, entered_at')
    .all(crm) as (HistoryForFacts & { dealId: string })[];
  const snapshots = Number.isFinite(t) ? snapshotsAsOf(db, crm, new Date(t).toISOString()) : new Map<string, SnapshotAsOf>();
  let fromSnapshots = 0;
  let snapshotDay: string | null = null;
  const byDeal = new Map<string, HistoryForFacts[]>();
  for (const h of history) {
    let list = byDeal.get(h.dealId);
    if (!list) byDeal.set(h.dealId, (list = []));
    list.push(h);
  }
  const facts: AsOfFact[] = [];
  let stageUnknown = 0;
  for (const row of deals) {
    // A deal still open at `t` is shown with what the CRM said of it then, when a weekly snapshot
    // taken by `t` has it; a deal closed by `t` keeps its final (today's) amount.
    const snap = snapshots.get(row.id);
    const openThen = row.closedAt === null || Date.parse(row.closedAt) > t;
    const d: DealRowForAsOf = snap && openThen ? withSnapshot(row, snap) : row;
    const then = Number.isFinite(t) ? dealAsOf(d, byDeal.get(d.id) ?? [], flags, firstOpen, t) : { deal: d, history: byDeal.get(d.id) ?? [], stageUnknown: false };
    if (!then) continue;
    const fact = deriveDealFact(then.deal, then.history, stageInfo);
    if (!fact) continue;
    if (then.stageUnknown) stageUnknown++;
    if (d !== row && snap) {
      fromSnapshots++;
      if (snapshotDay === null || snap.day > snapshotDay) snapshotDay = snap.day;
    }
    const m = convertFact(money.convert, d);
    facts.push({ ...fact, amount: m.amount, amountOriginal: d.amount, currencyOriginal: m.currency, createdKnown: d.createdKnown });
  }
  const observedOnly = (db.prepare("SELECT COUNT(*) FROM deal_stage_history WHERE crm = ? AND source = 'crm'").pluck().get(crm) as number) === 0;
  const firstSync = db.prepare("SELECT MIN(started_at) FROM sync_runs WHERE crm = ? AND status = 'ok'").pluck().get(crm) as string | null;
  const dataFrom = db.prepare('SELECT MIN(created_at) FROM deals WHERE crm = ? AND deleted_at IS NULL').pluck().get(crm) as string | null;
  return {
    facts,
    info: {
      reconstructed: Number.isFinite(t),
      dataAsOf: dataAsOf(db, crm),
      dataFrom,
      deals: facts.length,
      stageUnknown,
      historyFrom: observedOnly && firstSync && t < Date.parse(firstSync) ? firstSync : null,
      fromSnapshots,
      snapshotDay,
    },
  };
}

interface SnapshotAsOf {
  day: string;
  amount: number | null;
  currency: string | null;
  closeDate: string | null;
  ownerId: string | null;
}

/** Each deal's newest weekly snapshot taken at or before `atIso` (store/deal-snapshots.ts). */
function snapshotsAsOf(db: Db, crm: string, atIso: string): Map<string, SnapshotAsOf> {
  // SQLite takes the bare columns from the row holding MAX(day).
  const rows = db
    .prepare(
      `SELECT deal_id AS dealId, MAX(day) AS day, amount, currency, close_date AS closeDate, owner_id AS ownerId
       FROM deal_snapshots WHERE crm = ? AND taken_at <= ? GROUP BY deal_id`,
    )
    .all(crm, atIso) as (SnapshotAsOf & { dealId: string })[];
  return new Map(rows.map(({ dealId, ...r }) => [dealId, r]));
}

/** The deal with the snapshot's amount, currency, close date and owner (the CRM's own home-currency amount only if the amount is unchanged). */
function withSnapshot(d: DealRowForAsOf, s: SnapshotAsOf): DealRowForAsOf {
  const same = s.amount === d.amount && s.currency === d.currency;
  return { ...d, amount: s.amount, currency: s.currency, amountHome: same ? d.amountHome : null, closeDate: s.closeDate, ownerId: s.ownerId };
}

/**
 * Runs `fn` with deal_facts replaced, on this connection only, by the facts as of `at` (or by
 * today's facts built on the side when `at` is null: a read-only database whose facts are stale).
 */
export function withFactsAsOf<T>(db: Db, crm: string, at: Date | null, opts: { currency?: string | null }, fn: (info: AsOfInfo) => T): T {
  const { facts, info } = factsAsOf(db, crm, at, opts);
  // The facts, and the summaries calibration and the backtest read, as they stood then: temp
  // tables of the same names shadow the stored ones while `fn` runs. Today's facts built on the
  // side (at null) rebuild every summary; a past moment's, the closed-deal summary calibration
  // learns from (the backtest's weekly one only looks back, so the stored one holds).
  const tables = at === null ? ['deal_facts', ...SUMMARY_TABLES] : ['deal_facts', 'deal_facts_closed_daily'];
  for (const name of tables) shadow(db, name);
  try {
    const insert = db.prepare(
      `INSERT INTO temp.deal_facts (crm, deal_id, pipeline_id, stage_id, owner_id, source, amount, status, canonical, deepest, created, created_day,
         closed, closed_day, close_day, stage_since, at1, at2, at3, days0, days1, days2, days3, path, deepest_open, src_sig, amount_original, currency_original, created_known)
       VALUES (@crm, @dealId, @pipelineId, @stageId, @ownerId, @source, @amount, @status, @canonical, @deepest, @created, @createdDay,
         @closed, @closedDay, @closeDay, @stageSince, @at1, @at2, @at3, @days0, @days1, @days2, @days3, @path, @deepestOpen, '', @amountOriginal, @currencyOriginal, @createdKnown)`,
    );
    db.transaction(() => {
      for (const f of facts) insert.run({ crm, ...f });
      if (at === null) rebuildSummaries(db, crm);
      else rebuildClosedDaily(db, crm);
    })();
    return fn(info);
  } finally {
    for (const name of tables) db.exec(`DROP TABLE IF EXISTS temp.${name}`);
  }
}

const SUMMARY_TABLES = ['deal_facts_weekly', 'deal_facts_closed_daily'];

/** An empty TEMP table with the same columns and indexes as the main one: unqualified names resolve to it on this connection. */
function shadow(db: Db, name: string): void {
  const table = db.prepare("SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?").pluck().get(name) as string;
  const indexes = db.prepare("SELECT sql FROM main.sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL").pluck().all(name) as string[];
  db.exec(`DROP TABLE IF EXISTS temp.${name}`);
  db.exec(table.replace(new RegExp(`^CREATE TABLE\\s+"?${name}"?`, 'i'), `CREATE TEMP TABLE ${name}`));
  for (const ix of indexes) db.exec(ix.replace(/^CREATE (UNIQUE )?INDEX\s+"?(\w+)"?\s+ON/i, 'CREATE $1INDEX temp.$2 ON'));
}
