/**
 * The contract every CRM connector passes (conventions #2), run through the real sync engine
 * against each CRM's fake server: paging stops, rows equal the expected rows, the cursor
 * advances, a 401 fails at once and says what to do, a 429 waits as told, a 5xx is retried a
 * bounded number of times, an incremental sync picks up exactly the changed deals, and a run
 * interrupted by a 401 leaves the previous data intact.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createConnector } from '../../src/connectors/index.js';
import { loadConfig } from '../../src/config.js';
import { CrmAuthError, CrmHttpError, describeError } from '../../src/errors.js';
import { runSync } from '../../src/sync/engine.js';
import { SERVER_ERROR_RETRIES } from '../../src/sync/http.js';
import { getCursor } from '../../store/sync-cursors.js';
import { listDeals, getDeal } from '../../store/deals.js';
import { listStageHistory } from '../../store/stage-history.js';
import { listActivities } from '../../store/activities.js';
import { listOwners } from '../../store/owners.js';
import { listStages } from '../../store/stages.js';
import { lastRun } from '../../store/sync-runs.js';
import type { Db } from '../../store/db.js';
import { describeSchemaDrift, listOpenSchemaDrift } from '../../store/schema-drift.js';
import { closeDeal, createCrmModel, editDeal, moveDeal } from '../fakes/crm-model.js';
import type { FakeKnobs } from '../fakes/fake-server.js';
import { virtualClock } from '../helpers/clock.js';
import { dumpData, tempDb } from '../helpers/db.js';
import { CONTRACT_CASES, type ContractCase, type ExpectedRows } from './contract-cases.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const HOUR = 3_600_000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(c: ContractCase, opts: { deals?: number; knobs?: Partial<FakeKnobs> } = {}) {
  const model = createCrmModel({ now: NOW, deals: opts.deals ?? 120, seed: 11 });
  model.deals[7]!.archivedAt = '2026-11-20T00:00:00.000Z';
  const fake = await c.start(model, { pageSize: 25, ...opts.knobs });
  const clock = virtualClock();
  const config = loadConfig({ env: c.env(fake.url), envFile: null });
  const bundle = createConnector(config, { now: NOW, clock, timeouts: { connectMs: 2000, headersMs: 700, bodyMs: 700 } });
  const t = tempDb();
  cleanups.push(() => bundle.close?.(), () => fake.close(), t.cleanup);
  const sync = (now: Date, full = false) => runSync(t.db, bundle.connector, { now, full, http: bundle.http, afterSync: bundle.afterSync });
  return { model, fake, clock, bundle, db: t.db, sync };
}

/** The store's view of the expected rows (what equality means after a sync). */
function expectStoreMatches(db: Db, crm: string, want: ExpectedRows) {
  const deals = listDeals(db, crm).concat(); // live deals
  const liveWant = want.deals.filter((d) => !d.deleted);
  const pick = (d: { id: string; name: string; amount: number | null; currency: string | null; pipelineId: string | null; stageId: string | null; ownerId: string | null; source: string | null; createdAt: string; closeDate: string | null; closedAt: string | null; status: string | null }) => ({
    id: d.id,
    name: d.name,
    amount: d.amount,
    currency: d.currency,
    pipelineId: d.pipelineId,
    stageId: d.stageId,
    ownerId: d.ownerId,
    source: d.source,
    createdAt: new Date(d.createdAt).toISOString(),
    closeDate: d.closeDate,
    closedAt: d.closedAt,
    status: d.status,
  });
  const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));
  expect(byId(deals.map(pick))).toEqual(byId(liveWant.map(pick)));
  for (const d of want.deals.filter((x) => x.deleted)) expect(getDeal(db, crm, d.id)?.deletedAt).not.toBeNull();
  // Stage entered = the latest history entry for the deal's current stage.
  const hist = listStageHistory(db, crm);
  const key = (h: { dealId: string; stageId: string; enteredAt: string }) => `${h.dealId}|${h.stageId}|${h.enteredAt}`;
  expect(hist.filter((h) => h.source === 'crm').map(key).sort()).toEqual(want.stage_history.map(key).sort());
  for (const d of deals) {
    const entered = want.stage_history.filter((h) => h.dealId === d.id && h.stageId === d.stageId).map((h) => h.enteredAt).sort().at(-1);
    expect(d.stageEnteredAt, `deal ${d.id}`).toBe(entered);
  }
  expect(listActivities(db, crm).map((a) => a.id).sort()).toEqual(want.activities.map((a) => a.id).sort());
  expect(listOwners(db, crm).map((o) => [o.id, o.name, o.active]).sort()).toEqual(want.owners.map((o) => [o.id, o.name, o.active]).sort());
  expect(listStages(db, crm).map((s) => [s.id, s.probability]).sort()).toEqual(want.stages.filter((s) => !s.deleted).map((s) => [s.id, s.probability]).sort());
}

