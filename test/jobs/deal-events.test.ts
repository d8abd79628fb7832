/**
 * Deal events end to end: a small CRM -> sync -> the scheduler's deal-events job -> the fake
 * Slack Web API. A deal won between two syncs is posted once; a re-sync, a restart and a second
 * run do not repeat it; the first sync after install announces nothing; later events of the
 * same deal go into its thread.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../src/sync/connector.js';
import type { DealRow, StageRow } from '../../src/model/rows.js';
import { runSync } from '../../src/sync/engine.js';
import { SlackDelivery } from '../../src/delivery/slack.js';
import { createScheduler } from '../../src/jobs/scheduler.js';
import { runDealEventsJob } from '../../src/jobs/deal-events.js';
import { DEAL_EVENT_SETTING_KEYS } from '../../src/jobs/deal-event-settings.js';
import { detectDealEvents, type CurrentDeal, type StageInfo, type WatchedDeal } from '../../src/metrics/deal-events.js';
import { setSetting } from '../../store/settings.js';
import { openDb } from '../../store/db.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.js';
import { tempDb } from '../helpers/db.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

const stage = (id: string, position: number, extra: Partial<StageRow> = {}): StageRow => ({
  id,
  pipelineId: 'p',
  name: id,
  position,
  probability: 0.2,
  isClosed: false,
  isWon: false,
  ...extra,
});
const STAGES = [stage('Qualified', 0), stage('Proposal', 1), stage('Negotiation', 2), stage('Won', 3, { isClosed: true, isWon: true }), stage('Lost', 4, { isClosed: true })];

const deal = (id: string, extra: Partial<DealRow> = {}): DealRow => ({
  id,
  name: `Deal ${id}`,
  amount: 1000,
  currency: 'USD',
  pipelineId: 'p',
  stageId: 'Proposal',
  ownerId: 'o1',
  source: null,
  createdAt: '2026-10-01T00:00:00.000Z',
  closeDate: '2026-12-15',
  closedAt: null,
  status: null,
  modifiedAt: '2026-11-01T00:00:00.000Z',
  ...extra,
});

/** A tiny CRM whose deals the test edits between syncs (always read in full). */
function tinyCrm(deals: Map<string, DealRow>): Connector {
  const page = <T,>(rows: T[]) => ({
    async *[Symbol.asyncIterator]() {
      yield { rows };
    },
  });
  return {
    crm: 'hubspot',
    label: 'Tiny',
    capabilities: { stageHistory: false, activities: false, probabilities: true, wonLostFlags: true },
    streams: {
      pipelines: { incremental: false, read: () => page([{ id: 'p', name: 'Sales', position: 0 }]) },
      stages: { incremental: false, read: () => page(STAGES) },
      owners: { incremental: false, read: () => page([{ id: 'o1', name: '山田 太郎', email: 'yamada@example.com', active: true }]) },
      deals: { incremental: false, read: () => page([...deals.values()]) },
    },
  };
}

async function setup() {
  const fake = await startFakeSlack();
  cleanups.push(() => fake.stop());
  fake.addUser({ id: 'U0YAMADA', name: 'yamada', email: 'yamada@example.com' });
  const t = tempDb();
  cleanups.push(t.cleanup);
  const crmDeals = new Map<string, DealRow>([
    ['d1', deal('d1', { name: 'Acme — 山田商事' })],
    ['d2', deal('d2', { amount: 50_000, stageId: 'Negotiation' })],
  ]);
  /** One process's life: its own connection, Slack client, send queue and scheduler. */
  const life = () => {
    const db = openDb(t.path);
    const slack = new SlackDelivery({ token: fake.token, apiUrl: fake.apiUrl, retry: { retries: 0 }, postIntervalMs: 0 });
    const messenger = slack.messenger();
    const logs: string[] = [];
    const scheduler = createScheduler({
      db,
      timeZone: 'UTC',
      syncCron: '0 * * * *',
      digestCron: '0 8 * * 1-5',
      digestMaxLateHours: 4,
      log: (l) => logs.push(l),
      jobs: {
        sync: (now) => runSync(db, tinyCrm(crmDeals), { now, full: true }),
        snapshot: async () => null,
        dealEvents: (now) =>
          runDealEventsJob(
            {
              db,
              crm: 'hubspot',
              poster: { post: (c, m) => messenger.post(c, m), reply: (c, ts, m) => messenger.reply(c, ts, m), openDm: (u) => slack.openDm(u) },
              slackUserForOwner: async (id) => (id === 'o1' ? 'U0YAMADA' : null),
              log: (l) => logs.push(l),
            },
            now,
          ),
      },
    });
    return { db, scheduler, logs, close: () => db.close() };
  };
  return { fake, crmDeals, life, path: t.path };
}

