/**
 * The SQL side of reports: aggregations over deal_facts (see migration 003), returning small
 * plain rows that the pure functions in src/metrics/ turn into reports. Each query only selects
 * and groups; what a number means is documented once, in docs/metrics.md, next to the metric
 * function that finishes it. Times are epoch seconds. Day numbers passed in or returned are the
 * team's calendar days (src/time/calendar.ts): the caller turns them into instants in the team's
 * zone, and rows grouped by day are grouped by the team's days (offset spans, below). The
 * *_day columns of deal_facts are UTC days and serve only as index ranges.
 */
import type { Db } from './db.js';
import type { ActivityType } from '../src/model/rows.js';
import type { OpenByStageRow } from '../src/metrics/pipeline.js';
import type { OpenByCloseDayRow, WonByDayRow } from '../src/metrics/forecast.js';
import type { ClosedByDepthRow, StageProbabilityInput } from '../src/metrics/probabilities.js';
import type { CohortByDepthRow } from '../src/metrics/funnel.js';
import type { DaysInStageRow } from '../src/metrics/time-in-stage.js';
import type { ClosedByDayRow, CreatedByDayRow } from '../src/metrics/velocity.js';
import { decodePath } from '../src/metrics/deal-facts.js';
import type { DealHistory } from '../src/metrics/win-hazard.js';
import type { BySourceRow } from '../src/metrics/sources.js';
import type { OpenDealCandidate } from '../src/metrics/stuck-deals.js';
import { canonicalDepth, isCanonicalStage } from '../src/model/canonical-stages.js';
import { offsetSpans } from '../src/time/calendar.js';
import { reportingMoney } from './deal-facts.js';

/** Filters resolved to ids (src/reports/filters.ts resolves names, emails and dates). */
export interface FactFilter {
  pipelineIds?: string[];
  ownerIds?: string[];
  source?: string;
  /** Only deals created at or after this instant (epoch s): the start of the team's `since` day. */
  createdFromS?: number;
}

const STATUS = ['open', 'won', 'lost'] as const;
function statusOf(code: number): (typeof STATUS)[number] {
  const s = STATUS[code];
  if (s === undefined) throw new Error(`deal_facts holds an unknown status code ${code}`);
  return s;
}

/** `AND …` for the filters, with its parameters. */
function where(f: FactFilter, alias = ''): { sql: string; params: unknown[] } {
  const a = alias ? `${alias}.` : '';
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f.pipelineIds) {
    // An empty list matches nothing: IN (NULL), not a constant 0, which SQLite folds away and then
    // cannot honour a query's INDEXED BY ("no query solution").
    parts.push(`${a}pipeline_id IN (${f.pipelineIds.length ? f.pipelineIds.map(() => '?').join(',') : 'NULL'})`);
    params.push(...f.pipelineIds);
  }
  if (f.ownerIds) {
    parts.push(`${a}owner_id IN (${f.ownerIds.length ? f.ownerIds.map(() => '?').join(',') : 'NULL'})`);
    params.push(...f.ownerIds);
  }
  if (f.source !== undefined) {
    parts.push(`${a}source = ?`);
    params.push(f.source);
  }
  if (f.createdFromS !== undefined) {
    parts.push(`${a}created_day >= ? AND ${a}created >= ?`);
    params.push(Math.floor(f.createdFromS / 86400), f.createdFromS);
  }
  return { sql: parts.map((p) => ` AND ${p}`).join(''), params };
}

const all = <T>(db: Db, sql: string, params: unknown[]): T[] => db.prepare(sql).all(...params) as T[];

/**
 * Runs `query` once per stretch of [fromS, toS) over which the team's zone keeps one UTC offset,
 * so that `(t + offsetS) / 86400` is the team's calendar day of instant t, and merges rows that
 * share a key (a day cut in two by a DST change).
 */
function byTeamDay<T>(
  fromS: number,
  toS: number,
  timeZone: string,
  query: (fromS: number, toS: number, offsetS: number) => T[],
  key: (row: T) => string,
  merge: (into: T, row: T) => void,
): T[] {
  const out = new Map<string, T>();
  for (const span of offsetSpans(fromS, toS, timeZone)) {
    for (const row of query(span.fromS, span.toS, span.offsetS)) {
      const k = key(row);
      const seen = out.get(k);
      if (seen) merge(seen, row);
      else out.set(k, row);
    }
  }
  return [...out.values()];
}

/**
 * Splits a UTC day into its two team days. With the zone `offsetS` ahead of UTC, an instant t on
 * UTC day d (`dayCol`) falls on team day d + lo or d + lo + 1, lo = floor(offsetS / 86400); `hi`
 * is the SQL test for the later one. Grouping by the UTC day column and summing both halves keeps
 * the grouped scan in index order (no sort) and still gives exact team days.
 */
function teamDayHalves(col: string, dayCol: string, offsetS: number): { hi: string; lo: number } {
  const off = Math.round(offsetS);
  const lo = Math.floor(off / 86400);
  return { hi: `((${col} + ${off}) / 86400 - ${dayCol} > ${lo})`, lo };
}

/** Team-day rows from a UTC-day row's two halves (halves with no deals are dropped). */
function halves<T>(d: number, lo: number, a: T & { n: number }, b: T & { n: number }): (T & { day: number })[] {
  const out: (T & { day: number })[] = [];
  if (a.n > 0) out.push({ ...a, day: d + lo });
  if (b.n > 0) out.push({ ...b, day: d + lo + 1 });
  return out;
}

