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
import { tokenize } from './command-args.js';
import { describeError, UsageError } from '../src/errors.js';
import { isNotInChannel, slackErrorOf, type MessageContent } from '../src/delivery/slack.js';
import { resolveTeamSettings } from '../src/settings/resolve.js';
import { jobContext } from '../src/jobs/context.js';
import { runDigestJob } from '../src/jobs/digest.js';
import { describeSchedule, nextSlot, scheduleWord, type Schedule, type ScheduleWords } from '../src/jobs/subscription-schedule.js';
import { isTimeZone } from '../src/time/calendar.js';
import { subscriptionModal, readSubscriptionState, type SubscriptionForm } from '../src/views/subscription-modal.js';
import { BLOCK_IDS } from '../src/ids.js';
import { SubscriptionRunner } from '../src/jobs/subscriptions.js';
import { syncDefaultDigest } from '../src/jobs/default-digest.js';
import { subscriptionsList, type ListRow } from '../src/views/subscriptions.js';
import { createSubscription, deleteSubscription, getSubscription, listSubscriptions, setPaused, updateSubscription, type Subscription } from '../store/subscriptions.js';
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
  return (sub.ownerUserId === userId && !sub.isDefault) || (await deps.admins.isAdmin(userId).catch(() => false));
}

export async function handleSubscribe(req: CommandRequest, deps: CommandDeps): Promise<void> {
  const target = replyTarget(req);
  if (/^\s*help\s*$/i.test(req.text)) {
    await deps.slack.replyEphemeral(target, { text: SUBSCRIBE_USAGE });
    return;
  }
  if (!req.text.trim()) {
    if (req.triggerId) await openSubscriptionModal(req.triggerId, req.userId, req.channelId, deps);
    else await deps.slack.replyEphemeral(target, { text: SUBSCRIBE_USAGE });
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
  if (!timeZone) timeZone = await defaultTimeZone(req.userId, deps);
  const schedule: Schedule = {
    frequency: p.words.frequency ?? 'weekdays',
    days: p.words.days ?? [],
    time: p.words.time ?? '08:00',
    timeZone,
    skipDates: p.words.skipDates ?? [],
  };
  const r = await createWithConfirmation({ userId: req.userId, channelId: req.channelId, toDm: p.words.toDm === true, report: p.report, filters: p.filters, schedule }, deps);
  if (!r.ok) {
    await deps.slack.replyEphemeral(target, { text: r.hint });
    return;
  }
  await deps.slack.replyEphemeral(target, {
    text: `:white_check_mark: Subscribed: *${p.report}*${p.filters ? ` \`${p.filters}\`` : ''}, ${describeSchedule(schedule)}. Next: ${fmtNext(nextSlot(schedule, now), schedule.timeZone) ?? 'none soon'}. See /dealcast subscriptions to send it now, pause, edit or delete it.`,
  });
}

/** The subscriber's Slack time zone (users.info), else the team's. */
async function defaultTimeZone(userId: string, deps: CommandDeps): Promise<string> {
  const tz = await deps.slack.userInfo(userId).then((u) => u.tz, () => null);
  return tz && isTimeZone(tz) ? tz : resolveTeamSettings(deps.db, deps.config).timeZone;
}

const NOT_IN_CHANNEL_HINT =
  ":lock: I'm not in this channel, so I could not post the report here. Invite me with `/invite @dealcast` and subscribe again, or choose your direct messages (`to:dm`). Nothing was saved.";

/**
 * Posts a confirmation where the report will go, then saves the subscription. When the bot is
 * not in that channel (a private channel it was not invited to), nothing is saved.
 */
async function createWithConfirmation(
  s: { userId: string; channelId: string; toDm: boolean; report: SubscribableReport; filters: string; schedule: Schedule },
  deps: CommandDeps,
): Promise<{ ok: true; sub: Subscription } | { ok: false; hint: string }> {
  // A DM with someone else is no place for the bot: send those to the caller's own DM.
  const toDm = s.toDm || !s.channelId || s.channelId.startsWith('D');
  const where = toDm ? 'dm' : s.channelId;
  const sched = describeSchedule(s.schedule);
  try {
    const channel = toDm ? await deps.slack.openDm(s.userId) : s.channelId;
    await deps.slack.postMessage(channel, {
      text: `:calendar: <@${s.userId}> subscribed ${toDm ? 'themselves' : 'this channel'} to *${s.report}*${s.filters ? ` (${s.filters})` : ''}, ${sched}. Manage it with /dealcast subscriptions.`,
    });
  } catch (err) {
    if (isNotInChannel(err)) return { ok: false, hint: `${NOT_IN_CHANNEL_HINT} (Slack said ${slackErrorOf(err)}.)` };
    throw err;
  }
  const sub = createSubscription(deps.db, { ownerUserId: s.userId, target: where, report: s.report, filters: s.filters, ...s.schedule }, deps.now().toISOString());
  deps.log(`subscriptions: ${s.userId} subscribed ${where} to ${s.report} (${sched}) as #${sub.id}`);
  return { ok: true, sub };
}

/** Opens the subscription modal, empty or filled with an existing subscription. */
export async function openSubscriptionModal(triggerId: string, userId: string, channelId: string, deps: CommandDeps, existing?: Subscription): Promise<void> {
  const form: SubscriptionForm = existing
    ? { id: existing.id, channel: existing.target === 'dm' ? channelId : existing.target, report: existing.report, filters: existing.filters, toDm: existing.target === 'dm', frequency: existing.frequency, days: existing.days, time: existing.time, timeZone: existing.timeZone, skipDates: existing.skipDates }
    : { id: null, channel: channelId, report: 'pipeline', filters: '', toDm: false, frequency: 'weekdays', days: [], time: '08:00', timeZone: await defaultTimeZone(userId, deps), skipDates: [] };
  await deps.slack.openView(triggerId, subscriptionModal(form, SUBSCRIBABLE));
}

export type SubscriptionSubmitResult = { response_action: 'errors'; errors: Record<string, string> } | { response_action: 'clear' };

/** Validates and saves the modal: a new subscription (after the channel check) or an edit (owner or admin only). */
export async function onSubscriptionSubmit(input: { userId: string; values: Parameters<typeof readSubscriptionState>[0]; privateMetadata?: string }, deps: CommandDeps): Promise<SubscriptionSubmitResult> {
  const d = readSubscriptionState(input.values, input.privateMetadata);
  const errors: Record<string, string> = {};
  if (!isSubscribable(d.report)) errors[BLOCK_IDS.subscriptionReport] = 'Choose a report.';
  else {
    try {
      checkFilters(d.report, d.filters);
    } catch (err) {
      errors[BLOCK_IDS.subscriptionFilters] = describeError(err).split('\n')[0]!.slice(0, 1900);
    }
  }
  const frequency = (['daily', 'weekdays', 'weekly', 'monthly'] as const).find((x) => x === d.frequency) ?? 'weekdays';
  let days: number[] = [];
  if (frequency === 'weekly') {
    if (!d.weekdays.length) errors[BLOCK_IDS.subscriptionDays] = 'Tick at least one weekday.';
    days = d.weekdays;
  }
  if (frequency === 'monthly') {
    const w = scheduleWord('day', d.monthDays);
    if (!d.monthDays.trim() || typeof w === 'string' || w === null) errors[BLOCK_IDS.subscriptionMonthDays] = 'List days of the month from 1 to 31, e.g. 1,15.';
    else days = w.days ?? [];
  }
  const time = scheduleWord('at', d.time);
  if (typeof time === 'string' || time === null) errors[BLOCK_IDS.subscriptionTime] = 'Choose a time.';
  if (!isTimeZone(d.timeZone.trim())) errors[BLOCK_IDS.subscriptionTimeZone] = 'Write an IANA time zone, e.g. Europe/Berlin or Asia/Tokyo.';
  let skipDates: string[] = [];
  if (d.skip.trim()) {
    const w = scheduleWord('skip', d.skip);
    if (typeof w === 'string' || w === null) errors[BLOCK_IDS.subscriptionSkip] = typeof w === 'string' ? w : 'Dates as YYYY-MM-DD, separated by commas.';
    else skipDates = w.skipDates ?? [];
  }
  if (Object.keys(errors).length) return { response_action: 'errors', errors };
  const schedule: Schedule = { frequency, days, time: (time as ScheduleWords).time!, timeZone: d.timeZone.trim(), skipDates };
  const report = d.report as SubscribableReport;
  if (d.id !== null) {
    const sub = getSubscription(deps.db, d.id);
    if (!sub) return { response_action: 'errors', errors: { [BLOCK_IDS.subscriptionReport]: 'That subscription no longer exists.' } };
    if (!(await canManage(sub, input.userId, deps))) return { response_action: 'errors', errors: { [BLOCK_IDS.subscriptionReport]: `Only <@${sub.ownerUserId}> or a dealcast admin can change it.` } };
    const target = d.toDm ? 'dm' : sub.target === 'dm' ? d.channel || 'dm' : sub.target;
    updateSubscription(deps.db, sub.id, { target, report, filters: d.filters.trim(), ...schedule }, deps.now().toISOString());
    deps.log(`subscriptions: #${sub.id} edited by ${input.userId}`);
    return { response_action: 'clear' };
  }
  const r = await createWithConfirmation({ userId: input.userId, channelId: d.channel, toDm: d.toDm, report, filters: d.filters.trim(), schedule }, deps);
  if (!r.ok) return { response_action: 'errors', errors: { [BLOCK_IDS.subscriptionWhere]: r.hint.replace(/`/g, '').slice(0, 1900) } };
  return { response_action: 'clear' };
}

/** Edit on the list: the modal, filled (owner or admin only). */
export async function onSubscriptionEdit(a: { userId: string; channelId: string; subscriptionId: number; triggerId?: string; responseUrl?: string }, deps: CommandDeps): Promise<void> {
  const sub = getSubscription(deps.db, a.subscriptionId);
  const tell = (text: string) => (a.responseUrl ? deps.slack.postToResponseUrl(a.responseUrl, { response_type: 'ephemeral', replace_original: false, text }) : deps.slack.postEphemeral(a.channelId, a.userId, { text }));
  if (!sub) return tell(':grey_question: That subscription no longer exists.');
  if (!(await canManage(sub, a.userId, deps))) return tell(`:no_entry: Only <@${sub.ownerUserId}> or a dealcast admin can change that subscription.`);
  if (sub.isDefault) return tell('The team digest follows the team settings: change its channel, time and time zone with /dealcast settings. You can send it now, pause it or delete it here.');
  if (!a.triggerId) return tell('Slack sent no trigger for a dialog; click Edit again.');
  await openSubscriptionModal(a.triggerId, a.userId, a.channelId, deps, sub);
}

/** The list as the viewer sees it: this channel's subscriptions and their own. */
export async function subscriptionsListFor(userId: string, channelId: string, deps: CommandDeps, notice?: string): Promise<MessageContent> {
  const now = deps.now();
  const here = channelId.startsWith('D') ? [] : listSubscriptions(deps.db, { target: channelId });
  const mine = listSubscriptions(deps.db, { ownerUserId: userId }).filter((s) => !here.some((h) => h.id === s.id));
  const admin = await deps.admins.isAdmin(userId).catch(() => false);
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
    beforeTick: (now) => {
      syncDefaultDigest(deps.db, resolveTeamSettings(deps.db, deps.config), deps.config.DEALCAST_ADMINS[0] ?? '', now);
    },
  });
}

export async function sendSubscription(sub: Subscription, channel: string, now: Date, deps: CommandDeps): Promise<void> {
  if (sub.report === 'digest') {
    const jc = jobContext({ config: deps.config, db: deps.db, messenger: deps.slack.messenger(), log: deps.log, now: () => now });
    await runDigestJob({ ...jc.digest, channel, timeZone: sub.timeZone }, now);
    return;
  }
  const scope = await viewerScope(sub.ownerUserId, deps);
  const footer = `:calendar: Scheduled by <@${sub.ownerUserId}>, ${describeSchedule(sub)}${scope.label ? ` · shows what <@${sub.ownerUserId}> may see: ${scope.label}` : ''} · /dealcast subscriptions to manage`;
  const m = await buildReportMessage(sub.report as Exclude<SubscribableReport, 'digest'>, sub.filters, { userId: sub.ownerUserId, scope, footer }, deps, now);
  if (m.chart) await deps.slack.uploadPng(channel, m.chart, m.content);
  else await deps.slack.postMessage(channel, m.content);
}
