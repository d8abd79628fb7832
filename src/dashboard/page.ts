/**
 * The dashboard page builder: report objects + chart SVGs → one self-contained HTML string.
 * Pure: no clock, no database, no file system. Everything the page shows comes from the report
 * objects of src/reports.ts (the same JSON `dealcast report <name> --json` prints) and from the
 * Slack charts' Vega-Lite specs rendered to SVG.
 *
 * Self-contained means: one inline <style>, one inline <script> (deals table filter/sort), inline
 * SVG; a CSP meta tag that forbids every load and admits only those two elements by hash.
 */
import { createHash } from 'node:crypto';
import type {
  DealListRow,
  DealsReport,
  ForecastReport,
  FunnelReport,
  PipelineReport,
  RepsReport,
  SourcesReport,
  VelocityReport,
} from '../metrics/report-types.js';
import { cspMeta } from './csp.js';
import { DEALS_TABLE_SCRIPT } from './deals-table-script.js';
import { escapeHtml } from './html.js';
import { formatAge, formatCount, formatDay, formatDays, formatHoursAgo, formatInstant, formatMoney, formatMonth, formatPercent } from './page-format.js';
import { PAGE_STYLE } from './page-style.js';

/**
 * Optional fields the metrics add beyond the contract's fixed keys; shown when present.
 * (Intersections, so the page works with report objects that have or lack them.)
 */
type ForecastExtras = { overdue?: { count: number; value: number } };
type FunnelExtras = {
  cohort?: { from: string; to: string; deals: number; won: number; lost: number; open: number };
  time_in_stage?: { stage: string; sample: number; mean_days: number | null; median_days: number | null }[];
};
type VelocityExtras = { current: { won_deals?: number; lost_deals?: number; window_from?: string } };
type SourcesExtras = { from?: string };

/** The reports the page is made of, each exactly as computeReport returns it. */
export interface DashboardReports {
  pipeline: PipelineReport;
  forecast: ForecastReport & ForecastExtras;
  funnel: FunnelReport & FunnelExtras;
  velocity: VelocityReport & VelocityExtras;
  reps: RepsReport;
  sources: SourcesReport & SourcesExtras;
  deals: DealsReport;
}

/** The deals report with every deal name replaced by its CRM id (`--no-deal-names`). */
export function withoutDealNames(deals: DealsReport): DealsReport {
  return { ...deals, deals: deals.deals.map((d) => ({ ...d, name: `Deal ${d.id}` })) };
}

/** The charts the page embeds, in page order; each is the Slack chart of the same name. */
export const DASHBOARD_CHARTS = ['pipeline', 'forecast', 'funnel', 'velocity', 'reps', 'sources'] as const;
export type DashboardChartName = (typeof DASHBOARD_CHARTS)[number];

export interface DashboardPageInput {
  /** When this page was generated (ISO instant; the `now` of the reports). */
  generatedAt: string;
  /** Start of the last successful sync (ISO), or null when none has succeeded. */
  dataSyncedAt: string | null;
  /** The CRM the data comes from ('hubspot', 'demo', …). */
  crm: string;
  /** IANA time zone for the times shown. */
  timeZone: string;
  reports: DashboardReports;
  /** SVG markup per chart (renderSvg output). */
  charts: Record<DashboardChartName, string>;
  /** Data older than this (at generation) gets a warning banner. Default 24. */
  staleAfterHours?: number;
}

export const DEFAULT_STALE_AFTER_HOURS = 24;

/** Scripts and styles the page runs, for the CSP of a page that writes this one (the unlock page). */
export const PAGE_INLINE = { scripts: [DEALS_TABLE_SCRIPT], styles: [PAGE_STYLE] } as const;

export interface RenderedDashboard {
  html: string;
  /**
   * SHA-256 (hex) of the page rendered with its two timestamps (generated_at and the sync time)
   * left blank: equal fingerprints mean a reader would see the same page apart from those times.
   */
  fingerprint: string;
}