/**
 * Instants [fromS, toS) as a range on the indexed day column (so grouped sums stream in index
 * order instead of sorting) plus the exact bound on the instant.
 */
const range = (dayCol: string, col: string, fromS: number, toS: number): { sql: string; params: number[] } => ({
  sql: `${dayCol} >= ? AND ${dayCol} <= ? AND ${col} >= ? AND ${col} < ?`,
  params: [Math.floor(fromS / 86400), Math.floor((toS - 1) / 86400), fromS, toS],
});

/** Open deals by CRM stage: count and Σ amount (optionally only deals created since `createdFromDay`). */
export function openByStage(db: Db, crm: string, f: FactFilter): OpenByStageRow[] {
  const w = where(f);
  return all<OpenByStageRow>(
    db,
    `SELECT stage_id AS stageId, canonical AS depth, COUNT(*) AS count, TOTAL(amount) AS value FROM deal_facts INDEXED BY deal_facts_open
     WHERE crm = ? AND status = 0${w.sql} GROUP BY stage_id, canonical`,
    [crm, ...w.params],
  );
}

/** Open deals by CRM stage and expected close day in [fromDay, toDay). */
export function openByCloseDay(db: Db, crm: string, f: FactFilter, fromDay: number, toDay: number): OpenByCloseDayRow[] {
  const w = where(f);
  return all<OpenByCloseDayRow>(
    db,
    `SELECT stage_id AS stageId, canonical AS depth, close_day AS closeDay, TOTAL(amount) AS value FROM deal_facts INDEXED BY deal_facts_open_close
     WHERE crm = ? AND status = 0 AND close_day >= ? AND close_day < ?${w.sql}
     GROUP BY stage_id, canonical, close_day`,
    [crm, fromDay, toDay, ...w.params],
  );
}

/** Open deals whose expected close day is before `beforeDay`. */
export function openOverdue(db: Db, crm: string, f: FactFilter, beforeDay: number): { count: number; value: number } {
  const w = where(f);
  return db
    .prepare(
      `SELECT COUNT(*) AS count, TOTAL(amount) AS value FROM deal_facts INDEXED BY deal_facts_open_close
       WHERE crm = ? AND status = 0 AND close_day < ?${w.sql}`,
    )
    .get(crm, beforeDay, ...w.params) as { count: number; value: number };
}

/** Won value by the team's day won, for deals won in [fromS, toS). */
export function wonByDay(db: Db, crm: string, f: FactFilter, fromS: number, toS: number, timeZone: string): WonByDayRow[] {
  const w = where(f);
  return byTeamDay(
    fromS,
    toS,
    timeZone,
    (a, b, off) => {
      const r = range('closed_day', 'closed', a, b);
      const { hi, lo } = teamDayHalves('closed', 'closed_day', off);
      return all<{ d: number; n0: number; v0: number; n1: number; v1: number }>(
        db,
        `SELECT closed_day AS d, SUM(NOT ${hi}) AS n0, TOTAL(CASE WHEN ${hi} THEN NULL ELSE amount END) AS v0,
                SUM(${hi}) AS n1, TOTAL(CASE WHEN ${hi} THEN amount END) AS v1
         FROM deal_facts INDEXED BY deal_facts_closed WHERE crm = ? AND ${r.sql} AND status = 1${w.sql} GROUP BY closed_day`,
        [crm, ...r.params, ...w.params],
      ).flatMap((x) => halves(x.d, lo, { n: x.n0, value: x.v0 }, { n: x.n1, value: x.v1 }).map(({ day, value }) => ({ day, value })));
    },
    (x) => String(x.day),
    (into, x) => {
      into.value += x.value;
    },
  );
}

/** Calibration's filter: pipelines only (a rep's slice is weighted like the team). */
export interface TeamFilter {
  pipelineIds?: string[];
}

const teamWhere = (f: TeamFilter): { sql: string; params: unknown[] } =>
  f.pipelineIds ? { sql: ` AND pipeline_id IN (${f.pipelineIds.map(() => '?').join(',') || 'NULL'})`, params: f.pipelineIds } : { sql: '', params: [] };

/**
 * Deals closed in [fromS, toS) by deepest open stage seen and outcome (calibration). Whole UTC days
 * inside the window come from the daily summary; the hours at either end (the team's days need
 * not start at midnight UTC) from deal_facts. Closed deals the CRM never dated count on their
 * best known day (the summary's rule), in whole days only.
 */
export function closedByDepth(db: Db, crm: string, f: TeamFilter, fromS: number, toS: number): ClosedByDepthRow[] {
  const w = teamWhere(f);
  const firstDay = Math.ceil(fromS / 86400);
  const endDay = Math.max(firstDay, Math.floor(toS / 86400));
  const rows = all<{ deepest: number; won: number; count: number }>(
    db,
    `SELECT deepest, status = 1 AS won, SUM(deals) AS count FROM deal_facts_closed_daily
     WHERE crm = ? AND day >= ? AND day < ?${w.sql} GROUP BY deepest, status`,
    [crm, firstDay, endDay, ...w.params],
  );
  const edges: [number, number][] = [
    [fromS, Math.min(toS, firstDay * 86400)],
    [Math.max(fromS, endDay * 86400), toS],
  ];
  for (const [a, b] of edges) {
    if (b <= a) continue;
    const r = range('closed_day', 'closed', a, b);
    rows.push(
      ...all<{ deepest: number; won: number; count: number }>(
        db,
        `SELECT deepest_open AS deepest, status = 1 AS won, COUNT(*) AS count FROM deal_facts INDEXED BY deal_facts_closed
         WHERE crm = ? AND ${r.sql} AND status != 0${w.sql} GROUP BY deepest_open, status`,
        [crm, ...r.params, ...w.params],
      ),
    );
  }
  const sums = new Map<string, ClosedByDepthRow>();
  for (const r of rows) {
    const k = `${r.deepest}/${r.won}`;
    const row = sums.get(k) ?? { deepest: r.deepest, won: r.won === 1, count: 0 };
    row.count += r.count;
    sums.set(k, row);
  }
  return [...sums.values()];
}

