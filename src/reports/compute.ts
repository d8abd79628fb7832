/**
 * computeReport: the one place the CLI, the Slack commands and the dashboard get report data
 * from. It refreshes the derived deal facts if the data changed, resolves filters, runs the
 * store's aggregations and hands their rows to the pure metric functions in src/metrics/.
 */
import type { Db } from '../../store/db.js';
import type { CrmName } from '../config.js';
import { derivedState, reportingMoney, type DerivedState } from '../../store/deal-facts.js';
import { needsReconstruction, newestDataAt, withFactsAsOf, type AsOfInfo } from '../../store/point-in-time.js';
import { listOwners } from '../../store/owners.js';
import * as q from '../../store/report-queries.js';
import { UsageError } from '../errors.js';
import { resolveFilters, type ResolvedFilters } from './filters.js';
import type { ForecastTarget, QuotaReport, ReportBase, ReportByName, ReportFilters, ReportName } from '../metrics/report-types.js';
import { calibrate, type Probabilities } from '../metrics/probabilities.js';
import { pipelineByStage } from '../metrics/pipeline.js';
import { forecastByMonth } from '../metrics/forecast.js';
import { cumulativeFunnel } from '../metrics/funnel.js';
import { timeInStage } from '../metrics/time-in-stage.js';
import { salesVelocity } from '../metrics/velocity.js';
import { backtestForecast, BACKTEST_HORIZON_DAYS, type BacktestBody } from '../metrics/backtest.js';
import { forecastMonthsWithRange } from '../metrics/forecast.js';
import { repScoreboard } from '../metrics/reps.js';
import { stageAverages, stuckCutoffs, stuckDeals, STUCK_MIN_SAMPLE, STUCK_THRESHOLD } from '../metrics/stuck-deals.js';
import { sourcingBreakdown } from '../metrics/sources.js';
import { amountOutliers, stageNameMismatches, type MappedStage } from '../metrics/quality.js';
import { isCanonicalStage } from '../model/canonical-stages.js';
import { DAY_S } from '../metrics/periods.js';
import { dayOf, dayStart, dayStartS, dayToIso, localDay, localTime, monthStart, todayIn, weekStart } from '../time/calendar.js';
import { fiscalPeriodOf, FISCAL_PERIOD_KINDS, type FiscalPeriod, type FiscalPeriodKind } from '../time/fiscal.js';
import { quotaAttainment, type AttainmentOptions } from '../metrics/attainment.js';
import { quotaDeals } from '../../store/quota-queries.js';
import { effectiveTargets, type Target } from '../../store/targets.js';
import { loadTargetTeams, type TargetTeam } from '../targets/team-scopes.js';
import { listPipelines } from '../../store/pipelines.js';
import { resolveConstantSetting, resolveSetting } from '../settings/resolve.js';
import { commitForecast, MIN_BIAS_POINTS } from '../metrics/commit.js';
import { normaliseCategoryMap, CATEGORY_LABELS } from '../metrics/forecast-category.js';
import { commitDeals } from '../../store/commit-queries.js';
import { commitSnapshotRows } from '../../store/deal-snapshots.js';

export const REPORT_NAMES: readonly ReportName[] = ['pipeline', 'forecast', 'funnel', 'velocity', 'reps', 'deals', 'sources', 'quality', 'backtest', 'quota', 'pacing', 'commit'];

export function isReportName(s: string): s is ReportName {
  return (REPORT_NAMES as readonly string[]).includes(s);
}

export interface ReportOptions {
  filters?: ReportFilters;
  /** The instant the report is for. Metrics never read the clock. */
  now: Date;
  /**
   * The team's IANA time zone (DEALCAST_TIMEZONE or the admin setting: resolveTeamSettings):
   * "today", months, weeks and `since` windows are the team's calendar days.
   */
  timeZone: string;
  /** forecast: months shown, starting with the current one (default 3). */
  months?: number;
  /** velocity: trend granularity (default week). */
  granularity?: 'week' | 'month';
  /** Calibration look-back in days (default 365). */
  lookbackDays?: number;
  /** Calibration: closed deals needed before history is trusted (default 20). */
  calibrationMinSample?: number;
  /** funnel: cohort of deals created in the last N days when no `since` (default 180). */
  cohortDays?: number;
  /** deals: most overdue first (default) or biggest first; paged in SQL either way. */
  order?: 'overdue' | 'amount' | 'close';
  /** deals: only deals in this canonical stage (0 Lead … 3 Negotiation) or these CRM stages. */
  stage?: { canonical?: number; stageIds?: string[] };
  /** deals: stuck when days in stage >= threshold × the stage's mean (default 2). */
  threshold?: number;
  /** deals: a stage's mean is used only when this many deals have left it (default 10). */
  minSample?: number;
  /** deals: rows listed (default 50; `total` counts them all). */
  limit?: number;
  /** reps: false for CRMs whose activity data we cannot use (default: all but Attio and CSV). */
  activitiesAvailable?: boolean;
  /** quota, commit: the period measured: the current month, fiscal quarter (default) or fiscal year. */
  period?: FiscalPeriodKind;
  /**
   * The reporting currency (DEALCAST_CURRENCY); null = the CRM's company currency, else the most
   * common; undefined = as last asked.
   */
  currency?: string | null;
  /**
   * The owners the asker may see (scoped visibility, src/access/visibility.ts); undefined =
   * everything. An owner filter outside it matches nothing.
   */
  scopeOwnerIds?: readonly string[];
}

