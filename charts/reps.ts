/**
 * Rep scoreboard for a period: one row per rep, ranked by won value (bar + amount), then open
 * pipeline (value and deal count), activities logged (calls + emails + meetings + tasks) and
 * time since the last activity. CRMs without usable activity data show "n/a", never zeros.
 */
import type { RepsReport } from '../src/metrics/report-types.js';
import { type ChartOptions, TABLE, TABLE_DATA, type VegaLiteSpec, chartSpec, noDataSpec, param } from './frame.js';
import { uniqueLabels } from './labels.js';
import { COLORS, FONT_SIZE, ROW_STEP, UNSTACKED, formatCount, formatDate, formatHoursAgo, formatMoney } from './theme.js';

export const REPS_TITLE = 'Rep scoreboard';
export const MAX_REPS = 10;

/** Plot width and the right edges of the text columns, in px from the plot's left edge. */
const PLOT = 330;
const BAR_MAX = 80;
const COLUMNS = { won: BAR_MAX + 54, open: 226, activities: 290, last: PLOT };
/** The widest a rep's name may be on the axis, in px. */
const NAME_PX = 110;

/** The reps the chart shows, in its order: the top MAX_REPS by won value, then open value. */
export function shownReps(report: RepsReport): RepsReport['reps'] {
  const ranked = [...(report.reps ?? [])].sort((a, b) => b.won_value - a.won_value || b.open_value - a.open_value || a.owner.localeCompare(b.owner));
  return ranked.slice(0, MAX_REPS);
}

export function repsChart(report: RepsReport, opts?: ChartOptions): VegaLiteSpec {
  const reps = report.reps ?? [];
  if (reps.length === 0) return noDataSpec(report, REPS_TITLE, opts);
  const cur = report.currency || 'USD';
  const shown = shownReps(report);
  const acts = report.activities_available;
  const names = uniqueLabels(
    shown.map((r) => r.owner || '(no owner)'),
    { maxPx: NAME_PX, fontSize: FONT_SIZE.label },
  );
  const values = shown.map((r, i) => ({
    owner: names[i],
    won: r.won_value,
    won_label: formatMoney(r.won_value, cur),
    open_label: `${formatMoney(r.open_value, cur)} (${formatCount(r.open_deals)})`,
    activities: acts ? formatCount(r.calls + r.emails + r.meetings + r.tasks) : 'n/a',
    last: acts ? formatHoursAgo(r.hours_since_activity) : 'n/a',
    stale: acts && (r.hours_since_activity == null || r.hours_since_activity > 24 * 7),
  }));
  const totalWon = reps.reduce((s, r) => s + r.won_value, 0);
  const period = report.since && report.until ? `${formatDate(report.since)} – ${formatDate(report.until)}` : '';
  const headline = [
    `${formatMoney(totalWon, cur)} won`,
    period,
    reps.length > MAX_REPS ? `top ${MAX_REPS} of ${reps.length} reps` : '',
    acts ? '' : 'no activity data from this CRM',
  ].filter(Boolean).join(' · ');
  const max = Math.max(...values.map((v) => v.won), 1);
  const headers = [
    { x: COLUMNS.won, text: 'Won' },
    { x: COLUMNS.open, text: 'Open (deals)' },
    { x: COLUMNS.activities, text: 'Activity' },
    { x: COLUMNS.last, text: 'Last' },
  ];
  const column = (field: string, x: number, extra: Record<string, unknown> = {}) => ({
    mark: { type: 'text', align: 'right', baseline: 'middle', x, fontSize: FONT_SIZE.markLabel, ...extra },
    encoding: { text: { field, type: 'nominal' } },
  });
  return chartSpec(report, REPS_TITLE, headline, opts, {
    datasets: { [TABLE]: values },
    params: { wonMax: max },
    body: {
      height: { step: ROW_STEP - 6 },
      data: TABLE_DATA,
      encoding: { y: { field: 'owner', type: 'nominal', sort: null, title: null, axis: { labelLimit: NAME_PX } } },
      layer: [
        {
          mark: { type: 'bar', height: 18, color: COLORS.won },
          encoding: { x: { field: 'won', type: 'quantitative', axis: null, title: null, scale: { domain: [0, param('wonMax')], range: [0, BAR_MAX] }, ...UNSTACKED } },
        },
        column('won_label', COLUMNS.won, { fontWeight: 600 }),
        column('open_label', COLUMNS.open),
        column('activities', COLUMNS.activities),
        {
          ...column('last', COLUMNS.last),
          encoding: {
            text: { field: 'last', type: 'nominal' },
            color: { field: 'stale', type: 'nominal', legend: null, scale: { domain: [false, true], range: [COLORS.text, COLORS.lost] } },
          },
        },
        {
          data: { values: headers },
          mark: { type: 'text', align: 'right', baseline: 'bottom', y: -8, fontSize: FONT_SIZE.axisTitle, color: COLORS.muted },
          encoding: { x: { field: 'x', type: 'quantitative', scale: null }, text: { field: 'text', type: 'nominal' }, y: { value: -8 } },
        },
      ],
      resolve: { scale: { x: 'independent' } },
    },
  });
}