/** The name of the <meta> tag that carries the fingerprint. */
export const FINGERPRINT_META = 'dealcast-content-sha256';

/** Reads the fingerprint back from a rendered page (null when there is none). */
export function readFingerprint(html: string): string | null {
  const m = new RegExp(`<meta name="${FINGERPRINT_META}" content="([0-9a-f]{64})">`).exec(html);
  return m ? m[1] : null;
}

/** Renders the page and its content fingerprint. */
export function renderDashboardPage(input: DashboardPageInput): RenderedDashboard {
  const fingerprint = createHash('sha256')
    .update(renderHtml(input, { generatedAt: null, dataSyncedAt: null, fingerprint: '' }))
    .digest('hex');
  const html = renderHtml(input, { generatedAt: input.generatedAt, dataSyncedAt: input.dataSyncedAt, fingerprint });
  return { html, fingerprint };
}

interface Stamps {
  /** null: left blank (fingerprint rendering). */
  generatedAt: string | null;
  dataSyncedAt: string | null;
  fingerprint: string;
}

const esc = escapeHtml;

function renderHtml(input: DashboardPageInput, stamps: Stamps): string {
  const r = input.reports;
  const currency = r.pipeline.currency || 'USD';
  const body = [
    header(input, stamps),
    freshnessWarning(input),
    kpiRow(r, currency),
    '<div class="grid">',
    pipelineSection(r.pipeline, input.charts.pipeline, currency),
    forecastSection(r.forecast, input.charts.forecast, currency),
    funnelSection(r.funnel, input.charts.funnel),
    velocitySection(r.velocity, input.charts.velocity, currency),
    sourcesSection(r.sources, input.charts.sources, currency),
    repsSection(r.reps, input.charts.reps, currency),
    dealsSection(r.deals, currency, r.pipeline.total.count),
    '</div>',
    `<footer>Generated by dealcast from ${esc(crmLabel(input.crm))} data. Figures match <code>dealcast report &lt;name&gt; --json</code> for the same time and filters. This file loads nothing from the network.</footer>`,
  ].join('\n');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    cspMeta({ scripts: [...PAGE_INLINE.scripts], styles: [...PAGE_INLINE.styles] }),
    '<meta name="referrer" content="no-referrer">',
    '<meta name="robots" content="noindex, nofollow">',
    `<meta name="${FINGERPRINT_META}" content="${esc(stamps.fingerprint)}">`,
    `<title>Sales dashboard${stamps.generatedAt ? ` · ${esc(formatDay(stamps.generatedAt.slice(0, 10)))}` : ''}</title>`,
    `<style>${PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    body,
    '</main>',
    `<script>${DEALS_TABLE_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const CRM_LABELS: Record<string, string> = {
  demo: 'the demo CRM',
  hubspot: 'HubSpot',
  pipedrive: 'Pipedrive',
  salesforce: 'Salesforce',
  attio: 'Attio',
  csv: 'CSV',
};
const crmLabel = (crm: string) => CRM_LABELS[crm] ?? crm;

function filterLine(r: DashboardReports): string {
  const f = r.pipeline.filters ?? {};
  const parts: string[] = [];
  if (f.pipeline) parts.push(`pipeline ${f.pipeline}`);
  if (f.owner) parts.push(`owner ${f.owner}`);
  if (f.source) parts.push(`source ${f.source}`);
  if (f.since) parts.push(`since ${formatDay(f.since)}`);
  return parts.length ? `Filtered to ${parts.join(', ')}` : 'All pipelines, all owners';
}

function header(input: DashboardPageInput, stamps: Stamps): string {
  const generated = stamps.generatedAt === null ? '' : formatInstant(stamps.generatedAt, input.timeZone);
  let data: string;
  if (!input.dataSyncedAt) data = 'no successful sync yet';
  else if (stamps.dataSyncedAt === null) data = '';
  else {
    const age = Date.parse(input.generatedAt) - Date.parse(stamps.dataSyncedAt);
    data = `${formatInstant(stamps.dataSyncedAt, input.timeZone)} (${formatAge(age)} before this page)`;
  }
  return `<header class="page">
<div><h1>Sales dashboard</h1><p class="scope">${esc(crmLabel(input.crm))} · ${esc(filterLine(input.reports))} · ${esc(input.reports.pipeline.currency)}</p></div>
<dl class="stamps"><dt>Generated</dt><dd id="generated-at" data-iso="${esc(stamps.generatedAt ?? '')}">${esc(generated)}</dd><dt>Data as of</dt><dd id="data-as-of" data-iso="${esc(stamps.dataSyncedAt ?? '')}">${esc(data)}</dd></dl>
</header>`;
}

/** A banner when the data is old or missing; part of the fingerprint (it is content). */
function freshnessWarning(input: DashboardPageInput): string {
  if (!input.dataSyncedAt) {
    return '<p class="warning" role="alert">No CRM sync has succeeded yet, so this page has no data. Run <code>dealcast sync</code> and check <code>dealcast status</code>.</p>';
  }
  const hours = (Date.parse(input.generatedAt) - Date.parse(input.dataSyncedAt)) / 3_600_000;
  const limit = input.staleAfterHours ?? DEFAULT_STALE_AFTER_HOURS;
  if (hours <= limit) return '';
  return `<p class="warning" role="alert">The data is more than ${limit} hours old: the last successful CRM sync is older than that. Check <code>dealcast status</code>.</p>`;
}

function kpi(id: string, title: string, value: number | null, display: string, unit: string, note: string): string {
  return `<li class="kpi" id="kpi-${id}"><h2>${esc(title)}</h2><p class="value" data-value="${value === null ? '' : String(value)}">${esc(display)}${
    unit ? ` <span class="unit">${esc(unit)}</span>` : ''
  }</p><p class="note">${esc(note)}</p></li>`;
}

/**
 * The four headline figures, each from one report:
 * - open pipeline = pipeline.total.value;
 * - weighted forecast = Σ over forecast.months of (won + weighted): value already won in the months
 *   shown plus open deals expected to close in them at calibrated probabilities — the same figure
 *   the Slack forecast chart heads with (its CRM-probability twin uses weighted_crm);
 * - win rate = velocity.current.win_rate (won ÷ (won + lost) over the trailing window);
 * - sales velocity = velocity.current.velocity (value per day).
 */
export function kpiFigures(r: Pick<DashboardReports, 'pipeline' | 'forecast' | 'velocity'>) {
  const sum = (k: 'weighted' | 'weighted_crm' | 'won') => r.forecast.months.reduce((s, m) => s + m[k], 0);
  return {
    open_pipeline: r.pipeline.total.value,
    open_deals: r.pipeline.total.count,
    weighted_forecast: sum('won') + sum('weighted'),
    weighted_forecast_crm: sum('won') + sum('weighted_crm'),
    won_in_months: sum('won'),
    win_rate: r.velocity.current.win_rate,
    sales_velocity: r.velocity.current.velocity,
  };
}

function kpiRow(r: DashboardReports, currency: string): string {
  const k = kpiFigures(r);
  const months = r.forecast.months;
  const span = months.length ? `${formatMonth(months[0].month)}${months.length > 1 ? ` – ${formatMonth(months[months.length - 1].month)}` : ''}` : 'no months';
  const v = r.velocity.current;
  const closed = v.won_deals !== undefined && v.lost_deals !== undefined ? `${formatCount(v.won_deals)} won, ${formatCount(v.lost_deals)} lost` : 'won ÷ (won + lost)';
  const window = v.window_from ? `closed since ${formatDay(v.window_from)}` : 'recently closed deals';
  return `<ul class="kpis" aria-label="Headline figures">
${kpi('open-pipeline', 'Open pipeline', k.open_pipeline, formatMoney(k.open_pipeline, currency), '', `${formatCount(k.open_deals)} open deals`)}
${kpi('weighted-forecast', 'Weighted forecast', k.weighted_forecast, formatMoney(k.weighted_forecast, currency), '', `${span}: ${formatMoney(k.won_in_months, currency)} won + weighted open · with CRM probabilities ${formatMoney(k.weighted_forecast_crm, currency)}`)}
${kpi('win-rate', 'Win rate', k.win_rate, formatPercent(k.win_rate), '', `${closed}, ${window}`)}
${kpi('sales-velocity', 'Sales velocity', k.sales_velocity, formatMoney(k.sales_velocity, currency), '/ day', `${formatCount(v.open_deals)} open × win rate × avg won ${formatMoney(v.avg_won, currency)} ÷ ${formatDays(v.cycle_days)} cycle`)}
</ul>`;
}

/**
 * Makes ids inside one SVG unique on the page and independent of the process: vega numbers clip
 * paths from a process-wide counter (clip1, clip34, …), so every chart would repeat some and two
 * renders of the same chart would differ. Each id becomes `<prefix>-<n>`, n counting from 1 in
 * order of appearance, and references (url(#…), href="#…") follow.
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) if (!ids.has(m[1])) ids.set(m[1], `${prefix}-${ids.size + 1}`);
  if (!ids.size) return svg;
  return svg
    .replace(/(\sid=")([^"]+)(")/g, (all, a: string, id: string, b: string) => (ids.has(id) ? `${a}${ids.get(id)}${b}` : all))
    .replace(/url\(#([^)]+)\)/g, (all, id: string) => (ids.has(id) ? `url(#${ids.get(id)})` : all))
    .replace(/(href=")#([^"]+)(")/g, (all, a: string, id: string, b: string) => (ids.has(id) ? `${a}#${ids.get(id)}${b}` : all));
}

function chart(name: DashboardChartName, svg: string, label: string): string {
  const trimmed = svg.replace(/^\s*<\?xml[^>]*>\s*/, '').trim();
  if (!trimmed.startsWith('<svg')) throw new Error(`The ${name} chart is not an SVG document.`);
  const scoped = scopeSvgIds(trimmed, `chart-${name}`).replace(/^<svg\b/, `<svg role="img" aria-label="${esc(label)}" focusable="false"`);
  return `<figure class="chart" id="chart-${name}">${scoped}</figure>`;
}

