/**
 * Targets edited in Slack end to end: /dealcast targets opens the modal for admins only; a bad
 * amount or currency keeps the modal open with the errors beside the fields and saves nothing; a
 * good one is saved as the Slack target, outranks the CSV's and a CRM's, and leaves an audit row.
 * Through the Bolt app and a fake Slack Web API on 127.0.0.1.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack, type RecordedCall } from '../fakes/slack.js';
import { startTestApp, type TestApp } from '../helpers/slack-app.js';
import { sendCommand, sendInteraction } from '../helpers/slack-requests.js';
import { ModalSession } from '../helpers/slack-modal.js';
import { blockKitProblems } from '../helpers/block-kit-check.js';
import { listOwners } from '../../store/owners.js';
import { effectiveTargets, saveTargets } from '../../store/targets.js';
import { setSetting } from '../../store/settings.js';

// Tuesday 24 November 2026. With the fiscal year from February, the quarter is Nov 2026 – Jan 2027 (FY2027 Q4).
const NOW = new Date('2026-11-24T09:00:00Z');
const Q = { periodKind: 'quarter' as const, periodStart: '2026-11-01', periodEnd: '2027-02-01' };
let fake: FakeSlack;
let t: TestApp;

beforeAll(async () => {
  fake = await startFakeSlack();
  t = await startTestApp(fake, { now: () => NOW });
  await t.app.deps.sync.run({ now: new Date('2026-11-24T08:30:00Z') });
  setSetting(t.db, 'targets.fiscal_year_start_month', 2, NOW.toISOString());
  fake.addUser({ id: 'U0ADMIN', name: 'admin', isAdmin: true });
  fake.addUser({ id: 'U0REP', name: 'rep' });
  // A CSV import set the team's quarter at 900,000 USD.
  saveTargets(t.db, 'demo', [{ ...Q, scopeKind: 'team', scopeId: '', currency: 'USD', amount: 900_000 }], { source: 'csv', userId: 'csv-import', now: NOW });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await fake?.stop();
});
beforeEach(() => fake.reset());

async function command(text: string, user: string) {
  const id = `R-${Math.random().toString(36).slice(2)}`;
  const r = await sendCommand(t.url, { command: '/dealcast', text, channel_id: 'C0ADMIN', user_id: user, response_url: fake.responseUrl(id) });
  expect(r.status).toBe(200);
  return id;
}
const responseOf = async (id: string) => (await fake.waitForCalls('response_url', 1, (x: RecordedCall) => x.path === id))[0]!.params as Record<string, unknown>;
const admin = { id: 'U0ADMIN', name: 'admin' };
const audit = () => t.db.prepare(`SELECT user_id AS userId, what, old, new FROM settings_audit WHERE what LIKE 'target:%' ORDER BY id`).all() as { userId: string; what: string; old: string; new: string }[];

describe('/dealcast targets', () => {
  it('is for admins only', async () => {
    const id = await command('targets', 'U0REP');
    expect(String((await responseOf(id)).text)).toContain('Only dealcast admins');
    expect(fake.calls('views.open')).toHaveLength(0);
  });

  it('an admin sets the team quarter: errors keep the modal open and save nothing; the Slack target then wins, audited', async () => {
    await command('targets', 'U0ADMIN');
    const [open] = await fake.waitForCalls('views.open');
    const modal = new ModalSession(open!);
    expect(modal.view.callback_id).toBe('dealcast_targets');
    expect((modal.blocks.find((b) => b.block_id === 'targets_scope')!.element.option_groups as { label: { text: string } }[]).map((g) => g.label.text)).toEqual(['Company', 'Pipelines', 'Reps']);
    expect(blockKitProblems(modal.view)).toEqual([]);
    // The periods offered: this and next quarter, month and fiscal year, fiscal from February.
    const periods = (modal.blocks.find((b) => b.block_id === 'targets_period')!.element.options as { text: { text: string }; value: string }[]).map((o) => o.value);
    expect(periods).toEqual(['quarter:2026-11-01', 'quarter:2027-02-01', 'month:2026-11-01', 'month:2026-12-01', 'year:2026-02-01', 'year:2027-02-01']);
    // What is in effect, and who set it.
    expect(JSON.stringify(modal.blocks)).toContain('Team: $900K (csv)');

    modal.selectOption('targets_period', 'targets_field', 'quarter:2026-11-01');
    modal.selectOption('targets_scope', 'targets_field', 'team:');
    modal.typeText('targets_amount', 'targets_field', '-5');
    modal.typeText('targets_currency', 'targets_field', 'XQZ');
    let r = await sendInteraction(t.url, modal.viewSubmission(admin));
    expect(JSON.parse(r.body)).toEqual({
      response_action: 'errors',
      errors: { targets_amount: expect.stringContaining('above 0'), targets_currency: expect.stringContaining('three-letter currency code') },
    });
    expect(effectiveTargets(t.db, 'demo', 'quarter', '2026-11-01').map((x) => [x.source, x.amount])).toEqual([['csv', 900_000]]);
    expect(audit()).toHaveLength(1); // the CSV import's

    modal.typeText('targets_amount', 'targets_field', '1,250,000');
    modal.typeText('targets_currency', 'targets_field', 'usd');
    r = await sendInteraction(t.url, modal.viewSubmission(admin));
    const answer = JSON.parse(r.body);
    expect(answer.response_action).toBe('update');
    expect(JSON.stringify(answer.view.blocks)).toContain('Saved: the company, FY2027 Q4: $1.3M (was $900K, set by csv).');
    expect(JSON.stringify(answer.view.blocks)).toContain('Team: $1.3M (slack)');
    expect(blockKitProblems(answer.view)).toEqual([]);
    const [team] = effectiveTargets(t.db, 'demo', 'quarter', '2026-11-01');
    expect(team).toMatchObject({ source: 'slack', amount: 1_250_000, currency: 'USD', periodEnd: '2027-02-01', updatedBy: 'U0ADMIN' });
    const last = audit().at(-1)!;
    expect([last.userId, last.what, JSON.parse(last.old), JSON.parse(last.new)]).toEqual([
      'U0ADMIN',
      'target:demo:quarter:2026-11-01:team:',
      { amount: 900_000, currency: 'USD', source: 'csv' },
      { amount: 1_250_000, currency: 'USD', source: 'slack' },
    ]);
    // A CRM's later target for the same quarter does not replace it, nor does a new CSV import.
    saveTargets(t.db, 'demo', [{ ...Q, scopeKind: 'team', scopeId: '', currency: 'USD', amount: 700_000 }], { source: 'demo', userId: null, now: NOW });
    saveTargets(t.db, 'demo', [{ ...Q, scopeKind: 'team', scopeId: '', currency: 'USD', amount: 800_000 }], { source: 'csv', userId: 'csv-import', now: NOW });
    expect(effectiveTargets(t.db, 'demo', 'quarter', '2026-11-01')[0]).toMatchObject({ source: 'slack', amount: 1_250_000 });
  });

  it("a rep's month target in yen, picked by name from the list", async () => {
    const rep = listOwners(t.db, 'demo')[2]!;
    await command('targets', 'U0ADMIN');
    const [open] = await fake.waitForCalls('views.open');
    const modal = new ModalSession(open!);
    modal.selectOption('targets_period', 'targets_field', 'month:2026-12-01');
    const picked = modal.selectOption('targets_scope', 'targets_field', `rep:${rep.id}`);
    expect(picked.text.text).toBe(rep.name);
    modal.typeText('targets_amount', 'targets_field', '12000000');
    modal.typeText('targets_currency', 'targets_field', 'JPY');
    const r = await sendInteraction(t.url, modal.viewSubmission(admin));
    expect(JSON.parse(r.body).response_action).toBe('update');
    expect(effectiveTargets(t.db, 'demo', 'month', '2026-12-01')).toEqual([
      expect.objectContaining({ scopeKind: 'rep', scopeId: rep.id, currency: 'JPY', amount: 12_000_000, periodEnd: '2027-01-01', source: 'slack' }),
    ]);
  });

  it('a team target: set for a team named in /dealcast events, it stays with the team when an admin renames it', async () => {
    const [a, b] = listOwners(t.db, 'demo');
    const events = async (teams: string) => {
      await command('events', 'U0ADMIN');
      const [open] = await fake.waitForCalls('views.open');
      fake.reset();
      const m = new ModalSession(open!);
      m.typeText('visibility_teams', 'events_field', teams);
      const r = await sendInteraction(t.url, m.viewSubmission(admin));
      expect(JSON.parse(r.body)).toEqual({ response_action: 'clear' });
    };
    await events(`東京チーム: ${a!.name}, ${b!.name}`);
    await command('targets', 'U0ADMIN');
    const [open] = await fake.waitForCalls('views.open');
    const modal = new ModalSession(open!);
    modal.selectOption('targets_period', 'targets_field', 'quarter:2026-11-01');
    const picked = modal.selectOption('targets_scope', 'targets_field', 'sales_team:slack:t1');
    expect(picked.text.text).toBe('東京チーム');
    modal.typeText('targets_amount', 'targets_field', '80,000,000');
    modal.typeText('targets_currency', 'targets_field', 'JPY');
    const r = await sendInteraction(t.url, modal.viewSubmission(admin));
    const answer = JSON.parse(r.body);
    expect(JSON.stringify(answer.view.blocks)).toContain('Saved: Team 東京チーム, FY2027 Q4: ¥80M.');
    expect(effectiveTargets(t.db, 'demo', 'quarter', '2026-11-01').filter((x) => x.scopeKind === 'sales_team')).toEqual([
      expect.objectContaining({ scopeId: 'slack:t1', currency: 'JPY', amount: 80_000_000, source: 'slack', updatedBy: 'U0ADMIN' }),
    ]);
    expect(audit().at(-1)!.what).toBe('target:demo:quarter:2026-11-01:sales_team:slack:t1');
    // Renamed (same people): the team keeps its id, so its target follows it.
    fake.reset();
    await events(`東京営業部: ${b!.name}, ${a!.name}`);
    fake.reset();
    await command('targets', 'U0ADMIN');
    const [again] = await fake.waitForCalls('views.open');
    const text = JSON.stringify(new ModalSession(again!).blocks);
    expect(text).toContain('Team 東京営業部: ¥80M (slack)');
    expect(text).not.toContain('東京チーム');
  });
});
