/**
 * `/forecast quota [month|quarter|year] [owner:] [pipeline:]`: attainment against the targets of
 * the current fiscal period (the team's, then pipelines', then reps'), as the quota chart with a
 * summary: won, expected by now, where the period is forecast to end, the chance of the target.
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

export const QUOTA_ARGS: ArgSpec = { filters: ['owner', 'pipeline'], words: ['month', 'quarter', 'year'] };

/** True when /forecast's text asks for the quota view ('quota …'). */
export const isQuotaText = (text: string): boolean => /^quota(\s|$)/i.test(text.trim());

export async function runQuotaCommand(req: CommandRequest, deps: CommandDeps): Promise<void> {
  const target = replyTarget(req);
  const parsed = parseCommandArgs(req.text.trim().replace(/^quota\b\s*/i, ''), QUOTA_ARGS);
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
    name: 'quota',
    opts: { filters, now, timeZone, period, currency: deps.config.DEALCAST_CURRENCY ?? null },
    chart: { scale: CHART_SCALE },
  });
  if (!png) throw new Error('quota: no chart was drawn');
  const summary = reportSummary('quota', report, { filterText: describeFilters(report.filters, args), freshness: freshnessOf(deps, now), requestedBy: req.userId });
  await deps.slack.deliverReport(target, summary, {
    png,
    filename: `quota-${localDay(now, timeZone)}.png`,
    title: summary.title,
    altText: [summary.altText, chartRowsAltText('quota', report)].filter(Boolean).join(' '),
  });
}