function table(head: string[], rows: string[][], opts: { numeric?: boolean[]; foot?: string[]; id?: string; caption?: string } = {}): string {
  const cls = (i: number) => (opts.numeric?.[i] ? ' class="num"' : '');
  return `<div class="table-wrap"><table${opts.id ? ` id="${opts.id}"` : ''}>${opts.caption ? `<caption class="muted">${esc(opts.caption)}</caption>` : ''}<thead><tr>${head
    .map((h, i) => `<th scope="col"${cls(i)}>${esc(h)}</th>`)
    .join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody>${
    opts.foot ? `<tfoot><tr>${opts.foot.map((c, i) => `<td${cls(i)}>${esc(c)}</td>`).join('')}</tr></tfoot>` : ''
  }</table></div>`;
}

function numbers(inner: string): string {
  return `<details><summary>Show the numbers</summary>${inner}</details>`;
}

function section(id: string, title: string, lede: string, inner: string, wide = false): string {
  return `<section class="card${wide ? ' wide' : ''}" id="${id}" aria-labelledby="${id}-title"><h2 id="${id}-title">${esc(title)}</h2>${
    lede ? `<p class="lede">${esc(lede)}</p>` : ''
  }${inner}</section>`;
}

/**
 * A card whose chart carries its own title (the Slack chart's): the heading is for screen readers
 * and the outline only, and the explanation sits under the chart as a note.
 */
