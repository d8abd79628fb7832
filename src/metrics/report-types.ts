/**
 * The report objects: what `dealcast report <name> --json` prints, what the chart spec
 * builders take, and what Slack commands and the dashboard show. Keys are snake_case and
 * stable (other tools read them). Rates are fractions (0.34 = 34%); money is a plain number in
 * the deals' currency; dates 'YYYY-MM-DD'; instants ISO-8601 UTC.
 */

import type { Attainment, BandPoint, PacingPoint } from './attainment.js';
import type { CommitResult, CommitRow } from './commit.js';

export type ReportName = 'pipeline' | 'forecast' | 'funnel' | 'velocity' | 'reps' | 'deals' | 'sources' | 'quality' | 'backtest' | 'quota' | 'pacing' | 'commit';

export interface ReportFilters {
  pipeline?: string;
  owner?: string;
  source?: string;
  /** Start of the window, 'YYYY-MM-DD'. */
  since?: string;
}

/** Deals whose currency has no exchange rate into the reporting currency: left out of money totals. */
export interface UnconvertedNote {
  deals: number;
  currencies: { currency: string; deals: number; amount: number }[];
}

export interface ReportBase {
  /** The reporting currency every amount is in, e.g. 'USD' (deals in other currencies converted). */
  currency: string;
  /** Deals in the filter whose amount could not be converted (no rate): counted, never summed. */
  unconverted?: UnconvertedNote;
  filters: ReportFilters;
  /** The `now` the report was computed for. */
  as_of: string;
  /** The team's day at `as_of`, YYYY-MM-DD in `time_zone` (what charts and messages call "as of"). */
  as_of_day?: string;
  /** The team's IANA time zone: every day, week and month of the report is in it. */
  time_zone?: string;
  /** Set when the report tables lag the data (a refresh is pending): the instant they are from. */
  derived_as_of?: string;
  /** What the reader must know about these figures (rebuilt for a past moment, data far older than as_of …). */
  notes?: string[];
}

export interface PipelineStageRow {
  stage: string;
  count: number;
  value: number;
  weighted: number;
}
export interface PipelineReport extends ReportBase {
  stages: PipelineStageRow[];
  total: { count: number; value: number; weighted: number };
  /** The probabilities the weighted values used. */
  calibration?: CalibrationReport;
}

export interface FunnelStageRow {
  stage: string;
  reached: number;
  /** reached(next) / reached(this); null for the last row. */
  conversion_to_next: number | null;
}
export interface FunnelReport extends ReportBase {
  stages: FunnelStageRow[];
  /** Won ÷ (won + lost) among the cohort's deals that have closed (not the digest's: deals closed in a window). */
  win_rate: number | null;
  /** Says which win rate this is, for JSON readers: 'cohort' = deals created in the window, closed so far. */
  win_rate_basis?: 'cohort';
  /** The creation cohort the funnel counts: deals created from..to, and how they stand. */
  cohort?: { from: string; to: string; deals: number; won: number; lost: number; open: number };
  /** Days spent in each open stage by cohort deals that left it. */
  time_in_stage?: { stage: string; sample: number; mean_days: number | null; median_days: number | null }[];
}

export interface ForecastMonthRow {
  month: string;
  /** Open deals with expected close date in the month (as the CRM says now). */
  pipeline: number;
  /** Expected value won in the month from deals open now (time-bound win probabilities). */
  weighted: number;
  /** Open deals closing in the month by expected close date × the CRM's stage probability. */
  weighted_crm: number;
  /** Already won in the month. */
  won: number;
  /** Expected value won in the rest of the month from deals not yet created. */
  new_deals?: number;
  /** Range of the value still to be won in the rest of the month (open + new deals): commit, likely, best case. */
  p10?: number;
  p50?: number;
  p90?: number;
}
export interface ForecastReport extends ReportBase {
  months: ForecastMonthRow[];
  calibration?: CalibrationReport;
  /** The next `horizon_days` from now: the range and the split (see docs/metrics.md). */
  next?: ForecastNext;
  /** Open deals whose expected close date is before the first month (in no month). */
  overdue?: { count: number; value: number };
  /**
   * Present only when the team has a target for the current period in the reporting currency
   * (the current fiscal quarter's, else the month's, else the fiscal year's) and the forecast is
   * not filtered: the target line and the pacing summary.
   */
  target?: ForecastTarget;
}

