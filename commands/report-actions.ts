/**
 * The controls on report messages, end to end. Every click is checked against the clicking
 * user's visibility scope (not the poster's): an owner outside it is refused in one sentence,
 * and "Everyone I may see", the deals table and the CSV are narrowed to it.
 *
 * - a select (period, pipeline, owner, source): the report is computed again with the new
 *   filter and the message is re-rendered in place (chat.update; a chart report gets its new
 *   PNG as the message's file);
 * - "Deals behind this": the open deals matching the report's filters as a table block in the
 *   message's thread, 20 rows a page with Previous/Next (chat.update of that reply);
 * - "Download CSV": the report's rows as a CSV file uploaded into the thread.
 */
import { UsageError } from '../src/errors.js';
import type { ViewerScope } from '../src/access/visibility.js';
import type { ChartFile, MessageContent } from '../src/delivery/slack.js';
import { updateReportMessage, uploadUnshared } from '../src/delivery/report-update.js';
import { reportSummary } from '../src/views/report-summary.js';
import { dealsList, DEALS_LIST_DEFAULT } from '../src/views/deals-list.js';
import { applyChoice, DEALS_PAGE_ROWS, dealsTablePage, decodeState, reportControls, reportRows, stateFilters, stateOfBlocks, toCsv, type ReportState } from '../src/views/report-controls.js';
import { listOwners } from '../store/owners.js';
import { listPipelines } from '../store/pipelines.js';
import { listSources } from '../store/report-queries.js';
import type { ReportFilters } from '../src/metrics/report-types.js';
import { lastSuccessfulRun } from '../store/sync-runs.js';
import { resolveTeamSettings } from '../src/settings/resolve.js';
import type { Freshness } from '../src/views/freshness.js';
import { viewerScope } from './viewer-scope.js';
import { teamReportOptions, type CommandDeps } from './command-context.js';

const CHART_SCALE = 2;

const freshnessOf = (deps: CommandDeps, now: Date): Freshness => ({
  syncedAt: lastSuccessfulRun(deps.db, deps.crm)?.startedAt ?? null,
  now,
  timeZone: resolveTeamSettings(deps.db, deps.config).timeZone,
});

/** The select menus' choices for a viewer: owners only within their scope. */
export function controlsFor(state: ReportState, scope: ViewerScope, deps: CommandDeps) {
  const owners = listOwners(deps.db, deps.crm)
    .filter((o) => o.active || o.id === state.o)
    .filter((o) => scope.ownerIds === null || scope.ownerIds.includes(o.id))
    .map((o) => ({ id: o.id, name: o.name }));
  return reportControls(state, { pipelines: listPipelines(deps.db, deps.crm).map((p) => p.name), owners, sources: listSources(deps.db, deps.crm).sort() });
}

function describe(filters: ReportFilters, scope: ViewerScope): string {
  const parts: string[] = [];
  if (filters.owner) parts.push(`owner ${filters.owner}`);
  if (filters.pipeline) parts.push(`pipeline ${filters.pipeline}`);
  if (filters.source) parts.push(`source ${filters.source}`);
  if (filters.since) parts.push(`since ${filters.since}`);
  if (scope.label) parts.push(`visible to ${scope.label}`);
  return parts.join(' · ');
}

function checkOwner(state: ReportState, scope: ViewerScope): void {
  if (state.o && scope.ownerIds !== null && !scope.ownerIds.includes(state.o)) {
    throw new UsageError(`You can see ${scope.label ?? 'only some deals'} (an admin setting), so not that owner's deals.`);
  }
}

/** The report for `state` as the viewer may see it: message content (with controls) and the chart. */
export async function renderControlled(state: ReportState, userId: string, deps: CommandDeps, now: Date): Promise<{ content: MessageContent; chart?: ChartFile }> {
  const scope = await viewerScope(userId, deps);
  checkOwner(state, scope);
  const filters = stateFilters(state);
  const scopeOwnerIds = scope.ownerIds ?? undefined;
  const controls = controlsFor(state, scope, deps);
  if (state.r === 'deals') {
    // Only the first screenful leaves SQL, biggest first; `total` still counts every match.
    const { report: r } = await deps.reports.run({ crm: deps.crm, name: 'deals', opts: { ...teamReportOptions(deps), filters, now, limit: DEALS_LIST_DEFAULT, threshold: 0, order: 'amount', scopeOwnerIds } });
    const m = dealsList(r.deals, {
      title: 'Open deals',
      currency: r.currency,
      filterText: describe(r.filters, scope),
      freshness: freshnessOf(deps, now),
      total: r.total,
      limit: DEALS_LIST_DEFAULT,
      requestedBy: userId,
      emptyText: 'No open deals match.',
    });
    return { content: { text: m.text, blocks: [...m.blocks, ...controls] } };
  }
  const { report: r, png } = await deps.reports.run({ crm: deps.crm, name: state.r, opts: { ...teamReportOptions(deps), filters, now, scopeOwnerIds }, chart: { scale: CHART_SCALE } });
  const summary = reportSummary(state.r, r, { filterText: describe(r.filters, scope), freshness: freshnessOf(deps, now), requestedBy: userId });
  if (!png) throw new Error(`${state.r}: the chart was not drawn`);
  return {
    content: { text: summary.text, blocks: [...summary.blocks, ...controls] },
    chart: { png, filename: `${state.r}-${now.toISOString().slice(0, 10)}.png`, title: summary.title, altText: summary.altText },
  };
}

export interface ControlClick {
  userId: string;
  channelId: string;
  /** The message the control is on. */
  messageTs: string;
  /** Its thread, when the message is itself a reply. */
  threadTs?: string;
  actionId: string;
  /** The select's chosen value, or the button's value. */
  value: string;
  /** The message's blocks as Slack sent them (they carry the state). */
  blocks?: unknown;
  responseUrl?: string;
}

