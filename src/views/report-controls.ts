/**
 * The controls on a report message: period, pipeline, owner and (where the report filters by
 * it) source as select menus, and "Deals behind this" and "Download CSV" buttons. The report's
 * state (which report, which filters) rides in the buttons' values, so a click carries it back
 * without any server-side session. Also: the deals table (a table block, paged) and the CSV of
 * a report's rows. Pure.
 */
import type { types } from '@slack/bolt';
import { ACTION_IDS, BLOCK_IDS } from '../ids.js';
import type { DealListRow } from '../metrics/report-types.js';
import { clip, formatMoney } from './numbers.js';

type KnownBlock = types.KnownBlock;

/** Slack: at most 100 options in a static select, 75 characters per option text, 150 per value. */
export const SELECT_MAX_OPTIONS = 100;
/** Rows per page of the deals table (a table block allows 100; a page this size reads on a phone). */
export const DEALS_PAGE_ROWS = 20;

export type ControlledReport = 'pipeline' | 'forecast' | 'funnel' | 'velocity' | 'reps' | 'deals';

/** A report message's state: compact keys (button values are limited to 2000 characters). */
export interface ReportState {
  r: ControlledReport;
  /** CRM owner id */
  o?: string;
  /** pipeline name */
  p?: string;
  /** source */
  s?: string;
  /** since, as typed: 30d, 90d … */
  w?: string;
}

export const PERIODS = ['30d', '90d', '180d', '365d'] as const;
const PERIOD_LABEL: Record<string, string> = { '30d': 'Last 30 days', '90d': 'Last 90 days', '180d': 'Last 180 days', '365d': 'Last 365 days' };
const ALL = '*';

/** Which filters each report's controls offer (as the slash commands accept them). */
export const CONTROLS: Record<ControlledReport, { period: boolean; owner: boolean; source: boolean }> = {
  pipeline: { period: true, owner: true, source: true },
  forecast: { period: false, owner: true, source: true },
  funnel: { period: true, owner: true, source: true },
  velocity: { period: true, owner: true, source: true },
  reps: { period: true, owner: false, source: false },
  deals: { period: true, owner: true, source: true },
};

export function encodeState(s: ReportState): string {
  return clip(JSON.stringify(s), 2000);
}

export function decodeState(v: string | undefined): ReportState | null {
  if (!v) return null;
  try {
    const s = JSON.parse(v) as ReportState;
    return s && typeof s.r === 'string' && s.r in CONTROLS ? s : null;
  } catch {
    return null;
  }
}

/** The report's state as filter text a command would take (owner by id works with the filters). */
export function stateFilters(s: ReportState): { owner?: string; pipeline?: string; source?: string; since?: string } {
  return { ...(s.o ? { owner: s.o } : {}), ...(s.p ? { pipeline: s.p } : {}), ...(s.s ? { source: s.s } : {}), ...(s.w ? { since: s.w } : {}) };
}

const plain = (text: string) => ({ type: 'plain_text' as const, text: clip(text, 75), emoji: true });
const option = (text: string, value: string) => ({ text: plain(text), value: clip(value, 150) });

function select(actionId: string, placeholder: string, options: { text: ReturnType<typeof plain>; value: string }[], current: string | undefined): types.StaticSelect {
  const opts = options.slice(0, SELECT_MAX_OPTIONS);
  const initial = opts.find((o) => o.value === (current ?? ALL));
  return { type: 'static_select', action_id: actionId, placeholder: plain(placeholder), options: opts, ...(initial ? { initial_option: initial } : {}) };
}

export interface ControlChoices {
  pipelines: string[];
  /** Owners the viewer may pick (their scope), id and name. */
  owners: { id: string; name: string }[];
  sources: string[];
}

export function reportControls(state: ReportState, choices: ControlChoices): KnownBlock[] {
  const c = CONTROLS[state.r];
  const value = encodeState(state);
  const elements: types.ActionsBlockElement[] = [];
  if (c.period) elements.push(select(ACTION_IDS.reportPeriod, 'Period', [option('Default period', ALL), ...PERIODS.map((p) => option(PERIOD_LABEL[p]!, p))], state.w));
  if (choices.pipelines.length > 1 || state.p) {
    elements.push(select(ACTION_IDS.reportPipeline, 'Pipeline', [option('All pipelines', ALL), ...choices.pipelines.map((p) => option(p, p))], state.p));
  }
  if (c.owner) elements.push(select(ACTION_IDS.reportOwner, 'Owner', [option('Everyone I may see', ALL), ...choices.owners.map((o) => option(o.name, o.id))], state.o));
  if (c.source && choices.sources.length) elements.push(select(ACTION_IDS.reportSource, 'Source', [option('All sources', ALL), ...choices.sources.map((s) => option(s, s))], state.s));
  const buttons: types.Button[] = [
    { type: 'button', action_id: ACTION_IDS.reportDealsBehind, text: plain('Deals behind this'), value },
    { type: 'button', action_id: ACTION_IDS.reportCsv, text: plain('Download CSV'), value },
  ];
  return [
    ...(elements.length ? [{ type: 'actions' as const, block_id: BLOCK_IDS.reportControls, elements }] : []),
    { type: 'actions', block_id: BLOCK_IDS.reportButtons, elements: buttons },
  ];
}

