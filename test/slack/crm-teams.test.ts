/**
 * Scoped visibility by the CRM's own teams, end to end: the app syncs a (fake) HubSpot whose
 * owners carry their teams, an admin chooses "their team's deals" in the /dealcast events modal
 * without typing a team, and a rep of one team sees only that team's deals through /pipeline,
 * /deals and the App Home. A team renamed or removed in HubSpot follows at the next sync, and a
 * team an admin sets in Slack replaces the CRM's team of the same name.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack, type RecordedCall } from '../fakes/slack.js';
import { startTestApp, type TestApp } from '../helpers/slack-app.js';
import { sendCommand, sendEvent, sendInteraction } from '../helpers/slack-requests.js';
import { ModalSession } from '../helpers/slack-modal.js';
import { createCrmModel, type CrmModel } from '../fakes/crm-model.js';
import { HUBSPOT_TOKEN, startHubspotFake, type HubspotFake } from '../fakes/hubspot.js';
import { InlineReports, type ReportTask } from '../../src/reports/work.js';
import { saveRegisteredSettings } from '../../src/settings/change.js';
import { refreshRecentHomes } from '../../commands/app-home.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const tasks: ReportTask[] = [];
let fake: FakeSlack;
let crm: HubspotFake;
let model: CrmModel;
let t: TestApp;
let syncs = 0;

/** Owners 501, 502 in 東京チーム; 503, 504 in فريق الشرق. */
const TEAM_A = ['501', '502'];
const TEAM_B = ['503', '504'];

beforeAll(async () => {
  model = createCrmModel({ now: NOW, deals: 80 });
  const names: [string, string, string][] = [
    ['太郎', '山田', 'taro@example.com'],
    ['محمد', 'العلي', 'mohammed@example.com'],
    ['שרה', 'כהן', 'sara@example.com'],
    ['민준', '김 🚀', 'minjun@example.com'],
  ];
  model.owners.forEach((o, i) => {
    [o.firstName, o.lastName, o.email] = names[i]!;
    o.active = true;
  });
  model.teams = [
    { id: '71', name: '東京チーム', memberIds: TEAM_A },
    { id: '72', name: 'فريق الشرق', memberIds: TEAM_B },
  ];
  crm = await startHubspotFake(model);
  fake = await startFakeSlack();
  t = await startTestApp(fake, {
    env: { CRM: 'hubspot', HUBSPOT_TOKEN, HUBSPOT_BASE_URL: crm.url },
    now: () => NOW,
    reports: (db) => {
      const inline = new InlineReports(db);
      return { run: (task) => (tasks.push(structuredClone(task)), inline.run(task)), render: (name, report, scale) => inline.render(name, report, scale), close: () => inline.close() };
    },
  });
  await sync();
  fake.addUser({ id: 'U0TARO', name: 'taro', email: 'taro@example.com' });
  fake.addUser({ id: 'U0SARA', name: 'sara', email: 'sara@example.com' });
  fake.addUser({ id: 'U0ADMIN', name: 'admin', isAdmin: true });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await fake?.stop();
  await crm?.close();
});
beforeEach(() => {
  fake.reset();
  tasks.length = 0;
});

async function sync() {
  await t.app.deps.sync.run({ now: new Date(NOW.getTime() - 3_600_000 + ++syncs * 60_000) });
}
const openDealNames = (ownerIds: string[]) => model.deals.filter((d) => d.status === 'open' && d.ownerId && ownerIds.includes(d.ownerId)).map((d) => d.name);
const mentionsAny = (text: string, names: string[]) => names.filter((n) => new RegExp(`${n}\\b`).test(text));

async function command(command: string, text: string, user: string) {
  const r = await sendCommand(t.url, { command, text, channel_id: 'C0REPORTS', user_id: user, response_url: fake.responseUrl(`R-${Math.random()}`) });
  expect(r.status).toBe(200);
}
async function home(user: string) {
  await sendEvent(t.url, { type: 'app_home_opened', user, channel: `D${user}`, tab: 'home', event_ts: `17900000${syncs}${Math.floor(Math.random() * 1e6)}.000100` });
  const [pub] = await fake.waitForCalls('views.publish', 1, (c: RecordedCall) => c.params.user_id === user);
  return JSON.stringify((pub!.params.view as { blocks: unknown[] }).blocks);
}

