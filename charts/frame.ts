/**
 * What every chart spec shares: the top-level frame (title, subtitle, config, size) and the
 * "No data for this filter" card a builder returns when its report has nothing to draw.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ReportBase } from '../src/metrics/report-types.js';
import { CARD_PADDING, CARD_WIDTH, COLORS, FONT_SIZE, chartConfig, describeFilters, formatDate } from './theme.js';

export type VegaLiteSpec = TopLevelSpec;

export interface ChartOptions {
  /** Replaces the chart's default title. */
  title?: string;
  /** Replaces the chart's default subtitle (the headline figures). */
  subtitle?: string;
}

/**
 * A subtitle line longer than this many characters is wrapped at its " · " separators (Inter
 * at 13 px averages ~6.8 px a character, so 64 characters mostly stay inside the 448 px text width;
 * vega's title `limit` truncates with an ellipsis anything that still would not fit).
 */
export const SUBTITLE_MAX_CHARS = 64;

export function wrapLine(line: string, max = SUBTITLE_MAX_CHARS): string[] {
  if (line.length <= max) return [line];
  const parts = line.split(' · ');
  const out: string[] = [];
  let cur = '';
  for (const part of parts) {
    const next = cur ? `${cur} · ${part}` : part;
    if (cur && next.length > max) {
      out.push(cur);
      cur = part;
    } else {
      cur = next;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** Subtitle lines: the chart's headline, then the filter line and the as-of date. */
export function subtitleLines(report: ReportBase, headline: string | undefined, opts: ChartOptions | undefined): string[] {
  if (opts?.subtitle !== undefined) return opts.subtitle === '' ? [] : opts.subtitle.split('\n').flatMap((l) => wrapLine(l));
  const lines: string[] = [];
  if (headline) lines.push(headline);
  const filters = describeFilters(report.filters);
  const asOf = report.as_of ? `as of ${formatDate(report.as_of_day ?? report.as_of)}` : '';
  const context = [filters, asOf, report.currency ? `amounts in ${report.currency}` : ''].filter(Boolean).join(' · ');
  if (context) lines.push(context);
  const rebuilt = report.notes?.find((n) => n.startsWith('Rebuilt as of'));
  if (rebuilt) lines.push(rebuilt.includes('from the weekly deal snapshot') ? 'rebuilt from stage history and weekly deal snapshots' : 'rebuilt from stage history · amounts are today’s');
  else if (report.notes?.[0]) lines.push(report.notes[0]);
  const u = report.unconverted;
  if (u?.deals) lines.push(`${u.deals} ${u.deals === 1 ? 'deal' : 'deals'} in ${u.currencies.map((c) => c.currency).join(', ')} left out: no rate to ${report.currency}`);
  return lines.flatMap((l) => wrapLine(l));
}

/** The dataset a chart's rows live in: `data: TABLE_DATA` in the spec, the rows in `datasets.table`. */
export const TABLE = 'table';
export const TABLE_DATA = { name: TABLE } as const;

/** Where a spec property that depends on the report reads its value: a param of the spec. */
export function param(expr: string): { expr: string } {
  return { expr };
}

/**
 * What a builder hands to `chartSpec`: the layout (`body`: height, data, encoding, layers)
 * holds no figure that depends on the report. Titles, totals, scale maxima and mark sizes go
 * in `params` (referenced in the body with `param(name)`), rows in `datasets`, and a height
 * that grows with the rows is a `{ step }` per row. Two reports of the same shape then give
 * specs that differ only in param values and dataset rows, which is what lets
 * charts/render.ts reuse one built Vega View for both. What changes the layout itself (a
 * layer shown only for few months, a currency) stays in the body: another shape.
 */
export interface ChartParts {
  body: Record<string, unknown>;
  datasets: Record<string, object[]>;
  params?: Record<string, unknown>;
}

/**
 * A whole chart spec: schema, config, title block (title and subtitle as params), card size,
 * then the builder's body, params and datasets.
 */
export function chartSpec(report: ReportBase, title: string, headline: string | undefined, opts: ChartOptions | undefined, parts: ChartParts): VegaLiteSpec {
  const subtitle = subtitleLines(report, headline, opts);
  const params: Record<string, unknown> = { titleText: opts?.title ?? title };
  if (subtitle.length) params.subtitleLines = subtitle;
  Object.assign(params, parts.params);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: chartConfig(report.currency || 'USD'),
    title: {
      text: param('titleText'),
      ...(subtitle.length ? { subtitle: param('subtitleLines') } : {}),
    },
    // With autosize fit-x the whole card (axes, labels, padding) is CARD_WIDTH wide.
    width: CARD_WIDTH,
    autosize: { type: 'fit-x' as const, contains: 'padding' as const },
    params: Object.entries(params).map(([name, value]) => ({ name, value })),
    ...parts.body,
    datasets: parts.datasets,
  } as VegaLiteSpec;
}

/** The card shown instead of a chart when the report has nothing to draw for its filters. */
export function noDataSpec(report: ReportBase, title: string, opts: ChartOptions | undefined): VegaLiteSpec {
  const filterLine = describeFilters(report.filters);
  const lines = ['No data for this filter', filterLine ? filterLine : 'Nothing to show yet for this period.'];
  const frameOpts = { title: opts?.title, subtitle: opts?.subtitle ?? (report.as_of ? `as of ${formatDate(report.as_of_day ?? report.as_of)}` : '') };
  return chartSpec(report, title, undefined, frameOpts, {
    datasets: { [TABLE]: lines.map((text, i) => ({ text, i })) },
    body: {
      height: 110,
      data: TABLE_DATA,
      mark: { type: 'text', align: 'center', baseline: 'middle', limit: CARD_WIDTH - 2 * CARD_PADDING },
      encoding: {
        text: { field: 'text', type: 'nominal' },
        x: { value: (CARD_WIDTH - 2 * CARD_PADDING) / 2 },
        y: { field: 'i', type: 'ordinal', axis: null, scale: { range: [42, 72] } },
        size: { field: 'i', type: 'ordinal', legend: null, scale: { range: [FONT_SIZE.title - 2, FONT_SIZE.subtitle] } },
        color: { field: 'i', type: 'ordinal', legend: null, scale: { range: [COLORS.text, COLORS.muted] } },
      },
      usermeta: { noData: true },
    },
  });
}
