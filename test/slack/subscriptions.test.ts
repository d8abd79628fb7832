/**
 * Subscriptions end to end through signed HTTP requests and the fake Slack Web API:
 * subscribe -> the scheduled post exactly once, also across a restart -> Send now -> Pause
 * (no post at the next slot) -> Delete; a private channel the bot is not in gets a clear hint
 * and nothing is saved; a failing subscription tells its owner once and pauses itself.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack, type RecordedCall } from '../fakes/slack.js';
import { startTestApp, type TestApp } from '../helpers/slack-app.js';
import { sendCommand, sendInteraction } from '../helpers/slack-requests.js';
import { listOwners } from '../../store/owners.js';
import { getSubscription, listSubscriptions } from '../../store/subscriptions.js';
import { createSubscriptionRunner, parseSubscribe } from '../../commands/subscribe.js';
import { recentJobRuns } from '../../store/job-runs.js';
import { MAX_FAILURES } from '../../src/jobs/subscriptions.js';
import { ModalSession } from '../helpers/slack-modal.js';
import { InlineReports, type ReportTask } from '../../src/reports/work.js';

/** The reports the app asked deps.reports for: subscription posts are computed and drawn there, off the event loop. */
const tasks: ReportTask[] = [];

let now = new Date('2026-11-24T07:00:00Z'); // Tuesday
let fake: FakeSlack;
let t: TestApp;

beforeAll(async () => {
  fake = await startFakeSlack();
  t = await startTestApp(fake, {
    now: () => now,
    reports: (db) => {
      const inline = new InlineReports(db);
      return { run: (task) => (tasks.push(structuredClone(task)), inline.run(task)), render: (name, report, scale) => inline.render(name, report, scale), close: () => inline.close() };
    },
  });
  await t.app.deps.sync.run({ now: new Date('2026-11-24T06:30:00Z') });
  const owner = listOwners(t.db, 'demo')[0]!;
  fake.addUser({ id: 'U0MARIA', name: 'maria', email: owner.email!, tz: 'Europe/Berlin' });
  fake.addUser({ id: 'U0OTHER', name: 'other', email: 'other@elsewhere.test', tz: 'Asia/Tokyo' });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await fake?.stop();
});
beforeEach(() => fake.reset());

async function command(text: string, opts: { user?: string; channel?: string } = {}) {
  const id = `R-${Math.random().toString(36).slice(2)}`;
  const r = await sendCommand(t.url, { command: '/dealcast', text, channel_id: opts.channel ?? 'C0REPORTS', user_id: opts.user ?? 'U0MARIA', response_url: fake.responseUrl(id) });
  expect(r.status).toBe(200);
  const [c] = await fake.waitForCalls('response_url', 1, (x: RecordedCall) => x.path === id);
  return c!.params as { text: string; blocks?: Record<string, any>[] };
}

async function click(actionId: string, value: string, opts: { user?: string; channel?: string; wait?: boolean } = {}) {
  const id = `A-${Math.random().toString(36).slice(2)}`;
  const r = await sendInteraction(t.url, {
    type: 'block_actions',
    user: { id: opts.user ?? 'U0MARIA', username: 'maria', team_id: 'T0FAKE' },
    api_app_id: 'A0DEALCAST',
    token: 'deprecated',
    team: { id: 'T0FAKE', domain: 'fake' },
    container: { type: 'message', message_ts: '1790000000.000001', channel_id: opts.channel ?? 'C0REPORTS', is_ephemeral: true },
    channel: { id: opts.channel ?? 'C0REPORTS', name: 'sales' },
    trigger_id: '1337.42.abcdef',
    response_url: fake.responseUrl(id),
    actions: [{ type: 'button', action_id: actionId, block_id: `subscription_actions_${value}`, value, action_ts: '1790000000.000002' }],
  });
  expect(r.status).toBe(200);
  if (opts.wait === false) return null;
  const [c] = await fake.waitForCalls('response_url', 1, (x: RecordedCall) => x.path === id);
  return c!.params as { text: string; replace_original?: boolean; blocks?: Record<string, any>[] };
}

const shares = (channel: string) => fake.calls('files.completeUploadExternal').filter((c) => c.status === 200 && c.params.channel_id === channel && (c.answer as { ok: boolean }).ok);

