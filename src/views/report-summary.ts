/**
 * The message that carries a report chart: a header, the headline numbers (section fields),
 * the filter applied and "data as of …" freshness. Pure: report object in, Block Kit out.
 */
import type { types } from '@slack/bolt';
import { BLOCK_IDS, type ChartCommandKey } from '../ids.js';
import type { CommitReport, ForecastReport, FunnelReport, PipelineReport, QuotaReport, ReportBase, RepsReport, VelocityReport } from '../metrics/report-types.js';
import { currencyLine, moneyNote } from './money-note.js';
import { freshnessLine, type Freshness } from './freshness.js';
import { clip, escapeMrkdwn, formatCount, formatDays, formatMoney, formatPercent, isolateName, plural } from './numbers.js';
import { localDay } from '../time/calendar.js';

type KnownBlock = types.KnownBlock;

export interface SummaryContext {
  /** "owner Maria Lopez · pipeline Enterprise · last 90 days", or '' for everything. */
  filterText: string;
  freshness: Freshness;
  /** Slack user id of whoever asked (credited in the context line). */
  requestedBy?: string;
}

export interface ReportSummary {
  /** Notification text and the chart's alt text base. */
  text: string;
  blocks: KnownBlock[];
  /** One sentence describing the chart for screen readers. */
  altText: string;
  title: string;
}

interface Headline {
  title: string;
  /** Label -> value pairs shown as section fields (at most 10). */
  fields: [string, string][];
  /** One sentence for notifications and alt text. */
  sentence: string;
  /** An optional extra line under the numbers. */
  note?: string;
}

export const REPORT_TITLES: Record<ChartCommandKey, string> = {
  pipeline: 'Open pipeline',
  forecast: 'Forecast',
  funnel: 'Conversion funnel',
  velocity: 'Sales velocity',
  reps: 'Rep scoreboard',
};

function monthLabel(ym: string): string {
  const [y = NaN, m = NaN] = ym.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleString('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' });
}

function pipelineHeadline(r: PipelineReport): Headline {
  const c = r.currency;
  const biggest = [...r.stages].sort((a, b) => b.value - a.value)[0];
  return {
    title: REPORT_TITLES.pipeline,
    fields: [
      ['Open pipeline', formatMoney(r.total.value, c)],
      ['Weighted', formatMoney(r.total.weighted, c)],
      ['Open deals', formatCount(r.total.count)],
      ['Largest stage', biggest && biggest.value > 0 ? `${biggest.stage}: ${formatMoney(biggest.value, c)}` : '—'],
    ],
    sentence: `Open pipeline ${formatMoney(r.total.value, c)} in ${plural(r.total.count, 'deal', 'deals')}, ${formatMoney(r.total.weighted, c)} weighted.`,
  };
}

function forecastHeadline(r: ForecastReport, now: Date, timeZone: string): Headline {
  const c = r.currency;
  // The team's month: at 08:00 on 1 December in Tokyo it is December, whatever UTC says.
  const thisMonth = localDay(now, timeZone).slice(0, 7);
  const i = Math.max(0, r.months.findIndex((m) => m.month >= thisMonth));
  const cur = r.months[i];
  const next = r.months[i + 1];
  const fields: [string, string][] = [];
  const value = (m: ForecastReport['months'][number]) => m.won + m.weighted + (m.new_deals ?? 0);
  const n = r.next;
  if (n) {
    fields.push([
      `Next ${n.horizon_days} days`,
      n.warm_up
        ? `${formatMoney(n.expected, c)} (run-rate: too little history yet)`
        : `${formatMoney(n.p10, c)} – ${formatMoney(n.p90, c)} (likely ${formatMoney(n.p50, c)})`,
    ]);
    if (!n.warm_up) fields.push(['From open deals / not yet created', `${formatMoney(n.open, c)} / ${formatMoney(n.new_deals, c)}`]);
  }
  if (cur) {
    fields.push([`${monthLabel(cur.month)} forecast`, formatMoney(value(cur), c)]);
    fields.push([`${monthLabel(cur.month)} won so far`, formatMoney(cur.won, c)]);
    fields.push(['CRM probabilities say', formatMoney(cur.won + cur.weighted_crm, c)]);
  }
  if (next) fields.push([`${monthLabel(next.month)} forecast`, formatMoney(value(next), c)]);
  const total = r.months.slice(i).reduce((s, m) => s + value(m), 0);
  fields.push([`Next ${plural(r.months.length - i, 'month', 'months')}`, formatMoney(total, c)]);
  // The team's target of the current period, when one is set in the reporting currency.
  const t = r.target;
  if (t) {
    fields.push([`Target ${t.period.label}`, `${formatMoney(t.amount, t.currency)} · ${formatMoney(t.won, t.currency)} won (${formatPercent(t.attainment)})`]);
    fields.push([
      'Pace · chance of target',
      `${t.pace === null ? 'no pace yet' : `${formatPercent(t.pace)} of ${t.pace_basis} pace (${formatMoney(t.expected_by_now, t.currency)} expected by now)`} · ${formatPercent(t.probability)}`,
    ]);
  }
  const targetSentence = t
    ? ` Target ${t.period.label}: ${formatMoney(t.won, t.currency)} of ${formatMoney(t.amount, t.currency)} won (${formatPercent(t.attainment)}), ${t.pace === null ? '' : `${formatPercent(t.pace)} of pace, `}${formatPercent(t.probability)} chance of reaching it.`
    : '';
  return {
    title: REPORT_TITLES.forecast,
    fields,
    sentence:
      (cur
        ? `${monthLabel(cur.month)} forecast ${formatMoney(value(cur), c)} (won ${formatMoney(cur.won, c)} + open deals ${formatMoney(cur.weighted, c)}${cur.new_deals ? ` + not yet created ${formatMoney(cur.new_deals, c)}` : ''}).` +
          (n && !n.warm_up ? ` Next ${n.horizon_days} days: commit ${formatMoney(n.p10, c)}, likely ${formatMoney(n.p50, c)}, best case ${formatMoney(n.p90, c)}.` : '')
        : 'No forecast months: there are no open deals with close dates.') + targetSentence,
    note: 'Open deals weighted by their chance of being won within the period, learned from your own stage history; the CRM-probability forecast is shown for comparison.',
  };
}