function chartSection(id: string, title: string, note: string, figure: string, numbersTable: string, layout: 'card' | 'wide' = 'card'): string {
  return `<section class="card chart-card${layout === 'wide' ? ' wide' : ''}" id="${id}" aria-labelledby="${id}-title"><h2 class="visually-hidden" id="${id}-title">${esc(title)}</h2>${figure}${
    note ? `<p class="note">${esc(note)}</p>` : ''
  }${numbersTable}</section>`;
}

function pipelineSection(p: PipelineReport, svg: string, currency: string): string {
  const rows = p.stages.map((s) => [s.stage, formatCount(s.count), formatMoney(s.value, currency), formatMoney(s.weighted, currency)]);
  return chartSection(
    'pipeline',
    'Pipeline by stage',
    'Open deals in each stage: count, value and value weighted by the calibrated win probability.',
    chart('pipeline', svg, 'Open pipeline by stage'),
      numbers(
        table(['Stage', 'Deals', 'Value', 'Weighted'], rows, {
          numeric: [false, true, true, true],
          foot: ['Total', formatCount(p.total.count), formatMoney(p.total.value, currency), formatMoney(p.total.weighted, currency)],
        }),
      ),
  );
}

function forecastSection(f: DashboardReports['forecast'], svg: string, currency: string): string {
  const rows = f.months.map((m) => [
    formatMonth(m.month),
    formatMoney(m.pipeline, currency),
    formatMoney(m.weighted, currency),
    formatMoney(m.weighted_crm, currency),
    formatMoney(m.won, currency),
  ]);
  const overdue = f.overdue && f.overdue.count > 0 ? ` ${formatCount(f.overdue.count)} open deals (${formatMoney(f.overdue.value, currency)}) have a close date in the past and are in no month.` : '';
  return chartSection(
    'forecast',
    'Forecast by month',
    `Open deals by expected close month, weighted with calibrated and with CRM probabilities, and value already won.${overdue}`,
    chart('forecast', svg, 'Forecast by close month'),
      numbers(table(['Month', 'Pipeline', 'Weighted', 'Weighted (CRM prob.)', 'Won'], rows, { numeric: [false, true, true, true, true] })),
  );
}

