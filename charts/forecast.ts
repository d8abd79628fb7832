/**
 * Forecast by month: won so far (green), the expected value still to be won from deals open now
 * (blue) and from deals not yet created (dark blue) stacked on it, in front of the open pipeline
 * with close dates in the month (won + pipeline, light). A black whisker spans the range
 * (won + P10 … won + P90) when the model is past its warm-up. The forecast with the CRM's own
 * stage probabilities is an orange tick, for comparison. When the team has a target for the
 * current period (report.target), a red tick marks each month's share of it (the target spread
 * over the period's days) and the subtitle gives attainment, pace and the chance of reaching it.
 */
import type { ForecastReport } from '../src/metrics/report-types.js';
import { type ChartOptions, TABLE, TABLE_DATA, type VegaLiteSpec, chartSpec, noDataSpec, param } from './frame.js';
import { COLORS, FONT_SIZE, MONEY_AXIS_FORMAT, MONEY_AXIS_LABEL_EXPR, UNSTACKED, formatMoney, formatMonth, formatMonthShort, formatPercent } from './theme.js';

export const FORECAST_TITLE = 'Forecast by month';

const SERIES = ['Won', 'Open deals', 'New deals', 'Open pipeline', 'P10–P90 range', 'CRM-probability forecast'];
const SERIES_COLORS = [COLORS.won, COLORS.primary, '#1e3a8a', COLORS.primaryLight, COLORS.actual, COLORS.crm];
const TARGET_SERIES = 'Target (share of period)';

export function forecastChart(report: ForecastReport, opts?: ChartOptions): VegaLiteSpec {
  const months = report.months ?? [];
  if (months.length === 0 || months.every((m) => m.pipeline === 0 && m.won === 0 && m.weighted === 0)) {
    return noDataSpec(report, FORECAST_TITLE, opts);
  }
  const cur = report.currency || 'USD';
  // Up to 4 months get full month names and a label on every bar; more get "Dec '26" and,
  // past 6, no bar labels (the subtitle has the total), so nothing collides at phone width.
  const short = months.length > 4;
  const values = months.map((m) => ({
    month: short ? formatMonthShort(m.month) : formatMonth(m.month),
    won: m.won,
    open: m.won + m.weighted,
    forecast: m.won + m.weighted + (m.new_deals ?? 0),
    best: m.won + m.pipeline,
    crm: m.won + m.weighted_crm,
    lo: m.p10 === undefined ? null : m.won + m.p10,
    hi: m.p90 === undefined ? null : m.won + m.p90,
    label: formatMoney(m.won + m.weighted + (m.new_deals ?? 0), cur),
  }));
  const total = values.reduce((s, v) => s + v.forecast, 0);
  const totalCrm = values.reduce((s, v) => s + v.crm, 0);
  // The team's target of the current period, spread over its months by days: a red tick per month.
  const target = report.target;
  const monthLabel = (m: string) => (short ? formatMonthShort(m) : formatMonth(m));
  const targetRows = target ? target.by_month.map((t) => ({ month: monthLabel(t.month), target: t.amount })) : [];
  const targetLine = target
    ? ` · target ${target.period.label} ${formatMoney(target.amount, target.currency)}: ${formatPercent(target.attainment)} won, ${target.pace === null ? '' : `pace ${formatPercent(target.pace)}, `}chance ${formatPercent(target.probability)}`
    : '';
  // The bar labels are the forecast (won + weighted); the subtitle says so once.
  const next = report.next;
  const range = next && !next.warm_up ? ` · next ${next.horizon_days} days ${formatMoney(next.p10, cur)}–${formatMoney(next.p90, cur)} (P10–P90)` : '';
  const headline = `Forecast ${formatMoney(total, cur)} over ${months.length} ${months.length === 1 ? 'month' : 'months'} (${months.length <= 6 ? 'bar labels: ' : ''}won + expected)${range} · with CRM probabilities ${formatMoney(totalCrm, cur)}${targetLine}`;
  const max = Math.max(...values.map((v) => Math.max(v.best, v.crm, v.hi ?? 0, v.forecast)), ...targetRows.map((t) => t.target), 1);
  const domain = targetRows.length ? [...SERIES, TARGET_SERIES] : SERIES;
  const colors = targetRows.length ? [...SERIES_COLORS, COLORS.lost] : SERIES_COLORS;
  const color = (series: string) => ({
    datum: series,
    type: 'nominal' as const,
    title: null,
    scale: { domain, range: colors },
    legend: { columns: 2, symbolType: 'square', symbolOpacity: 1 },
  });
  const y = {
    type: 'quantitative' as const,
    title: null,
    scale: { domain: [0, param('yMax')], nice: false },
    axis: { format: MONEY_AXIS_FORMAT, labelExpr: MONEY_AXIS_LABEL_EXPR, tickCount: 5 },
  };
  const barWidth = Math.min(72, Math.floor(300 / values.length));
  return chartSpec(report, FORECAST_TITLE, headline, opts, {
    datasets: { [TABLE]: values, ...(targetRows.length ? { target: targetRows } : {}) },
    params: { yMax: max * 1.08, barWidth, labelFontSize: short ? FONT_SIZE.note : FONT_SIZE.markLabel },
    body: {
      height: 220,
      data: TABLE_DATA,
      encoding: {
        x: { field: 'month', type: 'ordinal', sort: null, title: null, axis: { labelAngle: 0, domain: true, ticks: false } },
      },
      layer: [
        { mark: { type: 'bar', width: param('barWidth') }, encoding: { y: { field: 'best', ...y, ...UNSTACKED }, color: color('Open pipeline') } },
        { mark: { type: 'bar', width: param('barWidth') }, encoding: { y: { field: 'won', ...y, ...UNSTACKED }, color: color('Won') } },
        {
          mark: { type: 'bar', width: param('barWidth'), cornerRadiusEnd: 0 },
          encoding: { y: { field: 'won', ...y }, y2: { field: 'open' }, color: color('Open deals') },
        },
        {
          mark: { type: 'bar', width: param('barWidth'), cornerRadiusEnd: 0 },
          encoding: { y: { field: 'open', ...y }, y2: { field: 'forecast' }, color: color('New deals') },
        },
        // Always present (months without a range have lo = hi = null and draw nothing): one shape for every forecast.
        {
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: { y: { field: 'lo', ...y }, y2: { field: 'hi' }, color: color('P10–P90 range') },
        },
        {
          mark: { type: 'tick', orient: 'horizontal', thickness: 3, size: param('barWidth + 12'), opacity: 1 },
          encoding: { y: { field: 'crm', ...y }, color: color('CRM-probability forecast') },
        },
        ...(targetRows.length
          ? [
              {
                data: { name: 'target' },
                mark: { type: 'tick', orient: 'horizontal', thickness: 3, size: param('barWidth + 20'), opacity: 1 },
                encoding: { y: { field: 'target', ...y }, color: color(TARGET_SERIES) },
              },
            ]
          : []),
        ...(months.length <= 6
          ? [
              {
                mark: { type: 'text', baseline: 'bottom', dy: -4, fontSize: param('labelFontSize'), fontWeight: 600 },
                encoding: { y: { field: 'best', ...y }, text: { field: 'label', type: 'nominal' } },
              },
            ]
          : []),
      ],
    },
  });
}