const posts = (fake: FakeSlack) => fake.calls('chat.postMessage').filter((c) => c.answer && (c.answer as { ok: boolean }).ok);
const textOf = (c: { params: Record<string, unknown> }) => String(c.params.text);

describe('deal events through the scheduler', () => {
  it('posts a deal won between two syncs once; a re-sync, another run and a restart do not repeat it', async () => {
    const { fake, crmDeals, life } = await setup();
    let p = life();
    setSetting(p.db, DEAL_EVENT_SETTING_KEYS.channel, 'C0FEED', '2026-11-01T00:00:00.000Z', 'U0ADMIN');

    // First sync after install: everything is recorded, nothing announced.
    let r = await p.scheduler.tick(new Date('2026-11-24T09:00:00Z'));
    expect(r.sync).toBe('ok');
    expect(r.dealEvents).toBe('ok');
    expect(posts(fake)).toHaveLength(0);
    expect(p.logs.join('\n')).toContain('first look');

    // d1 is won between the syncs.
    crmDeals.set('d1', { ...crmDeals.get('d1')!, stageId: 'Won', closedAt: '2026-11-24T09:30:00.000Z', modifiedAt: '2026-11-24T09:30:00.000Z' });
    r = await p.scheduler.tick(new Date('2026-11-24T10:00:00Z'));
    expect(r.dealEvents).toBe('ok');
    expect(posts(fake)).toHaveLength(1);
    const won = posts(fake)[0]!;
    expect(won.params.channel).toBe('C0FEED');
    expect(textOf(won)).toContain('Deal won');
    expect(textOf(won)).toContain('Acme — 山田商事');
    expect(textOf(won)).toContain('$1K');
    expect(textOf(won)).toContain('54 days'); // 1 Oct -> 24 Nov
    expect(textOf(won)).toContain('<@U0YAMADA>');

    // Re-sync with nothing changed, in this life and after a restart.
    r = await p.scheduler.tick(new Date('2026-11-24T11:00:00Z'));
    expect(r.dealEvents).toBe('ok');
    p.close();
    p = life();
    r = await p.scheduler.tick(new Date('2026-11-24T12:00:00Z'));
    expect(r.sync).toBe('ok');
    // The same slot again (a second process, or a retried tick) is refused by the ledger.
    r = await p.scheduler.tick(new Date('2026-11-24T12:00:30Z'));
    expect(r.sync).toBe('taken');
    expect(posts(fake)).toHaveLength(1);

    // A later event of another deal posts a root; d2's second event goes into d2's thread.
    crmDeals.set('d2', { ...crmDeals.get('d2')!, stageId: 'Qualified', modifiedAt: '2026-11-24T12:30:00.000Z' });
    await p.scheduler.tick(new Date('2026-11-24T13:00:00Z'));
    crmDeals.set('d2', { ...crmDeals.get('d2')!, closeDate: '2027-01-14', modifiedAt: '2026-11-24T13:30:00.000Z' });
    await p.scheduler.tick(new Date('2026-11-24T14:00:00Z'));
    const all = posts(fake);
    expect(all).toHaveLength(3);
    expect(textOf(all[1]!)).toContain('moved back from Negotiation to Qualified');
    expect(all[1]!.params.thread_ts).toBeUndefined();
    expect(textOf(all[2]!)).toContain('pushed by 30 days, 2026-12-15 → 2027-01-14');
    expect(all[2]!.params.thread_ts).toBe((all[1]!.answer as { ts: string }).ts);
    p.close();
  });

  it('DMs the owner when asked, and a refused post is tried again on the next run, never twice once sent', async () => {
    const { fake, crmDeals, life } = await setup();
    const p = life();
    setSetting(p.db, DEAL_EVENT_SETTING_KEYS.channel, 'C0FEED', '2026-11-01T00:00:00.000Z', 'U0ADMIN');
    setSetting(p.db, DEAL_EVENT_SETTING_KEYS.dmOwners, true, '2026-11-01T00:00:00.000Z', 'U0ADMIN');
    await p.scheduler.tick(new Date('2026-11-24T09:00:00Z'));
    crmDeals.set('d2', { ...crmDeals.get('d2')!, stageId: 'Lost', closedAt: '2026-11-24T09:10:00.000Z' });
    await p.scheduler.tick(new Date('2026-11-24T10:00:00Z'));
    expect(posts(fake)).toHaveLength(0); // lost is not an event
    crmDeals.set('d2', { ...crmDeals.get('d2')!, stageId: 'Proposal', closedAt: null });
    fake.failNext('chat.postMessage', { error: 'not_in_channel' }, 1, (params) => params.channel === 'C0FEED');
    await p.scheduler.tick(new Date('2026-11-24T11:00:00Z'));
    // The DM went out; the channel post was refused.
    expect(posts(fake).map((c) => c.params.channel)).toEqual(['DU0YAMADA']);
    expect(textOf(posts(fake)[0]!)).toContain('reopened after being lost');
    await p.scheduler.tick(new Date('2026-11-24T12:00:00Z'));
    expect(posts(fake).map((c) => c.params.channel)).toEqual(['DU0YAMADA', 'C0FEED']);
    await p.scheduler.tick(new Date('2026-11-24T13:00:00Z'));
    expect(posts(fake)).toHaveLength(2);
    p.close();
  });
});