describe.each(CONTRACT_CASES)('connector contract: $crm', (c) => {
  it('a full sync pages to the end, stores exactly the expected rows and advances the cursor', async () => {
    const { model, fake, db, sync } = await setup(c);
    const result = await sync(NOW, true);
    expect(result.mode).toBe('full');
    expectStoreMatches(db, c.crm, c.expected(model));
    // Paging stopped: every page was asked for once, nothing after the last.
    const repeats = new Map<string, number>();
    for (const r of fake.log) repeats.set(JSON.stringify([r.method, r.path, r.query, r.body]), (repeats.get(JSON.stringify([r.method, r.path, r.query, r.body])) ?? 0) + 1);
    const pagesOfDeals = fake.log.filter((r) => c.dealsPath.test(r.path)).length;
    expect(pagesOfDeals).toBeLessThan(200);
    expect([...repeats.values()].filter((n) => n > 2)).toEqual([]);
    expect(getCursor(db, c.crm, c.cursorStream ?? 'deals')).toBe(NOW.toISOString());
    expect(fake.throttledCount()).toBe(0);
  });

  it('an incremental sync after edits picks up exactly the changed deals, and the cursor moves on', async () => {
    const { model, db, sync } = await setup(c);
    await sync(NOW, true);
    const t1 = new Date(NOW.getTime() + HOUR);
    const open = model.deals.filter((d) => d.status === 'open' && d.archivedAt === null);
    editDeal(model, open[0]!.id, t1, { amount: 4242, name: 'Renamed' });
    moveDeal(model, open[1]!.id, model.pipelines[1]!.stages[1]!.id, new Date(t1.getTime() + 60_000)); // to another pipeline
    closeDeal(model, open[2]!.id, true, new Date(t1.getTime() + 120_000));
    const now2 = new Date(NOW.getTime() + 2 * HOUR);
    const result = await sync(now2);
    expect(result.mode).toBe('incremental');
    expect(result.counts.deals).toBe(c.dealsReadWhole ? model.deals.filter((d) => d.archivedAt === null).length : 3);
    const want = c.expected(model);
    expectStoreMatches(db, c.crm, want);
    const movedId = (c.dealId ?? ((id: string) => id))(open[1]!.id);
    // Moved to the other pipeline (in CRMs that have more than one).
    expect(getDeal(db, c.crm, movedId)).toMatchObject({ pipelineId: want.deals.find((d) => d.id === movedId)!.pipelineId });
    expect(getCursor(db, c.crm, c.cursorStream ?? 'deals')).toBe(now2.toISOString());
  });

  it('a 401 fails at once, names the token to set, and leaves the previous data intact', async () => {
    const { model, fake, db, sync } = await setup(c);
    await sync(NOW, true);
    const before = dumpData(db);
    editDeal(model, model.deals[0]!.id, new Date(NOW.getTime() + HOUR), { amount: 1 });
    fake.fail({ status: 401, times: 1, match: c.dealsPath });
    const sent = fake.log.length;
    const err = await sync(new Date(NOW.getTime() + 2 * HOUR)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmAuthError);
    expect(describeError(err)).toContain(c.tokenVar);
    // Not retried: the 401 was the last request of the run.
    expect(fake.log.at(-1)?.status).toBe(401);
    expect(fake.log.slice(sent).filter((r) => r.status === 401)).toHaveLength(1);
    expect(dumpData(db)).toEqual(before);
    expect(lastRun(db, c.crm)).toMatchObject({ status: 'failed' });
    expect(lastRun(db, c.crm)?.error).toContain('401');
  });

  it('a 429 waits as told (Retry-After), then carries on', async () => {
    const { fake, clock, db, model, sync } = await setup(c);
    fake.fail({ status: 429, times: 1, match: c.dealsPath, headers: { 'retry-after': '1' } });
    await sync(NOW, true);
    expect(clock.sleeps).toContain(1000);
    expect(fake.log.filter((r) => r.status === 429)).toHaveLength(1);
    expectStoreMatches(db, c.crm, c.expected(model));
  });

  it('a 429 with an HTTP-date Retry-After waits until that date', async () => {
    const { fake, clock, sync } = await setup(c);
    const at = new Date(clock.now() + 3000).toUTCString();
    fake.fail({ status: 429, times: 1, match: c.dealsPath, headers: { 'retry-after': at } });
    await sync(NOW, true);
    expect(clock.sleeps.some((ms) => ms > 2000 && ms <= 3000)).toBe(true);
  });

  it('a 5xx is retried with backoff, a bounded number of times', async () => {
    const { fake, clock, sync } = await setup(c);
    fake.fail({ status: 503, times: 2, match: c.dealsPath });
    await sync(NOW, true);
    expect(clock.sleeps.slice(0, 2)).toEqual([1000, 2000]);

    fake.fail({ status: 500, times: 1000, match: c.dealsPath });
    const before = fake.log.length;
    const err = await sync(NOW, true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmHttpError);
    expect(String((err as Error).message)).toMatch(/HTTP 500/);
    expect(fake.log.slice(before).filter((r) => r.status === 500)).toHaveLength(SERVER_ERROR_RETRIES + 1);
  });

  it('a slow answer past the timeout is retried like a 5xx', async () => {
    const { fake, clock, db, model, sync } = await setup(c);
    fake.fail({ status: 200, times: 1, match: c.dealsPath, delayMs: 1_500 });
    await sync(NOW, true);
    expect(clock.sleeps).toContain(1000); // the first backoff step
    expectStoreMatches(db, c.crm, c.expected(model));
  });

  it('a field the last sync saw populated and this one sees blank on every deal is reported as drift', async () => {
    const { model, db, sync } = await setup(c);
    await sync(NOW, true);
    expect(listOpenSchemaDrift(db, c.crm)).toEqual([]);
    const sourcesBefore = listDeals(db, c.crm).map((d) => [d.id, d.source]);
    expect(sourcesBefore.filter(([, s]) => s !== null).length).toBeGreaterThan(10);
    for (const d of model.deals) d.source = null; // e.g. a renamed property or a revoked scope
    await sync(new Date(NOW.getTime() + HOUR), true);
    const drift = listOpenSchemaDrift(db, c.crm);
    expect(drift.map((d) => `${d.stream}.${d.field}`)).toEqual(['deals.source']);
    expect(describeSchemaDrift(drift[0]!)).toMatch(/blank on all \d+ rows/);
    // The last good values are kept, and the run says it is degraded (not failed, not silent).
    expect(listDeals(db, c.crm).map((d) => [d.id, d.source])).toEqual(sourcesBefore);
    expect(lastRun(db, c.crm)).toMatchObject({ status: 'ok', degraded: ['deals.source'] });
    model.deals[0]!.source = 'Referral';
    await sync(new Date(NOW.getTime() + 2 * HOUR), true);
    expect(listOpenSchemaDrift(db, c.crm)).toEqual([]);
    expect(lastRun(db, c.crm)?.degraded).toEqual([]);
    // The field is back: what the CRM now says is stored, blanks included.
    expect(listDeals(db, c.crm).filter((d) => d.source !== null).length).toBe(c.expected(model).deals.filter((d) => !d.deleted && d.source !== null).length);
  });
});

