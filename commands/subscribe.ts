/**
 * /dealcast subscribe <report> [filters] [schedule] and /dealcast subscriptions.
 *
 * - subscribe: a report (or the digest) to this channel or, with to:dm, the caller's DM, on a
 *   schedule in the caller's own time zone (users.info tz unless tz: is given). Before saving,
 *   a confirmation is posted where the report will go: if the bot is not in that channel the
 *   caller is told how to invite it and nothing is saved.
 * - subscriptions: this channel's subscriptions and the caller's own, with Send now, Pause or
 *   Resume, Edit and Delete buttons. Buttons re-check on the server that the clicker owns the
 *   subscription or is an admin.
 * - The runner's `send` renders the report with its creator's scope (and says so in the
 *   message) and posts it; a digest subscription posts the team digest.
 */
import { tokenize } from '../src/command-args.js';
import { describeError, UsageError } from '../src/errors.js';
import { isNotInChannel, slackErrorOf, slackMessenger, type MessageContent } from '../src/delivery/slack.js';
import { isDealcastAdmin } from '../src/slack-admins.js';
import { resolveTeamSettings } from '../src/team-settings.js';
import { jobContext } from '../src/jobs/context.js';
import { runDigestJob } from '../src/jobs/digest.js';
import { describeSchedule, nextSlot, scheduleWord, type Schedule, type ScheduleWords } from '../src/jobs/subscription-schedule.js';
import { SubscriptionRunner } from '../src/jobs/subscriptions.js';
import { subscriptionsList, type ListRow } from '../src/views/subscriptions.js';
import { createSubscription, deleteSubscription, getSubscription, listSubscriptions, setPaused, type Subscription } from '../store/subscriptions.js';
import { buildReportMessage, checkFilters, isSubscribable, SUBSCRIBABLE, type SubscribableReport } from './report-message.js';
import { viewerScope } from './viewer-scope.js';
import { replyTarget, type CommandDeps, type CommandRequest } from './command-context.js';

export const SUBSCRIBE_USAGE =
  'Usage: `/dealcast subscribe <report> [filters] [daily|weekdays|weekly mon,thu|monthly day:1] [at:08:30] [tz:Europe/Berlin] [skip:2026-12-24,2026-12-31] [to:dm]`\n' +
  `Reports: ${SUBSCRIBABLE.join(', ')}. Filters as in the report commands, e.g. owner:me pipeline:"Enterprise".`;

export interface ParsedSubscribe {
  report: SubscribableReport;
  filters: string;
  words: ScheduleWords;
}

/** Reads the text after `subscribe`; throws UsageError saying what is wrong. */
export function parseSubscribe(text: string): ParsedSubscribe {
  const { tokens, problems } = tokenize(text);
  if (problems.length) throw new UsageError(problems.join(' '), SUBSCRIBE_USAGE);
  const [first, ...rest] = tokens;
  if (!first || first.key !== null) throw new UsageError('Name the report to subscribe to.', SUBSCRIBE_USAGE);
  const report = first.value.toLowerCase();
  if (!isSubscribable(report)) throw new UsageError(`There is no report called "${first.value}".`, `Reports: ${SUBSCRIBABLE.join(', ')}.`);
  const words: ScheduleWords = {};
  const filters: string[] = [];
  const bad: string[] = [];
  for (const t of rest) {
    const w = scheduleWord(t.key, t.value);
    if (w === null) filters.push(t.raw);
    else if (typeof w === 'string') bad.push(w);
    else {
      if (w.days && words.days) w.days = [...words.days, ...w.days];
      Object.assign(words, w);
    }
  }
  if (bad.length) throw new UsageError(bad.join(' '), SUBSCRIBE_USAGE);
  const filterText = filters.join(' ');
  checkFilters(report, filterText);
  return { report, filters: filterText, words };
}

const fmtNext = (d: Date | null, tz: string) =>
  d ? d.toLocaleString('en-GB', { timeZone: tz, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false }) : null;

async function canManage(sub: Subscription, userId: string, deps: CommandDeps): Promise<boolean> {
  return sub.ownerUserId === userId || (await isDealcastAdmin(userId, deps.config, deps.slack).catch(() => false));
}

