/**
 * /deals [stage:Proposal] [stuck] [owner:] [pipeline:] [source:] [since:]
 * A Block Kit list (no chart): the top deals, an "and N more" line, the filter and freshness,
 * within Slack's block limits. `stuck` lists deals in their stage at least twice the stage's
 * historical average, most stuck first; without it, open deals biggest first.
 */
import { OPEN_CANONICAL_STAGES } from '../src/model/canonical-stages.js';
import { parseCommandArgs, type ArgSpec } from './command-args.js';
import { UsageError } from '../src/errors.js';
import type { DealListRow } from '../src/metrics/report-types.js';
import { computeReport } from '../src/reports/compute.js';
import { dealsList, DEALS_LIST_DEFAULT } from '../src/views/deals-list.js';
import { usageMessage } from '../src/views/help.js';
import { listStages } from '../store/stages.js';
import { replyTarget, teamTimeZone, type CommandHandler, type CommandDeps } from './command-context.js';
import { describeFilters, freshnessOf, resolveFilters, yieldToEventLoop } from './report-command.js';

export const DEALS_ARGS: ArgSpec = { filters: ['owner', 'pipeline', 'source', 'since', 'stage'], flags: ['stuck'] };

/**
 * Rows asked of the report. The deals report ranks by how stuck a deal is and has no stage
 * filter, so "biggest first" and `stage:` need every candidate row; the stuck list alone needs
 * only the first screenful.
 */
const ALL_ROWS = 10_000_000;

/** `stage:` as typed -> a matcher over deal rows: a canonical stage (Proposal) or a CRM stage name. */
function stageMatcher(stage: string, deps: CommandDeps): { label: string; test: (d: DealListRow) => boolean } {
  const want = stage.trim().toLowerCase();
  const canonical = OPEN_CANONICAL_STAGES.find((s) => s.toLowerCase() === want);
  if (canonical) return { label: canonical, test: (d) => d.stage === canonical };
  const crmStages = listStages(deps.db, deps.crm).filter((s) => !s.isClosed);
  const hit = crmStages.find((s) => s.name.toLowerCase() === want);
  if (hit) return { label: hit.name, test: (d) => d.crm_stage.toLowerCase() === want };
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
  const stage = args.stage ? stageMatcher(args.stage, deps) : null;
  const filters = await resolveFilters(args, req, deps);
  // Stuck: the report's own rule (2x the stage average). Otherwise every open deal (threshold 0).
  const needAll = !args.stuck || stage !== null;
  await yieldToEventLoop();
  const report = computeReport(deps.db, deps.crm, 'deals', { filters, now, timeZone: teamTimeZone(deps), currency: deps.config.DEALCAST_CURRENCY ?? null, limit: needAll ? ALL_ROWS : DEALS_LIST_DEFAULT, ...(args.stuck ? {} : { threshold: 0 }) });
  let deals = stage ? report.deals.filter(stage.test) : report.deals;
  if (!args.stuck) deals = [...deals].sort((a, b) => (b.amount ?? 0) - (a.amount ?? 0));
  const extra = [...(stage ? [`stage ${stage.label}`] : []), ...(args.stuck ? ['stuck'] : [])];
  const message = dealsList(deals, {
    title: args.stuck ? 'Stuck deals' : 'Open deals',
    currency: report.currency,
    filterText: describeFilters(report.filters, args, extra),
    freshness: freshnessOf(deps, now),
    total: stage ? deals.length : report.total,
    limit: DEALS_LIST_DEFAULT,
    requestedBy: req.userId,
    emptyText: args.stuck ? 'No deals are stuck: every open deal is within twice its stage’s usual time.' : 'No open deals match.',
  });
  await deps.slack.deliverReport(target, message);
};