/** Deals created in [fromS, toS) by deepest stage reached and status (the funnel cohort). */
export function cohortByDepth(db: Db, crm: string, f: FactFilter, fromS: number, toS: number): CohortByDepthRow[] {
  const w = where(f);
  const r = range('created_day', 'created', fromS, toS);
  const rows = all<{ deepest: number; status: number; pipelineId: string; count: number }>(
    db,
    `SELECT deepest, status, pipeline_id AS pipelineId, COUNT(*) AS count FROM deal_facts INDEXED BY deal_facts_cohort WHERE crm = ? AND ${r.sql}${w.sql} AND created_known = 1
     GROUP BY created_day, source, status, deepest, pipeline_id`,
    [crm, ...r.params, ...w.params],
  );
  const sums = new Map<string, CohortByDepthRow>();
  for (const x of rows) {
    const key = `${x.deepest}/${x.status}/${x.pipelineId}`;
    const row = sums.get(key) ?? { deepest: x.deepest, status: statusOf(x.status), pipelineId: x.pipelineId, count: 0 };
    row.count += x.count;
    sums.set(key, row);
  }
  return [...sums.values()];
}

/** Deals created in [fromS, toS) that left each open stage, by whole days spent there. */
export function daysInStage(db: Db, crm: string, f: FactFilter, fromS: number, toS: number, opts: { histogram: boolean }): DaysInStageRow[] {
  const w = where(f);
  const r = range('created_day', 'created', fromS, toS);
  const params = [crm, ...r.params, ...w.params];
  if (!opts.histogram) {
    // Means only: one pass. The rows carry the totals with days = -1 (no histogram).
    const sums = db
      .prepare(
        `SELECT COUNT(days0) AS n0, TOTAL(days0) AS s0, COUNT(days1) AS n1, TOTAL(days1) AS s1,
                COUNT(days2) AS n2, TOTAL(days2) AS s2, COUNT(days3) AS n3, TOTAL(days3) AS s3
         FROM deal_facts INDEXED BY deal_facts_cohort WHERE crm = ? AND ${r.sql}${w.sql}`,
      )
      .get(...params) as Record<string, number>;
    return [0, 1, 2, 3].map((d) => ({ depth: d, days: -1, count: sums[`n${d}`] ?? 0, sumDays: sums[`s${d}`] ?? 0 }));
  }
  const one = (d: number) =>
    `SELECT ${d} AS depth, CAST(days${d} AS INTEGER) AS days, COUNT(*) AS count, TOTAL(days${d}) AS sumDays FROM deal_facts INDEXED BY deal_facts_cohort
     WHERE crm = ? AND ${r.sql}${w.sql} AND days${d} IS NOT NULL GROUP BY 2`;
  return all<DaysInStageRow>(db, [0, 1, 2, 3].map(one).join(' UNION ALL '), [...params, ...params, ...params, ...params]);
}

/** Deals closed in [fromS, toS) by the team's closing day and outcome, with Σ amount and Σ cycle days. */
export function closedByDay(db: Db, crm: string, f: FactFilter, fromS: number, toS: number, timeZone: string): ClosedByDayRow[] {
  const w = where(f);
  return byTeamDay(
    fromS,
    toS,
    timeZone,
    (a, b, off) => {
      const r = range('closed_day', 'closed', a, b);
      const { hi, lo } = teamDayHalves('closed', 'closed_day', off);
      return all<{ d: number; won: number; n0: number; v0: number; c0: number; n1: number; v1: number; c1: number }>(
        db,
        `SELECT closed_day AS d, status = 1 AS won,
                SUM(NOT ${hi}) AS n0, TOTAL(CASE WHEN ${hi} THEN NULL ELSE amount END) AS v0, TOTAL(CASE WHEN ${hi} THEN NULL ELSE closed - created END) / 86400.0 AS c0,
                SUM(${hi}) AS n1, TOTAL(CASE WHEN ${hi} THEN amount END) AS v1, TOTAL(CASE WHEN ${hi} THEN closed - created END) / 86400.0 AS c1
         FROM deal_facts INDEXED BY deal_facts_closed WHERE crm = ? AND ${r.sql}${w.sql} GROUP BY closed_day, status`,
        [crm, ...r.params, ...w.params],
      ).flatMap((x) =>
        halves(x.d, lo, { n: x.n0, value: x.v0, cycleDays: x.c0 }, { n: x.n1, value: x.v1, cycleDays: x.c1 }).map((h) => ({
          day: h.day,
          won: x.won === 1,
          count: h.n,
          value: h.value,
          cycleDays: h.cycleDays,
        })),
      );
    },
    (x) => `${x.day}/${x.won}`,
    (into, x) => {
      into.count += x.count;
      into.value += x.value;
      into.cycleDays += x.cycleDays;
    },
  );
}

