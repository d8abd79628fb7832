/**
 * Alert messages as Block Kit: the root message per alert kind and run (a summary), one reply
 * per subject (deal or rep) with the facts and the owner @-mentioned when their Slack user is
 * known, and the resolution reply. Pure data in, message out.
 */
import type { Block, MessageContent } from '../delivery/messenger.js';
import type { AlertKind } from '../../store/alert-log.js';
import { clip, escapeMrkdwn, formatCount, formatMoney, formatPercent, isolateName, plural } from './numbers.js';

export interface PipelineDropFacts {
  kind: 'pipeline_drop';
  currency: string;
  today: number;
  average: number;
  /** Fraction below the average (0.24 = 24% below). */
  drop: number;
  threshold: number;
  /** The daily totals averaged, oldest first. */
  days: { day: string; value: number; reconstructed: boolean }[];
}

export interface RepInactiveFacts {
  kind: 'rep_inactive';
  currency: string;
  ownerId: string;
  name: string;
  slackUserId: string | null;
  lastActivityAt: string | null;
  businessHours: number | null;
  thresholdHours: number;
  openDeals: number;
  openValue: number;
}

export interface StuckDealFacts {
  kind: 'stuck_deal';
  currency: string;
  dealId: string;
  name: string;
  amount: number | null;
  stage: string;
  crmStage: string;
  stageId: string | null;
  daysInStage: number;
  stageAvgDays: number;
  ratio: number;
  owner: string | null;
  ownerId: string | null;
  slackUserId: string | null;
  closeDate: string | null;
}

export type AlertFacts = PipelineDropFacts | RepInactiveFacts | StuckDealFacts;

/** What the root message says; stored with each subject so the root can be rebuilt for chat.update. */
export interface RootSummary {
  kind: AlertKind;
  currency: string;
  /** Subjects announced under this root. */
  count: number;
  /** Σ value of the subjects (stuck deals) or the pipeline value (drop). */
  value: number;
  /** Subjects described in the thread (the rest are only counted). */
  described: number;
  /** Subjects alerted before and announced again (changed, or the quiet period passed). */
  repeated?: number;
  /** Threshold wording inputs. */
  threshold: number;
  /** Pipeline drop: today vs average. */
  drop?: { today: number; average: number; drop: number; days: number };
  postedAt: string;
  timeZone: string;
}

export const ALERT_TITLES: Record<AlertKind, string> = {
  pipeline_drop: 'Pipeline drop',
  rep_inactive: 'Rep inactivity',
  stuck_deal: 'Stuck deals',
};
const EMOJI: Record<AlertKind, string> = { pipeline_drop: ':chart_with_downwards_trend:', rep_inactive: ':zzz:', stuck_deal: ':hourglass_flowing_sand:' };

const NAME_CHARS = 60;
/** Names from the CRM sit in bidi isolates (numbers.ts isolateName): figures follow them in these lines. */
const nameText = (name: string) => isolateName(escapeMrkdwn(name));
const mention = (slackUserId: string | null, name: string | null) => (slackUserId ? `<@${slackUserId}>` : name ? nameText(name) : 'no owner');
const dealName = (f: StuckDealFacts) => isolateName(escapeMrkdwn(clip(f.name || `Deal ${f.dealId}`, NAME_CHARS)));
const localShort = (iso: string, tz: string) =>
  new Date(iso).toLocaleString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: tz });