describe('visibility by the CRM teams', () => {
  it('an admin chooses "their team\'s deals" without typing a team: the modal shows HubSpot\'s', async () => {
    await command('/dealcast', 'events', 'U0ADMIN');
    const [open] = await fake.waitForCalls('views.open');
    const modal = new ModalSession(open!);
    const context = JSON.stringify(modal.blocks.find((b) => (b as { block_id?: string }).block_id === 'visibility_crm_teams'));
    expect(context).toContain('From HubSpot teams');
    expect(context).toContain('東京チーム (2)');
    expect(context).toContain('\u2068فريق الشرق\u2069 (2)');
    modal.selectOption('visibility_scope', 'events_field', 'team');
    const r = await sendInteraction(t.url, modal.viewSubmission({ id: 'U0ADMIN', name: 'admin' }));
    expect(JSON.parse(r.body)).toEqual({ response_action: 'clear' });
  });

  it("a rep of 東京チーム sees only that team's deals in /deals", async () => {
    expect(openDealNames(TEAM_A).length).toBeGreaterThan(0);
    expect(openDealNames(TEAM_B).length).toBeGreaterThan(0);
    await command('/deals', '', 'U0TARO');
    const [post] = await fake.waitForCalls('chat.postMessage', 1, (c) => c.params.channel === 'C0REPORTS');
    const text = JSON.stringify(post!.params.blocks);
    expect(mentionsAny(text, openDealNames(TEAM_B))).toEqual([]);
    expect(mentionsAny(text, openDealNames(TEAM_A)).length).toBeGreaterThan(0);
    expect(text).toContain('team 東京チーム');
  });

  it('/pipeline is computed on the team\'s owners only', async () => {
    await command('/pipeline', '', 'U0TARO');
    await fake.waitForCalls('files.completeUploadExternal', 1);
    expect(tasks.map((x) => [x.name, [...(x.opts.scopeOwnerIds ?? [])].sort()])).toEqual([['pipeline', TEAM_A]]);
    await command('/pipeline', '', 'U0SARA');
    await fake.waitForCalls('files.completeUploadExternal', 2);
    expect(tasks.at(-1)!.opts.scopeOwnerIds?.slice().sort()).toEqual(TEAM_B);
  });

  it("the App Home shows the rep's team pipeline under the CRM's team name, and none of the other team's deals", async () => {
    const text = await home('U0TARO');
    expect(text).toContain('My team (東京チーム)');
    expect(mentionsAny(text, openDealNames(TEAM_B))).toEqual([]);
    expect(text).toContain("You see your team's deals (an admin setting)");
  });

  it('a team renamed in HubSpot is renamed at the next sync; one removed leaves its people with their own deals', async () => {
    model.teams = [{ id: '71', name: 'Tokyo & 서울', memberIds: TEAM_A }];
    await sync();
    // After a sync, the Home of everyone who opened it recently is published again.
    expect(await refreshRecentHomes(t.app.deps, t.app.home, 60_000)).toBeGreaterThanOrEqual(1);
    const [pub] = fake.calls('views.publish').filter((c) => c.params.user_id === 'U0TARO');
    expect(JSON.stringify(pub!.params.view)).toContain('My team (Tokyo &amp; 서울)');
    fake.reset();
    await command('/pipeline', '', 'U0SARA');
    await fake.waitForCalls('files.completeUploadExternal', 1);
    expect(tasks.at(-1)!.opts.scopeOwnerIds).toEqual(['503']);
  });

  it("a team an admin sets in Slack replaces the CRM's team of the same name", async () => {
    saveRegisteredSettings(t.db, [['visibility.teams', [{ name: 'TOKYO & 서울', ownerIds: ['501', '503'] }]]], 'U0ADMIN', NOW);
    await command('/pipeline', '', 'U0TARO');
    await fake.waitForCalls('files.completeUploadExternal', 1);
    expect(tasks.at(-1)!.opts.scopeOwnerIds?.slice().sort()).toEqual(['501', '503']);
    const audit = t.db.prepare(`SELECT user_id AS who, new FROM settings_audit WHERE what = 'visibility.teams' ORDER BY id DESC LIMIT 1`).get() as { who: string; new: string };
    expect(audit.who).toBe('U0ADMIN');
    expect(JSON.parse(audit.new)).toEqual([{ name: 'TOKYO & 서울', ownerIds: ['501', '503'] }]);
  });
});