const DEFAULT_LOOKBACK_DAYS = 365;
const DEFAULT_COHORT_DAYS = 180;
const DEFAULT_SOURCES_DAYS = 365;
const DEFAULT_REPS_DAYS = 30;
const VELOCITY_TRAILING_DAYS = 90;

interface Ctx {
  db: Db;
  crm: string;
  now: Date;
  nowS: number;
  /** The team's today (day number) and zone. */
  today: number;
  tz: string;
  f: ResolvedFilters;
  opts: ReportOptions;
  base: ReportBase;
  cache: { fingerprint?: string; backtest?: BacktestBody };
}

/** The report base plus, for reports by creation cohort, how many deals have no known created date. */
function withCohortNote(c: Ctx): ReportBase {
  const unknown = q.createdUnknownCount(c.db, c.crm, c.f.facts);
  if (!unknown) return c.base;
  const note = `${unknown} ${unknown === 1 ? 'deal has' : 'deals have'} no known created date (no date at all in the import) and ${unknown === 1 ? 'is' : 'are'} left out of this cohort.`;
  return { ...c.base, notes: [...(c.base.notes ?? []), note] };
}

/** The report base plus how many closed deals have no close date (left out of rates by period). */
function withClosedNote(c: Ctx): ReportBase {
  const n = q.closedWithoutDateCount(c.db, c.crm, c.f.facts);
  if (!n) return c.base;
  const note = `${n} closed ${n === 1 ? 'deal has' : 'deals have'} no close date, so the win rate by period is not shown (it would count wins and miss those losses); the funnel's cohort win rate counts every closed deal.`;
  return { ...c.base, notes: [...(c.base.notes ?? []), note] };
}

/** The filters for "deals created since" reports. */
const createdSince = (c: Ctx): q.FactFilter => ({ ...c.f.facts, ...(c.f.sinceDay !== undefined ? { createdFromS: dayStartS(c.f.sinceDay, c.tz) } : {}) });
/** The instant (epoch s) the team's day `day` starts. */
const startS = (c: Ctx, day: number): number => dayStartS(day, c.tz);
/** Calibration and stage norms are learned from the whole team in the selected pipelines. */
const teamFilter = (c: Ctx): q.FactFilter => (c.f.facts.pipelineIds ? { pipelineIds: c.f.facts.pipelineIds } : {});

function probabilities(c: Ctx): Probabilities {
  const lookback = c.opts.lookbackDays ?? DEFAULT_LOOKBACK_DAYS;
  const stages = q.stageProbabilityInputs(c.db, c.crm, c.f.facts.pipelineIds);
  // Closed on the team's days (today − lookback, today]: whole days, so a report is stable through the day.
  const closed = q.closedByDepth(c.db, c.crm, teamFilter(c), startS(c, c.today + 1 - lookback), startS(c, c.today + 1));
  return calibrate(stages, closed, { minSample: c.opts.calibrationMinSample });
}

/**
 * Every deal of the team's pipelines with its path; the report's filters mark the in-scope ones.
 * Kept per database while the facts are unchanged (like backtests, below), so the model's sorted
 * indexes over the list (won-range.ts) are built once per sync, not once per report.
 */
const historyCache = new WeakMap<Db, Map<string, ReturnType<typeof q.dealHistories>>>();
const HISTORY_CACHE_ENTRIES = 4;

function histories(c: Ctx, scope: q.FactFilter): ReturnType<typeof q.dealHistories> {
  const key = JSON.stringify([c.crm, fingerprint(c), teamFilter(c), scope]);
  let perDb = historyCache.get(c.db);
  if (!perDb) historyCache.set(c.db, (perDb = new Map()));
  let h = perDb.get(key);
  if (!h) {
    h = q.dealHistories(c.db, c.crm, teamFilter(c), scope);
    if (perDb.size >= HISTORY_CACHE_ENTRIES) perDb.delete(perDb.keys().next().value!);
    perDb.set(key, h);
  }
  return h;
}

function fingerprint(c: Ctx): string {
  c.cache.fingerprint ??= q.factsFingerprint(c.db, c.crm);
  return c.cache.fingerprint;
}

/** The backtest's weekly dates: the last 52 Mondays whose 30-day window has ended (from the since filter, if any). */
function backtestDays(c: Ctx): number[] {
  const horizon = BACKTEST_HORIZON_DAYS;
  const earliest = q.earliestCreated(c.db, c.crm, c.f.facts);
  const lastPoint = weekStart(c.today - horizon);
  let first: number;
  if (c.f.sinceDay !== undefined) first = weekStart(c.f.sinceDay) + (c.f.sinceDay > weekStart(c.f.sinceDay) ? 7 : 0);
  else first = earliest === null ? lastPoint + 7 : Math.max(weekStart(Math.floor(earliest / DAY_S) + 28) + 7, lastPoint - 51 * 7);
  const days: number[] = [];
  for (let d = first; d <= lastPoint; d += 7) days.push(d);
  return days;
}

