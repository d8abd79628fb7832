/**
 * Attainment against target, one bullet per target (the team first, then pipelines, then reps):
 * the bar is what is won (green), the light band is where the period is forecast to end (won +
 * P10 … won + P90 of the rest), the dark tick is where the scope should be by now (historical
 * pace, else linear), and the vertical rule is the target. Everything is a share of each row's
 * own target, so targets in different currencies sit side by side without being added.
 */
import type { QuotaReport } from '../src/metrics/report-types.js';
import { type ChartOptions, TABLE, TABLE_DATA, type VegaLiteSpec, chartSpec, noDataSpec, param } from './frame.js';
import { COLORS, FONT_SIZE, ROW_STEP, UNSTACKED, formatMoney, formatPercent, truncateLabel } from './theme.js';

export const QUOTA_TITLE = 'Quota attainment';
export const MAX_QUOTA_ROWS = 10;

const SERIES = ['Won', 'Forecast P10–P90', 'Expected by now', 'Target'];
const SERIES_COLORS = [COLORS.won, COLORS.primaryLight, COLORS.actual, COLORS.lost];

export function quotaChart(report: QuotaReport, opts?: ChartOptions): VegaLiteSpec {
  const withTarget = (report.rows ?? []).filter((r) => r.target > 0);
  const rows = withTarget.slice(0, MAX_QUOTA_ROWS);
  const title = `${QUOTA_TITLE} · ${report.period?.label ?? ''}`.replace(/ · $/, '');
  if (rows.length === 0) return noDataSpec(report, title, opts);
  const values = rows.map((r) => {
    const share = (v: number) => v / r.target;
    const hi = share(r.projected.p90);
    return {
      name: truncateLabel(r.scope === 'team' ? 'Team' : r.name, 16),
      won_share: share(r.won),
      band_low: share(r.projected.p10),
      band_high: hi,
      pace_now: share(r.expected_historical ?? r.expected_linear),
      label_x: Math.max(hi, share(r.won), 1),
      label: `${formatPercent(r.attainment)} · ${formatPercent(r.probability)} likely`,
    };
  });
  const team = report.rows.find((r) => r.scope === 'team') ?? report.rows[0]!;
  const headline = [
    `${team.scope === 'team' ? 'Team' : team.name}: ${formatMoney(team.won, team.currency)} of ${formatMoney(team.target, team.currency)} won`,
    `${team.days_remaining.toFixed(0)} days left`,
    `chance of target ${formatPercent(team.probability)}`,
    team.coverage === null ? '' : `coverage ${team.coverage.toFixed(1)}×`,
    // Rows past the chart's room are not dropped without a word.
    withTarget.length > rows.length ? `first ${rows.length} of ${withTarget.length} rows shown` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const xMax = Math.max(...values.map((v) => v.label_x)) * 1.55;
  const x = { type: 'quantitative' as const, title: null, scale: { domain: [0, param('xMax')], nice: false }, axis: { format: '.0%', tickCount: 4, grid: true } };
  const color = (series: string) => ({
    datum: series,
    type: 'nominal' as const,
    title: null,
    scale: { domain: SERIES, range: SERIES_COLORS },
    legend: { columns: 2, symbolType: 'square', symbolOpacity: 1 },
  });
  const y = { y: { field: 'name', type: 'nominal' as const, sort: null, title: null, axis: { labelLimit: 120 } } };
  return chartSpec(report, title, headline, opts, {
    datasets: { [TABLE]: values },
    params: { xMax },
    body: {
      height: { step: ROW_STEP },
      data: TABLE_DATA,
      layer: [
        { mark: { type: 'bar', height: 24, cornerRadiusEnd: 0 }, encoding: { ...y, x: { field: 'band_low', ...x }, x2: { field: 'band_high' }, color: color('Forecast P10–P90') } },
        { mark: { type: 'bar', height: 10 }, encoding: { ...y, x: { field: 'won_share', ...x, ...UNSTACKED }, color: color('Won') } },
        { mark: { type: 'tick', thickness: 3, size: 26, opacity: 1 }, encoding: { ...y, x: { field: 'pace_now', ...x }, color: color('Expected by now') } },
        { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x: { datum: 1, ...x }, color: color('Target') } }, // no y: across every row
        {
          mark: { type: 'text', align: 'left', baseline: 'middle', dx: 6, fontSize: FONT_SIZE.note, fontWeight: 600 },
          encoding: { ...y, x: { field: 'label_x', ...x }, text: { field: 'label', type: 'nominal' } },
        },
      ],
    },
  });
}
