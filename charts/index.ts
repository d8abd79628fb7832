/**
 * Chart entry point: `buildChart(name, report)` returns the Vega-Lite spec for a report object
 * (see src/metrics/report-types.ts); `charts/render.ts` turns a spec into SVG or PNG.
 */
import type {
  BacktestReport,
  ForecastReport,
  FunnelReport,
  PipelineReport,
  QuotaReport,
  RepsReport,
  SourcesReport,
  VelocityReport,
} from '../src/metrics/report-types.js';
import { backtestChart } from './backtest.js';
import { forecastChart } from './forecast.js';
import type { ChartOptions, VegaLiteSpec } from './frame.js';
import { funnelChart } from './funnel.js';
import { pipelineChart } from './pipeline.js';
import { quotaChart } from './quota.js';
import { repsChart } from './reps.js';
import { sourcesChart } from './sources.js';
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
};

export const CHART_NAMES = Object.keys(BUILDERS) as ChartName[];

export function isChartName(name: string): name is ChartName {
  return Object.hasOwn(BUILDERS, name);
}

/** The Vega-Lite spec for `report`; a report with nothing to draw gives a "No data for this filter" card. */
export function buildChart<K extends ChartName>(name: K, report: ChartReports[K], opts?: ChartOptions): VegaLiteSpec {
  const build = BUILDERS[name] as (report: ChartReports[K], opts?: ChartOptions) => VegaLiteSpec;
  if (!build) throw new RangeError(`Unknown chart "${String(name)}"; expected one of ${CHART_NAMES.join(', ')}`);
  return build(report, opts);
}
