/**
 * The forecast category field chosen in Slack, end to end: /dealcast categories reads the fake
 * Pipedrive's real deal fields (GET /v1/dealFields, paged by start), offers only custom fields
 * that can hold a category, shows the chosen field's options with those named like a category
 * already set, keeps the modal open until every option is mapped, and saves the field and the
 * map as audited settings; the next full sync reads the field, and /forecast commit's numbers
 * then know every value. Through the Bolt app, a fake Slack and a fake Pipedrive on 127.0.0.1.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack, type RecordedCall } from '../fakes/slack.js';
import { startTestApp, type TestApp } from '../helpers/slack-app.js';
import { sendCommand, sendInteraction } from '../helpers/slack-requests.js';
import { ModalSession } from '../helpers/slack-modal.js';
import { blockKitProblems } from '../helpers/block-kit-check.js';
import { createCrmModel, type CrmModel } from '../fakes/crm-model.js';
import { PIPEDRIVE_FORECAST_FIELD, PIPEDRIVE_TOKEN, startPipedriveFake, type PipedriveFake } from '../fakes/pipedrive.js';
import { ATTIO_TOKEN, startAttioFake } from '../fakes/attio.js';
import { resolveConstantSetting } from '../../src/settings/resolve.js';
import { computeReport } from '../../src/reports/compute.js';

const NOW = new Date('2026-11-24T09:00:00Z');
let fake: FakeSlack;
let crm: PipedriveFake;
let model: CrmModel;
let t: TestApp;

beforeAll(async () => {
  model = createCrmModel({ now: NOW, deals: 60, seed: 7, activitiesPerDeal: 0 });
  // Pages of 4: the nine deal fields arrive only by following start/next_start.
  crm = await startPipedriveFake(model, { pageSize: 4 });
  fake = await startFakeSlack();
  t = await startTestApp(fake, { env: { CRM: 'pipedrive', PIPEDRIVE_API_TOKEN: PIPEDRIVE_TOKEN, PIPEDRIVE_BASE_URL: crm.url }, now: () => NOW });
  await t.app.deps.sync.run({ now: NOW });
  fake.addUser({ id: 'U0ADMIN', name: 'admin', isAdmin: true });
  fake.addUser({ id: 'U0REP', name: 'rep' });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await fake?.stop();
  await crm?.close();
});
beforeEach(() => fake.reset());

const admin = { id: 'U0ADMIN', name: 'admin' };
async function command(text: string, user: string) {
  const id = `R-${Math.random().toString(36).slice(2)}`;
  const r = await sendCommand(t.url, { command: '/dealcast', text, channel_id: 'C0ADMIN', user_id: user, response_url: fake.responseUrl(id) });
  expect(r.status).toBe(200);
  return id;
}
const audit = () => t.db.prepare(`SELECT user_id AS userId, what, new FROM settings_audit WHERE what LIKE 'forecast.%' ORDER BY id`).all() as { userId: string; what: string; new: string }[];
const selectOf = (modal: ModalSession, blockId: string) => modal.block(blockId).element as { options: { text: { text: string }; value: string }[]; initial_option?: { value: string } };

describe('/dealcast categories', () => {
  it('is for admins only', async () => {
    const id = await command('categories', 'U0REP');
    const [reply] = await fake.waitForCalls('response_url', 1, (x: RecordedCall) => x.path === id);
    expect(String(reply!.params.text)).toContain('Only dealcast admins');
    expect(fake.calls('views.open')).toHaveLength(0);
  });

  it('an admin picks the field from Pipedrive\'s own, maps its options, and the next full sync reads it', async () => {
    expect(resolveConstantSetting(t.db, 'forecast.category_field')).toBeNull();
    await command('categories', 'U0ADMIN');
    const [open] = await fake.waitForCalls('views.open');
    const modal = new ModalSession(open!);
    expect(JSON.stringify(modal.blocks)).toContain('Reading the deal fields from Pipedrive');
    const [first] = await fake.waitForCalls('views.update');
    modal.update(first!);
    expect(blockKitProblems(modal.view)).toEqual([]);
    // Custom fields that can hold a category only: not the standard Title, the number field or the inactive one.
    expect(selectOf(modal, 'categories_field_key').options.map((o) => o.text.text)).toEqual(['Forecast category (single option)', '地域 (multiple options)', 'Rep call (text)']);
    const paged = crm.log.filter((x) => x.path === '/v1/dealFields').map((x) => x.query.start);
    expect(paged).toEqual(['0', '4', '8']);

    modal.selectOption('categories_field_key', 'categories_field', PIPEDRIVE_FORECAST_FIELD);
    fake.reset();
    let r = await sendInteraction(t.url, modal.viewSubmission(admin));
    let answer = JSON.parse(r.body);
    expect(answer.response_action).toBe('update');
    expect(JSON.stringify(answer.view.blocks)).toContain('Reading the options');
    const [mapping] = await fake.waitForCalls('views.update');
    modal.update(mapping!);
    expect(blockKitProblems(modal.view)).toEqual([]);
    // One select per option; options named like a category start on it, "Upside" on nothing.
    const maps = modal.blockStartingWith('categories_map_');
    expect(maps.map((b) => (b.label as { text: string }).text)).toEqual(['Commit', 'Best case', 'Pipeline', 'Omitted', 'Upside']);
    expect(maps.map((b) => (b.element as { initial_option?: { value: string } }).initial_option?.value ?? null)).toEqual(['commit', 'best_case', 'pipeline', 'omitted', null]);

    // Nothing chosen for Upside: the modal stays open with the error beside it, nothing saved.
    r = await sendInteraction(t.url, modal.viewSubmission(admin));
    expect(JSON.parse(r.body)).toEqual({ response_action: 'errors', errors: { categories_map_4: 'Choose Commit, Best case, Pipeline or Omitted.' } });
    expect(resolveConstantSetting(t.db, 'forecast.category_field')).toBeNull();
    expect(audit()).toEqual([]);

    modal.selectOption('categories_map_4', 'categories_field', 'best_case');
    r = await sendInteraction(t.url, modal.viewSubmission(admin));
    answer = JSON.parse(r.body);
    expect(answer.response_action).toBe('update');
    expect(JSON.stringify(answer.view.blocks)).toContain('Saved. Forecast categories are read from *Forecast category* (options: Commit 1, Best case 2, Pipeline 1, Omitted 1)');
    expect(resolveConstantSetting(t.db, 'forecast.category_field')).toBe(PIPEDRIVE_FORECAST_FIELD);
    expect(resolveConstantSetting(t.db, 'forecast.category_map')).toEqual({ '41': 'commit', '42': 'best_case', '43': 'pipeline', '44': 'omitted', '45': 'best_case' });
    expect(audit().map((a) => [a.userId, a.what])).toEqual([
      ['U0ADMIN', 'forecast.category_field'],
      ['U0ADMIN', 'forecast.category_map'],
    ]);

    // The next (full) sync asks Pipedrive for that field and keeps each deal's option id.
    await t.app.deps.sync.run({ now: new Date(NOW.getTime() + 60_000), full: true });
    expect(crm.log.some((x) => x.path === '/api/v2/deals' && x.query.custom_fields === PIPEDRIVE_FORECAST_FIELD)).toBe(true);
    const raw = t.db.prepare(`SELECT DISTINCT forecast_category FROM deals WHERE crm = 'pipedrive' AND forecast_category IS NOT NULL ORDER BY 1`).pluck().all();
    expect(raw).toEqual(['41', '42', '43', '44', '45']);
    // Every value is now known: "Upside" (45) counts as Best case instead of an unknown Pipeline.
    const commit = computeReport(t.db, 'pipedrive', 'commit', { now: NOW, timeZone: 'UTC', period: 'year' });
    expect(commit.categories.unknown).toBe(0);
    expect(commit.categories.mapped).toBeGreaterThan(0);
  });

  it('opens on the field in use, with its options as mapped', async () => {
    await command('categories', 'U0ADMIN');
    const [open] = await fake.waitForCalls('views.open');
    const modal = new ModalSession(open!);
    const [first] = await fake.waitForCalls('views.update');
    modal.update(first!);
    expect(selectOf(modal, 'categories_field_key').initial_option?.value).toBe(PIPEDRIVE_FORECAST_FIELD);
    fake.reset();
    await sendInteraction(t.url, modal.viewSubmission(admin));
    const [mapping] = await fake.waitForCalls('views.update');
    modal.update(mapping!);
    expect(modal.blockStartingWith('categories_map_').map((b) => (b.element as { initial_option?: { value: string } }).initial_option?.value)).toEqual([
      'commit',
      'best_case',
      'pipeline',
      'omitted',
      'best_case',
    ]);
  });
});

describe('/dealcast categories on Attio', () => {
  it("offers the deals' select and text attributes and saves a select's option titles", async () => {
    const attioModel = createCrmModel({ now: NOW, deals: 20, seed: 3, activitiesPerDeal: 0 });
    const attio = await startAttioFake(attioModel);
    const slack = await startFakeSlack();
    const app = await startTestApp(slack, { env: { CRM: 'attio', ATTIO_API_KEY: ATTIO_TOKEN, ATTIO_BASE_URL: attio.url }, now: () => NOW });
    try {
      slack.addUser({ id: 'U0ADMIN', name: 'admin', isAdmin: true });
      const r0 = await sendCommand(app.url, { command: '/dealcast', text: 'categories', channel_id: 'C0ADMIN', user_id: 'U0ADMIN', response_url: slack.responseUrl('R-attio') });
      expect(r0.status).toBe(200);
      const [open] = await slack.waitForCalls('views.open');
      const modal = new ModalSession(open!);
      const [first] = await slack.waitForCalls('views.update');
      modal.update(first!);
      expect(selectOf(modal, 'categories_field_key').options.map((o) => o.text.text)).toEqual(['Source (select)', '見込み区分 (select)', 'Rep call (text)']);
      modal.selectOption('categories_field_key', 'categories_field', 'forecast_category');
      slack.reset();
      await sendInteraction(app.url, modal.viewSubmission(admin));
      const [mapping] = await slack.waitForCalls('views.update');
      modal.update(mapping!);
      modal.selectOption('categories_map_4', 'categories_field', 'omitted');
      const r = await sendInteraction(app.url, modal.viewSubmission(admin));
      expect(JSON.stringify(JSON.parse(r.body).view.blocks)).toContain('read from *見込み区分*');
      expect(resolveConstantSetting(app.db, 'forecast.category_field')).toBe('forecast_category');
      expect(resolveConstantSetting(app.db, 'forecast.category_map')).toEqual({ Commit: 'commit', 'Best case': 'best_case', Pipeline: 'pipeline', Omitted: 'omitted', Upside: 'omitted' });
    } finally {
      await app.stop();
      await slack.stop();
      await attio.close();
    }
  }, 60_000);
});