function funnelSection(f: DashboardReports['funnel'], svg: string): string {
  const first = f.stages[0]?.reached ?? 0;
  const times = new Map((f.time_in_stage ?? []).map((t) => [t.stage, t]));
  const withTimes = times.size > 0;
  const rows = f.stages.map((s) => {
    const row = [s.stage, formatCount(s.reached), first > 0 ? formatPercent(s.reached / first) : '—', s.conversion_to_next === null ? '—' : formatPercent(s.conversion_to_next)];
    if (withTimes) row.push(formatDays(times.get(s.stage)?.median_days ?? null));
    return row;
  });
  const cohort = f.cohort
    ? `Deals created ${formatDay(f.cohort.from)} – ${formatDay(f.cohort.to)} (${formatCount(f.cohort.deals)}: ${formatCount(f.cohort.won)} won, ${formatCount(f.cohort.lost)} lost, ${formatCount(f.cohort.open)} open). `
    : '';
  const head = ['Stage', 'Reached', '% of first', 'To next'];
  if (withTimes) head.push('Median days');
  const numeric = head.map((_, i) => i > 0);
  return section(
    'funnel',
    'Stage conversion',
    `${cohort}Cumulative: a deal counts at every stage up to the deepest it reached, including deals later lost. Win rate of the cohort: ${formatPercent(f.win_rate)}.`,
    `<div class="split"><div>${table(head, rows, { numeric, id: 'funnel-table' })}</div>${chart('funnel', svg, 'Conversion funnel')}</div>`,
    true,
  );
}

