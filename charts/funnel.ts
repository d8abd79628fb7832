/**
 * Conversion funnel: how many deals of the cohort reached each stage (bar and count, with the
 * share of the first stage), and between bars the conversion to the next stage.
 */
import type { FunnelReport } from '../src/metrics/report-types.js';
import { type ChartOptions, TABLE, TABLE_DATA, type VegaLiteSpec, chartSpec, noDataSpec, param } from './frame.js';
import { uniqueLabels } from './labels.js';
import { COLORS, FONT_SIZE, LABEL_LIMIT_PX, UNSTACKED, formatCount, formatPercent } from './theme.js';

export const FUNNEL_TITLE = 'Conversion funnel';

/** Bar thickness and row pitch: the gap between bars carries the conversion label. */
const BAR = 22;
const STEP = 52;

/** "↓ 40% moved on to Proposal" under a stage, or null for the last stage. */
export function funnelChart(report: FunnelReport, opts?: ChartOptions): VegaLiteSpec {
  const stages = report.stages ?? [];
  const top = stages[0]?.reached ?? 0;
  if (stages.length === 0 || top === 0) return noDataSpec(report, FUNNEL_TITLE, opts);
  // Stage names are bold on this axis.
  const names = uniqueLabels(
    stages.map((s) => s.stage || '(no stage)'),
    { maxPx: LABEL_LIMIT_PX, fontSize: FONT_SIZE.label, fontWeight: 600 },
  );
  const values = stages.map((s, i) => ({
    stage: names[i],
    reached: s.reached,
    label: `${formatCount(s.reached)} · ${formatPercent(s.reached / top)}`,
    conversion: s.conversion_to_next == null || i === stages.length - 1 ? null : `↓ ${formatPercent(s.conversion_to_next)} moved on to ${names[i + 1]!}`,
    last: i === stages.length - 1,
  }));
  // The cohort's win rate (deals created in the window that closed), not the digest's (deals closed in a window).
  const headline = `${formatCount(top)} deals created · ${formatPercent(report.win_rate)} of those closed were won`;
  const y = { field: 'stage', type: 'nominal' as const, sort: null, title: null };
  const x = { type: 'quantitative' as const, title: null, axis: null, scale: { domain: [0, param('xMax')] } };
  return chartSpec(report, FUNNEL_TITLE, headline, opts, {
    datasets: { [TABLE]: values },
    params: { xMax: top / 0.7 },
    body: {
      height: { step: STEP },
      data: TABLE_DATA,
      encoding: { y: { ...y, axis: { labelFontWeight: 600, labelAlign: 'right', labelBaseline: 'middle' } } },
      layer: [
        {
          mark: { type: 'bar', height: BAR },
          encoding: {
            x: { field: 'reached', ...x, ...UNSTACKED },
            color: {
              field: 'last',
              type: 'nominal',
              legend: null,
              scale: { domain: [false, true], range: [COLORS.primary, COLORS.won] },
            },
          },
        },
        {
          mark: { type: 'text', align: 'left', baseline: 'middle', dx: 6, fontSize: FONT_SIZE.markLabel },
          encoding: { x: { field: 'reached', ...x }, text: { field: 'label', type: 'nominal' } },
        },
        {
          transform: [{ filter: 'datum.conversion != null' }],
          mark: { type: 'text', align: 'left', baseline: 'middle', dy: STEP / 2, x: 0, fontSize: FONT_SIZE.note, color: COLORS.muted },
          encoding: { text: { field: 'conversion', type: 'nominal' } },
        },
      ],
    },
  });
}