describe('subscriptions', () => {
  it('subscribe -> scheduled post exactly once across a restart -> send now -> pause -> delete', async () => {
    const reply = await command('subscribe pipeline owner:me weekdays at:09:30');
    expect(reply.text).toContain('Subscribed: *pipeline* `owner:me`, every weekday at 09:30 (Europe/Berlin)');
    expect(reply.text).toContain('Next: Tue 24 Nov, 09:30');
    const confirm = fake.calls('chat.postMessage').find((c) => c.params.channel === 'C0REPORTS');
    expect(String(confirm!.params.text)).toContain('<@U0MARIA> subscribed this channel to *pipeline*');
    const [sub] = listSubscriptions(t.db, { target: 'C0REPORTS' });
    expect(sub).toMatchObject({ report: 'pipeline', filters: 'owner:me', frequency: 'weekdays', time: '09:30', timeZone: 'Europe/Berlin' });
    fake.reset();

    // 09:30 in Berlin is 08:30 UTC. Before it: nothing.
    await t.app.subscriptions.tick(new Date('2026-11-24T08:29:00Z'));
    expect(shares('C0REPORTS')).toHaveLength(0);
    let r = await t.app.subscriptions.tick(new Date('2026-11-24T08:30:10Z'));
    expect(r.ran).toEqual([{ id: sub!.id, slot: '2026-11-24T08:30:00.000Z', status: 'ok', late: false }]);
    expect(shares('C0REPORTS')).toHaveLength(1);
    const blocks = JSON.stringify(shares('C0REPORTS')[0]!.params.blocks);
    expect(blocks).toContain('Open pipeline');
    expect(blocks).toContain('Scheduled by <@U0MARIA>, every weekday at 09:30 (Europe/Berlin)');

    // The same slot again, in this life and in a new one (a restart): no second post.
    await t.app.subscriptions.tick(new Date('2026-11-24T08:31:00Z'));
    const restarted = createSubscriptionRunner(t.app.deps);
    r = await restarted.tick(new Date('2026-11-24T08:32:00Z'));
    expect(r.ran).toEqual([]);
    expect(shares('C0REPORTS')).toHaveLength(1);

    // The list, with buttons, then Send now.
    now = new Date('2026-11-24T08:33:00Z');
    const list = await command('subscriptions');
    const listed = JSON.stringify(list.blocks);
    for (const a of ['subscription_send_now', 'subscription_pause', 'subscription_edit', 'subscription_delete']) expect(listed).toContain(a);
    expect(listed).toContain('Next: Wed 25 Nov, 09:30');
    tasks.length = 0;
    const sent = (await click('subscription_send_now', String(sub!.id)))!;
    expect(sent.replace_original).toBe(true);
    expect(JSON.stringify(sent.blocks)).toContain('Sent *pipeline* now');
    expect(shares('C0REPORTS')).toHaveLength(2);
    expect(tasks.map((x) => [x.name, x.chart?.scale])).toEqual([['pipeline', 2]]);

    // Someone else cannot pause it.
    const refused = (await click('subscription_pause', String(sub!.id), { user: 'U0OTHER' }))!;
    expect(JSON.stringify(refused.blocks)).toContain('Only <@U0MARIA> or a dealcast admin');
    expect(getSubscription(t.db, sub!.id)!.paused).toBe(false);

    // Pause: the next slot posts nothing, even after a restart.
    const paused = (await click('subscription_pause', String(sub!.id)))!;
    expect(JSON.stringify(paused.blocks)).toContain('Paused *pipeline*');
    expect(JSON.stringify(paused.blocks)).toContain('subscription_resume');
    await t.app.subscriptions.tick(new Date('2026-11-25T08:30:00Z'));
    expect(shares('C0REPORTS')).toHaveLength(2);

    // Delete.
    const deleted = (await click('subscription_delete', String(sub!.id)))!;
    expect(JSON.stringify(deleted.blocks)).toContain('Deleted *pipeline*');
    expect(getSubscription(t.db, sub!.id)).toBeNull();
    expect(listSubscriptions(t.db, { target: 'C0REPORTS' })).toHaveLength(0);
    // The ledger holds the scheduled run and the manual one.
    expect(recentJobRuns(t.db, `subscription:${sub!.id}`).map((x) => x.status)).toEqual(['ok', 'ok']);
  }, 60_000);

  it('a private channel the bot is not in gets a clear hint, and nothing is saved', async () => {
    fake.botNotIn('G0PRIVATE');
    const reply = await command('subscribe forecast weekly mon,thu at:8:00', { channel: 'G0PRIVATE' });
    expect(reply.text).toContain("I'm not in this channel");
    expect(reply.text).toContain('/invite @dealcast');
    expect(listSubscriptions(t.db, { target: 'G0PRIVATE' })).toHaveLength(0);
  });

  it('to:dm goes to the DM in the time zone given; bad words are explained', async () => {
    const reply = await command('subscribe deals pipeline:"Enterprise" monthly day:1,15 at:07:45 tz:Asia/Tokyo skip:2026-12-01 to:dm', { user: 'U0OTHER' });
    expect(reply.text).toContain('monthly on day 1, 15 at 07:45 (Asia/Tokyo), skipping 2026-12-01');
    const [s] = listSubscriptions(t.db, { ownerUserId: 'U0OTHER' });
    expect(s!.target).toBe('dm');
    // 1 Dec is skipped: the next slot is 15 Dec 07:45 Tokyo.
    const r = await t.app.subscriptions.tick(new Date('2026-11-30T22:45:00Z'));
    expect(r.ran).toEqual([]);
    const bad = await command('subscribe pipeline at:25:00 tz:Mars/Olympus');
    expect(bad.text).toContain('`at:25:00` is not a time of day');
    expect(bad.text).toContain('`tz:Mars/Olympus` is not a time zone');
    const unknown = await command('subscribe pipelines');
    expect(unknown.text).toContain('There is no report called "pipelines"');
  });

  it('a failing subscription tells its owner once, then pauses itself after repeated failures', async () => {
    await command('subscribe funnel daily at:10:00 tz:UTC', { channel: 'C0LOSTBOT' });
    const sub = listSubscriptions(t.db, { target: 'C0LOSTBOT' })[0]!;
    fake.reset();
    fake.botNotIn('C0LOSTBOT');
    for (let day = 1; day <= MAX_FAILURES; day++) {
      const r = await t.app.subscriptions.tick(new Date(`2026-12-0${day}T10:00:00Z`));
      expect(r.ran.find((x) => x.id === sub.id)).toMatchObject({ status: 'failed' });
    }
    const dms = fake.calls('chat.postMessage').filter((c) => String(c.params.channel) === 'DU0MARIA');
    expect(dms).toHaveLength(1);
    expect(String(dms[0]!.params.text)).toContain('I could not send your *funnel* subscription to <#C0LOSTBOT>');
    expect(String(dms[0]!.params.text)).toContain('invite me with /invite @dealcast');
    const after = getSubscription(t.db, sub.id)!;
    expect(after.paused).toBe(true);
    expect(after.pausedReason).toContain(`paused after ${MAX_FAILURES} failures in a row`);
    const r = await t.app.subscriptions.tick(new Date('2026-12-04T10:00:00Z'));
    expect(r.ran.filter((x) => x.id === sub.id)).toEqual([]);
  });
});

