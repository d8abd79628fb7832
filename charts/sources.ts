/**
 * Sourcing: deal value by source (largest first), each bar labelled with value, deal count and
 * win rate. More than MAX_SOURCES sources are folded into "Other".
 */
import type { SourceRow, SourcesReport } from '../src/metrics/report-types.js';
import { type ChartOptions, TABLE, TABLE_DATA, type VegaLiteSpec, chartSpec, noDataSpec, param } from './frame.js';
import { uniqueLabels } from './labels.js';
import { COLORS, FONT_SIZE, LABEL_LIMIT_PX, ROW_STEP, UNSTACKED, formatCount, formatMoney, formatPercent } from './theme.js';

export const SOURCES_TITLE = 'Deals by source';
export const MAX_SOURCES = 8;

/** The rows the chart shows, in its order: the largest sources, the rest folded into "Other (n)". */
export function shownSources(report: SourcesReport): SourceRow[] {
  const all = (report.sources ?? []).filter((s) => s.count > 0 || s.value > 0);
  const sorted = [...all].sort((a, b) => b.value - a.value || b.count - a.count);
  let rows: SourceRow[] = sorted;
  if (sorted.length > MAX_SOURCES) {
    const rest = sorted.slice(MAX_SOURCES - 1);
    const won = rest.reduce((s, r) => s + r.won, 0);
    const lost = rest.reduce((s, r) => s + r.lost, 0);
    rows = [
      ...sorted.slice(0, MAX_SOURCES - 1),
      {
        source: `Other (${rest.length})`,
        count: rest.reduce((s, r) => s + r.count, 0),
        value: rest.reduce((s, r) => s + r.value, 0),
        won,
        lost,
        win_rate: won + lost > 0 ? won / (won + lost) : null,
      },
    ];
  }
  return rows;
}

export function sourcesChart(report: SourcesReport, opts?: ChartOptions): VegaLiteSpec {
  const all = (report.sources ?? []).filter((s) => s.count > 0 || s.value > 0);
  if (all.length === 0) return noDataSpec(report, SOURCES_TITLE, opts);
  const cur = report.currency || 'USD';
  const rows = shownSources(report);
  const names = uniqueLabels(
    rows.map((s) => s.source || '(none)'),
    { maxPx: LABEL_LIMIT_PX, fontSize: FONT_SIZE.label },
  );
  const values = rows.map((s, i) => ({
    source: names[i],
    value: s.value,
    label: `${formatMoney(s.value, cur)} · ${formatCount(s.count)} · ${s.win_rate == null ? 'no closes' : `${formatPercent(s.win_rate)} won`}`,
  }));
  const totalValue = all.reduce((s, r) => s + r.value, 0);
  const totalCount = all.reduce((s, r) => s + r.count, 0);
  const headline = `${formatMoney(totalValue, cur)} across ${formatCount(totalCount)} deals from ${all.length} ${all.length === 1 ? 'source' : 'sources'} · Bars show value, deals and win rate`;
  const max = Math.max(...values.map((v) => v.value), 1);
  const x = { field: 'value', type: 'quantitative' as const, title: null, axis: null, scale: { domain: [0, param('xMax')] }, ...UNSTACKED };
  return chartSpec(report, SOURCES_TITLE, headline, opts, {
    datasets: { [TABLE]: values },
    params: { xMax: max / 0.5 },
    body: {
      height: { step: ROW_STEP },
      data: TABLE_DATA,
      encoding: { y: { field: 'source', type: 'nominal', sort: null, title: null }, x },
      layer: [
        { mark: { type: 'bar', height: 24, color: COLORS.primary } },
        { mark: { type: 'text', align: 'left', baseline: 'middle', dx: 6, fontSize: FONT_SIZE.markLabel }, encoding: { text: { field: 'label', type: 'nominal' } } },
      ],
    },
  });
}
