/**
 * Backtest: for each week, what the forecast said about the next 30 days as it was made that
 * week (line, with its P10–P90 band), what was actually won (dots), and the CRM-probability
 * forecast (dashed). Warm-up weeks (too little history: run-rate) are grey. The caption gives
 * WAPE, bias and the band's hit rate over warm weeks; under it, a small reliability panel:
 * predicted vs observed 30-day win rate of open deals, by probability bucket.
 */
import type { BacktestReport } from '../src/metrics/report-types.js';
import { type ChartOptions, TABLE, TABLE_DATA, type VegaLiteSpec, chartSpec, noDataSpec } from './frame.js';
import { CARD_WIDTH, COLORS, MONEY_AXIS_FORMAT, MONEY_AXIS_LABEL_EXPR, UNSTACKED, formatPercent } from './theme.js';

export const BACKTEST_TITLE = 'Forecast backtest: next 30 days';

const SERIES = ['Actual won', 'Forecast', 'P10–P90 range', 'CRM probabilities', 'Warm-up (run-rate)'];
const SERIES_COLORS = [COLORS.actual, COLORS.primary, COLORS.primaryLight, COLORS.crm, COLORS.muted];
const RELIABILITY = 'reliability';

export function backtestChart(report: BacktestReport, opts?: ChartOptions): VegaLiteSpec {
  const points = report.points ?? [];
  if (points.length === 0) return noDataSpec(report, BACKTEST_TITLE, opts);
  const cur = report.currency || 'USD';
  const h = report.horizon_days ?? 30;
  const rows = points.map((p) => ({
    date: p.date,
    actual: p.actual,
    forecast: p.warm_up ? null : p.forecast,
    warm: p.warm_up ? p.forecast : null,
    crm: p.forecast_crm,
    p10: p.warm_up ? null : (p.forecast_p10 ?? null),
    p90: p.warm_up ? null : (p.forecast_p90 ?? null),
  }));
  // The warm-up line joins the forecast line at the first warm week.
  const firstWarm = rows.findIndex((r) => r.forecast !== null);
  if (firstWarm > 0) rows[firstWarm]!.warm = rows[firstWarm]!.forecast;
  const warmWeeks = report.warm_points ?? points.filter((p) => !p.warm_up).length;
  const bias = report.bias == null ? '—' : `×${report.bias.toFixed(2)}`;
  const headline =
    `WAPE ${formatPercent(report.wape)} · bias ${bias} · P10–P90 hit rate ${formatPercent(report.coverage)} · ` +
    `run-rate WAPE ${formatPercent(report.wape_run_rate)} · CRM ${formatPercent(report.wape_crm)} · ${warmWeeks} of ${points.length} weeks warm`;
  const x = {
    field: 'date',
    type: 'temporal' as const,
    timeUnit: 'utcyearmonthdate',
    title: null,
    axis: { format: '%b %Y', labelAngle: 0, tickCount: 5, grid: false },
  };
  const y = {
    type: 'quantitative' as const,
    title: `Won in next ${h} days (${cur})`,
    axis: { format: MONEY_AXIS_FORMAT, labelExpr: MONEY_AXIS_LABEL_EXPR, tickCount: 5 },
  };
  const color = (series: string) => ({
    datum: series,
    type: 'nominal' as const,
    title: null,
    scale: { domain: SERIES, range: SERIES_COLORS },
    legend: { columns: 2, symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1, encoding: { symbols: { strokeOpacity: { value: 0.7 }, strokeWidth: { value: 3 } } } },
  });
  // Autosize fit-x sizes each view of the column to this width, axes included: the card is CARD_WIDTH wide.
  const width = CARD_WIDTH;
  const reliability = (report.reliability ?? []).map((r) => ({
    bucket: `${Math.round(r.from * 100)}–${Math.round(r.to * 100)}%`,
    predicted: r.predicted,
    observed: r.observed,
    deals: r.deals,
  }));
  const main = {
    width,
    height: 190,
    encoding: { x },
    layer: [
      { mark: { type: 'area', fillOpacity: 0.7 }, encoding: { y: { field: 'p10', ...y }, y2: { field: 'p90' }, color: color('P10–P90 range') } },
      { mark: { type: 'line', strokeWidth: 2, strokeDash: [5, 3] }, encoding: { y: { field: 'crm', ...y }, color: color('CRM probabilities') } },
      { mark: { type: 'line', strokeWidth: 2 }, encoding: { y: { field: 'warm', ...y }, color: color('Warm-up (run-rate)') } },
      { mark: { type: 'line', strokeWidth: 2.5 }, encoding: { y: { field: 'forecast', ...y }, color: color('Forecast') } },
      { mark: { type: 'point', filled: true, size: 22, opacity: 1 }, encoding: { y: { field: 'actual', ...y }, color: color('Actual won') } },
    ],
  };
  const panel = {
    width,
    height: 90,
    data: { name: RELIABILITY },
    title: { text: `Reliability: observed (bars) vs predicted (ticks) ${h}-day win rate`, anchor: 'start', fontSize: 11, fontWeight: 'normal', color: COLORS.muted },
    encoding: { x: { field: 'bucket', type: 'ordinal' as const, sort: null, title: 'Predicted probability', axis: { labelAngle: 0 } } },
    layer: [
      {
        mark: { type: 'bar', color: COLORS.primaryLight, width: { band: 0.7 } },
        encoding: { y: { field: 'observed', type: 'quantitative' as const, title: null, axis: { format: '.0%', tickCount: 3 }, ...UNSTACKED } },
      },
      {
        mark: { type: 'tick', color: COLORS.primary, thickness: 3, size: 24 },
        encoding: { y: { field: 'predicted', type: 'quantitative' as const } },
      },
    ],
  };
  return chartSpec(report, BACKTEST_TITLE, headline, opts, {
    datasets: { [TABLE]: rows, [RELIABILITY]: reliability },
    // Always both views, so every backtest has one shape (charts/render.ts pools Views by shape).
    body: { data: TABLE_DATA, vconcat: [main, panel], spacing: 14 },
  });
}
