import { afterEach, describe, expect, it } from 'vitest';
import { createPipedriveConnector, pipedriveHttpOptions } from '../../src/connectors/pipedrive.js';
import type { StreamName, StreamRows } from '../../src/model/rows.js';
import type { Connector, CrmHttp } from '../../src/sync/connector.js';
import { createCrmHttp } from '../../src/sync/http.js';
import { PayloadShapeError } from '../../src/errors.js';
import { loadConfig } from '../../src/config.js';
import { createCrmModel, editDeal, moveDeal } from '../fakes/crm-model.js';
import { PIPEDRIVE_TOKEN, pipedriveExpected, startPipedriveFake } from '../fakes/pipedrive.js';
import { virtualClock } from '../helpers/clock.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function setup(deals = 60, knobs = {}) {
  const model = createCrmModel({ now: NOW, deals });
  const fake = await startPipedriveFake(model, { pageSize: 500, ...knobs });
  const config = loadConfig({ env: { CRM: 'pipedrive', PIPEDRIVE_API_TOKEN: PIPEDRIVE_TOKEN, PIPEDRIVE_BASE_URL: fake.url }, envFile: null });
  const http = createCrmHttp({ ...pipedriveHttpOptions(config), clock: virtualClock() });
  closers.push(() => http.close(), () => fake.close());
  return { model, fake, http, connector: createPipedriveConnector() };
}

async function readAll<K extends StreamName>(c: Connector, name: K, http: CrmHttp, cursor: string | null = null) {
  const rows: StreamRows[K][] = [];
  for await (const page of c.streams[name]!.read({ cursor, full: cursor === null, startedAt: NOW, http, log: () => {} })) rows.push(...(page.rows as StreamRows[K][]));
  return rows;
}
const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));
const key = (h: { dealId: string; stageId: string; enteredAt: string }) => `${h.dealId}|${h.stageId}|${h.enteredAt}`;

describe('Pipedrive connector against the fake', () => {
  it('reads every stream as the model says, without asking for contact data', async () => {
    const { model, fake, http, connector } = await setup(90, { pageSize: 25 });
    model.deals[5]!.archivedAt = '2026-11-20T00:00:00.000Z';
    model.deals[6]!.shelved = true;
    const want = pipedriveExpected(model);
    expect(await readAll(connector, 'pipelines', http)).toEqual(want.pipelines);
    expect(await readAll(connector, 'stages', http)).toEqual(want.stages);
    expect(byId(await readAll(connector, 'owners', http))).toEqual(byId(want.owners));
    expect(byId(await readAll(connector, 'deals', http))).toEqual(byId(want.deals));
    expect((await readAll(connector, 'stage_history', http)).map(key).sort()).toEqual(want.stage_history.map(key).sort());
    const acts = await readAll(connector, 'activities', http);
    expect(byId(acts)).toEqual(byId(want.activities));
    expect(JSON.stringify(acts)).not.toMatch(/Secret/);
    expect(fake.log.some((r) => /persons|mailMessages|notes/.test(r.path))).toBe(false);
  });

  it('incremental reads pick up only changed deals and only moved deals\' changelogs', async () => {
    const { model, fake, http, connector } = await setup(200);
    editDeal(model, model.deals[1]!.id, new Date('2026-11-24T12:00:00Z'), { amount: 5 });
    moveDeal(model, model.deals[2]!.id, '23', new Date('2026-11-24T12:30:00Z'));
    const deals = await readAll(connector, 'deals', http, '2026-11-24T11:00:00.000Z');
    expect(deals.map((d) => d.id).sort()).toEqual([model.deals[1]!.id, model.deals[2]!.id].sort());
    expect(deals.find((d) => d.id === model.deals[2]!.id)).toMatchObject({ pipelineId: '2', stageId: '23', stageEnteredAt: '2026-11-24T12:30:00.000Z' });
    fake.log.length = 0;
    const hist = await readAll(connector, 'stage_history', http, '2026-11-24T11:00:00.000Z');
    expect(fake.log.filter((r) => r.path.includes('/changelog')).map((r) => r.path)).toEqual([`/v1/deals/${model.deals[2]!.id}/changelog`]);
    expect(hist.at(-1)).toEqual({ dealId: model.deals[2]!.id, stageId: '23', enteredAt: '2026-11-24T12:30:00.000Z' });
    const sent = fake.log.find((r) => r.path === '/api/v2/deals')!;
    expect(sent.query.updated_since).toBe('2026-11-24T10:59:00Z');
  });

  it('backfill history comes from the changelog for exactly the deals asked', async () => {
    const { model, http, connector } = await setup(30);
    const ids = model.deals.slice(0, 5).map((d) => d.id);
    const rows = [];
    for await (const chunk of connector.stageHistoryFor!(ids, http)) rows.push(...chunk);
    const want = pipedriveExpected(model).stage_history.filter((h) => ids.includes(h.dealId));
    expect(rows.map(key).sort()).toEqual(want.map(key).sort());
  });

  it('an answer of the wrong shape fails as a shape error naming the field', async () => {
    const { fake, http, connector } = await setup(10);
    fake.fail({ status: 200, times: 1, match: /GET \/api\/v2\/deals$/, body: { success: true, data: [{ id: 1, title: 'x', owner_id: '5' }], additional_data: { next_cursor: null } } });
    const err = await readAll(connector, 'deals', http).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadShapeError);
    expect((err as PayloadShapeError).message).toMatch(/data\[0\]\.owner_id: /);
  });
});
