/**
 * Pipeline by stage: one horizontal bar per open canonical stage, in funnel order. The light
 * bar is open value, the dark bar inside it the weighted value; the label gives value and count.
 */
import type { PipelineReport } from '../src/metrics/report-types.js';
import { type ChartOptions, TABLE, TABLE_DATA, type VegaLiteSpec, chartSpec, noDataSpec, param } from './frame.js';
import { uniqueLabels } from './labels.js';
import { COLORS, FONT_SIZE, LABEL_LIMIT_PX, ROW_STEP, UNSTACKED, formatCount, formatMoney } from './theme.js';

export const PIPELINE_TITLE = 'Open pipeline by stage';

export function pipelineChart(report: PipelineReport, opts?: ChartOptions): VegaLiteSpec {
  const stages = report.stages ?? [];
  if (stages.length === 0 || stages.every((s) => s.count === 0 && s.value === 0)) return noDataSpec(report, PIPELINE_TITLE, opts);
  const cur = report.currency || 'USD';
  const names = uniqueLabels(
    stages.map((s) => s.stage || '(no stage)'),
    { maxPx: LABEL_LIMIT_PX, fontSize: FONT_SIZE.label },
  );
  const values = stages.map((s, i) => ({
    stage: names[i],
    value: s.value,
    weighted: s.weighted,
    label: `${formatMoney(s.value, cur)} · ${formatCount(s.count)} ${s.count === 1 ? 'deal' : 'deals'}`,
  }));
  const max = Math.max(...values.map((v) => v.value), 1);
  const headline = `${formatMoney(report.total.value, cur)} open · ${formatMoney(report.total.weighted, cur)} weighted · ${formatCount(report.total.count)} deals`;
  const y = { field: 'stage', type: 'nominal' as const, sort: null, title: null };
  // Bars use at most 58% of the width so the longest label always fits to their right.
  const x = { type: 'quantitative' as const, title: null, axis: null, scale: { domain: [0, param('xMax')] } };
  const legendColor = {
    type: 'nominal' as const,
    title: null,
    scale: { domain: ['Open value', 'Weighted'], range: [COLORS.primaryLight, COLORS.primary] },
  };
  return chartSpec(report, PIPELINE_TITLE, headline, opts, {
    datasets: { [TABLE]: values },
    params: { xMax: max / 0.58 },
    body: {
      height: { step: ROW_STEP },
      data: TABLE_DATA,
      encoding: { y },
      layer: [
        {
          mark: { type: 'bar', height: 24 },
          encoding: { x: { field: 'value', ...x, ...UNSTACKED }, color: { datum: 'Open value', ...legendColor } },
        },
        {
          mark: { type: 'bar', height: 24 },
          encoding: { x: { field: 'weighted', ...x, ...UNSTACKED }, color: { datum: 'Weighted', ...legendColor } },
        },
        {
          mark: { type: 'text', align: 'left', baseline: 'middle', dx: 6, fontSize: FONT_SIZE.markLabel },
          encoding: { x: { field: 'value', ...x }, text: { field: 'label', type: 'nominal' } },
        },
      ],
    },
  });
}