function velocitySection(v: DashboardReports['velocity'], svg: string, currency: string): string {
  const rows = v.points.map((p) => [formatDay(p.period), formatMoney(p.velocity, currency), formatCount(p.open_deals), formatPercent(p.win_rate), formatMoney(p.avg_won, currency), formatDays(p.cycle_days)]);
  return chartSection(
    'velocity',
    'Sales velocity trend',
    `Value per day the pipeline turns into revenue (open deals × win rate × average won deal ÷ sales cycle), by ${v.granularity}.`,
    chart('velocity', svg, 'Sales velocity trend'),
      numbers(table([v.granularity === 'week' ? 'Week of' : 'Month of', 'Velocity / day', 'Open deals', 'Win rate', 'Avg won', 'Cycle'], rows, { numeric: [false, true, true, true, true, true] })),
  );
}

function repsSection(r: RepsReport, svg: string, currency: string): string {
  const act = (n: number) => (r.activities_available ? formatCount(n) : 'n/a');
  const rows = r.reps.map((x) => [
    x.owner,
    act(x.calls),
    act(x.emails),
    act(x.meetings),
    act(x.tasks),
    formatCount(x.open_deals),
    formatMoney(x.open_value, currency),
    formatMoney(x.won_value, currency),
    r.activities_available ? formatHoursAgo(x.hours_since_activity) : 'n/a',
  ]);
  const note = r.activities_available ? '' : ' This CRM’s activity data is not available, so activity counts are not shown.';
  return chartSection(
    'reps',
    'Rep scoreboard',
    `Activities and deals per rep, ${formatDay(r.since)} – ${formatDay(r.until)}.${note}`,
    chart('reps', svg, 'Rep scoreboard'),
      table(['Rep', 'Calls', 'Emails', 'Meetings', 'Tasks', 'Open deals', 'Open value', 'Won value', 'Last activity'], rows, {
        numeric: [false, true, true, true, true, true, true, true, true],
        id: 'reps-table',
      }),
      'wide',
  );
}

function sourcesSection(s: DashboardReports['sources'], svg: string, currency: string): string {
  const rows = s.sources.map((x) => [x.source, formatCount(x.count), formatMoney(x.value, currency), formatCount(x.won), formatCount(x.lost), formatPercent(x.win_rate)]);
  return chartSection(
    'sources',
    'Sourcing breakdown',
    `Deals by source${s.from ? ` created since ${formatDay(s.from)}` : ''}: count, value and win rate.`,
    chart('sources', svg, 'Sourcing breakdown'),
      numbers(table(['Source', 'Deals', 'Value', 'Won', 'Lost', 'Win rate'], rows, { numeric: [false, true, true, true, true, true] })),
  );
}

function options(id: string, label: string, all: string, values: string[]): string {
  return `<label for="${id}">${esc(label)}<select id="${id}"><option value="">${esc(all)}</option>${values
    .map((v) => `<option value="${esc(v)}">${esc(v)}</option>`)
    .join('')}</select></label>`;
}

const uniqueSorted = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x))].sort((a, b) => a.localeCompare(b));

interface DealColumn {
  head: string;
  type: 'number' | 'text';
  /** The deals filter (a <select>) that matches this column's text. */
  filter?: 'stage' | 'owner' | 'pipeline';
  /**
   * `sort`: the sort key when it differs from the cell text (numbers, ISO dates); null = empty,
   * sorted last; undefined = sort by the text itself (keeps the file small: no duplicate text).
   */
  cell: (d: DealListRow) => { text: string; sort?: string | number | null; className?: string };
}