/**
 * The funnel's win rate is its cohort's (deals created in the window that have closed); the
 * digest's and velocity's count deals closed in the window. Each says which (docs/metrics.md).
 */
function cohortWinRateLabel(r: FunnelReport): string {
  return r.cohort ? `Win rate of deals created since ${r.cohort.from}` : 'Win rate of the cohort';
}

/** Velocity's and the digest's win rate: deals closed in the trailing window. */
export function closedWinRateLabel(windowFrom: string | null | undefined): string {
  return windowFrom ? `Win rate of deals closed since ${windowFrom}` : 'Win rate of recently closed deals';
}

function funnelHeadline(r: FunnelReport): Headline {
  const steps = r.stages.filter((s) => s.conversion_to_next !== null && s.reached > 0);
  const weakest = [...steps].sort((a, b) => (a.conversion_to_next ?? 1) - (b.conversion_to_next ?? 1))[0];
  const first = r.stages[0];
  const nextOf = (stage: string) => r.stages[r.stages.findIndex((s) => s.stage === stage) + 1]?.stage ?? '';
  return {
    title: REPORT_TITLES.funnel,
    fields: [
      [cohortWinRateLabel(r), formatPercent(r.win_rate)],
      [`Entered ${first?.stage ?? 'funnel'}`, formatCount(first?.reached)],
      ['Weakest step', weakest ? `${weakest.stage} → ${nextOf(weakest.stage)}: ${formatPercent(weakest.conversion_to_next)}` : '—'],
    ],
    sentence: `${cohortWinRateLabel(r)} ${formatPercent(r.win_rate)}${weakest ? `; weakest step ${weakest.stage} → ${nextOf(weakest.stage)} at ${formatPercent(weakest.conversion_to_next)}` : ''}.`,
  };
}

function velocityHeadline(r: VelocityReport): Headline {
  const c = r.currency;
  const cur = r.current;
  // Trend from the chart's own series: the latest period against the one before it.
  const [prev, last] = r.points.slice(-2);
  const change = prev && last && prev.velocity > 0 ? last.velocity / prev.velocity - 1 : null;
  const fields: [string, string][] = [
    ['Velocity', `${formatMoney(cur.velocity, c)} / day`],
    ['Open deals', formatCount(cur.open_deals)],
    [closedWinRateLabel(cur.window_from), formatPercent(cur.win_rate)],
    ['Average won deal', formatMoney(cur.avg_won, c)],
    ['Sales cycle', formatDays(cur.cycle_days)],
  ];
  if (change !== null) fields.push(['Trend', `${change >= 0 ? '+' : ''}${formatPercent(change)} ${r.granularity} over ${r.granularity}`]);
  return {
    title: REPORT_TITLES.velocity,
    fields,
    sentence: `Sales velocity ${formatMoney(cur.velocity, c)} per day: ${plural(cur.open_deals, 'open deal', 'open deals')} × ${formatPercent(cur.win_rate)} win rate × ${formatMoney(cur.avg_won, c)} ÷ ${formatDays(cur.cycle_days)}.`,
  };
}