export async function handleSubscribe(req: CommandRequest, deps: CommandDeps): Promise<void> {
  const target = replyTarget(req);
  if (!req.text.trim() || /^\s*help\s*$/i.test(req.text)) {
    await deps.slack.replyEphemeral(target, { text: SUBSCRIBE_USAGE });
    return;
  }
  let p: ParsedSubscribe;
  try {
    p = parseSubscribe(req.text);
  } catch (err) {
    await deps.slack.replyEphemeral(target, { text: `:warning: ${describeError(err)}` });
    return;
  }
  const now = deps.now();
  let timeZone = p.words.timeZone;
  if (!timeZone) {
    const tz = await deps.slack.userInfo(req.userId).then((u) => u.tz, () => null);
    timeZone = tz ?? resolveTeamSettings(deps.db, deps.config).timeZone;
  }
  const schedule: Schedule = {
    frequency: p.words.frequency ?? 'weekdays',
    days: p.words.days ?? [],
    time: p.words.time ?? '08:00',
    timeZone,
    skipDates: p.words.skipDates ?? [],
  };
  // A DM with someone else is no place for the bot: send those to the caller's own DM.
  const toDm = p.words.toDm === true || req.channelId.startsWith('D');
  const where = toDm ? 'dm' : req.channelId;
  const sched = describeSchedule(schedule);
  const confirm: MessageContent = {
    text: `:calendar: <@${req.userId}> subscribed ${toDm ? 'themselves' : 'this channel'} to *${p.report}*${p.filters ? ` (${p.filters})` : ''}, ${sched}. Manage it with /dealcast subscriptions.`,
  };
  try {
    const channel = toDm ? await deps.slack.openDm(req.userId) : req.channelId;
    await deps.slack.postMessage(channel, confirm);
  } catch (err) {
    if (isNotInChannel(err)) {
      await deps.slack.replyEphemeral(target, {
        text: `:lock: I'm not in this channel, so I could not post the report here. Invite me with \`/invite @dealcast\` and subscribe again, or add \`to:dm\` to get it in your direct messages. Nothing was saved. (Slack said ${slackErrorOf(err)}.)`,
      });
      return;
    }
    throw err;
  }
  const sub = createSubscription(deps.db, { ownerUserId: req.userId, target: where, report: p.report, filters: p.filters, ...schedule }, now.toISOString());
  deps.log(`subscriptions: ${req.userId} subscribed ${where} to ${p.report} (${sched}) as #${sub.id}`);
  await deps.slack.replyEphemeral(target, {
    text: `:white_check_mark: Subscribed: *${p.report}*${p.filters ? ` \`${p.filters}\`` : ''}, ${sched}. Next: ${fmtNext(nextSlot(schedule, now), schedule.timeZone) ?? 'none soon'}. See /dealcast subscriptions to send it now, pause, edit or delete it.`,
  });
}

/** The list as the viewer sees it: this channel's subscriptions and their own. */
export async function subscriptionsListFor(userId: string, channelId: string, deps: CommandDeps, notice?: string): Promise<MessageContent> {
  const now = deps.now();
  const here = channelId.startsWith('D') ? [] : listSubscriptions(deps.db, { target: channelId });
  const mine = listSubscriptions(deps.db, { ownerUserId: userId }).filter((s) => !here.some((h) => h.id === s.id));
  const admin = await isDealcastAdmin(userId, deps.config, deps.slack).catch(() => false);
  const rows: ListRow[] = [...here, ...mine].map((sub) => ({
    sub,
    next: sub.paused ? null : fmtNext(nextSlot(sub, now), sub.timeZone),
    canManage: admin || sub.ownerUserId === userId,
  }));
  return subscriptionsList(rows, { title: channelId.startsWith('D') ? 'Your subscriptions' : 'Subscriptions in this channel, and yours', notice });
}

export async function handleSubscriptionsList(req: CommandRequest, deps: CommandDeps): Promise<void> {
  await deps.slack.replyEphemeral(replyTarget(req), await subscriptionsListFor(req.userId, req.channelId, deps));
}

export interface SubscriptionAction {
  userId: string;
  channelId: string;
  actionId: 'send_now' | 'pause' | 'resume' | 'delete';
  subscriptionId: number;
  responseUrl?: string;
}

/** A button on the list: re-checks the clicker, acts, then redraws the list in place. */
export async function onSubscriptionAction(a: SubscriptionAction, deps: CommandDeps, runner: SubscriptionRunner): Promise<void> {
  const sub = getSubscription(deps.db, a.subscriptionId);
  const redraw = async (notice: string) => {
    const content = await subscriptionsListFor(a.userId, a.channelId, deps, notice);
    if (a.responseUrl) await deps.slack.postToResponseUrl(a.responseUrl, { replace_original: true, response_type: 'ephemeral', ...content });
    else await deps.slack.postEphemeral(a.channelId, a.userId, content);
  };
  if (!sub) return redraw(':grey_question: That subscription no longer exists.');
  if (!(await canManage(sub, a.userId, deps))) {
    deps.log(`subscriptions: refused ${a.actionId} of #${sub.id} by ${a.userId} (not the owner or an admin)`);
    return redraw(`:no_entry: Only <@${sub.ownerUserId}> or a dealcast admin can change that subscription.`);
  }
  const now = deps.now();
  switch (a.actionId) {
    case 'send_now':
      try {
        await runner.sendNow(sub.id, now);
        return redraw(`:outbox_tray: Sent *${sub.report}* now.`);
      } catch (err) {
        return redraw(`:x: Could not send *${sub.report}*: ${describeError(err).split('\n')[0]}`);
      }
    case 'pause':
      setPaused(deps.db, sub.id, true, `paused by <@${a.userId}>`, now.toISOString());
      return redraw(`:double_vertical_bar: Paused *${sub.report}*.`);
    case 'resume':
      setPaused(deps.db, sub.id, false, null, now.toISOString());
      return redraw(`:arrow_forward: Resumed *${sub.report}*.`);
    case 'delete':
      deleteSubscription(deps.db, sub.id, now.toISOString());
      deps.log(`subscriptions: #${sub.id} deleted by ${a.userId}`);
      return redraw(`:wastebasket: Deleted *${sub.report}*.`);
  }
}