/** Applies a select's choice to the state ('*' clears the filter). */
export function applyChoice(state: ReportState, actionId: string, value: string): ReportState {
  const v = value === ALL ? undefined : value;
  const next: ReportState = { ...state };
  const set = (k: 'o' | 'p' | 's' | 'w') => {
    if (v === undefined) delete next[k];
    else next[k] = v;
  };
  if (actionId === ACTION_IDS.reportPeriod) set('w');
  else if (actionId === ACTION_IDS.reportPipeline) set('p');
  else if (actionId === ACTION_IDS.reportOwner) set('o');
  else if (actionId === ACTION_IDS.reportSource) set('s');
  return next;
}

/** The state as carried by a message's blocks (the first button with a state value). */
export function stateOfBlocks(blocks: unknown): ReportState | null {
  if (!Array.isArray(blocks)) return null;
  for (const b of blocks as { elements?: { action_id?: string; value?: string }[] }[]) {
    for (const e of b.elements ?? []) if (e.action_id === ACTION_IDS.reportDealsBehind || e.action_id === ACTION_IDS.reportCsv) {
      const s = decodeState(e.value);
      if (s) return s;
    }
  }
  return null;
}

/**
 * One page of the deals as a table block, with Previous/Next buttons carrying the page.
 * `deals` are the rows from the first up to at least the end of `page` (or all of them);
 * `total` is how many match in all (default: `deals.length`).
 */
export function dealsTablePage(deals: DealListRow[], currency: string, state: ReportState, page: number, scopeNote: string | null, total: number = deals.length): { text: string; blocks: KnownBlock[] } {
  const pages = Math.max(1, Math.ceil(total / DEALS_PAGE_ROWS));
  const p = Math.min(Math.max(0, page), pages - 1);
  const rows = deals.slice(p * DEALS_PAGE_ROWS, (p + 1) * DEALS_PAGE_ROWS);
  const cell = (text: string) => ({ type: 'raw_text' as const, text: clip(text || '—', 200) });
  const table: KnownBlock = {
    type: 'table',
    block_id: BLOCK_IDS.dealsTable,
    column_settings: [{ is_wrapped: true }, { align: 'right' }, { is_wrapped: true }, { is_wrapped: true }, { align: 'right' }, { align: 'right' }],
    rows: [
      ['Deal', 'Amount', 'Stage', 'Owner', 'Days in stage', 'Close date'].map(cell),
      ...rows.map((d) => [
        cell(d.name || `Deal ${d.id}`),
        cell(formatMoney(d.amount, currency)),
        cell(d.crm_stage && d.crm_stage !== d.stage ? `${d.stage} (${d.crm_stage})` : d.stage),
        cell(d.owner ?? ''),
        cell(d.days_in_stage === null ? '' : String(Math.round(d.days_in_stage))),
        cell(d.close_date ?? ''),
      ]),
    ],
  };
  const nav: types.Button[] = [];
  const val = (n: number) => clip(JSON.stringify({ ...state, g: n }), 2000);
  if (p > 0) nav.push({ type: 'button', action_id: ACTION_IDS.reportDealsPage, text: plain('Previous'), value: val(p - 1) });
  if (p < pages - 1) nav.push({ type: 'button', action_id: ACTION_IDS.reportDealsPage, text: plain('Next'), value: val(p + 1) });
  const head = `*Open deals behind this report* · ${total} deal${total === 1 ? '' : 's'} · page ${p + 1} of ${pages}${scopeNote ? ` · ${scopeNote}` : ''}`;
  const blocks: KnownBlock[] = [{ type: 'section', block_id: BLOCK_IDS.dealsTableHeader, text: { type: 'mrkdwn', text: clip(head, 3000) } }];
  if (rows.length) blocks.push(table);
  else blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: 'No open deals match.' }] });
  if (nav.length) blocks.push({ type: 'actions', block_id: BLOCK_IDS.dealsTableNav, elements: nav });
  return { text: `Open deals behind this report: ${total} (page ${p + 1} of ${pages})`, blocks };
}

/** A report's rows as CSV (RFC 4180 quoting; cells that a spreadsheet would run as a formula are prefixed with '). */
export function toCsv(rows: Record<string, unknown>[]): string {
  if (!rows.length) return '';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => typeof r[k] !== 'object' || r[k] === null)))];
  const esc = (v: unknown) => {
    let s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s)) s = `'${s}`;
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${[cols.join(','), ...rows.map((r) => cols.map((c) => esc(r[c])).join(','))].join('\r\n')}\r\n`;
}

/** The main table of a report object (stages, months, points, reps or deals). */
export function reportRows(report: unknown): Record<string, unknown>[] {
  const r = report as Record<string, unknown>;
  for (const key of ['deals', 'stages', 'months', 'points', 'reps', 'sources']) {
    if (Array.isArray(r[key])) return r[key] as Record<string, unknown>[];
  }
  return [];
}