function repsHeadline(r: RepsReport): Headline {
  const c = r.currency;
  const activities = (x: RepsReport['reps'][number]) => x.calls + x.emails + x.meetings + x.tasks;
  const total = r.reps.reduce((s, x) => s + activities(x), 0);
  const topWon = [...r.reps].sort((a, b) => b.won_value - a.won_value)[0];
  const topActive = [...r.reps].sort((a, b) => activities(b) - activities(a))[0];
  const quiet = r.reps.filter((x) => x.hours_since_activity !== null && x.hours_since_activity > 48).length;
  const fields: [string, string][] = [
    ['Reps', formatCount(r.reps.length)],
    ['Won in window', formatMoney(r.reps.reduce((s, x) => s + x.won_value, 0), c)],
    ['Top closer', topWon && topWon.won_value > 0 ? `${isolateName(topWon.owner)}: ${formatMoney(topWon.won_value, c)}` : '—'],
  ];
  if (r.activities_available) {
    fields.push(['Activities', formatCount(total)]);
    fields.push(['Most active', topActive && activities(topActive) > 0 ? `${isolateName(topActive.owner)}: ${formatCount(activities(topActive))}` : '—']);
    fields.push(['Quiet > 48 h', formatCount(quiet)]);
  }
  return {
    title: REPORT_TITLES.reps,
    fields,
    sentence: `${plural(r.reps.length, 'rep', 'reps')} from ${r.since} to ${r.until}${r.activities_available ? `, ${plural(total, 'activity', 'activities')}` : ''}.`,
    note: r.activities_available ? undefined : 'Activity counts are not available from this CRM; the scoreboard shows pipeline and won value only.',
  };
}

/** The reports a summary message exists for: the chart commands' and /forecast quota's and commit's. */
export type SummaryKey = ChartCommandKey | 'quota' | 'commit';

function commitHeadline(r: CommitReport): Headline {
  const title = `Commit ${r.period.label}`;
  const team = r.rows.find((x) => x.scope === 'team');
  if (!team) return { title, fields: [['Deals', 'none in this currency']], sentence: `Nothing to forecast for ${r.period.label}.` };
  const c = team.currency;
  const bias = (x: CommitReport['rows'][number]) =>
    x.bias.status !== 'ok' ? `not enough history (${x.bias.points} of ${r.min_bias_points} points)` : x.bias.ratio === null ? 'never committed' : `${formatPercent(x.bias.ratio)} of commit closed (${x.bias.points} points)`;
  const reps = r.rows.filter((x) => x.scope === 'rep');
  const above = reps.filter((x) => x.commit_vs_model === 'above').map((x) => isolateName(x.name));
  const below = reps.filter((x) => x.commit_vs_model === 'below').map((x) => isolateName(x.name));
  const note = [above.length ? `Commit above the model's P90: ${above.join(', ')}` : '', below.length ? `Commit below the model's P10: ${below.join(', ')}` : ''].filter(Boolean).join(' · ');
  return {
    title,
    fields: [
      ['Won', formatMoney(team.won, c)],
      ['Commit', formatMoney(team.commit, c)],
      ['Best case', formatMoney(team.best_case, c)],
      ['Pipeline', formatMoney(team.pipeline, c)],
      ['Model P10–P50–P90', `${formatMoney(team.model.p10, c)} – ${formatMoney(team.model.p50, c)} – ${formatMoney(team.model.p90, c)}`],
      ['Past commit bias', bias(team)],
    ],
    sentence: `Team commit ${formatMoney(team.commit, c)} for ${r.period.label} against a model range of ${formatMoney(team.model.p10, c)}–${formatMoney(team.model.p90, c)}, ${plural(r.days_remaining, 'day', 'days')} left.`,
    note: note || undefined,
  };
}