describe('the subscription modal', () => {
  it('creates from /dealcast subscribe without arguments, and Edit changes it', async () => {
    const id = `R-${Math.random().toString(36).slice(2)}`;
    await sendCommand(t.url, { command: '/dealcast', text: 'subscribe', channel_id: 'C0MODAL', user_id: 'U0MARIA', response_url: fake.responseUrl(id) });
    const [open] = await fake.waitForCalls('views.open');
    const modal = new ModalSession(open!);
    expect(modal.view.callback_id).toBe('dealcast_subscription');
    expect(modal.block('subscription_timezone').element.initial_value).toBe('Europe/Berlin');
    modal.selectOption('subscription_report', 'subscription_field', 'forecast');
    modal.typeText('subscription_filters', 'subscription_field', 'owner:nobody-at-all');
    modal.selectOption('subscription_frequency', 'subscription_field', 'weekly');
    const user = { id: 'U0MARIA', name: 'maria' };
    let r = await sendInteraction(t.url, modal.viewSubmission(user));
    // No weekday ticked yet: the modal stays open with the error beside the field.
    expect(JSON.parse(r.body)).toMatchObject({ response_action: 'errors', errors: { subscription_days: 'Tick at least one weekday.' } });
    modal.set('subscription_days', 'subscription_field', { selected_options: [{ text: { type: 'plain_text', text: 'Fri' }, value: '5' }] });
    modal.typeText('subscription_filters', 'subscription_field', 'pipeline:"Enterprise"');
    modal.set('subscription_time', 'subscription_field', { selected_time: '16:45' });
    r = await sendInteraction(t.url, modal.viewSubmission(user));
    expect(JSON.parse(r.body)).toEqual({ response_action: 'clear' });
    const [sub] = listSubscriptions(t.db, { target: 'C0MODAL' });
    expect(sub).toMatchObject({ report: 'forecast', filters: 'pipeline:"Enterprise"', frequency: 'weekly', days: [5], time: '16:45', timeZone: 'Europe/Berlin' });

    fake.reset();
    await click('subscription_edit', String(sub!.id), { channel: 'C0MODAL', wait: false });
    const [edit] = await fake.waitForCalls('views.open');
    const em = new ModalSession(edit!);
    expect(em.block('subscription_time').element.initial_time).toBe('16:45');
    em.set('subscription_time', 'subscription_field', { selected_time: '07:15' });
    r = await sendInteraction(t.url, em.viewSubmission(user));
    expect(JSON.parse(r.body)).toEqual({ response_action: 'clear' });
    expect(getSubscription(t.db, sub!.id)).toMatchObject({ time: '07:15', days: [5], target: 'C0MODAL' });
    // Nobody else can save an edit of it.
    r = await sendInteraction(t.url, em.viewSubmission({ id: 'U0OTHER', name: 'other' }));
    expect(JSON.parse(r.body)).toMatchObject({ response_action: 'errors' });
  }, 30_000);
});

