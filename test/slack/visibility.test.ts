/**
 * Scoped visibility and the App Home end to end: an admin sets "only their own deals" (and the
 * deal-event feed) in the /dealcast events modal; then a rep cannot see another rep's deals
 * through a command, an owner filter, a subscription's Send now button, or the App Home, which
 * is published on app_home_opened.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack, type RecordedCall } from '../fakes/slack.js';
import { startTestApp, type TestApp } from '../helpers/slack-app.js';
import { sendCommand, sendEvent, sendInteraction } from '../helpers/slack-requests.js';
import { ModalSession } from '../helpers/slack-modal.js';
import { listOwners } from '../../store/owners.js';
import { listSubscriptions } from '../../store/subscriptions.js';
import { readVisibility } from '../../src/access/visibility.js';
import { readDealEventConfig } from '../../src/jobs/deal-event-settings.js';
import { refreshRecentHomes } from '../../commands/app-home.js';
import { InlineReports, type ReportTask } from '../../src/reports/work.js';

/** The reports the app asked deps.reports for: the App Home's stuck deals are computed there, off the event loop. */
const tasks: ReportTask[] = [];

const NOW = new Date('2026-11-24T09:00:00Z');
let fake: FakeSlack;
let t: TestApp;
let a: { id: string; name: string };
let b: { id: string; name: string };
let bDeals: string[];
let aDeals: string[];

beforeAll(async () => {
  fake = await startFakeSlack();
  t = await startTestApp(fake, {
    now: () => NOW,
    reports: (db) => {
      const inline = new InlineReports(db);
      return { run: (task) => (tasks.push(structuredClone(task)), inline.run(task)), render: (name, report, scale) => inline.render(name, report, scale), close: () => inline.close() };
    },
  });
  await t.app.deps.sync.run({ now: new Date('2026-11-24T08:30:00Z') });
  const owners = listOwners(t.db, 'demo');
  a = owners[0]!;
  b = owners[1]!;
  fake.addUser({ id: 'U0MARIA', name: 'maria', email: owners[0]!.email!, tz: 'Europe/Madrid' });
  fake.addUser({ id: 'U0BOB', name: 'bob', email: owners[1]!.email! });
  fake.addUser({ id: 'U0ADMIN', name: 'admin', isAdmin: true });
  const names = (ownerId: string) =>
    t.db.prepare(`SELECT name FROM deals WHERE crm = 'demo' AND owner_id = ? AND status = 'open' AND deleted_at IS NULL ORDER BY amount DESC`).pluck().all(ownerId) as string[];
  aDeals = names(a.id);
  bDeals = names(b.id);
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await fake?.stop();
});
beforeEach(() => fake.reset());

async function command(command: string, text: string, user = 'U0MARIA', channel = 'C0REPORTS') {
  const id = `R-${Math.random().toString(36).slice(2)}`;
  const r = await sendCommand(t.url, { command, text, channel_id: channel, user_id: user, response_url: fake.responseUrl(id) });
  expect(r.status).toBe(200);
  return id;
}
const responseOf = async (id: string) => (await fake.waitForCalls('response_url', 1, (x: RecordedCall) => x.path === id))[0]!.params as Record<string, any>;
const mentionsAny = (text: string, names: string[]) => names.filter((n) => n && text.includes(n));