function quotaHeadline(r: QuotaReport): Headline {
  const title = `Quota ${r.period.label}`;
  const team = r.rows.find((x) => x.scope === 'team') ?? r.rows[0];
  if (!team) {
    return { title, fields: [['Targets', 'none for this period']], sentence: `No targets for ${r.period.label}.`, note: 'An admin can import them: dealcast import-targets targets.csv.' };
  }
  const c = team.currency;
  const who = team.scope === 'team' ? 'Team' : team.name;
  const reps = r.rows.filter((x) => x.scope === 'rep' && x.pace !== null);
  const ahead = reps.filter((x) => x.pace! >= 1).map((x) => `${isolateName(x.name)} ${formatPercent(x.attainment)}`);
  const behind = reps.filter((x) => x.pace! < 1).map((x) => `${isolateName(x.name)} ${formatPercent(x.attainment)}`);
  // Named teams: each with its own attainment and pace, in its own target's currency.
  const teams = r.rows
    .filter((x) => x.scope === 'sales_team')
    .map((x) => `${isolateName(x.name)} ${formatPercent(x.attainment)} of ${formatMoney(x.target, x.currency)}${x.pace === null ? '' : x.pace >= 1 ? ', on pace' : ', behind pace'}`);
  const note =
    [teams.length ? `Teams: ${teams.join('; ')}` : '', ahead.length ? `On pace: ${ahead.join(', ')}` : '', behind.length ? `Behind pace: ${behind.join(', ')}` : ''].filter(Boolean).join(' · ') ||
    undefined;
  return {
    title,
    fields: [
      [`${who} target`, formatMoney(team.target, c)],
      ['Won', `${formatMoney(team.won, c)} (${formatPercent(team.attainment)})`],
      ['Expected by now', `${formatMoney(team.expected_historical ?? team.expected_linear, c)} (${team.pace_basis} pace)`],
      ['Period ends (P10–P90)', `${formatMoney(team.projected.p10, c)} – ${formatMoney(team.projected.p90, c)}`],
      ['Chance of target', formatPercent(team.probability)],
      ['Coverage', team.coverage === null ? 'target reached' : `${team.coverage.toFixed(1)}× of ${formatMoney(team.still_needed, c)} needed`],
      ['Pipeline still to create', team.pipeline_gap === null ? '—' : formatMoney(team.pipeline_gap, c)],
    ],
    sentence: `${who}: ${formatMoney(team.won, c)} of ${formatMoney(team.target, c)} won (${formatPercent(team.attainment)}), ${formatPercent(team.probability)} chance of reaching the target by ${r.period.end}.`,
    note,
  };
}

function headlineFor(name: SummaryKey, report: unknown, now: Date, timeZone: string): Headline {
  switch (name) {
    case 'quota':
      return quotaHeadline(report as QuotaReport);
    case 'commit':
      return commitHeadline(report as CommitReport);
    case 'pipeline':
      return pipelineHeadline(report as PipelineReport);
    case 'forecast':
      return forecastHeadline(report as ForecastReport, now, timeZone);
    case 'funnel':
      return funnelHeadline(report as FunnelReport);
    case 'velocity':
      return velocityHeadline(report as VelocityReport);
    case 'reps':
      return repsHeadline(report as RepsReport);
  }
}

/** The summary message for a chart command's report. */
export function reportSummary(name: SummaryKey, report: unknown, ctx: SummaryContext): ReportSummary {
  const h = headlineFor(name, report, ctx.freshness.now, ctx.freshness.timeZone);
  const fields = h.fields.slice(0, 10).map(([label, value]) => ({ type: 'mrkdwn' as const, text: clip(`*${escapeMrkdwn(label)}*\n${escapeMrkdwn(value)}`, 2000) }));
  const blocks: KnownBlock[] = [
    { type: 'header', block_id: BLOCK_IDS.reportHeader, text: { type: 'plain_text', text: clip(h.title, 150), emoji: true } },
    { type: 'section', block_id: BLOCK_IDS.reportHeadline, fields },
  ];
  if (h.note) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(escapeMrkdwn(h.note), 3000) }] });
  const base = report as ReportBase;
  for (const note of base.notes ?? []) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(escapeMrkdwn(note), 3000) }] });
  if (base.currency) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(escapeMrkdwn(currencyLine(base)), 3000) }] });
  blocks.push({
    type: 'context',
    block_id: BLOCK_IDS.reportFilters,
    elements: [{ type: 'mrkdwn', text: clip(ctx.filterText ? `Filter: ${isolateName(escapeMrkdwn(ctx.filterText))}` : 'Filter: none (all deals)', 3000) }],
  });
  blocks.push({
    type: 'context',
    block_id: BLOCK_IDS.reportFreshness,
    elements: [{ type: 'mrkdwn', text: `${freshnessLine(ctx.freshness)}${ctx.requestedBy ? ` · asked by <@${ctx.requestedBy}>` : ''}` }],
  });
  // Fallback and notification text too: a filter typed by a person cannot mention @channel or
  // format, and a right-to-left name in it (owner:"محمد العتيبي") is isolated so the figures of
  // the sentence after it stay on their side.
  const filterSuffix = ctx.filterText ? ` (${isolateName(ctx.filterText)})` : '';
  return {
    title: `${h.title}${filterSuffix}`,
    text: `${h.title}${ctx.filterText ? ` (${isolateName(escapeMrkdwn(ctx.filterText))})` : ''}: ${h.sentence}${moneyNote(base) ? ` ${moneyNote(base)}` : ''}`,
    blocks,
    altText: `${h.title} chart${filterSuffix}. ${h.sentence}`,
  };
}