const localHm = (iso: string, tz: string) => new Date(iso).toLocaleString('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: tz });

/** " 3 of them were alerted before and still are." for repeats after the quiet period. */
function again(s: RootSummary): string {
  const n = s.repeated ?? 0;
  if (!n) return '';
  if (n === s.count) return s.count === 1 ? ' Alerted before and still the case.' : ' All alerted before and still the case.';
  return ` ${formatCount(n)} of them alerted before and still the case.`;
}

function summaryText(s: RootSummary): string {
  switch (s.kind) {
    case 'pipeline_drop': {
      const d = s.drop!;
      return `${EMOJI.pipeline_drop} *Pipeline drop*: open pipeline is ${formatMoney(d.today, s.currency)}, ${formatPercent(d.drop)} below its ${d.days}-day average of ${formatMoney(d.average, s.currency)} (alert threshold ${formatPercent(s.threshold)}).`;
    }
    case 'rep_inactive':
      return `${EMOJI.rep_inactive} *Rep inactivity*: ${plural(s.count, 'rep has', 'reps have')} logged no calls, emails, meetings or tasks for more than ${plural(s.threshold, 'hour', 'hours')} (weekends not counted).${again(s)}`;
    case 'stuck_deal': {
      const rest = s.count - s.described;
      const largest = s.described === 1 ? 'The largest is' : `The ${formatCount(s.described)} largest are`;
      const where = s.described === 0 ? '' : rest > 0 ? ` ${largest} in the thread; see all with \`/deals stuck\`.` : ' Details in the thread.';
      return `${EMOJI.stuck_deal} *Stuck deals*: ${plural(s.count, 'open deal has', 'open deals have')} been in ${s.count === 1 ? 'its' : 'their'} stage more than ${s.threshold}× as long as usual, worth ${formatMoney(s.value, s.currency)}.${again(s)}${where}`;
    }
  }
}

/** The root message of one alert kind in one run; `progress` is added by updates after resolutions. */
export function alertRootView(s: RootSummary, progress?: { open: number; resolved: number; updatedAt: string }): MessageContent {
  const text = summaryText(s);
  const blocks: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text } }];
  const ctx: string[] = [];
  if (progress && progress.resolved > 0) {
    ctx.push(
      progress.open === 0
        ? `:white_check_mark: All resolved (last at ${localHm(progress.updatedAt, s.timeZone)})`
        : `:white_check_mark: ${formatCount(progress.resolved)} of ${formatCount(progress.resolved + progress.open)} resolved · ${formatCount(progress.open)} still open (updated ${localHm(progress.updatedAt, s.timeZone)})`,
    );
  }
  ctx.push(`Alerted ${localShort(s.postedAt, s.timeZone)} · thresholds: \`/dealcast settings\``);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: ctx.join('\n') }] });
  const plain = text.replace(/[*`]/g, '').replace(/^:[a-z_]+: /, '');
  return { text: progress && progress.resolved > 0 ? `${plain} (${progress.resolved} resolved)` : plain, blocks };
}

/** "60 hours" up to three days, then "5 days" (of 24 working hours; weekends are not counted). */
const workingTime = (hours: number) => (hours < 72 ? plural(hours, 'hour', 'hours') : plural(hours / 24, 'day', 'days'));

const days = (n: number) => plural(n, 'day', 'days');

/** One subject's reply in the thread. */
export function alertReplyView(f: AlertFacts, timeZone: string): MessageContent {
  let text: string;
  switch (f.kind) {
    case 'pipeline_drop': {
      const dayName = (day: string) => new Date(`${day}T12:00:00Z`).toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', timeZone: 'UTC' });
      const series = f.days.map((d) => `${dayName(d.day)} ${formatMoney(d.value, f.currency)}${d.reconstructed ? '*' : ''}`).join(' · ');
      const anyRebuilt = f.days.some((d) => d.reconstructed);
      text = `Today ${formatMoney(f.today, f.currency)} vs ${formatMoney(f.average, f.currency)} average over the previous ${plural(f.days.length, 'day', 'days')} (${formatPercent(f.drop)} lower).\n${series}${anyRebuilt ? '\n_* rebuilt from stage history (no snapshot was taken that day)_' : ''}\nSee what changed with \`/pipeline\`.`;
      break;
    }
    case 'rep_inactive': {
      const since = f.lastActivityAt
        ? `last logged activity ${localShort(f.lastActivityAt, timeZone)} (${workingTime(f.businessHours ?? 0)} ago, weekends not counted)`
        : 'no logged activity on record';
      text = `${mention(f.slackUserId, f.name)}${f.slackUserId ? ` (${nameText(f.name)})` : ''}: ${since}. ${plural(f.openDeals, 'open deal', 'open deals')} worth ${formatMoney(f.openValue, f.currency)}.`;
      break;
    }
    case 'stuck_deal': {
      const name = dealName(f);
      const stage = f.crmStage && f.crmStage !== f.stage ? `${f.stage} (${nameText(f.crmStage)})` : f.stage;
      const close = f.closeDate ? ` · close date ${f.closeDate}` : ' · no close date';
      text = `*${name}* · ${formatMoney(f.amount ?? 0, f.currency)}\n${stage} for ${days(f.daysInStage)}, usually ${days(f.stageAvgDays)} (${f.ratio.toFixed(1)}×) · owner ${mention(f.slackUserId, f.owner)}${close}`;
      break;
    }
  }
  return { text: text.replace(/[*_`]/g, ''), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clip(text, 2900) } }] };
}

/** The reply in a subject's original thread when it resolves. */
export function alertResolvedView(subjectLabel: string, reason: string): MessageContent {
  const text = `:white_check_mark: Resolved: ${subjectLabel} ${reason}`;
  return { text: text.replace(/[*_`]/g, '').replace(/^:[a-z_]+: /, ''), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clip(text, 2900) } }] };
}

export function subjectLabel(f: AlertFacts): string {
  switch (f.kind) {
    case 'pipeline_drop':
      return 'open pipeline';
    case 'rep_inactive':
      return mention(f.slackUserId, f.name);
    case 'stuck_deal':
      return `*${dealName(f)}*`;
  }
}

/** A CRM field that stopped arriving (schema drift), for the admins: which field, since when, what it means. */
export function schemaDriftAlertView(
  d: { field: string; since: string; rowsSeen: number; baselinePopulated: number; baselineRows: number; changedType?: string | null },
  admins: string[],
  timeZone: string,
): MessageContent {
  const since = new Date(d.since).toLocaleString('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' });
  const who = admins.length ? `${admins.map((u) => `<@${u}>`).join(' ')}: ` : '';
  const text = d.changedType
    ? `:warning: ${who}the CRM changed the type of \`${escapeMrkdwn(d.field)}\` (since ${since}, ${timeZone}): ${escapeMrkdwn(d.changedType)}, which dealcast cannot read as before. ` +
      'The syncs are marked degraded and reports keep its last good values. Change the field back in the CRM, or map another field of the right type.'
    : `:warning: ${who}the CRM stopped sending \`${escapeMrkdwn(d.field)}\` (since ${since}, ${timeZone}): blank on all ${formatCount(d.rowsSeen)} rows of that sync, ` +
    `though ${formatCount(d.baselinePopulated)} of ${formatCount(d.baselineRows)} had it before. The syncs are marked degraded and reports keep its last good values. ` +
    'Check that the field was not renamed or hidden in the CRM and that the token still has its scopes.';
  return { text: text.replace(/[*_`]/g, '').replace(/^:[a-z_]+: /, ''), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clip(text, 2900) } }] };
}
