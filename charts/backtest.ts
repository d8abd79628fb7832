/**
 * Backtest: for each week, the won value the calibrated forecast expected in the next 30 days,
 * the same with the CRM's probabilities, and what actually closed. WAPE in the subtitle.
 */
import type { BacktestReport } from '../src/metrics/report-types.js';
import { type ChartOptions, TABLE, TABLE_DATA, type VegaLiteSpec, chartSpec, noDataSpec } from './frame.js';
import { COLORS, MONEY_AXIS_FORMAT, MONEY_AXIS_LABEL_EXPR, formatPercent } from './theme.js';

export const BACKTEST_TITLE = 'Forecast backtest: next 30 days';

const SERIES = ['Actual won', 'Calibrated', 'CRM probabilities'];

export function backtestChart(report: BacktestReport, opts?: ChartOptions): VegaLiteSpec {
  const points = report.points ?? [];
  if (points.length === 0) return noDataSpec(report, BACKTEST_TITLE, opts);
  const cur = report.currency || 'USD';
  const values = points.flatMap((p) => [
    { date: p.date, series: SERIES[0], value: p.actual },
    { date: p.date, series: SERIES[1], value: p.forecast },
    { date: p.date, series: SERIES[2], value: p.forecast_crm },
  ]);
  const headline = `WAPE: calibrated ${formatPercent(report.wape)} vs CRM ${formatPercent(report.wape_crm)} (lower is better) · ${points.length} weeks`;
  return chartSpec(report, BACKTEST_TITLE, headline, opts, {
    datasets: { [TABLE]: values },
    body: {
      height: 200,
      data: TABLE_DATA,
      mark: { type: 'line', strokeWidth: 2.5 },
      encoding: {
        x: {
          field: 'date',
          type: 'temporal',
          timeUnit: 'utcyearmonthdate',
          title: null,
          axis: { format: '%b %Y', labelAngle: 0, tickCount: 5, grid: false },
        },
        y: {
          field: 'value',
          type: 'quantitative',
          title: `Won in next 30 days (${cur})`,
          axis: { format: MONEY_AXIS_FORMAT, labelExpr: MONEY_AXIS_LABEL_EXPR, tickCount: 5 },
        },
        color: {
          field: 'series',
          type: 'nominal',
          title: null,
          scale: { domain: SERIES, range: [COLORS.actual, COLORS.primary, COLORS.crm] },
          legend: { symbolType: 'stroke', symbolStrokeWidth: 3 },
        },
        strokeDash: {
          field: 'series',
          type: 'nominal',
          title: null,
          scale: { domain: SERIES, range: [[1, 0], [1, 0], [5, 3]] },
        },
        order: { field: 'series', sort: 'descending' },
      },
    },
  });
}