/** Won deals closed in [fromS, toS) by whole days from created to won (median cycle). */
export function cycleHistogram(db: Db, crm: string, f: FactFilter, fromS: number, toS: number): { days: number; count: number }[] {
  const w = where(f);
  const r = range('closed_day', 'closed', fromS, toS);
  return all<{ days: number; count: number }>(
    db,
    `SELECT (closed - created) / 86400 AS days, COUNT(*) AS count FROM deal_facts INDEXED BY deal_facts_closed
     WHERE crm = ? AND ${r.sql} AND status = 1${w.sql} GROUP BY 1`,
    [crm, ...r.params, ...w.params],
  );
}

/** Deals created in [fromS, toS) by the team's creation day (open-deal counts at past dates). */
export function createdByDay(db: Db, crm: string, f: FactFilter, fromS: number, toS: number, timeZone: string): CreatedByDayRow[] {
  const w = where(f);
  return byTeamDay(
    fromS,
    toS,
    timeZone,
    (a, b, off) => {
      const r = range('created_day', 'created', a, b);
      const { hi, lo } = teamDayHalves('created', 'created_day', off);
      return all<{ d: number; n0: number; n1: number }>(
        db,
        `SELECT created_day AS d, SUM(NOT ${hi}) AS n0, SUM(${hi}) AS n1 FROM deal_facts INDEXED BY deal_facts_cohort WHERE crm = ? AND ${r.sql}${w.sql}
         GROUP BY created_day`,
        [crm, ...r.params, ...w.params],
      ).flatMap((x) => halves<{ n: number }>(x.d, lo, { n: x.n0 }, { n: x.n1 }).map((h) => ({ day: h.day, count: h.n })));
    },
    (x) => String(x.day),
    (into, x) => {
      into.count += x.count;
    },
  );
}

export function countOpen(db: Db, crm: string, f: FactFilter): number {
  const w = where(f);
  return db.prepare(`SELECT COUNT(*) FROM deal_facts INDEXED BY deal_facts_open WHERE crm = ? AND status = 0${w.sql}`).pluck().get(crm, ...w.params) as number;
}

/** Earliest creation time among the filtered deals (epoch s), or null. */
export function earliestCreated(db: Db, crm: string, f: FactFilter): number | null {
  const w = where(f);
  return db.prepare(`SELECT MIN(created) FROM deal_facts WHERE crm = ?${w.sql}`).pluck().get(crm, ...w.params) as number | null;
}

/**
 * A fingerprint of one CRM's derived facts: the refresh stamp, whose generation goes up with
 * every refresh that rewrites facts (store/deal-facts.ts), and the row count. Results computed
 * from the facts can be reused while it is unchanged. A stamp from before generations were kept
 * falls back to sums over every fact row (a scan: 150 ms at 100k deals).
 */
export function factsFingerprint(db: Db, crm: string): string {
  const stamp = db.prepare('SELECT value FROM internal_state WHERE key = ?').pluck().get(`derived:deal_facts:${crm}`) as string | undefined;
  const generation = stamp === undefined ? undefined : (JSON.parse(stamp) as { generation?: number }).generation;
  if (generation !== undefined) return `${generation}|${db.prepare('SELECT COUNT(*) FROM deal_facts WHERE crm = ?').pluck().get(crm)}`;
  const sums = db
    .prepare('SELECT COUNT(*) AS n, MAX(rowid) AS r, TOTAL(amount) AS a, TOTAL(closed) AS c, TOTAL(created) AS k, TOTAL(length(path)) AS p FROM deal_facts WHERE crm = ?')
    .get(crm);
  return `${stamp ?? ''}|${JSON.stringify(sums)}`;
}

/**
 * Every deal of the team's pipelines as the forecast model reads it (win-hazard.ts): pipeline,
 * amount, created/closed, outcome, canonical path and CRM stage; `inScope` marks the deals the
 * report is about (owner, source and created-since filters). One pass over deal_facts.
 */
export function dealHistories(db: Db, crm: string, team: TeamFilter, scope: FactFilter): (DealHistory & { stageId: string | null })[] {
  const t = teamWhere(team);
  const s = where({ ...scope, pipelineIds: undefined });
  const inScope = s.sql ? `(1${s.sql})` : '1';
  // Rows as arrays (no per-row object with column names): this list is read whole at 100k deals.
  const rows = db
    .prepare(
      `SELECT COALESCE(pipeline_id, ''), COALESCE(amount, 0), (amount IS NOT NULL AND NOT (status = 2 AND amount = 0)),
              created, closed, status, path, stage_id, ${inScope}, deal_id, close_day
       FROM deal_facts WHERE crm = ?${t.sql}`,
    )
    .raw()
    .all(...s.params, crm, ...t.params) as [string, number, number, number, number | null, number, string, string | null, number, string, number | null][];
  const snapshots = dealSnapshotAmounts(db, crm);
  const out: (DealHistory & { stageId: string | null })[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out[i] = {
      pipeline: r[0],
      amount: r[1],
      amountKnown: r[2] === 1,
      created: r[3],
      closed: r[4],
      won: r[5] === 1,
      path: decodePath(r[6]),
      inScope: r[8] === 1,
      stageId: r[7],
      closeDay: r[10],
    };
    const snap = snapshots.get(r[9]);
    if (snap) out[i]!.snapshots = snap;
  }
  return out;
}