/**
 * Backtests computed in this process, per database: the backtest replays a year of weekly
 * forecasts (seconds at 100k deals) and its result depends only on the facts, the filters, the
 * day and the CRM's stage probabilities, so /forecast, the digest and the dashboard share one
 * until a sync changes the facts (store/report-queries.ts factsFingerprint).
 */
const backtestCache = new WeakMap<Db, Map<string, BacktestBody>>();
const BACKTEST_CACHE_ENTRIES = 16;

function runBacktest(c: Ctx): BacktestBody {
  if (c.cache.backtest) return c.cache.backtest;
  const days = backtestDays(c);
  const lookbackDays = c.opts.lookbackDays ?? DEFAULT_LOOKBACK_DAYS;
  const crmByDepth = calibrate(q.stageProbabilityInputs(c.db, c.crm, c.f.facts.pipelineIds), []).crmByDepth;
  const key = JSON.stringify([c.crm, fingerprint(c), c.f.facts, teamFilter(c), days, lookbackDays, crmByDepth]);
  let perDb = backtestCache.get(c.db);
  if (!perDb) backtestCache.set(c.db, (perDb = new Map()));
  let body = perDb.get(key);
  if (!body) {
    body = backtestForecast(histories(c, c.f.facts), { days, horizonDays: BACKTEST_HORIZON_DAYS, lookbackDays, crmByDepth, observeToDay: c.today });
    if (perDb.size >= BACKTEST_CACHE_ENTRIES) perDb.delete(perDb.keys().next().value!);
    perDb.set(key, body);
  }
  c.cache.backtest = body;
  return body;
}

/** Days between the points of a pacing chart's forecast band. */
export const PACING_BAND_EVERY_DAYS = 7;

interface QuotaSetup {
  kind: FiscalPeriodKind;
  fiscalStartMonth: number;
  period: FiscalPeriod;
  periodOut: QuotaReport['period'];
  /** The targets in effect for the period, every scope. */
  targets: Target[];
  nameOf: (t: { scopeKind: string; scopeId: string }) => string;
  /** A named team target's team as it is now (null: the team is gone). */
  teamOf: (scopeId: string) => TargetTeam | null;
}

/** The period of `kind` that holds today (fiscal, from the settings), its targets and how scopes are named. */
function quotaSetup(c: Ctx, kind: FiscalPeriodKind): QuotaSetup {
  if (!FISCAL_PERIOD_KINDS.includes(kind)) throw new UsageError(`The quota period is month, quarter or year (got "${String(kind)}").`);
  const fiscalStartMonth = resolveSetting(c.db, { DIGEST_CRON: '', DEALCAST_TIMEZONE: c.tz }, 'targets.fiscal_year_start_month').value ?? 1;
  const period = fiscalPeriodOf(c.today, kind, fiscalStartMonth);
  const owners = new Map(listOwners(c.db, c.crm).map((o) => [o.id, o.name]));
  const pipelines = new Map(listPipelines(c.db, c.crm, { includeDeleted: true }).map((p) => [p.id, p.name]));
  const teams = loadTargetTeams(c.db, c.crm);
  return {
    kind,
    fiscalStartMonth,
    period,
    periodOut: { kind, label: period.label, start: period.start, end: dayToIso(period.toDay - 1), days: period.toDay - period.fromDay, fiscal_year_start_month: fiscalStartMonth },
    targets: effectiveTargets(c.db, c.crm, kind, period.start),
    nameOf: (t) =>
      t.scopeKind === 'team' ? 'Team' : t.scopeKind === 'sales_team' ? (teams.resolve(t.scopeId)?.name ?? t.scopeId) : ((t.scopeKind === 'rep' ? owners : pipelines).get(t.scopeId) ?? t.scopeId),
    teamOf: teams.resolve,
  };
}

/** The attainment options of the quota report: its ranges widened by the team backtest's misses (error scale, and relative error for each scope's own size). */
function attainmentOptions(c: Ctx, q0: QuotaSetup, bt: Pick<BacktestBody, 'error_scale' | 'relative_error'> | null): AttainmentOptions {
  return {
    now: c.now,
    timeZone: c.tz,
    fiscalStartMonth: q0.fiscalStartMonth,
    defaultCurrency: c.base.currency,
    errorScale: bt?.error_scale ?? null,
    relativeError: bt?.relative_error ?? null,
    lookbackDays: c.opts.lookbackDays,
  };
}

/** The order a forecast looks for the team's target of the current period in. */
const FORECAST_TARGET_KINDS: FiscalPeriodKind[] = ['quarter', 'month', 'year'];

/**
 * The team's target of the current period in the reporting currency, with attainment and pacing,
 * for an unfiltered forecast (a filtered one is not the team's); null when there is none.
 */
