/**
 * /deals [stage:Proposal] [stuck] [owner:] [pipeline:] [source:] [since:]
 * A Block Kit list (no chart): the top deals, an "and N more" line, the filter and freshness,
 * within Slack's block limits. `stuck` lists deals in their stage at least twice the stage's
 * historical average, most stuck first; without it, open deals biggest first.
 */
import { OPEN_CANONICAL_STAGES } from '../src/model/canonical-stages.js';
import { parseCommandArgs, type ArgSpec } from './command-args.js';
import { UsageError } from '../src/errors.js';
import { dealsList, DEALS_LIST_DEFAULT } from '../src/views/deals-list.js';
import { usageMessage } from '../src/views/help.js';
import { listStages } from '../store/stages.js';
import { replyTarget, teamTimeZone, type CommandHandler, type CommandDeps } from './command-context.js';
import { describeFilters, freshnessOf, resolveFilters } from './report-command.js';

export const DEALS_ARGS: ArgSpec = { filters: ['owner', 'pipeline', 'source', 'since', 'stage'], flags: ['stuck'] };

/**
 * `stage:` as typed -> the report's stage filter: a canonical stage (Proposal) or the open CRM
 * stages of that name. The list is filtered, ordered and cut in SQL.
 */
function stageFilter(stage: string, deps: CommandDeps): { label: string; filter: { canonical?: number; stageIds?: string[] } } {
  const want = stage.trim().toLowerCase();
  const canonical = OPEN_CANONICAL_STAGES.findIndex((s) => s.toLowerCase() === want);
  if (canonical >= 0) return { label: OPEN_CANONICAL_STAGES[canonical]!, filter: { canonical } };
  const crmStages = listStages(deps.db, deps.crm).filter((s) => !s.isClosed);
  const hits = crmStages.filter((s) => s.name.toLowerCase() === want);
  if (hits.length) return { label: hits[0]!.name, filter: { stageIds: hits.map((s) => s.id) } };
  const names = [...OPEN_CANONICAL_STAGES, ...new Set(crmStages.map((s) => s.name))].slice(0, 20);
  throw new UsageError(`No open stage is called "${stage}".`, `Stages: ${names.join(', ')}.`);
}

export const handleDealsCommand: CommandHandler = async (req, deps) => {
  const target = replyTarget(req);
  const parsed = parseCommandArgs(req.text, DEALS_ARGS);
  if (parsed.args.help || !parsed.ok) {
    await deps.slack.replyEphemeral(target, usageMessage('deals', parsed.ok ? [] : parsed.problems));
    return;
  }
  const args = parsed.args;
  const now = deps.now();
  const stage = args.stage ? stageFilter(args.stage, deps) : null;
  const filters = await resolveFilters(args, req, deps);
  // Stuck: the report's own rule (2x the stage average), most stuck first. Otherwise every open
  // deal (threshold 0), biggest first. Either way only the first screenful leaves SQL, and the
  // work runs off the event loop.
  const { report } = await deps.reports.run({
    crm: deps.crm,
    name: 'deals',
    opts: {
      filters,
      now,
      timeZone: teamTimeZone(deps),
      currency: deps.config.DEALCAST_CURRENCY ?? null,
      limit: DEALS_LIST_DEFAULT,
      ...(args.stuck ? {} : { threshold: 0, order: 'amount' as const }),
      ...(stage ? { stage: stage.filter } : {}),
    },
  });
  const extra = [...(stage ? [`stage ${stage.label}`] : []), ...(args.stuck ? ['stuck'] : [])];
  const message = dealsList(report.deals, {
    title: args.stuck ? 'Stuck deals' : 'Open deals',
    currency: report.currency,
    filterText: describeFilters(report.filters, args, extra),
    freshness: freshnessOf(deps, now),
    total: report.total,
    limit: DEALS_LIST_DEFAULT,
    requestedBy: req.userId,
    emptyText: args.stuck ? 'No deals are stuck: every open deal is within twice its stage’s usual time.' : 'No open deals match.',
  });
  await deps.slack.deliverReport(target, message);
};