/**
 * Every deal's weekly snapshot amounts (store/deal-snapshots.ts), oldest first, in the reporting
 * currency the facts are in: converted at the rate of the snapshot's expected close date (else its
 * day), as the facts convert a deal's amount at its close date. A snapshot whose amount no rate
 * converts is left out (the deal's older snapshot, or its current amount, stands for it).
 */
export function dealSnapshotAmounts(db: Db, crm: string): Map<string, { t: number; amount: number | null; closeDay: number | null }[]> {
  const out = new Map<string, { t: number; amount: number | null; closeDay: number | null }[]>();
  // Read in the table's own order (by day): no sort of every row. Instants and close days come
  // out of SQLite as numbers (epoch s, epoch day), so no date string is parsed here, and the
  // currency and rate day only for amounts not already in the reporting currency: at 100k deals a
  // year of weekly snapshots is over half a million rows.
  const { currency: reporting, convert } = reportingMoney(db, crm);
  const rows = db
    .prepare(
      `SELECT deal_id, unixepoch(taken_at), amount, CAST(julianday(substr(close_date, 1, 10)) - 2440587.5 AS INTEGER),
              upper(currency) IS ?, CASE WHEN upper(currency) IS ? THEN NULL ELSE currency END,
              CASE WHEN upper(currency) IS ? THEN NULL ELSE substr(COALESCE(close_date, day), 1, 10) END
       FROM deal_snapshots WHERE crm = ?`,
    )
    .raw()
    .all(reporting, reporting, reporting, crm) as [string, number | null, number | null, number | null, number, string | null, string | null][];
  if (!rows.length) return out;
  let unordered = false;
  for (const [id, t, amount, closeDay, inReporting, currency, day] of rows) {
    if (t === null) continue;
    let value: number | null = null;
    if (amount !== null) {
      if (inReporting) value = amount;
      else {
        const c = convert({ amount, currency, amountHome: null, day });
        if (c.amount === null) continue;
        value = c.amount;
      }
    }
    let list = out.get(id);
    if (!list) out.set(id, (list = []));
    else if (list[list.length - 1]!.t > t) unordered = true;
    list.push({ t, amount: value, closeDay });
  }
  if (unordered) for (const list of out.values()) list.sort((a, b) => a.t - b.t);
  return out;
}

/** Deals created in [fromS, toS) by source and status. */
export function bySource(db: Db, crm: string, f: FactFilter, fromS: number, toS: number): BySourceRow[] {
  const w = where(f);
  const r = range('created_day', 'created', fromS, toS);
  const rows = all<{ source: string | null; status: number; count: number; value: number }>(
    db,
    `SELECT source, status, COUNT(*) AS count, TOTAL(amount) AS value FROM deal_facts INDEXED BY deal_facts_cohort
     WHERE crm = ? AND ${r.sql}${w.sql} AND created_known = 1 GROUP BY created_day, source, status`,
    [crm, ...r.params, ...w.params],
  );
  const sums = new Map<string, BySourceRow>();
  for (const x of rows) {
    const key = `${x.source ?? ''}\u0000${x.status}`;
    const row = sums.get(key) ?? { source: x.source, status: statusOf(x.status), count: 0, value: 0 };
    row.count += x.count;
    row.value += x.value;
    sums.set(key, row);
  }
  return [...sums.values()];
}

export interface QualityCounts {
  open_deals: number;
  zero_amount: number;
  missing_amount: number;
  missing_close_date: number;
  past_close_date: number;
  no_owner: number;
}

/**
 * Data quality of open deals: amount = 0, amount missing, no expected close date, expected close
 * date before today, no owner (none set, or one the CRM did not list).
 */
export function openDataQuality(db: Db, crm: string, f: FactFilter, today: number): QualityCounts {
  const w = where(f, 'f');
  return db
    .prepare(
      `SELECT COUNT(*) AS open_deals, COALESCE(SUM(f.amount = 0), 0) AS zero_amount, COALESCE(SUM(f.amount IS NULL), 0) AS missing_amount,
              COALESCE(SUM(f.close_day IS NULL), 0) AS missing_close_date, COALESCE(SUM(f.close_day < ?), 0) AS past_close_date,
              COALESCE(SUM(f.owner_id IS NULL OR NOT EXISTS (SELECT 1 FROM owners o WHERE o.crm = f.crm AND o.id = f.owner_id)), 0) AS no_owner
       FROM deal_facts f INDEXED BY deal_facts_open WHERE f.crm = ? AND f.status = 0${w.sql}`,
    )
    .get(today, crm, ...w.params) as QualityCounts;
}

/** Stages flagged for review in the stage map, or not mapped at all, with their pipeline's name. */
export function stagesToReview(db: Db, crm: string, pipelineIds?: string[]): { stage: string; pipeline: string }[] {
  const rows = db
    .prepare(
      `SELECT s.name AS stage, COALESCE(p.name, s.pipeline_id) AS pipeline, s.pipeline_id AS pipelineId FROM stages s
       LEFT JOIN stage_map m ON m.crm = s.crm AND m.stage_id = s.id
       LEFT JOIN pipelines p ON p.crm = s.crm AND p.id = s.pipeline_id
       WHERE s.crm = ? AND s.deleted_at IS NULL AND (m.stage_id IS NULL OR m.needs_review = 1)
       ORDER BY p.position, s.position`,
    )
    .all(crm) as { stage: string; pipeline: string; pipelineId: string }[];
  return rows.filter((r) => !pipelineIds || pipelineIds.includes(r.pipelineId)).map(({ stage, pipeline }) => ({ stage, pipeline }));
}