function forecastTarget(c: Ctx, months: string[]): ForecastTarget | null {
  const f = c.f.facts;
  if (f.ownerIds || f.pipelineIds || Object.keys(f).length || c.f.sinceDay !== undefined) return null;
  for (const kind of FORECAST_TARGET_KINDS) {
    const q0 = quotaSetup(c, kind);
    const t = q0.targets.find((x) => x.scopeKind === 'team' && x.currency === c.base.currency);
    if (!t) continue;
    const a = quotaAttainment(quotaDeals(c.db, c.crm), t, q0.period, attainmentOptions(c, q0, runBacktest(c)));
    const days = q0.period.toDay - q0.period.fromDay;
    const byMonth = months.flatMap((m) => {
      const from = Math.max(monthStart(dayOf(new Date(`${m}-15T12:00:00Z`), 'UTC')), q0.period.fromDay);
      const to = Math.min(monthStart(dayOf(new Date(`${m}-15T12:00:00Z`), 'UTC'), 1), q0.period.toDay);
      return to > from ? [{ month: m, amount: (t.amount * (to - from)) / days }] : [];
    });
    return {
      period: { kind, label: q0.period.label, start: q0.period.start, end: dayToIso(q0.period.toDay - 1) },
      currency: t.currency,
      amount: t.amount,
      won: a.won,
      attainment: a.attainment,
      expected_by_now: a.expected_historical ?? a.expected_linear,
      pace: a.pace,
      pace_basis: a.pace_basis,
      probability: a.probability,
      projected: a.projected,
      by_month: byMonth,
    };
  }
  return null;
}

