/**
 * `/forecast quota [month|quarter|year] [owner:] [pipeline:]`: attainment against the targets of
 * the current fiscal period (the team's, then pipelines', then reps'), as the quota chart with a
 * summary: won, expected by now, where the period is forecast to end, the chance of the target.
 */
import { buildChart, chartRowsAltText } from '../charts/index.js';
import { renderPng } from '../charts/render.js';
import { parseCommandArgs, type ArgSpec } from './command-args.js';
import { computeReport } from '../src/reports/compute.js';
import { usageMessage } from '../src/views/help.js';
import { reportSummary } from '../src/views/report-summary.js';
import { localDay } from '../src/time/calendar.js';
import { replyTarget, teamTimeZone, type CommandDeps, type CommandRequest } from './command-context.js';
import { describeFilters, freshnessOf, resolveFilters, yieldToEventLoop } from './report-command.js';

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
  await yieldToEventLoop();
  const timeZone = teamTimeZone(deps);
  const report = computeReport(deps.db, deps.crm, 'quota', { filters, now, timeZone, period });
  const summary = reportSummary('quota', report, { filterText: describeFilters(report.filters, args), freshness: freshnessOf(deps, now), requestedBy: req.userId });
  const spec = buildChart('quota', report);
  await yieldToEventLoop();
  const png = await renderPng(spec, { scale: 2 });
  await deps.slack.deliverReport(target, summary, { png, filename: `quota-${localDay(now, timeZone)}.png`, title: summary.title, altText: [summary.altText, chartRowsAltText('quota', report)].filter(Boolean).join(' ') });
}