/**
 * Open deals that entered their current canonical stage at or before the cutoff for that stage
 * (stuck-deals.ts computes the cutoffs), most overdue first (or biggest first) within the limit,
 * plus their count. `canonical` / `stageIds` narrow to one stage; the paging is SQL's, so a
 * list of 1M open deals never comes to JavaScript.
 */
export function stuckCandidates(
  db: Db,
  crm: string,
  f: FactFilter,
  cutoffs: (number | null)[],
  opts: { limit: number; nowS: number; order?: 'overdue' | 'amount' | 'close'; canonical?: number; stageIds?: string[] },
): { total: number; rows: OpenDealCandidate[] } {
  const conds = cutoffs.map((c, d) => (c === null ? null : `(f.canonical = ${d} AND f.stage_since <= ${Math.floor(c)})`)).filter(Boolean);
  if (!conds.length) return { total: 0, rows: [] };
  const w = where(f, 'f');
  const stage: string[] = [];
  const stageParams: unknown[] = [];
  if (opts.canonical !== undefined) {
    stage.push(' AND f.canonical = ?');
    stageParams.push(opts.canonical);
  }
  if (opts.stageIds) {
    stage.push(opts.stageIds.length ? ` AND f.stage_id IN (${opts.stageIds.map(() => '?').join(',')})` : ' AND 0');
    stageParams.push(...opts.stageIds);
  }
  const base = `FROM deal_facts f INDEXED BY deal_facts_open WHERE f.crm = ? AND f.status = 0 AND (${conds.join(' OR ')})${w.sql}${stage.join('')}`;
  const params = [crm, ...w.params, ...stageParams];
  const total = db.prepare(`SELECT COUNT(*) ${base}`).pluck().get(...params) as number;
  // Most overdue first: how far past its cutoff each deal is, relative to its stage's allowance.
  const now = Math.floor(opts.nowS);
  const over = cutoffs
    .map((c, d) => (c === null ? null : `WHEN ${d} THEN (${now} - f.stage_since) * 1.0 / MAX(1, ${now} - ${Math.floor(c)})`))
    .filter(Boolean)
    .join(' ');
  const order =
    opts.order === 'amount'
      ? 'COALESCE(f.amount, 0) DESC, f.deal_id'
      : opts.order === 'close'
        ? 'f.close_day IS NULL, f.close_day, COALESCE(f.amount, 0) DESC, f.deal_id'
        : `CASE f.canonical ${over} ELSE 0 END DESC`;
  const rows = db
    .prepare(
      `SELECT f.deal_id AS id, d.name AS name, f.amount AS amount, f.amount_original AS amountOriginal, f.currency_original AS currencyOriginal, f.canonical AS depth, COALESCE(s.name, f.stage_id, '') AS crmStage,
              o.name AS owner, p.name AS pipeline, f.stage_since AS stageSince, f.close_day AS closeDay
       FROM (SELECT f.* ${base} ORDER BY ${order} LIMIT ?) f
       JOIN deals d ON d.crm = f.crm AND d.id = f.deal_id
       LEFT JOIN stages s ON s.crm = f.crm AND s.id = f.stage_id
       LEFT JOIN owners o ON o.crm = f.crm AND o.id = f.owner_id
       LEFT JOIN pipelines p ON p.crm = f.crm AND p.id = f.pipeline_id`,
    )
    .all(...params, opts.limit) as OpenDealCandidate[];
  return { total, rows };
}

/** Probability inputs for every stage of the given pipelines (or all): canonical, CRM and admin probabilities. */
export function stageProbabilityInputs(db: Db, crm: string, pipelineIds?: string[]): StageProbabilityInput[] {
  const rows = db
    .prepare(
      `SELECT s.id AS stageId, s.pipeline_id AS pipelineId, m.canonical, COALESCE(m.included, 1) AS included, s.probability AS crmProbability,
              m.win_probability AS adminProbability
       FROM stages s LEFT JOIN stage_map m ON m.crm = s.crm AND m.stage_id = s.id WHERE s.crm = ?`,
    )
    .all(crm) as { stageId: string; pipelineId: string; canonical: string | null; included: number; crmProbability: number | null; adminProbability: number | null }[];
  return rows
    .filter((r) => !pipelineIds || pipelineIds.includes(r.pipelineId))
    .filter((r) => r.canonical !== null && isCanonicalStage(r.canonical))
    .map((r) => ({
      stageId: r.stageId,
      canonical: r.canonical as StageProbabilityInput['canonical'],
      included: r.included === 1,
      crmProbability: r.crmProbability,
      adminProbability: r.adminProbability,
    }));
}

/** Activities in [since, until) by owner and type. */
export function activityCounts(db: Db, crm: string, since: string, until: string, ownerIds?: string[]): { ownerId: string; type: ActivityType; count: number }[] {
  const rows = db
    .prepare(
      `SELECT owner_id AS ownerId, type, COUNT(*) AS count FROM activities
       WHERE crm = ? AND occurred_at >= ? AND occurred_at < ? AND deleted_at IS NULL AND owner_id IS NOT NULL GROUP BY owner_id, type`,
    )
    .all(crm, since, until) as { ownerId: string; type: ActivityType; count: number }[];
  return ownerIds ? rows.filter((r) => ownerIds.includes(r.ownerId)) : rows;
}