const builders: { [N in ReportName]: (c: Ctx) => ReportByName[N] } = {
  pipeline(c) {
    const probs = probabilities(c);
    // The pipelines with a mapped stage (won and lost count): none means the stage map is still empty.
    const mapped = q.pipelineCanonicalDepths(c.db, c.crm, c.f.facts.pipelineIds);
    const depths = mapped.size ? new Set([...mapped.values()].flatMap((p) => [...p.depths])) : undefined;
    const { stage_notes, ...body } = pipelineByStage(q.openByStage(c.db, c.crm, createdSince(c)), probs, depths);
    return { ...c.base, ...(stage_notes.length ? { notes: [...(c.base.notes ?? []), ...stage_notes] } : {}), ...body, calibration: probs.calibration };
  },

  forecast(c) {
    const months = c.opts.months ?? 3;
    if (!Number.isInteger(months) || months < 1 || months > 24) throw new UsageError(`Months must be a whole number from 1 to 24 (got ${months}).`);
    const probs = probabilities(c);
    const from = monthStart(c.today);
    const to = monthStart(c.today, months);
    const f = createdSince(c);
    const body = forecastByMonth(
      q.openByCloseDay(c.db, c.crm, f, from, to),
      q.wonByDay(c.db, c.crm, f, startS(c, from), startS(c, to), c.tz),
      q.openOverdue(c.db, c.crm, f, from),
      probs,
      { today: c.today, months },
    );
    // The range widens by the backtest's own misses: the same model, the same scope.
    const bt = runBacktest(c);
    const ranged = forecastMonthsWithRange(histories(c, f), body.months, {
      now: c.now,
      monthStarts: Array.from({ length: months + 1 }, (_, i) => monthStart(c.today, i)),
      horizonDays: BACKTEST_HORIZON_DAYS,
      lookbackDays: c.opts.lookbackDays ?? DEFAULT_LOOKBACK_DAYS,
      errorScale: bt.error_scale,
    });
    const target = forecastTarget(c, ranged.months.map((m) => m.month));
    return { ...c.base, ...body, months: ranged.months, next: ranged.next, calibration: probs.calibration, ...(target ? { target } : {}) };
  },

  funnel(c) {
    const fromDay = c.f.sinceDay ?? c.today - (c.opts.cohortDays ?? DEFAULT_COHORT_DAYS);
    const fromS = startS(c, fromDay);
    const toS = c.nowS + 1;
    // Only the canonical stages the reported pipelines map to: a won/lost-only pipeline has no Qualified to credit.
    const pipelines = q.pipelineCanonicalDepths(c.db, c.crm, c.f.facts.pipelineIds);
    const { stage_notes, ...body } = cumulativeFunnel(q.cohortByDepth(c.db, c.crm, c.f.facts, fromS, toS), { from: dayToIso(fromDay), to: dayToIso(c.today) }, pipelines);
    const shown = new Set(body.stages.map((s) => s.stage));
    const times = timeInStage(q.daysInStage(c.db, c.crm, c.f.facts, fromS, toS, { histogram: true })).filter((t) => shown.has(t.stage));
    const base = withCohortNote(c);
    return { ...base, ...(stage_notes.length ? { notes: [...(base.notes ?? []), ...stage_notes] } : {}), ...body, win_rate_basis: 'cohort' as const, time_in_stage: times };
  },

  velocity(c) {
    const granularity = c.opts.granularity ?? 'week';
    const fromDay = c.f.sinceDay ?? (granularity === 'week' ? weekStart(c.today) - 25 * 7 : monthStart(c.today, -11));
    const firstStart = granularity === 'week' ? weekStart(fromDay) : monthStart(fromDay);
    const windowFrom = Math.min(firstStart - VELOCITY_TRAILING_DAYS, c.f.sinceDay ?? Infinity);
    const closed = q.closedByDay(c.db, c.crm, c.f.facts, startS(c, windowFrom), c.nowS + 1, c.tz);
    const created = q.createdByDay(c.db, c.crm, c.f.facts, startS(c, firstStart), c.nowS + 1, c.tz);
    const openNow = q.countOpen(c.db, c.crm, c.f.facts);
    const currentFromDay = c.f.sinceDay ?? c.today + 1 - VELOCITY_TRAILING_DAYS;
    const body = salesVelocity(closed, created, {
      today: c.today,
      openNow,
      granularity,
      fromDay: firstStart,
      trailingDays: VELOCITY_TRAILING_DAYS,
      currentFromDay,
      cycleHistogram: q.cycleHistogram(c.db, c.crm, c.f.facts, startS(c, currentFromDay), c.nowS + 1),
    });
    // Closed deals with no close date (losses an export does not date) could have closed in any
    // period: a win rate by period would count the wins and miss those losses. Not shown then.
    if (q.closedWithoutDateCount(c.db, c.crm, c.f.facts) > 0) {
      body.current.win_rate = null;
      for (const p of body.points) p.win_rate = null;
    }
    return { ...withClosedNote(c), ...body };
  },

  reps(c) {
    const sinceDay = c.f.sinceDay ?? c.today - DEFAULT_REPS_DAYS;
    const since = dayStart(sinceDay, c.tz).toISOString();
    const until = c.now.toISOString();
    // Attio's API gives no usable activity data and a CSV export has none: "not available", not zeros.
    const available = c.opts.activitiesAvailable ?? (c.crm !== 'attio' && c.crm !== 'csv');
    const owners = listOwners(c.db, c.crm);
    const ownerIds = c.f.facts.ownerIds ?? owners.map((o) => o.id);
    const rows = repScoreboard(
      {
        owners,
        activities: available ? q.activityCounts(c.db, c.crm, since, until, c.f.facts.ownerIds) : [],
        lastActivity: available ? q.lastActivityByOwner(c.db, c.crm, ownerIds, until) : [],
        open: q.openByOwner(c.db, c.crm, c.f.facts),
        won: q.wonByOwner(c.db, c.crm, c.f.facts, startS(c, sinceDay), c.nowS + 1),
      },
      { now: c.now, onlyOwnerIds: c.f.facts.ownerIds ? new Set(c.f.facts.ownerIds) : undefined },
    );
    return { ...c.base, since: dayToIso(sinceDay), until: dayToIso(c.today), activities_available: available, reps: rows };
  },

  deals(c) {
    const lookback = c.opts.lookbackDays ?? DEFAULT_LOOKBACK_DAYS;
    const threshold = c.opts.threshold ?? STUCK_THRESHOLD;
    const minSample = c.opts.minSample ?? STUCK_MIN_SAMPLE;
    const limit = c.opts.limit ?? 50;
    const times = timeInStage(q.daysInStage(c.db, c.crm, teamFilter(c), c.nowS - lookback * DAY_S, c.nowS + 1, { histogram: false }));
    const stuckOpts = { now: c.now, threshold, minSample };
    const cand = q.stuckCandidates(c.db, c.crm, createdSince(c), stuckCutoffs(times, stuckOpts), {
      limit,
      nowS: c.nowS,
      ...(c.opts.order ? { order: c.opts.order } : {}),
      ...(c.opts.stage?.canonical !== undefined ? { canonical: c.opts.stage.canonical } : {}),
      ...(c.opts.stage?.stageIds ? { stageIds: c.opts.stage.stageIds } : {}),
    });
    const averages = stageAverages(times, minSample);
    const listed = stuckDeals(cand.rows, times, stuckOpts);
    // stuckDeals ranks by how stuck; the SQL page was cut in the asked order, so list it in that order.
    if (c.opts.order === 'amount') listed.sort((a, b) => (b.amount ?? 0) - (a.amount ?? 0));
    else if (c.opts.order === 'close') listed.sort((a, b) => (a.close_date ?? '9999').localeCompare(b.close_date ?? '9999') || (b.amount ?? 0) - (a.amount ?? 0));
    return {
      ...c.base,
      deals: listed,
      total: cand.total,
      threshold,
      min_sample: minSample,
      stage_avg_days: times.map((t, d) => ({ stage: t.stage, avg_days: averages[d] ?? null, sample: t.sample })),
    };
  },

  sources(c) {
    const fromDay = c.f.sinceDay ?? c.today - DEFAULT_SOURCES_DAYS;
    const rows = q.bySource(c.db, c.crm, c.f.facts, startS(c, fromDay), c.nowS + 1);
    return { ...withCohortNote(c), sources: sourcingBreakdown(rows), from: dayToIso(fromDay) };
  },

  quality(c) {
    const counts = q.openDataQuality(c.db, c.crm, createdSince(c), c.today);
    const outliers = amountOutliers(q.openAmounts(c.db, c.crm, createdSince(c)));
    const stages = q.mappedStages(c.db, c.crm, c.f.facts.pipelineIds).filter((s) => isCanonicalStage(s.canonical)) as MappedStage[];
    return {
      ...c.base,
      ...counts,
      needs_review_stages: q.stagesToReview(c.db, c.crm, c.f.facts.pipelineIds),
      ...q.dateAndAmountChecks(c.db, c.crm, createdSince(c), c.nowS),
      amount_outliers: { count: outliers.outliers.length, median: outliers.median, deals: outliers.outliers.slice(0, 10).map((o) => ({ ...o, z: Math.round(o.z * 10) / 10 })) },
      currencies: q.dealsByCurrency(c.db, c.crm, createdSince(c)),
      stage_name_mismatches: stageNameMismatches(stages).map(({ stage, pipeline, canonical, looks_like }) => ({ stage, pipeline, canonical, looks_like })),
    };
  },

  quota(c) {
    const q0 = quotaSetup(c, c.opts.period ?? 'quarter');
    // Targets are per scope: owner and pipeline filters pick the rows of those reps and pipelines.
    const picked = (t: { scopeKind: string; scopeId: string }) =>
      (!c.f.facts.ownerIds && !c.f.facts.pipelineIds) ||
      (t.scopeKind === 'rep' && (c.f.facts.ownerIds?.includes(t.scopeId) ?? false)) ||
      (t.scopeKind === 'pipeline' && (c.f.facts.pipelineIds?.includes(t.scopeId) ?? false));
    // A named team's target counts its members' deals as the team is now; one whose team is gone is left out, said in a note.
    const notes = [...(c.base.notes ?? [])];
    const targets = q0.targets.filter(picked).flatMap((t): { t: Target; memberIds: readonly string[] | undefined }[] => {
      if (t.scopeKind !== 'sales_team') return [{ t, memberIds: undefined }];
      const team = q0.teamOf(t.scopeId);
      if (team) return [{ t, memberIds: team.memberIds }];
      notes.push(`The ${t.source} target of ${t.currency} ${t.amount} for team ${t.scopeId} is left out: that team no longer exists (in the CRM or in Slack's teams).`);
      return [];
    });
    // Learned on the whole team's backtest: the relative error widens each row's range for its own size.
    const bt = targets.length ? runBacktest(c) : null;
    const deals = targets.length ? quotaDeals(c.db, c.crm) : [];
    const rows = targets.map(({ t, memberIds }) => ({
      ...quotaAttainment(deals, { ...t, ...(memberIds ? { memberIds } : {}) }, q0.period, attainmentOptions(c, q0, bt)),
      name: q0.nameOf(t),
      source: t.source,
      ...(memberIds ? { members: memberIds.length } : {}),
    }));
    const order = { team: 0, sales_team: 1, pipeline: 2, rep: 3 } as const;
    rows.sort((a, b) => order[a.scope] - order[b.scope] || (b.attainment ?? -1) - (a.attainment ?? -1) || a.name.localeCompare(b.name));
    return { ...c.base, ...(notes.length ? { notes } : {}), period: q0.periodOut, rows, error_scale: bt?.error_scale ?? null, relative_error: bt?.relative_error ?? null };
  },

  pacing(c) {
    const q0 = quotaSetup(c, c.opts.period ?? 'quarter');
    // One target: the first owner's when the report is for owners, else the first pipeline's, else the team's.
    const owners = c.f.facts.ownerIds;
    const pipes = c.f.facts.pipelineIds;
    const t = owners
      ? owners.map((id) => q0.targets.find((x) => x.scopeKind === 'rep' && x.scopeId === id)).find(Boolean)
      : pipes
        ? pipes.map((id) => q0.targets.find((x) => x.scopeKind === 'pipeline' && x.scopeId === id)).find(Boolean)
        : q0.targets.find((x) => x.scopeKind === 'team');
    if (!t) return { ...c.base, period: q0.periodOut, pacing: null };
    const a = quotaAttainment(quotaDeals(c.db, c.crm), t, q0.period, { ...attainmentOptions(c, q0, runBacktest(c)), bandEveryDays: PACING_BAND_EVERY_DAYS });
    return {
      ...c.base,
      period: q0.periodOut,
      pacing: {
        scope: a.scope,
        scope_id: a.scope_id,
        name: q0.nameOf(t),
        source: t.source,
        currency: a.currency,
        target: a.target,
        won: a.won,
        attainment: a.attainment,
        elapsed: a.elapsed,
        expected_linear: a.expected_linear,
        expected_historical: a.expected_historical,
        pace: a.pace,
        pace_basis: a.pace_basis,
        probability: a.probability,
        days_remaining: a.days_remaining,
        projected: a.projected,
        points: a.pacing,
        band: a.band ?? [],
      },
    };
  },

  commit(c) {
    const kind = c.opts.period ?? 'quarter';
    if (!FISCAL_PERIOD_KINDS.includes(kind)) throw new UsageError(`The commit period is month, quarter or year (got "${String(kind)}").`);
    const fiscalStartMonth = resolveSetting(c.db, { DIGEST_CRON: '', DEALCAST_TIMEZONE: c.tz }, 'targets.fiscal_year_start_month').value ?? 1;
    const period = fiscalPeriodOf(c.today, kind, fiscalStartMonth);
    const owners = new Map(listOwners(c.db, c.crm).map((o) => [o.id, o.name]));
    const f = c.f.facts;
    // A pipeline filter narrows the deals (the team row is then that pipeline's); an owner filter picks the rep rows.
    const all = commitDeals(c.db, c.crm, c.nowS);
    const deals = f.pipelineIds ? all.filter((d) => f.pipelineIds!.includes(d.pipeline)) : all;
    const snapshots = commitSnapshotRows(c.db, c.crm, c.base.as_of_day ?? localDay(c.now, c.tz));
    const dealPipeline = new Map(all.map((d) => [d.id, d.pipeline]));
    const ownerSnapshots = f.pipelineIds ? snapshots.filter((s) => f.pipelineIds!.includes(dealPipeline.get(s.dealId) ?? '')) : snapshots;
    // The same widening as the quota report's ranges: learned on the team's backtest, per scope size.
    const bt = deals.length ? runBacktest(c) : null;
    const errorScale = bt?.error_scale ?? null;
    const result = commitForecast(deals, ownerSnapshots, {
      now: c.now,
      timeZone: c.tz,
      period,
      fiscalStartMonth,
      currency: c.base.currency,
      defaultCurrency: c.base.currency,
      categoryMap: normaliseCategoryMap(resolveConstantSetting(c.db, 'forecast.category_map')),
      ownerIds: f.ownerIds,
      errorScale,
      relativeError: bt?.relative_error ?? null,
      lookbackDays: c.opts.lookbackDays,
    });
    const rows = result.rows.map((r) => ({ ...r, name: r.scope === 'team' ? 'Team' : (owners.get(r.owner_id) ?? r.owner_id) }));
    rows.sort((a, b) => (a.scope === 'team' ? -1 : b.scope === 'team' ? 1 : b.commit - a.commit || a.name.localeCompare(b.name)));
    const notes = [...(c.base.notes ?? [])];
    const cat = result.categories;
    if (cat.unknown) {
      const values = cat.unknown_values.slice(0, 5).map((v) => `"${v.value}" (${v.deals})`).join(', ');
      notes.push(`${cat.unknown} open ${cat.unknown === 1 ? 'deal has' : 'deals have'} a forecast category dealcast does not know (${values}): counted as ${CATEGORY_LABELS.pipeline}. Map the values with /dealcast categories (Pipedrive, Attio) or the forecast.category_map setting.`);
    }
    if (cat.unset && cat.unset === cat.mapped + cat.unset + cat.unknown) {
      notes.push('No open deal closing this period has a forecast category: everything counts as Pipeline. Salesforce and HubSpot send theirs; for Pipedrive and Attio, an admin chooses the field with /dealcast categories.');
    } else if (cat.unset) {
      notes.push(`${cat.unset} open ${cat.unset === 1 ? 'deal has' : 'deals have'} no forecast category: counted as ${CATEGORY_LABELS.pipeline}.`);
    }
    if (result.other_currency_deals) {
      notes.push(`${result.other_currency_deals} ${result.other_currency_deals === 1 ? 'deal is' : 'deals are'} in other currencies than ${c.base.currency} and left out (amounts are never added across currencies).`);
    }
    return {
      ...c.base,
      ...(notes.length ? { notes } : {}),
      period: {
        kind,
        label: period.label,
        start: period.start,
        end: dayToIso(period.toDay - 1),
        days: period.toDay - period.fromDay,
        fiscal_year_start_month: fiscalStartMonth,
      },
      rows,
      categories: result.categories,
      other_currency_deals: result.other_currency_deals,
      days_remaining: result.days_remaining,
      min_bias_points: MIN_BIAS_POINTS,
      error_scale: errorScale,
      relative_error: bt?.relative_error ?? null,
    };
  },

  backtest(c) {
    const body = runBacktest(c);
    const { error_scale: _scale, relative_error: _relative, ...rest } = body;
    return { ...c.base, ...rest, horizon_days: BACKTEST_HORIZON_DAYS };
  },
};