function dealColumns(currency: string): DealColumn[] {
  return [
    { head: 'Deal', type: 'text', cell: (d) => ({ text: d.name, className: 'name' }) },
    { head: 'Amount', type: 'number', cell: (d) => ({ text: formatMoney(d.amount, currency), sort: d.amount }) },
    { head: 'Stage', type: 'text', filter: 'stage', cell: (d) => ({ text: d.stage }) },
    { head: 'CRM stage', type: 'text', cell: (d) => ({ text: d.crm_stage }) },
    { head: 'Owner', type: 'text', filter: 'owner', cell: (d) => (d.owner ? { text: d.owner } : { text: '—', sort: null }) },
    { head: 'Pipeline', type: 'text', filter: 'pipeline', cell: (d) => (d.pipeline ? { text: d.pipeline } : { text: '—', sort: null }) },
    { head: 'Days in stage', type: 'number', cell: (d) => ({ text: formatDays(d.days_in_stage), sort: d.days_in_stage === null ? null : Math.floor(d.days_in_stage) }) },
    {
      head: '× stage avg',
      type: 'number',
      cell: (d) => ({ text: d.stuck_ratio === null ? '—' : `${d.stuck_ratio.toFixed(1)}×`, sort: d.stuck_ratio === null ? null : Math.round(d.stuck_ratio * 10) / 10 }),
    },
    { head: 'Close date', type: 'text', cell: (d) => ({ text: formatDay(d.close_date), sort: d.close_date }) },
  ];
}

function dealCell(c: DealColumn, d: DealListRow): string {
  const v = c.cell(d);
  const cls = [c.type === 'number' ? 'num' : '', v.className ?? ''].filter(Boolean).join(' ');
  const sort = v.sort === undefined ? '' : ` data-sort="${v.sort === null ? '' : esc(String(v.sort))}"`;
  return `<td${cls ? ` class="${cls}"` : ''}${sort}>${esc(v.text)}</td>`;
}

function dealsSection(r: DealsReport, currency: string, openDeals: number): string {
  const cols = dealColumns(currency);
  const deals = r.deals;
  // Pre-sorted by days × stage average (most stuck first), as the deals report orders them.
  const sortCol = cols.findIndex((c) => c.head === '× stage avg');
  const head = cols
    .map(
      (c, i) =>
        `<th scope="col"${c.type === 'number' ? ' class="num"' : ''}${c.filter ? ` data-filter="${c.filter}"` : ''}${
          i === sortCol ? ' aria-sort="descending"' : ''
        }><button type="button" data-type="${c.type}">${esc(c.head)}</button></th>`,
    )
    .join('');
  const body = deals.map((d) => `<tr data-id="${esc(d.id)}">${cols.map((c) => dealCell(c, d)).join('')}</tr>`).join('\n');
  const more = r.total > deals.length ? ` The ${formatCount(deals.length)} listed are the most overdue of ${formatCount(r.total)}.` : '';
  // The deals report ranks a deal against its stage's history; stages with too little history
  // have no average, and their deals are not in it.
  const unranked = openDeals - r.total;
  const missing =
    unranked > 0 ? ` ${formatCount(unranked)} more open ${unranked === 1 ? 'deal is' : 'deals are'} in stages with too little history to compare against, and not listed.` : '';
  const lede = `Open deals, most overdue in their stage first (days in stage ÷ the stage’s historical average).${more}${missing}`;
  const filters = `<div class="filters" id="deals-filters" hidden>
${options('filter-stage', 'Stage', 'All stages', uniqueSorted(deals.map((d) => d.stage)))}
${options('filter-owner', 'Owner', 'All owners', uniqueSorted(deals.map((d) => d.owner)))}
${options('filter-pipeline', 'Pipeline', 'All pipelines', uniqueSorted(deals.map((d) => d.pipeline)))}
<label class="text" for="filter-text">Search<input id="filter-text" type="search" placeholder="Deal, owner, stage…" autocomplete="off"></label>
<button type="button" id="filter-reset">Reset</button>
</div>`;
  const tableHtml = deals.length
    ? `<div class="table-wrap"><table id="deals-table"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div><p class="muted" id="deals-empty" hidden>No deal matches these filters.</p>`
    : '<p class="muted">No open deals to list for these filters.</p>';
  return section(
    'deals',
    'Deals',
    lede,
    `${deals.length ? filters : ''}<p class="count" id="deals-count" aria-live="polite">${formatCount(deals.length)} deals</p>${tableHtml}`,
    true,
  );
}
