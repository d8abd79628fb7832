import { afterEach, describe, expect, it } from 'vitest';
import { createHubspotConnector, hubspotHttpOptions } from '../../src/connectors/hubspot.js';
import type { StreamName, StreamRows } from '../../src/model/rows.js';
import type { Connector, CrmHttp } from '../../src/sync/connector.js';
import { createCrmHttp } from '../../src/sync/http.js';
import { PayloadShapeError } from '../../src/errors.js';
import { loadConfig } from '../../src/config.js';
import { createCrmModel, editDeal, moveDeal } from '../fakes/crm-model.js';
import { virtualClock } from '../helpers/clock.js';
import { HUBSPOT_TOKEN, hubspotExpected, startHubspotFake } from '../fakes/hubspot.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function setup(deals = 60, knobs = {}) {
  const model = createCrmModel({ now: NOW, deals });
  const fake = await startHubspotFake(model, { pageSize: 100, ...knobs });
  const config = loadConfig({ env: { CRM: 'hubspot', HUBSPOT_TOKEN, HUBSPOT_BASE_URL: fake.url }, envFile: null });
  const http = createCrmHttp({ ...hubspotHttpOptions(config), clock: virtualClock() });
  closers.push(() => http.close(), () => fake.close());
  return { model, fake, http, connector: createHubspotConnector() };
}

async function readAll<K extends StreamName>(c: Connector, name: K, http: CrmHttp, cursor: string | null = null) {
  const rows: StreamRows[K][] = [];
  const checkpoints: (string | null | undefined)[] = [];
  for await (const page of c.streams[name]!.read({ cursor, full: cursor === null, startedAt: NOW, http, log: () => {} })) {
    rows.push(...(page.rows as StreamRows[K][]));
    checkpoints.push(page.checkpoint);
  }
  return { rows, checkpoints };
}
const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));

describe('HubSpot connector against the fake', () => {
  it('reads pipelines, stages, owners, deals, history and activities as the model says', async () => {
    const { model, fake, http, connector } = await setup(130, { pageSize: 20 });
    const want = hubspotExpected(model);
    expect((await readAll(connector, 'pipelines', http)).rows).toEqual(want.pipelines.map((p) => ({ ...p, deleted: false })));
    expect((await readAll(connector, 'stages', http)).rows).toEqual(want.stages.map((s) => ({ ...s, deleted: false })));
    expect(byId((await readAll(connector, 'owners', http)).rows)).toEqual(byId(want.owners));
    expect(byId((await readAll(connector, 'deals', http)).rows)).toEqual(byId(want.deals));
    const history = (await readAll(connector, 'stage_history', http)).rows;
    const key = (h: { dealId: string; stageId: string; enteredAt: string }) => `${h.dealId}|${h.stageId}|${h.enteredAt}`;
    expect(history.map(key).sort()).toEqual(want.stage_history.map(key).sort());
    expect(byId((await readAll(connector, 'activities', http)).rows)).toEqual(byId(want.activities));
    // Never asked for contact data or activity text.
    const asked = JSON.stringify(fake.log.map((r) => [r.query, r.body]));
    expect(asked).not.toMatch(/email_|_body|subject|title|phone|contact/i);
  });

  it('incremental search walks past 10,000 results and sees deals edited mid-walk', async () => {
    const { model, fake, http, connector } = await setup(10_250, { pageSize: 200 });
    // Every deal modified at the same millisecond: the keyset walk must drain the tie by id.
    for (const d of model.deals.slice(0, 10_200)) d.modifiedAt = '2026-11-24T10:00:00.000Z';
    let edited = false;
    fake.knobs.beforePage = (route) => {
      if (route === 'deals-search' && !edited) {
        edited = true;
        editDeal(model, model.deals[10_240]!.id, new Date('2026-11-24T11:00:00Z'), { amount: 1 });
      }
    };
    const { rows, checkpoints } = await readAll(connector, 'deals', http, '2026-11-24T09:30:00.000Z');
    const ids = new Set(rows.map((r) => r.id));
    expect(ids.size).toBe(10_200 + model.deals.slice(10_200).filter((d) => Date.parse(d.modifiedAt) >= Date.parse('2026-11-24T09:25:00Z')).length);
    expect(rows.find((r) => r.id === model.deals[10_240]!.id)?.amount).toBe(1);
    expect(fake.log.some((r) => r.status === 400)).toBe(false);
    expect(checkpoints.filter(Boolean).at(-1)).toBe('2026-11-24T11:00:00.000Z');
  });

  it('incremental history and activities read only what changed', async () => {
    const { model, http, connector } = await setup(80);
    moveDeal(model, model.deals[3]!.id, '22', new Date('2026-11-24T12:00:00Z'));
    const hist = (await readAll(connector, 'stage_history', http, '2026-11-24T11:00:00.000Z')).rows;
    expect(new Set(hist.map((h) => h.dealId))).toEqual(new Set([model.deals[3]!.id]));
    expect(hist.at(-1)).toEqual({ dealId: model.deals[3]!.id, stageId: '22', enteredAt: '2026-11-24T12:00:00.000Z' });
    model.activities[0]!.modifiedAt = '2026-11-24T12:00:00.000Z';
    const acts = (await readAll(connector, 'activities', http, '2026-11-24T11:00:00.000Z')).rows;
    expect(acts).toEqual([{ id: `${model.activities[0]!.type}:${model.activities[0]!.id}`, type: model.activities[0]!.type, ownerId: model.activities[0]!.ownerId, dealId: model.activities[0]!.dealId, occurredAt: model.activities[0]!.occurredAt }]);
  });

  it('an answer of the wrong shape fails as a shape error naming the field', async () => {
    const { fake, http, connector } = await setup(10);
    const bad = { id: '7', properties: { dealname: 'x', amount: '12', hs_lastmodifieddate: 'last Tuesday' }, createdAt: '2026-11-24T08:00:00Z', updatedAt: '2026-11-24T08:00:00Z', archived: false };
    fake.fail({ status: 200, times: 1, match: /GET \/crm\/v3\/objects\/deals/, body: { results: [bad] } });
    const err = await readAll(connector, 'deals', http).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadShapeError);
    expect((err as PayloadShapeError).message).toContain('results[0].properties.hs_lastmodifieddate: is not a date-time');
    expect((err as PayloadShapeError).message).toContain('GET /crm/v3/objects/deals');
  });

  it('an amount that is not a number is a changed type, read blank and reported with what the property is now (not a failure)', async () => {
    const { fake, http, connector } = await setup(10);
    fake.options.changeTypes = { amount: 'enumeration' };
    const pages: { rows: { amount: number | null; amountHome?: number | null }[]; typeChanged?: unknown }[] = [];
    const stream = connector.streams.deals!;
    for await (const p of stream.read({ cursor: null, full: true, startedAt: new Date('2026-11-24T12:00:00Z'), http, log: () => {} })) pages.push(p);
    const live = pages.filter((p) => p.rows.length);
    expect(live.length).toBeGreaterThan(0);
    for (const p of live) {
      expect(p.typeChanged).toEqual([{ field: 'amount', crmField: 'amount', found: 'an enumeration property, not a number', dependents: ['amountHome'] }]);
      for (const r of p.rows) expect([r.amount, r.amountHome ?? null]).toEqual([null, null]);
    }
  });
});