async function refuse(c: ControlClick, deps: CommandDeps, text: string): Promise<void> {
  if (c.responseUrl) await deps.slack.postToResponseUrl(c.responseUrl, { response_type: 'ephemeral', replace_original: false, text });
  else await deps.slack.postEphemeral(c.channelId, c.userId, { text });
}

/** A select changed: re-render the message in place. */
export async function onReportSelect(c: ControlClick, deps: CommandDeps): Promise<void> {
  const state = stateOfBlocks(c.blocks);
  if (!state) return refuse(c, deps, 'This message is too old to change; run the command again.');
  const next = applyChoice(state, c.actionId, c.value);
  let out: Awaited<ReturnType<typeof renderControlled>>;
  try {
    out = await renderControlled(next, c.userId, deps, deps.now());
  } catch (err) {
    if (err instanceof UsageError) return refuse(c, deps, `:no_entry: ${err.message}`);
    throw err;
  }
  const fileIds = out.chart ? [await uploadUnshared(deps.slack, out.chart)] : undefined;
  await updateReportMessage(deps.slack, c.channelId, c.messageTs, out.content, fileIds);
  deps.log(`report: ${next.r} re-rendered by ${c.userId} (${JSON.stringify(stateFilters(next))})`);
}

/** The open deals up to the end of table page `page` (biggest first, cut in SQL), and how many match in all. */
async function openDealsFor(state: ReportState, userId: string, deps: CommandDeps, page: number) {
  const scope = await viewerScope(userId, deps);
  checkOwner(state, scope);
  const limit = (Math.max(0, Math.floor(page)) + 1) * DEALS_PAGE_ROWS;
  const { report: r } = await deps.reports.run({
    crm: deps.crm,
    name: 'deals',
    opts: { ...teamReportOptions(deps), filters: stateFilters(state), now: deps.now(), limit, threshold: 0, order: 'amount', scopeOwnerIds: scope.ownerIds ?? undefined },
  });
  return { deals: r.deals, total: r.total, currency: r.currency, scope };
}

/** "Deals behind this": page 1 of the table, in the message's thread. */
export async function onDealsBehind(c: ControlClick, deps: CommandDeps): Promise<void> {
  const state = decodeState(c.value);
  if (!state) return refuse(c, deps, 'This message is too old; run the command again.');
  try {
    const { deals, total, currency, scope } = await openDealsFor(state, c.userId, deps, 0);
    const page = dealsTablePage(deals, currency, state, 0, scope.label ? `visible to ${scope.label}` : null, total);
    await deps.slack.postMessage(c.channelId, { text: `${page.text} (asked by <@${c.userId}>)`, blocks: page.blocks }, { threadTs: c.threadTs ?? c.messageTs });
  } catch (err) {
    if (err instanceof UsageError) return refuse(c, deps, `:no_entry: ${err.message}`);
    throw err;
  }
}

/** Previous/Next in the deals table: that reply is updated in place. */
export async function onDealsPage(c: ControlClick, deps: CommandDeps): Promise<void> {
  let parsed: (ReportState & { g?: number }) | null = null;
  try {
    parsed = JSON.parse(c.value) as ReportState & { g?: number };
  } catch {
    parsed = null;
  }
  const state = parsed ? decodeState(JSON.stringify({ ...parsed, g: undefined })) : null;
  if (!state) return refuse(c, deps, 'This table is too old; press "Deals behind this" again.');
  try {
    const want = Number(parsed?.g ?? 0);
    const g = Number.isFinite(want) ? want : 0;
    const { deals, total, currency, scope } = await openDealsFor(state, c.userId, deps, g);
    const page = dealsTablePage(deals, currency, state, g, scope.label ? `visible to ${scope.label}` : null, total);
    await updateReportMessage(deps.slack, c.channelId, c.messageTs, page);
  } catch (err) {
    if (err instanceof UsageError) return refuse(c, deps, `:no_entry: ${err.message}`);
    throw err;
  }
}

/** "Download CSV": the report's rows, as the clicker may see them, uploaded into the thread. */
export async function onReportCsv(c: ControlClick, deps: CommandDeps): Promise<void> {
  const state = decodeState(c.value);
  if (!state) return refuse(c, deps, 'This message is too old; run the command again.');
  try {
    const scope = await viewerScope(c.userId, deps);
    checkOwner(state, scope);
    const now = deps.now();
    const opts = { ...teamReportOptions(deps), filters: stateFilters(state), now, scopeOwnerIds: scope.ownerIds ?? undefined };
    // The CSV has every row the clicker may see, so the deals are all computed, in the worker.
    const { report } =
      state.r === 'deals'
        ? await deps.reports.run({ crm: deps.crm, name: 'deals', opts: { ...opts, limit: 10_000_000, threshold: 0 } })
        : await deps.reports.run({ crm: deps.crm, name: state.r, opts });
    const rows = reportRows(report);
    const csv = toCsv(rows);
    const filename = `${state.r}-${now.toISOString().slice(0, 10)}.csv`;
    await deps.slack.uploadFile(
      c.channelId,
      { data: Buffer.from(csv, 'utf8'), filename, title: `${state.r} data (${rows.length} rows)` },
      { text: `:page_facing_up: ${filename}: ${rows.length} rows${scope.label ? `, visible to ${scope.label}` : ''} (asked by <@${c.userId}>). Amounts in ${report.currency}.` },
      { threadTs: c.threadTs ?? c.messageTs },
    );
  } catch (err) {
    if (err instanceof UsageError) return refuse(c, deps, `:no_entry: ${err.message}`);
    throw err;
  }
}