/** The team's target beside the forecast (docs/metrics.md, "forecast target"). */
export interface ForecastTarget {
  period: { kind: 'month' | 'quarter' | 'year'; label: string; start: string; end: string };
  currency: string;
  amount: number;
  won: number;
  attainment: number | null;
  expected_by_now: number;
  pace: number | null;
  pace_basis: 'historical' | 'linear';
  /** Chance of reaching the target by the period's end. */
  probability: number;
  projected: { expected: number; p10: number; p50: number; p90: number };
  /** The target spread over the forecast's months by days (only months inside the period): 'YYYY-MM' → amount. */
  by_month: { month: string; amount: number }[];
}

export interface ForecastNext {
  horizon_days: number;
  /** Expected value won: open deals + not yet created. */
  expected: number;
  open: number;
  new_deals: number;
  p10: number;
  p50: number;
  p90: number;
  open_deals: number;
  /** Too little history: `expected` is the run-rate. */
  warm_up: boolean;
  run_rate: number;
  /** Weight of the model in `expected`, the rest being the run-rate: closed ÷ (closed + 100) (0 in warm-up). */
  credibility: number;
  /** Past backtest misses the range was widened by (√ mean z²; null: not enough completed weeks). */
  error_scale: number | null;
}

export interface BacktestPoint {
  date: string;
  /** Expected value won in the next horizon days, as forecast on `date` (open deals + new deals). */
  forecast: number;
  forecast_crm: number;
  /** All value won in the window, including deals created inside it. */
  actual: number;
  forecast_p10?: number;
  forecast_p90?: number;
  /** The part of `forecast` from deals not yet created on `date`. */
  forecast_new?: number;
  forecast_open?: number;
  forecast_run_rate?: number;
  /** The part of `actual` from deals that existed on `date`. */
  actual_existing?: number;
  /** Too little history on `date`: the forecast is the run-rate and the point is left out of the headline figures. */
  warm_up?: boolean;
}
export interface ReliabilityRow {
  /** Predicted P(won within the horizon) bucket [from, to). */
  from: number;
  to: number;
  deals: number;
  predicted: number;
  observed: number;
}
export interface BacktestReport extends ReportBase {
  points: BacktestPoint[];
  /** Over warm points only, like every headline figure here. */
  wape: number | null;
  wape_crm: number | null;
  wape_run_rate?: number | null;
  /** Σ forecast ÷ Σ actual. */
  bias?: number | null;
  /** Share of warm points whose actual fell in [forecast_p10, forecast_p90]. */
  coverage?: number | null;
  warm_points?: number;
  reliability?: ReliabilityRow[];
  /** Days after each date whose won value is forecast (30). */
  horizon_days?: number;
}

export interface VelocityFigures {
  /** Value per day: open deals × win rate × average won size / cycle days. */
  velocity: number;
  open_deals: number;
  win_rate: number | null;
  avg_won: number | null;
  cycle_days: number | null;
}
export interface VelocityPoint extends VelocityFigures {
  /** Period start, 'YYYY-MM-DD'. */
  period: string;
}
export interface VelocityReport extends ReportBase {
  granularity: 'week' | 'month';
  points: VelocityPoint[];
  current: VelocityFigures & {
    won_deals?: number;
    lost_deals?: number;
    /** Median days from created to won (whole days). */
    cycle_days_median?: number | null;
    /** Start of the closed-deal window the current figures use. */
    window_from?: string;
    /** What was actually won per day in that window, to set velocity against. */
    won_value_per_day?: number;
  };
}

export interface RepRow {
  owner: string;
  owner_id: string;
  calls: number;
  emails: number;
  meetings: number;
  tasks: number;
  open_deals: number;
  open_value: number;
  won_value: number;
  last_activity_at: string | null;
  hours_since_activity: number | null;
}
export interface RepsReport extends ReportBase {
  since: string;
  until: string;
  /** False for CRMs whose activity data we cannot use (Attio): show "not available", not zeros. */
  activities_available: boolean;
  reps: RepRow[];
}

export interface SourceRow {
  source: string;
  count: number;
  value: number;
  won: number;
  lost: number;
  win_rate: number | null;
  won_value?: number;
}
export interface SourcesReport extends ReportBase {
  sources: SourceRow[];
  /** Deals created from this date on. */
  from?: string;
}

export interface DealListRow {
  id: string;
  name: string;
  /** In the reporting currency (null when the deal's currency has no rate). */
  amount: number | null;
  /** The deal's own amount and currency, as the CRM has them. */
  amount_original?: number | null;
  currency_original?: string | null;
  stage: string;
  crm_stage: string;
  owner: string | null;
  pipeline: string | null;
  days_in_stage: number | null;
  stage_avg_days: number | null;
  stuck_ratio: number | null;
  close_date: string | null;
}
export interface DealsReport extends ReportBase {
  deals: DealListRow[];
  total: number;
  threshold?: number;
  min_sample?: number;
  /** The historical mean days per stage the ratios use (null below the sample minimum). */
  stage_avg_days?: { stage: string; avg_days: number | null; sample: number }[];
}

