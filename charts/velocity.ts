/**
 * Sales velocity trend: value per day (open deals × win rate × average won ÷ cycle days) by
 * week or month, with the current figure and its inputs in the subtitle.
 */
import type { VelocityReport } from '../src/metrics/report-types.js';
import { type ChartOptions, TABLE, TABLE_DATA, type VegaLiteSpec, chartSpec, noDataSpec } from './frame.js';
import { COLORS, MONEY_AXIS_FORMAT, MONEY_AXIS_LABEL_EXPR, formatCount, formatMoney, formatPercent } from './theme.js';

export const VELOCITY_TITLE = 'Sales velocity';

export function velocityChart(report: VelocityReport, opts?: ChartOptions): VegaLiteSpec {
  const points = report.points ?? [];
  if (points.length === 0) return noDataSpec(report, VELOCITY_TITLE, opts);
  const cur = report.currency || 'USD';
  const c = report.current;
  const headline = c
    ? `Now ${formatMoney(c.velocity, cur)}/day · ${formatCount(c.open_deals)} open · win ${formatPercent(c.win_rate)} · avg won ${c.avg_won == null ? '–' : formatMoney(c.avg_won, cur)} · ${c.cycle_days == null ? '–' : Math.round(c.cycle_days)}-day cycle`
    : undefined;
  const values = points.map((p) => ({ period: p.period, velocity: p.velocity }));
  const byWeek = report.granularity === 'week';
  const last = values[values.length - 1]!;
  return chartSpec(report, VELOCITY_TITLE, headline, opts, {
    datasets: { [TABLE]: values, last: [last] },
    body: {
      height: 200,
      data: TABLE_DATA,
      encoding: {
        x: {
          field: 'period',
          type: 'temporal',
          timeUnit: 'utcyearmonthdate',
          title: null,
          axis: { format: byWeek ? '%b %-d' : '%b %Y', labelAngle: 0, tickCount: byWeek ? 6 : 5, grid: false },
        },
        y: {
          field: 'velocity',
          type: 'quantitative',
          title: `${cur} per day`,
          axis: { format: MONEY_AXIS_FORMAT, labelExpr: MONEY_AXIS_LABEL_EXPR, tickCount: 5 },
          scale: { zero: true },
        },
      },
      layer: [
        { mark: { type: 'area', color: COLORS.primary, fillOpacity: 0.1 } },
        { mark: { type: 'line', color: COLORS.primary, point: values.length <= 16 ? { filled: true, size: 36, color: COLORS.primary } : false } },
        {
          data: { name: 'last' },
          mark: { type: 'point', filled: true, size: 90, color: COLORS.primary, opacity: 1 },
        },
      ],
    },
  });
}