/** Computes one report for one CRM's data in `db`. Throws UsageError for a filter that matches nothing. */
export function computeReport<N extends ReportName>(db: Db, crm: CrmName | string, name: N, opts: ReportOptions): ReportByName[N] {
  if (!isReportName(name)) throw new UsageError(`There is no report called "${String(name)}".`, `Reports: ${REPORT_NAMES.join(', ')}.`);
  if (Number.isNaN(opts.now.getTime())) throw new UsageError('The report date is not a valid date.');
  const money = { currency: opts.currency };
  // A moment before the data's latest state is rebuilt from stage history. Otherwise the stored
  // facts as of their last complete refresh: reports never rebuild them (the sync and the
  // settings save do, off the event loop); facts never built are built on the side.
  if (needsReconstruction(db, crm, opts.now)) return withFactsAsOf(db, crm, opts.now, money, (info) => build(db, crm, name, opts, asOfNotes(info, opts.now, opts.timeZone)));
  const derived = derivedState(db, crm, money);
  const notes = staleDataNotes(db, crm, opts.now, opts.timeZone);
  if (derived.status === 'missing') return withFactsAsOf(db, crm, null, money, () => build(db, crm, name, opts, notes));
  return build(db, crm, name, opts, [...pendingRefreshNotes(derived, opts.timeZone), ...notes], derived.status === 'stale' ? derived.refreshedAt : null);
}