describe('detectDealEvents', () => {
  const stages = new Map<string, StageInfo>([
    ['a', { name: 'A', position: 0, pipelineId: 'p', isClosed: false }],
    ['b', { name: 'B', position: 1, pipelineId: 'p', isClosed: false }],
  ]);
  const cur = (id: string, extra: Partial<CurrentDeal> = {}): CurrentDeal => ({
    id,
    name: id,
    status: 'open',
    pipelineId: 'p',
    stageId: 'b',
    ownerId: null,
    amount: 100,
    currency: 'EUR',
    createdAt: '2026-01-01T00:00:00.000Z',
    closeDate: '2026-12-01',
    closedAt: null,
    stageEnteredAt: null,
    ...extra,
  });
  const settings = { kinds: new Set(['won', 'big_deal', 'regression', 'close_pushed', 'reopened'] as const), bigDealAmount: 10_000, bigDealCurrency: 'EUR' };
  const now = new Date('2026-11-24T09:00:00Z');
  const watchOf = (ds: CurrentDeal[]) => new Map<string, WatchedDeal>(detectDealEvents(new Map(), ds, stages, settings, now).watch.map((w) => [w.dealId, w]));

  it('announces nothing on the first look, even a big deal', () => {
    const r = detectDealEvents(new Map(), [cur('x', { amount: 1e6 })], stages, settings, now);
    expect(r.baseline).toBe(true);
    expect(r.events).toEqual([]);
  });

  it('compares a big new deal only with a threshold in its own currency', () => {
    const prev = watchOf([cur('x')]);
    const r = detectDealEvents(prev, [cur('x'), cur('eur', { amount: 20_000 }), cur('jpy', { amount: 2_000_000, currency: 'JPY' })], stages, settings, now);
    expect(r.events.map((e) => `${e.kind}:${e.dealId}`)).toEqual(['big_deal:eur']);
  });

  it('counts close-date pushes across runs and respects the chosen kinds', () => {
    let prev = watchOf([cur('x')]);
    let r = detectDealEvents(prev, [cur('x', { closeDate: '2026-12-08' })], stages, settings, now);
    expect(r.events[0]!.detail).toMatchObject({ pushedDays: 7, pushCount: 1 });
    prev = new Map(r.watch.map((w) => [w.dealId, w]));
    r = detectDealEvents(prev, [cur('x', { closeDate: '2027-01-08' })], stages, settings, now);
    expect(r.events[0]!.detail).toMatchObject({ pushedDays: 31, pushCount: 2 });
    prev = new Map(r.watch.map((w) => [w.dealId, w]));
    r = detectDealEvents(prev, [cur('x', { closeDate: '2027-02-08' })], stages, { ...settings, kinds: new Set(['won'] as const) }, now);
    expect(r.events).toEqual([]);
    expect(r.watch[0]!.closeDatePushes).toBe(3);
    // Pulled in is not a push.
    prev = new Map(r.watch.map((w) => [w.dealId, w]));
    r = detectDealEvents(prev, [cur('x', { closeDate: '2026-12-01' })], stages, settings, now);
    expect(r.events).toEqual([]);
  });

  it('finds a regression only within the same pipeline, and a forward move is not one', () => {
    const prev = watchOf([cur('x'), cur('y', { stageId: 'a' })]);
    const r = detectDealEvents(prev, [cur('x', { stageId: 'a' }), cur('y', { stageId: 'b' })], stages, settings, now);
    expect(r.events.map((e) => `${e.kind}:${e.dealId}`)).toEqual(['regression:x']);
    expect(r.events[0]!.detail).toMatchObject({ fromStage: 'B', toStage: 'A' });
  });
});

