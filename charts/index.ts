/**
 * Chart entry point: `buildChart(name, report)` returns the Vega-Lite spec for a report object
 * (see src/metrics/report-types.ts); `charts/render.ts` turns a spec into SVG or PNG.
 */
import type {
  BacktestReport,
  CommitReport,
  ForecastReport,
  FunnelReport,
  PacingReport,
  PipelineReport,
  QuotaReport,
  RepsReport,
  SourcesReport,
  VelocityReport,
} from '../src/metrics/report-types.js';
import { backtestChart } from './backtest.js';
import { commitChart, shownCommitRows } from './commit.js';
import { forecastChart } from './forecast.js';
import type { ChartOptions, VegaLiteSpec } from './frame.js';
import { funnelChart } from './funnel.js';
import { pipelineChart } from './pipeline.js';
import { MAX_QUOTA_ROWS, quotaChart } from './quota.js';
import { pacingChart } from './pacing.js';
import { repsChart, shownReps } from './reps.js';
import { shownSources, sourcesChart } from './sources.js';
import { velocityChart } from './velocity.js';

export type { ChartOptions, VegaLiteSpec } from './frame.js';

export interface ChartReports {
  pipeline: PipelineReport;
  forecast: ForecastReport;
  funnel: FunnelReport;
  velocity: VelocityReport;
  reps: RepsReport;
  sources: SourcesReport;
  backtest: BacktestReport;
  quota: QuotaReport;
  pacing: PacingReport;
  commit: CommitReport;
}

export type ChartName = keyof ChartReports;

const BUILDERS: { [K in ChartName]: (report: ChartReports[K], opts?: ChartOptions) => VegaLiteSpec } = {
  pipeline: pipelineChart,
  forecast: forecastChart,
  funnel: funnelChart,
  velocity: velocityChart,
  reps: repsChart,
  sources: sourcesChart,
  backtest: backtestChart,
  quota: quotaChart,
  pacing: pacingChart,
  commit: commitChart,
};

export const CHART_NAMES = Object.keys(BUILDERS) as ChartName[];

export function isChartName(name: string): name is ChartName {
  return Object.hasOwn(BUILDERS, name);
}

/**
 * The full names of the rows a bar chart shows, in its order (stages, reps, sources), for the
 * chart's alt text: the chart itself may shorten them. Charts without named rows give [].
 */
export function chartRowNames<K extends ChartName>(name: K, report: ChartReports[K]): string[] {
  switch (name) {
    case 'pipeline':
    case 'funnel':
      return ((report as PipelineReport | FunnelReport).stages ?? []).map((s) => s.stage);
    case 'reps':
      return shownReps(report as RepsReport).map((r) => r.owner || '(no owner)');
    case 'sources':
      return shownSources(report as SourcesReport).map((s) => s.source || '(none)');
    case 'quota':
      return ((report as QuotaReport).rows ?? []).filter((r) => r.target > 0).slice(0, MAX_QUOTA_ROWS).map((r) => (r.scope === 'team' ? 'Team' : r.name));
    case 'commit':
      return shownCommitRows(report as CommitReport).map((r) => (r.scope === 'team' ? 'Team' : r.name));
    default:
      return [];
  }
}

/** The alt text sentence naming a chart's rows in full ("Rows: Ana Martínez; Ben Okafor."), or ''. */
export function chartRowsAltText<K extends ChartName>(name: K, report: ChartReports[K]): string {
  const names = chartRowNames(name, report);
  return names.length ? `Rows: ${names.join('; ')}.` : '';
}

/** The Vega-Lite spec for `report`; a report with nothing to draw gives a "No data for this filter" card. */
export function buildChart<K extends ChartName>(name: K, report: ChartReports[K], opts?: ChartOptions): VegaLiteSpec {
  const build = BUILDERS[name] as (report: ChartReports[K], opts?: ChartOptions) => VegaLiteSpec;
  if (!build) throw new RangeError(`Unknown chart "${String(name)}"; expected one of ${CHART_NAMES.join(', ')}`);
  return build(report, opts);
}