/** Each owner's latest activity at or before `until`. */
export function lastActivityByOwner(db: Db, crm: string, ownerIds: string[], until: string): { ownerId: string; at: string }[] {
  const stmt = db
    .prepare(
      `SELECT occurred_at FROM activities WHERE crm = ? AND owner_id = ? AND occurred_at <= ? AND deleted_at IS NULL
       ORDER BY occurred_at DESC LIMIT 1`,
    )
    .pluck();
  const out: { ownerId: string; at: string }[] = [];
  for (const id of ownerIds) {
    const at = stmt.get(crm, id, until) as string | undefined;
    if (at) out.push({ ownerId: id, at });
  }
  return out;
}

/** Open deals by owner (count, Σ amount). */
export function openByOwner(db: Db, crm: string, f: FactFilter): { ownerId: string; count: number; value: number }[] {
  const w = where(f);
  return all(
    db,
    `SELECT owner_id AS ownerId, COUNT(*) AS count, TOTAL(amount) AS value FROM deal_facts INDEXED BY deal_facts_open
     WHERE crm = ? AND status = 0${w.sql} GROUP BY owner_id`,
    [crm, ...w.params],
  ).filter((r) => (r as { ownerId: string | null }).ownerId !== null) as { ownerId: string; count: number; value: number }[];
}

/** Won value by owner for deals won in [fromS, toS). */
export function wonByOwner(db: Db, crm: string, f: FactFilter, fromS: number, toS: number): { ownerId: string; value: number }[] {
  const w = where(f);
  return all(
    db,
    `SELECT owner_id AS ownerId, TOTAL(amount) AS value FROM deal_facts INDEXED BY deal_facts_closed
     WHERE crm = ? AND ${range('closed_day', 'closed', fromS, toS).sql} AND status = 1 AND owner_id IS NOT NULL${w.sql} GROUP BY owner_id`,
    [crm, ...range('closed_day', 'closed', fromS, toS).params, ...w.params],
  );
}

/** Distinct deal sources (for resolving a --source filter). */
export function listSources(db: Db, crm: string): string[] {
  return db.prepare('SELECT DISTINCT source FROM deal_facts WHERE crm = ? AND source IS NOT NULL').pluck().all(crm) as string[];
}

/**
 * Open pipeline as it stood at each instant (epoch s), per pipeline and canonical depth: the
 * backtest's point-in-time model (see rebuildSummaries and SummaryDelta in store/deal-facts.ts) without its
 * close-date window — open at t = created by t and not closed by t, at the deepest stage reached
 * by t. The snapshot job rebuilds days that have no snapshot with it.
 */
export function openPipelineAt(db: Db, crm: string, instants: number[]): { point: number; pipelineId: string | null; depth: number; count: number; value: number }[] {
  if (!instants.length) return [];
  const pts = instants.map(() => '(?, ?)').join(', ');
  return all(
    db,
    `WITH pts(i, t) AS (VALUES ${pts})
     SELECT pts.i AS point, f.pipeline_id AS pipelineId,
            CASE WHEN f.at3 <= pts.t THEN 3 WHEN f.at2 <= pts.t THEN 2 WHEN f.at1 <= pts.t THEN 1 ELSE 0 END AS depth,
            COUNT(*) AS count, TOTAL(f.amount) AS value
     FROM pts JOIN deal_facts f ON f.crm = ? AND f.created <= pts.t AND (f.closed IS NULL OR f.closed > pts.t)
     GROUP BY 1, 2, 3`,
    [...instants.flatMap((t, i) => [i, t]), crm],
  );
}

/** Deals (in the filter) with an amount in a currency no rate converts: by currency, with their own-currency sums. */
export function unconvertedDeals(db: Db, crm: string, f: FactFilter): { currency: string; deals: number; amount: number }[] {
  const w = where(f);
  return all(
    db,
    `SELECT COALESCE(currency_original, '?') AS currency, COUNT(*) AS deals, TOTAL(amount_original) AS amount FROM deal_facts NOT INDEXED
     WHERE crm = ? AND amount IS NULL AND amount_original IS NOT NULL${w.sql} GROUP BY 1 ORDER BY 2 DESC, 1`,
    [crm, ...w.params],
  );
}

/** Deals by their own currency: how many, and how many have a converted amount. */
export function currencyCoverage(db: Db, crm: string): { currency: string; deals: number; converted: number }[] {
  return all(
    db,
    `SELECT COALESCE(currency_original, '?') AS currency, COUNT(*) AS deals, SUM(amount IS NOT NULL OR amount_original IS NULL) AS converted
     FROM deal_facts NOT INDEXED WHERE crm = ? GROUP BY 1 ORDER BY 2 DESC, 1`,
    [crm],
  );
}

/** Deals (in the filter) whose created date is unknown: cohort reports leave them out and say how many. */
export function createdUnknownCount(db: Db, crm: string, f: FactFilter): number {
  const w = where({ ...f, createdFromS: undefined });
  return db.prepare(`SELECT COUNT(*) FROM deal_facts WHERE crm = ? AND created_known = 0${w.sql}`).pluck().get(crm, ...w.params) as number;
}