/** The runner the app's scheduler ticks and the buttons use. */
export function createSubscriptionRunner(deps: CommandDeps): SubscriptionRunner {
  return new SubscriptionRunner({
    db: deps.db,
    log: deps.log,
    maxLateHours: deps.config.DIGEST_MAX_LATE_HOURS,
    openDm: (u) => deps.slack.openDm(u),
    notify: async (u, content) => {
      await deps.slack.postMessage(await deps.slack.openDm(u), content);
    },
    hintFor: (err) =>
      isNotInChannel(err) ? 'I am not in that channel (a private channel needs an invitation): invite me with /invite @dealcast.' : undefined,
    send: (sub, channel, now) => sendSubscription(sub, channel, now, deps),
  });
}

export async function sendSubscription(sub: Subscription, channel: string, now: Date, deps: CommandDeps): Promise<void> {
  if (sub.report === 'digest') {
    const jc = jobContext({ config: deps.config, db: deps.db, messenger: slackMessenger(deps.slack), log: deps.log, now: () => now });
    await runDigestJob({ ...jc.digest, channel, timeZone: sub.timeZone }, now);
    return;
  }
  const scope = await viewerScope(sub.ownerUserId, deps);
  const footer = `:calendar: Scheduled by <@${sub.ownerUserId}>, ${describeSchedule(sub)}${scope.label ? ` · shows what <@${sub.ownerUserId}> may see: ${scope.label}` : ''} · /dealcast subscriptions to manage`;
  const m = await buildReportMessage(sub.report as Exclude<SubscribableReport, 'digest'>, sub.filters, { userId: sub.ownerUserId, scope, footer }, deps, now);
  if (m.chart) await deps.slack.uploadPng(channel, m.chart, m.content);
  else await deps.slack.postMessage(channel, m.content);
}
