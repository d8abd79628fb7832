/**
 * One report as a Slack message, for someone: filters as typed (owner:me means that person),
 * their scope applied (src/access/visibility.ts), the chart rendered when the report has one.
 * Subscriptions and "Send now" use it; it is the slash commands' flow without the reply.
 */
import { parseCommandArgs, type ArgSpec } from './command-args.js';
import { UsageError } from '../src/errors.js';
import type { ChartFile, MessageContent } from '../src/delivery/slack.js';
import { formatReport } from '../src/cli/report-format.js';
import { isReportName } from '../src/reports/compute.js';
import type { ViewerScope } from '../src/access/visibility.js';
import { dealsList, DEALS_LIST_DEFAULT } from '../src/views/deals-list.js';
import { reportSummary } from '../src/views/report-summary.js';
import { clip } from '../src/views/numbers.js';
import { BLOCK_IDS, CHART_COMMANDS, type ChartCommandKey } from '../src/ids.js';
import { REPORT_ARGS, describeFilters, freshnessOf, resolveFilters } from './report-command.js';
import { teamReportOptions, type CommandDeps } from './command-context.js';

/** What `/dealcast subscribe` offers: every report, and the digest. */
export const SUBSCRIBABLE = ['pipeline', 'forecast', 'funnel', 'velocity', 'reps', 'deals', 'sources', 'quality', 'backtest', 'digest'] as const;
export type SubscribableReport = (typeof SUBSCRIBABLE)[number];
export const isSubscribable = (s: string): s is SubscribableReport => (SUBSCRIBABLE as readonly string[]).includes(s);

/** Filters each report accepts in a subscription. */
export function filterSpec(report: SubscribableReport): ArgSpec {
  if (report === 'pipeline' || report === 'forecast' || report === 'funnel' || report === 'velocity' || report === 'reps') return REPORT_ARGS[report];
  if (report === 'deals') return { filters: ['owner', 'pipeline', 'source', 'since'] };
  if (report === 'digest') return { filters: [] };
  return { filters: ['owner', 'pipeline', 'source', 'since'] };
}

/** Checks filter text for a report; throws UsageError listing what is wrong. */
export function checkFilters(report: SubscribableReport, filters: string): void {
  const parsed = parseCommandArgs(filters, filterSpec(report));
  if (!parsed.ok) throw new UsageError(parsed.problems.join(' '));
}

export interface ReportMessage {
  content: MessageContent;
  chart?: ChartFile;
}

const CHART_SCALE = 2;

export async function buildReportMessage(
  report: Exclude<SubscribableReport, 'digest'>,
  filterText: string,
  who: { userId: string; scope: ViewerScope; footer?: string },
  deps: CommandDeps,
  now: Date,
): Promise<ReportMessage> {
  if (!isReportName(report)) throw new UsageError(`There is no report called "${report}".`);
  const parsed = parseCommandArgs(filterText, filterSpec(report));
  if (!parsed.ok) throw new UsageError(parsed.problems.join(' '));
  const args = parsed.args;
  const filters = await resolveFilters(args, { command: '/dealcast', text: filterText, userId: who.userId, channelId: '' }, deps);
  const scopeOwnerIds = who.scope.ownerIds ?? undefined;
  const scopeNote = who.scope.label ? [`visible to ${who.scope.label}`] : [];
  if (who.scope.ownerIds !== null && filters.owner !== undefined && !who.scope.ownerIds.includes(filters.owner)) {
    throw new UsageError(`<@${who.userId}> can see ${who.scope.label ?? 'only some deals'} (an admin setting), so not that owner's deals.`);
  }
  const footer = who.footer ? [{ type: 'context' as const, block_id: BLOCK_IDS.subscriptionFooter, elements: [{ type: 'mrkdwn' as const, text: clip(who.footer, 3000) }] }] : [];
  if ((CHART_COMMANDS as readonly string[]).includes(report)) {
    const name = report as ChartCommandKey;
    const { report: r, png } = await deps.reports.run({ crm: deps.crm, name, opts: { ...teamReportOptions(deps), filters, now, scopeOwnerIds }, chart: { scale: CHART_SCALE } });
    const summary = reportSummary(name, r, { filterText: describeFilters(r.filters, args, scopeNote), freshness: freshnessOf(deps, now) });
    if (!png) throw new Error(`${report}: the chart was not drawn`);
    return {
      content: { text: summary.text, blocks: [...summary.blocks, ...footer] },
      chart: { png, filename: `${report}-${now.toISOString().slice(0, 10)}.png`, title: summary.title, altText: summary.altText },
    };
  }
  if (report === 'deals') {
    // Only the first screenful leaves SQL, biggest first; `total` still counts every match.
    const { report: r } = await deps.reports.run({ crm: deps.crm, name: 'deals', opts: { ...teamReportOptions(deps), filters, now, limit: DEALS_LIST_DEFAULT, threshold: 0, order: 'amount', scopeOwnerIds } });
    const m = dealsList(r.deals, {
      title: 'Open deals',
      currency: r.currency,
      filterText: describeFilters(r.filters, args, scopeNote),
      freshness: freshnessOf(deps, now),
      total: r.total,
      limit: DEALS_LIST_DEFAULT,
      emptyText: 'No open deals match.',
    });
    return { content: { text: m.text, blocks: [...m.blocks, ...footer] } };
  }
  // sources, quality, backtest: the CLI's compact table.
  const { report: r } = await deps.reports.run({ crm: deps.crm, name: report, opts: { ...teamReportOptions(deps), filters, now, scopeOwnerIds } });
  const title = `${report[0]!.toUpperCase()}${report.slice(1)} report`;
  const filterLine = describeFilters(r.filters, args, scopeNote);
  return {
    content: {
      text: `${title}${filterLine ? ` (${filterLine})` : ''}`,
      blocks: [
        { type: 'header', block_id: BLOCK_IDS.reportHeader, text: { type: 'plain_text', text: title } },
        { type: 'section', block_id: BLOCK_IDS.reportHeadline, text: { type: 'mrkdwn', text: `\`\`\`${clip(formatReport(report, r as never), 2900)}\`\`\`` } },
        { type: 'context', block_id: BLOCK_IDS.reportFilters, elements: [{ type: 'mrkdwn', text: filterLine ? `Filter: ${filterLine}` : 'Filter: none (all deals)' }] },
        ...footer,
      ],
    },
  };
}