/** Closed deals (in the filter) with no close date: on no day, so left out of win rates by period. */
export function closedWithoutDateCount(db: Db, crm: string, f: FactFilter): number {
  const w = where(f);
  // NOT INDEXED, here and in the other whole-table checks below: the only index these could use is
  // the one on (crm, source), and with one CRM in the file it matches every row, so SQLite would
  // look each row up by rowid (~150 ms at 100k deals) where reading the table through is ~25 ms.
  return db.prepare(`SELECT COUNT(*) FROM deal_facts NOT INDEXED WHERE crm = ? AND status <> 0 AND closed_day IS NULL${w.sql}`).pluck().get(crm, ...w.params) as number;
}

export interface DateAndAmountChecks {
  /** Open deals with a negative amount (in their own currency). */
  negative_amount: number;
  /** Deals created before 2000-01-01 (a placeholder or a typo). */
  created_before_2000: number;
  /** Deals created after the report's moment (all live deals: a report rebuilt for a past moment has none in its facts). */
  created_in_future: number;
  /** Closed deals that closed before they were created, or open deals expected to close before they were created. */
  close_before_created: number;
}

/** Amount and date checks over the filtered deals (the negative-amount check over open deals). */
export function dateAndAmountChecks(db: Db, crm: string, f: FactFilter, nowS: number): DateAndAmountChecks {
  const w = where(f);
  return db
    .prepare(
      `SELECT COALESCE(SUM(status = 0 AND amount_original < 0), 0) AS negative_amount,
              COALESCE(SUM(created < 946684800 AND created_known = 1), 0) AS created_before_2000,
              (SELECT COUNT(*) FROM deals d WHERE d.crm = ? AND d.deleted_at IS NULL AND d.created_at > ?) AS created_in_future,
              COALESCE(SUM(CASE WHEN status <> 0 THEN closed_day IS NOT NULL AND closed < created ELSE close_day < created_day END), 0) AS close_before_created
       FROM deal_facts NOT INDEXED WHERE crm = ?${w.sql}`,
    )
    .get(crm, new Date(nowS * 1000).toISOString(), crm, ...w.params) as DateAndAmountChecks;
}

/** Open deals' converted amounts (for the outlier check). */
export function openAmounts(db: Db, crm: string, f: FactFilter): { id: string; name: string; amount: number }[] {
  const w = where(f, 'f');
  return all(
    db,
    // From the open deals (the partial index holds only those) to each one's name, in id order:
    // left to itself SQLite walked every deal of the CRM and looked each one's facts up (~650 ms
    // at 100k deals, against ~65 ms this way).
    `SELECT f.deal_id AS id, COALESCE(d.name, f.deal_id) AS name, f.amount AS amount
     FROM deal_facts f INDEXED BY deal_facts_open CROSS JOIN deals d ON d.crm = f.crm AND d.id = f.deal_id
     WHERE f.crm = ? AND f.status = 0 AND f.amount IS NOT NULL${w.sql} ORDER BY f.deal_id`,
    [crm, ...w.params],
  );
}

/** Deals by their own currency (in the filter). */
export function dealsByCurrency(db: Db, crm: string, f: FactFilter): { currency: string; deals: number }[] {
  const w = where(f);
  return all(db, `SELECT COALESCE(currency_original, '?') AS currency, COUNT(*) AS deals FROM deal_facts NOT INDEXED WHERE crm = ?${w.sql} GROUP BY 1 ORDER BY 2 DESC, 1`, [crm, ...w.params]);
}

/** Every mapped stage with its pipeline's name (stage-name checks). */
/**
 * For each pipeline (all, or these), its name and the open canonical depths (0 Lead … 3
 * Negotiation) its stages map to, deleted stages included: deals may have reached them before.
 */
export function pipelineCanonicalDepths(db: Db, crm: string, pipelineIds?: string[]): Map<string, { name: string; depths: Set<number> }> {
  const rows = db
    .prepare(
      `SELECT s.pipeline_id AS pipelineId, COALESCE(p.name, s.pipeline_id) AS name, m.canonical FROM stages s
       JOIN stage_map m ON m.crm = s.crm AND m.stage_id = s.id LEFT JOIN pipelines p ON p.crm = s.crm AND p.id = s.pipeline_id
       WHERE s.crm = ? ORDER BY p.position, s.pipeline_id`,
    )
    .all(crm) as { pipelineId: string; name: string; canonical: string }[];
  const out = new Map<string, { name: string; depths: Set<number> }>();
  for (const r of rows) {
    if (pipelineIds && !pipelineIds.includes(r.pipelineId)) continue;
    const entry = out.get(r.pipelineId) ?? { name: r.name, depths: new Set<number>() };
    out.set(r.pipelineId, entry);
    if (isCanonicalStage(r.canonical) && r.canonical !== 'Closed Won' && r.canonical !== 'Closed Lost') entry.depths.add(canonicalDepth(r.canonical));
  }
  return out;
}

export function mappedStages(db: Db, crm: string, pipelineIds?: string[]): { stage: string; pipeline: string; canonical: string; pipelineId: string }[] {
  const rows = db
    .prepare(
      `SELECT s.name AS stage, COALESCE(p.name, s.pipeline_id) AS pipeline, m.canonical, s.pipeline_id AS pipelineId FROM stages s
       JOIN stage_map m ON m.crm = s.crm AND m.stage_id = s.id LEFT JOIN pipelines p ON p.crm = s.crm AND p.id = s.pipeline_id
       WHERE s.crm = ? AND s.deleted_at IS NULL ORDER BY p.position, s.position`,
    )
    .all(crm) as { stage: string; pipeline: string; canonical: string; pipelineId: string }[];
  return rows.filter((r) => !pipelineIds || pipelineIds.includes(r.pipelineId));
}
