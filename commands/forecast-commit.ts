/**
 * `/forecast commit [month|quarter|year] [owner:] [pipeline:]`: the reps' own call (Commit, Best
 * case, from the CRM's forecast category) beside the model's P10–P90 for the current fiscal
 * period, with each rep's historical commit bias, as the commit chart with a summary.
 */
import { chartRowsAltText } from '../charts/index.js';
import { parseCommandArgs, type ArgSpec } from './command-args.js';
import { usageMessage } from '../src/views/help.js';
import { reportSummary } from '../src/views/report-summary.js';
import { localDay } from '../src/time/calendar.js';
import { replyTarget, teamTimeZone, type CommandDeps, type CommandRequest } from './command-context.js';
import { describeFilters, freshnessOf, resolveFilters } from './report-command.js';

/** PNG scale, as for the other chart commands. */
const CHART_SCALE = 2;

export const COMMIT_ARGS: ArgSpec = { filters: ['owner', 'pipeline'], words: ['month', 'quarter', 'year'] };

/** True when /forecast's text asks for the commit view ('commit …'). */
export const isCommitText = (text: string): boolean => /^commit(\s|$)/i.test(text.trim());

export async function runCommitCommand(req: CommandRequest, deps: CommandDeps): Promise<void> {
  const target = replyTarget(req);
  const parsed = parseCommandArgs(req.text.trim().replace(/^commit\b\s*/i, ''), COMMIT_ARGS);
  if (parsed.args.help || !parsed.ok || parsed.args.words.length > 1) {
    const problems = parsed.ok ? (parsed.args.words.length > 1 ? ['Name one period: month, quarter or year.'] : []) : parsed.problems;
    await deps.slack.replyEphemeral(target, usageMessage('forecast', problems));
    return;
  }
  const args = parsed.args;
  const period = (args.words[0] ?? 'quarter') as 'month' | 'quarter' | 'year';
  const now = deps.now();
  const filters = await resolveFilters(args, req, deps);
  const timeZone = teamTimeZone(deps);
  // Computed off the event loop like every chart command (a worker in `dealcast start`).
  const { report, png } = await deps.reports.run({
    crm: deps.crm,
    name: 'commit',
    opts: { filters, now, timeZone, period, currency: deps.config.DEALCAST_CURRENCY ?? null },
    chart: { scale: CHART_SCALE },
  });
  if (!png) throw new Error('commit: no chart was drawn');
  const summary = reportSummary('commit', report, { filterText: describeFilters(report.filters, args), freshness: freshnessOf(deps, now), requestedBy: req.userId });
  await deps.slack.deliverReport(target, summary, {
    png,
    filename: `commit-${localDay(now, timeZone)}.png`,
    title: summary.title,
    altText: [summary.altText, chartRowsAltText('commit', report)].filter(Boolean).join(' '),
  });
}