describe('parseSubscribe', () => {
  it('separates filters from schedule words, keeping quotes and scripts', () => {
    const p = parseSubscribe('pipeline owner:"山田 太郎" source:Referral weekly tue,fri at:18:05 skip:2026-12-25');
    expect(p.report).toBe('pipeline');
    expect(p.filters).toBe('owner:"山田 太郎" source:Referral');
    expect(p.words).toEqual({ frequency: 'weekly', days: [2, 5], time: '18:05', skipDates: ['2026-12-25'] });
  });
  it('refuses a filter the report does not take', () => {
    expect(() => parseSubscribe('reps owner:me')).toThrow(/does not take `owner:`/);
  });
});

describe('the team digest is the default subscription', () => {
  it('is created from the team settings, posts at its slot once, follows a settings change, and stays off once deleted', async () => {
    const f2 = await startFakeSlack();
    let clock = new Date('2026-11-23T12:00:00Z'); // Monday
    const t2 = await startTestApp(f2, { now: () => clock, env: { DIGEST_CHANNEL: 'C0DIGEST', DIGEST_CRON: '0 8 * * 1-5', DEALCAST_TIMEZONE: 'Europe/Berlin', DEMO_DEALS: '200' } });
    try {
      await t2.app.deps.sync.run({ now: new Date('2026-11-23T11:00:00Z') });
      await t2.app.subscriptions.tick(clock);
      const [def] = listSubscriptions(t2.db, { target: 'C0DIGEST' });
      expect(def).toMatchObject({ report: 'digest', isDefault: true, frequency: 'weekdays', time: '08:00', timeZone: 'Europe/Berlin', ownerUserId: 'U0ADMIN' });
      // 08:00 Berlin on Tuesday is 07:00 UTC.
      let r = await t2.app.subscriptions.tick(new Date('2026-11-24T07:00:30Z'));
      expect(r.ran).toEqual([{ id: def!.id, slot: '2026-11-24T07:00:00.000Z', status: 'ok', late: false }]);
      const digests = () => f2.calls('chat.postMessage').filter((c) => c.params.channel === 'C0DIGEST' && !c.params.thread_ts);
      expect(digests()).toHaveLength(1);
      r = await createSubscriptionRunner(t2.app.deps).tick(new Date('2026-11-24T07:02:00Z'));
      expect(r.ran).toEqual([]);
      expect(digests()).toHaveLength(1);

      // An admin moves the digest to 09:15 in /dealcast settings: the subscription follows.
      t2.db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('digest.time', '"09:15"', '2026-11-24T07:10:00.000Z')`).run();
      await t2.app.subscriptions.tick(new Date('2026-11-24T07:11:00Z'));
      expect(getSubscription(t2.db, def!.id)).toMatchObject({ time: '09:15' });

      // Deleting it turns the digest off for good (it is not recreated from the settings).
      clock = new Date('2026-11-24T07:12:00Z');
      t2.db.prepare('UPDATE subscriptions SET deleted_at = ? WHERE id = ?').run(clock.toISOString(), def!.id);
      await t2.app.subscriptions.tick(new Date('2026-11-25T08:15:00Z'));
      expect(listSubscriptions(t2.db, { target: 'C0DIGEST' })).toHaveLength(0);
      expect(digests()).toHaveLength(1);
    } finally {
      await t2.stop();
      await f2.stop();
    }
  }, 60_000);
});
