/**
 * The flow every chart command shares: parse the arguments -> resolve who `owner:` means ->
 * computeReport + Vega-Lite spec -> PNG (off the event loop: deps.reports) -> Block Kit summary -> upload into the channel (or DM
 * when the bot is not there). Bad arguments and filters that match nothing answer ephemerally
 * with usage and what was wrong (UsageError, turned into usage by the listener).
 */
import { chartRowsAltText } from '../charts/index.js';
import { describeSince, parseCommandArgs, type ArgSpec, type CommandArgs } from './command-args.js';
import type { ChartCommandKey } from '../src/ids.js';
import type { ReportFilters } from '../src/metrics/report-types.js';
import type { Freshness } from '../src/views/freshness.js';
import { usageMessage } from '../src/views/help.js';
import { reportSummary } from '../src/views/report-summary.js';
import { lastSuccessfulRun } from '../store/sync-runs.js';
import { replyTarget, teamReportOptions, teamTimeZone, type CommandDeps, type CommandRequest } from './command-context.js';
import { localDay } from '../src/time/calendar.js';
import { UsageError } from '../src/errors.js';
import type { ViewerScope } from '../src/access/visibility.js';
import { viewerScope } from './viewer-scope.js';
import { controlsFor } from './report-actions.js';

/** The arguments each chart command takes (usage hints in src/ids.ts say the same). */
export const REPORT_ARGS: Record<ChartCommandKey, ArgSpec> = {
  pipeline: { filters: ['owner', 'pipeline', 'source', 'since'] },
  forecast: { filters: ['owner', 'pipeline', 'source'] },
  funnel: { filters: ['owner', 'pipeline', 'source', 'since'] },
  velocity: { filters: ['owner', 'pipeline', 'source', 'since'] },
  reps: { filters: ['pipeline', 'since'] },
};

/** PNG scale: 2x reads sharply on retina screens and phones. */
const CHART_SCALE = 2;


/** The filters as computeReport takes them: owner resolved to a CRM owner id. */
export async function resolveFilters(args: CommandArgs, req: CommandRequest, deps: CommandDeps): Promise<ReportFilters> {
  const filters: ReportFilters = {};
  if (args.owner) filters.owner = (await deps.owners.resolve(args.owner, req.userId)).id;
  if (args.pipeline) filters.pipeline = args.pipeline;
  if (args.source) filters.source = args.source;
  if (args.since) filters.since = args.since.text;
  return filters;
}

/** "owner Maria Lopez · pipeline Enterprise · last 90 days", from the filters as the report applied them. */
export function describeFilters(applied: ReportFilters, args: CommandArgs, extra: string[] = []): string {
  const parts: string[] = [];
  if (applied.owner) parts.push(`owner ${applied.owner}`);
  if (applied.pipeline) parts.push(`pipeline ${applied.pipeline}`);
  if (applied.source) parts.push(`source ${applied.source}`);
  if (args.since) parts.push(describeSince(args.since));
  parts.push(...extra);
  return parts.join(' · ');
}

/**
 * The asker's visibility scope, with an owner filter outside it refused in one sentence (rather
 * than an empty report that looks like "no deals").
 */
export async function scopeFor(req: CommandRequest, deps: CommandDeps, filters: ReportFilters): Promise<ViewerScope> {
  const scope = await viewerScope(req.userId, deps);
  if (scope.ownerIds !== null && filters.owner !== undefined && !scope.ownerIds.includes(filters.owner)) {
    throw new UsageError(`You can see ${scope.label ?? 'only some deals'} (an admin setting), so not that owner's deals.`, 'Leave out owner:, or use owner:me.');
  }
  return scope;
}

/** "visible to your own deals" when a scope narrows the report. */
export const scopeNote = (scope: ViewerScope): string[] => (scope.label ? [`visible to ${scope.label}`] : []);

/** The filters as a report message's control state (owner by CRM id). */
export function stateOf(filters: ReportFilters, args: CommandArgs): { o?: string; p?: string; s?: string; w?: string } {
  return {
    ...(filters.owner ? { o: filters.owner } : {}),
    ...(args.pipeline ? { p: args.pipeline } : {}),
    ...(args.source ? { s: args.source } : {}),
    ...(args.since ? { w: args.since.text } : {}),
  };
}

export function freshnessOf(deps: CommandDeps, now: Date): Freshness {
  return { syncedAt: lastSuccessfulRun(deps.db, deps.crm)?.startedAt ?? null, now, timeZone: teamTimeZone(deps) };
}

export async function runReportCommand(key: ChartCommandKey, req: CommandRequest, deps: CommandDeps): Promise<void> {
  const target = replyTarget(req);
  const parsed = parseCommandArgs(req.text, REPORT_ARGS[key]);
  if (parsed.args.help || !parsed.ok) {
    await deps.slack.replyEphemeral(target, usageMessage(key, parsed.ok ? [] : parsed.problems));
    return;
  }
  const args = parsed.args;
  const now = deps.now();
  const filters = await resolveFilters(args, req, deps);
  const scope = await scopeFor(req, deps, filters);
  const team = teamReportOptions(deps);
  // The report and its chart are computed off the event loop (a worker in `dealcast start`).
  const { report, png } = await deps.reports.run({
    crm: deps.crm,
    name: key,
    opts: { ...team, filters, now, scopeOwnerIds: scope.ownerIds ?? undefined },
    chart: { scale: CHART_SCALE },
  });
  if (!png) throw new Error(`${key}: no chart was drawn`);
  const summary = reportSummary(key, report, { filterText: describeFilters(report.filters, args, scopeNote(scope)), freshness: freshnessOf(deps, now), requestedBy: req.userId });
  summary.blocks.push(...controlsFor({ r: key, ...stateOf(filters, args) }, scope, deps));
  await deps.slack.deliverReport(target, summary, {
    png,
    filename: `${key}-${localDay(now, team.timeZone)}.png`,
    title: summary.title,
    // The chart may shorten names; the alt text gives them in full.
    altText: [summary.altText, chartRowsAltText(key, report as never)].filter(Boolean).join(' '),
  });
}