/** Facts from a refresh that newer data or settings have not reached yet: say from when. */
function pendingRefreshNotes(d: DerivedState, tz: string): string[] {
  if (d.status !== 'stale') return [];
  const when = d.refreshedAt ? `${localDay(new Date(d.refreshedAt), tz)} ${localTime(new Date(d.refreshedAt), tz)}` : 'the last refresh';
  return [`Figures are from the report tables as of ${when}: newer changes (a sync or a settings change) are still being applied, so they may not show yet.`];
}


/** What a report rebuilt for a past moment can and cannot know. */
function asOfNotes(info: AsOfInfo, at: Date, tz: string): string[] {
  const day = (iso: string) => localDay(new Date(iso), tz);
  const when = localDay(at, tz);
  if (info.deals === 0 && info.dataFrom && Date.parse(info.dataFrom) > at.getTime()) {
    return [`No deal in the data existed yet on ${when}: the first was created on ${day(info.dataFrom)}. Nothing to report as of then.`];
  }
  const open = info.fromSnapshots
    ? `for ${info.fromSnapshots} open ${info.fromSnapshots === 1 ? 'deal' : 'deals'} the amount, expected close date and owner are from the weekly deal snapshot (newest used: ${info.snapshotDay}), for the rest they are today's`
    : `amounts and expected close dates are today's (no weekly deal snapshot was taken by then)`;
  const notes = [`Rebuilt as of ${when} from stage history: which deals existed, their stages and whether they were open are as they were then; ${open}.`];
  if (info.stageUnknown) {
    notes.push(`${info.stageUnknown} of the ${info.deals} deals that existed then had no stage recorded yet; they are counted as open, in the first stage recorded for them when it is an open one, else in their current open stage or their pipeline's first.`);
  }
  if (info.historyFrom) notes.push(`This CRM keeps no stage history: stages before the first sync (${day(info.historyFrom)}) are the first ones seen.`);
  return notes;
}