export interface QualityReport extends ReportBase {
  open_deals: number;
  zero_amount: number;
  missing_amount: number;
  missing_close_date: number;
  past_close_date: number;
  no_owner: number;
  needs_review_stages: { stage: string; pipeline: string }[];
  /** Open deals with a negative amount. */
  negative_amount?: number;
  /** Open deals whose amount is far outside the rest (robust z-score above 3.5), largest first (at most 10 listed). */
  amount_outliers?: { count: number; median: number | null; deals: { id: string; name: string; amount: number; z: number }[] };
  /** Deals (open or closed) created before 2000, or after the report's moment. */
  created_before_2000?: number;
  created_in_future?: number;
  /** Closed before created (or, open, expected to close before created). */
  close_before_created?: number;
  /** Deals by their own currency (more than one: amounts are converted into `currency`). */
  currencies?: { currency: string; deals: number }[];
  /** Stages whose name looks like another canonical stage than the one they are mapped to. */
  stage_name_mismatches?: { stage: string; pipeline: string; canonical: string; looks_like: string }[];
}

export interface CalibrationRow {
  stage: string;
  probability: number;
  source: 'admin' | 'history' | 'crm' | 'default';
  sample: number;
  history_probability: number | null;
  crm_probability: number | null;
}
export interface CalibrationReport {
  stages: CalibrationRow[];
}

export interface ReportByName {
  pipeline: PipelineReport;
  forecast: ForecastReport;
  funnel: FunnelReport;
  velocity: VelocityReport;
  reps: RepsReport;
  deals: DealsReport;
  sources: SourcesReport;
  quality: QualityReport;
  backtest: BacktestReport;
  quota: QuotaReport;
  pacing: PacingReport;
  commit: CommitReport;
}

/** One target's attainment and pacing (src/metrics/attainment.ts), with who or what it is for. */
export interface QuotaRow extends Attainment {
  /** 'Team' (the company), the named team's name as it is now, the rep's name, or the pipeline's name. */
  name: string;
  /** A named team's row: how many people are in it (their deals count). */
  members?: number;
  /** Who set the target in effect: 'slack', 'csv' or the CRM's name. */
  source: string;
}

export interface QuotaReport extends ReportBase {
  period: {
    kind: 'month' | 'quarter' | 'year';
    /** '2026-12', 'FY2027 Q4', 'FY2027'. */
    label: string;
    /** First and last day, 'YYYY-MM-DD'. */
    start: string;
    end: string;
    days: number;
    fiscal_year_start_month: number;
  };
  /** The company's target first, then named teams', pipelines', reps' (each by attainment, lowest last). */
  rows: QuotaRow[];
  /** Backtest misses as a multiple of the team's simulated spread (null: not enough history). */
  error_scale: number | null;
  /** The same misses as a share of the forecast; each row's range is widened by it for its own size (rest.scale). */
  relative_error: number | null;
}

/** One target's progress across its period (the pacing chart): `pacing` is null when that scope has no target. */
export interface PacingReport extends ReportBase {
  period: QuotaReport['period'];
  pacing: {
    scope: QuotaRow['scope'];
    scope_id: string;
    name: string;
    source: string;
    currency: string;
    target: number;
    won: number;
    attainment: number | null;
    elapsed: number;
    expected_linear: number;
    expected_historical: number | null;
    pace: number | null;
    pace_basis: 'historical' | 'linear';
    probability: number;
    days_remaining: number;
    projected: { expected: number; p10: number; p50: number; p90: number };
    /** One per day of the period: cumulative won (null after today) and both pace lines. */
    points: PacingPoint[];
    /** The forecast band from today to the period's last day (P10/P50/P90 of cumulative won). */
    band: BandPoint[];
  } | null;
}

/** One scope's rep-called forecast beside the model's (src/metrics/commit.ts), with who it is. */
export interface CommitReportRow extends CommitRow {
  /** 'Team' or the rep's name. */
  name: string;
}

export interface CommitReport extends ReportBase {
  /** The current period (fiscal, as the quota report's). */
  period: QuotaReport['period'];
  /** The team first, then reps by commit, biggest first. */
  rows: CommitReportRow[];
  /** Open deals closing in the period by how their forecast category was found (unknown values count as Pipeline). */
  categories: CommitResult['categories'];
  /** Deals in other currencies than `currency`: left out, never converted. */
  other_currency_deals: number;
  days_remaining: number;
  /** Past points a commit bias needs before it is shown. */
  min_bias_points: number;
  error_scale: number | null;
  /** The backtest's relative error each scope's range was widened by for its size (null: not known). */
  relative_error: number | null;
}