describe('scoped visibility', () => {
  it('only an admin can open the deal-events and visibility modal', async () => {
    const id = await command('/dealcast', 'events', 'U0BOB');
    expect(String((await responseOf(id)).text)).toContain('Only dealcast admins');
    expect(fake.calls('views.open')).toHaveLength(0);
  });

  it('an admin saves "only their own deals" and the feed settings in the modal', async () => {
    await command('/dealcast', 'events', 'U0ADMIN');
    const [open] = await fake.waitForCalls('views.open');
    const modal = new ModalSession(open!);
    expect(modal.view.callback_id).toBe('dealcast_events');
    expect(modal.blocks.length).toBeLessThanOrEqual(100);
    modal.set('events_channel', 'events_field', { selected_conversation: 'C0FEED' });
    modal.selectOption('visibility_scope', 'events_field', 'own');
    modal.typeText('events_big_amount', 'events_field', '-5');
    // A bad amount keeps the modal open with the error beside the field.
    let r = await sendInteraction(t.url, modal.viewSubmission({ id: 'U0ADMIN', name: 'admin' }));
    expect(JSON.parse(r.body)).toMatchObject({ response_action: 'errors', errors: { events_big_amount: expect.stringContaining('above 0') } });
    modal.typeText('events_big_amount', 'events_field', '25000');
    modal.typeText('events_big_currency', 'events_field', 'usd');
    modal.typeText('visibility_teams', 'events_field', `East: ${a.name}, ${b.name}`);
    r = await sendInteraction(t.url, modal.viewSubmission({ id: 'U0ADMIN', name: 'admin' }));
    expect(JSON.parse(r.body)).toEqual({ response_action: 'clear' });
    // Each team set in Slack gets an id (a team target names it by that id, so a rename keeps it).
    expect(readVisibility(t.db)).toEqual({ scope: 'own', teams: [{ id: 't1', name: 'East', ownerIds: [a.id, b.id] }] });
    const cfg = readDealEventConfig(t.db, 'demo');
    expect(cfg).toMatchObject({ channel: 'C0FEED', bigDealAmount: 25000, bigDealCurrency: 'USD' });
    const audit = t.db.prepare(`SELECT what FROM settings_audit WHERE user_id = 'U0ADMIN'`).pluck().all();
    expect(audit).toEqual(expect.arrayContaining(['visibility.scope', 'deal_events.channel']));
  });

  it('a rep sees only their own deals in /deals, and cannot ask for another owner', async () => {
    expect(aDeals.length).toBeGreaterThan(0);
    expect(bDeals.length).toBeGreaterThan(0);
    await command('/deals', '');
    const [post] = await fake.waitForCalls('chat.postMessage', 1, (c) => c.params.channel === 'C0REPORTS');
    const text = JSON.stringify(post!.params.blocks);
    expect(mentionsAny(text, bDeals)).toEqual([]);
    expect(text).toContain(aDeals[0]!);
    expect(text).toContain('visible to your own deals');

    const id = await command('/pipeline', `owner:"${b.name}"`);
    expect(String((await responseOf(id)).text)).toContain("You can see your own deals (an admin setting), so not that owner's deals");
    expect(fake.calls('files.completeUploadExternal')).toHaveLength(0);
  });

  it("a subscription's Send now button shows only its creator's deals, and says so", async () => {
    const sid = await command('/dealcast', 'subscribe deals weekdays at:07:00');
    await responseOf(sid);
    const sub = listSubscriptions(t.db, { ownerUserId: 'U0MARIA' })[0]!;
    fake.reset();
    const rid = `A-${Math.random().toString(36).slice(2)}`;
    await sendInteraction(t.url, {
      type: 'block_actions',
      user: { id: 'U0MARIA' },
      team: { id: 'T0FAKE' },
      api_app_id: 'A0DEALCAST',
      token: 'x',
      container: { type: 'message', channel_id: 'C0REPORTS', is_ephemeral: true },
      channel: { id: 'C0REPORTS' },
      response_url: fake.responseUrl(rid),
      trigger_id: '1.2.3',
      actions: [{ type: 'button', action_id: 'subscription_send_now', block_id: `subscription_actions_${sub.id}`, value: String(sub.id), action_ts: '1' }],
    });
    await responseOf(rid);
    const [post] = fake.calls('chat.postMessage').filter((c) => c.params.channel === 'C0REPORTS');
    const text = JSON.stringify(post!.params.blocks);
    expect(mentionsAny(text, bDeals)).toEqual([]);
    expect(text).toContain(aDeals[0]!);
    expect(text).toContain("shows what <@U0MARIA> may see: your own deals");
  });

  it('the App Home is published on app_home_opened with my deals only; admins also get sync health', async () => {
    tasks.length = 0;
    const r = await sendEvent(t.url, { type: 'app_home_opened', user: 'U0MARIA', channel: 'D0MARIA', tab: 'home', event_ts: '1790000000.000100' });
    expect(r.status).toBe(200);
    const [pub] = await fake.waitForCalls('views.publish', 1, (c) => c.params.user_id === 'U0MARIA');
    expect(tasks.map((x) => [x.name, x.opts.scopeOwnerIds])).toEqual([['deals', [a.id]]]);
    const view = pub!.params.view as { type: string; blocks: { block_id?: string }[] };
    expect(view.type).toBe('home');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain(`dealcast · ${a.name}`);
    expect(text).toContain('My open deals:');
    expect(text).toContain('My next 30 days:');
    expect(text).toContain('My subscriptions* (1)');
    expect(mentionsAny(text, bDeals)).toEqual([]);
    expect(text).toContain('You see only your own deals (an admin setting)');
    expect(view.blocks.some((x) => x.block_id === 'home_admin')).toBe(false);
    // Scope "own": the team's totals are not shown to a rep.
    expect(view.blocks.some((x) => x.block_id === 'home_team')).toBe(false);

    await sendEvent(t.url, { type: 'app_home_opened', user: 'U0ADMIN', channel: 'D0ADMIN', tab: 'home', event_ts: '1790000000.000200' });
    const [adminPub] = await fake.waitForCalls('views.publish', 1, (c) => c.params.user_id === 'U0ADMIN');
    const adminText = JSON.stringify((adminPub!.params.view as { blocks: unknown[] }).blocks);
    expect(adminText).toContain('/dealcast events');
    expect(adminText).toContain('deals synced');

    // The messages tab is not the Home: nothing published.
    fake.reset();
    await sendEvent(t.url, { type: 'app_home_opened', user: 'U0BOB', channel: 'D0BOB', tab: 'messages', event_ts: '1790000000.000300' });
    await sendEvent(t.url, { type: 'app_home_opened', user: 'U0BOB', channel: 'D0BOB', tab: 'home', event_ts: '1790000000.000400' });
    const [bobPub] = await fake.waitForCalls('views.publish', 1);
    expect(bobPub!.params.user_id).toBe('U0BOB');
    expect(fake.calls('views.publish')).toHaveLength(1);

    // Opened again at once: not published again (Slack's limits); after a sync, everyone who
    // opened it recently gets a fresh Home.
    await sendEvent(t.url, { type: 'app_home_opened', user: 'U0BOB', channel: 'D0BOB', tab: 'home', event_ts: '1790000000.000500' });
    fake.reset();
    expect(await refreshRecentHomes(t.app.deps, t.app.home, 60_000)).toBe(3);
    expect(fake.calls('views.publish').map((c) => c.params.user_id).sort()).toEqual(['U0ADMIN', 'U0BOB', 'U0MARIA']);
  }, 30_000);
});