/** Days between the newest date in the data and the report's moment beyond which reports say the data is old. */
export const OLD_DATA_DAYS = 60;

/** When the newest date in the data is far before the report's moment, say so (and what to try). */
function staleDataNotes(db: Db, crm: string, at: Date, tz: string): string[] {
  const day = (iso: string) => localDay(new Date(iso), tz);
  const newest = newestDataAt(db, crm);
  if (!newest) return [];
  const days = Math.floor((at.getTime() - Date.parse(newest)) / 86_400_000);
  if (days < OLD_DATA_DAYS) return [];
  return [
    `The newest date in the data is ${day(newest)}, ${days} days before this report: recent windows may be empty. To see the data as it stood then, add --now ${day(newest)}T23:59:59Z.`,
  ];
}

function build<N extends ReportName>(db: Db, crm: string, name: N, opts: ReportOptions, notes: string[], derivedAsOf: string | null = null): ReportByName[N] {
  const { currency } = reportingMoney(db, crm, { currency: opts.currency });
  const f = resolveFilters(db, crm, opts.filters ?? {}, opts.now, opts.timeZone);
  if (opts.scopeOwnerIds) {
    const scope = opts.scopeOwnerIds;
    f.facts.ownerIds = f.facts.ownerIds ? f.facts.ownerIds.filter((id) => scope.includes(id)) : [...scope];
  }
  const unconverted = q.unconvertedDeals(db, crm, f.facts);
  const nowS = Math.floor(opts.now.getTime() / 1000);
  const ctx: Ctx = {
    db,
    crm,
    now: opts.now,
    nowS,
    today: todayIn(opts.now, opts.timeZone),
    tz: opts.timeZone,
    f,
    opts,
    base: {
      currency,
      ...(unconverted.length ? { unconverted: { deals: unconverted.reduce((a, u) => a + u.deals, 0), currencies: unconverted } } : {}),
      filters: f.echo,
      as_of: opts.now.toISOString(),
      as_of_day: localDay(opts.now, opts.timeZone),
      time_zone: opts.timeZone,
      ...(derivedAsOf ? { derived_as_of: derivedAsOf } : {}),
      ...(notes.length ? { notes } : {}),
    },
    cache: {},
  };
  return builders[name](ctx) as ReportByName[N];
}
