/**
 * Pacing across one target's period: cumulative won (green) day by day up to today, the pace
 * lines it is measured against (a straight line to the target, grey dashes; the historical pace,
 * the share of a period usually won by each day, dark dashes), the forecast band from today to
 * the period's last day (won + P10 … P90 of what is still to be won, light blue, with its P50
 * dotted) and the target as a red rule. One target, so one currency: nothing is added across
 * currencies.
 */
import type { PacingReport } from '../src/metrics/report-types.js';
import { type ChartOptions, TABLE, TABLE_DATA, type VegaLiteSpec, chartSpec, noDataSpec, param } from './frame.js';
import { COLORS, FONT_SIZE, MONEY_AXIS_FORMAT, MONEY_AXIS_LABEL_EXPR, formatMoney, formatPercent } from './theme.js';

export const PACING_TITLE = 'Pacing';

const SERIES = ['Won', 'Linear pace', 'Historical pace', 'Forecast P10–P90', 'Target'];
const SERIES_COLORS = [COLORS.won, COLORS.muted, COLORS.actual, COLORS.primaryLight, COLORS.lost];

export function pacingChart(report: PacingReport, opts?: ChartOptions): VegaLiteSpec {
  const p = report.pacing;
  const period = report.period?.label ?? '';
  if (!p || p.target <= 0 || p.points.length === 0) return noDataSpec(report, `${PACING_TITLE} · ${period}`.replace(/ · $/, ''), opts);
  const who = p.scope === 'team' ? 'Team' : p.name;
  const title = `${PACING_TITLE} · ${who} · ${period}`;
  const cur = p.currency;
  const headline = [
    `${formatMoney(p.won, cur)} of ${formatMoney(p.target, cur)} won (${formatPercent(p.attainment)})`,
    p.pace === null ? '' : `pace ${formatPercent(p.pace)} of ${p.pace_basis}`,
    `chance of target ${formatPercent(p.probability)}`,
    `${p.days_remaining.toFixed(0)} days left`,
  ]
    .filter(Boolean)
    .join(' · ');
  const values = p.points.map((x) => ({ date: x.date, won: x.won, linear: x.pace_linear, historical: x.pace_historical }));
  const hasHistorical = values.some((v) => v.historical !== null);
  const lastWon = [...values].reverse().find((v) => v.won !== null);
  const band = p.band;
  const yMax = Math.max(p.target, ...band.map((b) => b.p90), lastWon?.won ?? 0, ...values.map((v) => Math.max(v.linear, v.historical ?? 0))) * 1.12;
  const lastDay = values[values.length - 1]!.date;
  const color = (series: string) => ({
    datum: series,
    type: 'nominal' as const,
    title: null,
    scale: { domain: hasHistorical ? SERIES : SERIES.filter((s) => s !== 'Historical pace'), range: hasHistorical ? SERIES_COLORS : SERIES_COLORS.filter((_, i) => i !== 2) },
    legend: { columns: 3, symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 },
  });
  const x = {
    field: 'date',
    type: 'temporal' as const,
    timeUnit: 'utcyearmonthdate' as const,
    title: null,
    axis: { format: '%b %-d', labelAngle: 0, tickCount: 5, grid: false },
  };
  const y = {
    type: 'quantitative' as const,
    title: null,
    scale: { domain: [0, param('yMax')], nice: false },
    axis: { format: MONEY_AXIS_FORMAT, labelExpr: MONEY_AXIS_LABEL_EXPR, tickCount: 5 },
  };
  return chartSpec(report, title, headline, opts, {
    datasets: {
      [TABLE]: values,
      band,
      target: [{ date: lastDay, target: p.target, label: `Target ${formatMoney(p.target, cur)}` }],
      won_end: lastWon ? [{ date: lastWon.date, won: lastWon.won, label: `${formatMoney(lastWon.won ?? 0, cur)} won` }] : [],
    },
    params: { yMax },
    body: {
      height: 220,
      data: TABLE_DATA,
      layer: [
        { data: { name: 'band' }, mark: { type: 'area', fillOpacity: 0.9 }, encoding: { x, y: { field: 'p10', ...y }, y2: { field: 'p90' }, color: color('Forecast P10–P90') } },
        { data: { name: 'band' }, mark: { type: 'line', strokeDash: [2, 3], strokeWidth: 1.5, color: COLORS.primary }, encoding: { x, y: { field: 'p50', ...y } } },
        { mark: { type: 'line', strokeDash: [5, 4], strokeWidth: 1.5 }, encoding: { x, y: { field: 'linear', ...y }, color: color('Linear pace') } },
        ...(hasHistorical
          ? [{ mark: { type: 'line', strokeDash: [6, 3], strokeWidth: 2 }, encoding: { x, y: { field: 'historical', ...y }, color: color('Historical pace') } }]
          : []),
        { mark: { type: 'line', strokeWidth: 3, interpolate: 'step-after' }, encoding: { x, y: { field: 'won', ...y }, color: color('Won') } },
        { data: { name: 'target' }, mark: { type: 'rule', strokeWidth: 2 }, encoding: { y: { field: 'target', ...y }, color: color('Target') } },
        {
          data: { name: 'target' },
          mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -4, fontSize: FONT_SIZE.note, fontWeight: 600, color: COLORS.lost },
          encoding: { x, y: { field: 'target', ...y }, text: { field: 'label', type: 'nominal' } },
        },
        {
          data: { name: 'won_end' },
          mark: { type: 'text', align: 'left', baseline: 'top', dx: 2, dy: 10, fontSize: FONT_SIZE.note, fontWeight: 600, color: COLORS.won },
          encoding: { x, y: { field: 'won', ...y }, text: { field: 'label', type: 'nominal' } },
        },
      ],
    },
  });
}
