import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { attioInstant, createAttioConnector, historyRows, lastChange, mapWithConcurrency, toDealRow, toOwnerRow, toStageRow, type AttioValues } from '../../src/connectors/attio.js';
import type { StreamName, StreamRows } from '../../src/model/rows.js';
import type { Connector, CrmHttp } from '../../src/sync/connector.js';
import { runSync } from '../../src/sync/engine.js';
import { closeDeal, createCrmModel, moveDeal, archiveDeal } from '../fakes/crm-model.js';
import { attioExpected, ATTIO_TOKEN, recordId, startAttioFake, type AttioFake } from '../fakes/attio.js';
import { fetchHttp } from '../helpers/fetch-http.js';
import { tempDb } from '../helpers/db.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const HOUR = 3_600_000;
const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));
const historyKey = (r: { dealId: string; stageId: string; enteredAt: string }) => `${r.dealId}|${r.enteredAt}|${r.stageId}`;
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/attio/${name}`, import.meta.url), 'utf8'));

async function readAll<K extends StreamName>(conn: Connector, name: K, http: CrmHttp, cursor: string | null = null): Promise<StreamRows[K][]> {
  const rows: StreamRows[K][] = [];
  for await (const page of conn.streams[name]!.read({ cursor, full: cursor === null, startedAt: NOW, http, log: () => {} })) rows.push(...(page.rows as StreamRows[K][]));
  return rows;
}

let fake: AttioFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('Attio mappers', () => {
  it('trims nanosecond timestamps', () => {
    expect(attioInstant('2023-01-01T15:00:00.123456789Z')).toBe('2023-01-01T15:00:00.123Z');
    expect(attioInstant('2022-11-21T13:22:49.061281000Z')).toBe('2022-11-21T13:22:49.061Z');
  });

  it('maps a deal record from the docs shape', () => {
    const rec = fixture('query-deals.json').data[0];
    const row = toDealRow({ id: rec.id.record_id, createdAt: rec.created_at, values: rec.values as AttioValues }, 'deals', 'stage');
    expect(row).toEqual({
      id: 'bf071e1f-6035-429d-b874-d83ea64ea13b',
      name: 'Contract with Fundstack',
      amount: 499,
      currency: 'USD',
      pipelineId: 'deals',
      stageId: '11f07f01-c10f-4e05-a522-33e050bc52ee',
      ownerId: '50cf242c-7fa3-4cad-87d0-75b1af71c57b',
      source: null,
      createdAt: '2022-11-21T13:22:49.061Z',
      closeDate: null,
      closedAt: null,
      status: null,
      stageEnteredAt: '2023-01-01T15:00:00.000Z',
      modifiedAt: '2023-02-03T10:00:00.000Z',
    });
    // A deal in "Won 🎉" closed when it entered that stage.
    const won = fixture('query-deals.json').data[1];
    expect(toDealRow({ id: won.id.record_id, createdAt: won.created_at, values: won.values }, 'deals', 'stage')).toMatchObject({ closedAt: '2023-03-01T12:00:00.000Z', stageId: 'c0b7c3b5-7d3d-4c59-9d0d-0f1f3a3f9a01' });
    expect(lastChange({}, '2022-11-21T13:22:49.061281000Z')).toBe('2022-11-21T13:22:49.061Z');
  });

  it('takes closed/won from stage names, and keeps no probability', () => {
    const statuses = fixture('statuses.json').data;
    const rows = statuses.map((s: never, i: number) => toStageRow(s, i, 'deals'));
    expect(rows.map((r: { name: string; isClosed: boolean; isWon: boolean; probability: number | null }) => [r.name, r.isClosed, r.isWon, r.probability])).toEqual([
      ['Lead', false, false, null],
      ['In Progress', false, false, null],
      ['Won 🎉', true, true, null],
      ['Lost', true, false, null],
    ]);
  });

  it('maps workspace members, suspended ones inactive', () => {
    const members = fixture('workspace-members.json').data.map(toOwnerRow);
    expect(members).toEqual([
      { id: '50cf242c-7fa3-4cad-87d0-75b1af71c57b', name: 'Ada Lovelace', email: 'ada@example.com', active: true },
      { id: '6b3b0a43-3c1d-4bd8-9bb4-4c1b0a3c2f10', name: 'Grace Hopper', email: 'grace@example.com', active: false },
    ]);
  });

  it('runs history requests with bounded concurrency, in order, and stops starting new ones after a failure', async () => {
    let inFlight = 0;
    let peak = 0;
    const started: number[] = [];
    const slow = async (n: number) => {
      started.push(n);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((ok) => setImmediate(ok));
      inFlight--;
      if (n === 5) throw new Error('boom');
      return n * 10;
    };
    expect(await mapWithConcurrency([1, 2, 3, 4], 3, async (n) => (await slow(n)) + 1)).toEqual([11, 21, 31, 41]);
    expect(peak).toBe(3);
    started.length = 0;
    await expect(mapWithConcurrency([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 2, slow)).rejects.toThrow('boom');
    expect(started.length).toBeLessThanOrEqual(7);
  });

  it('maps historic stage values, oldest first', () => {
    expect(historyRows('r1', fixture('stage-values-historic.json').data)).toEqual([
      { dealId: 'r1', stageId: '7a0e5a43-8d8e-4e6b-bf26-2b0f2c4f6a10', enteredAt: '2023-01-01T15:00:00.000Z' },
      { dealId: 'r1', stageId: '11f07f01-c10f-4e05-a522-33e050bc52ee', enteredAt: '2023-02-01T09:00:00.000Z' },
    ]);
  });
});

describe('Attio connector on the fake workspace', () => {
  for (const list of [undefined, 'sales_pipeline']) {
    it(`reads every stream with offset paging (${list ? 'pipeline list' : 'deals object'})`, async () => {
      const model = createCrmModel({ now: NOW, deals: 23 });
      fake = await startAttioFake(model, { pageSize: 5 }, { list });
      const http = fetchHttp(fake.url, { authorization: `Bearer ${ATTIO_TOKEN}` });
      const conn = createAttioConnector({ object: 'deals', list, stageAttribute: 'stage', pageSize: 5 });
      const want = attioExpected(model, { list });
      expect(conn.capabilities).toMatchObject({ activities: false, probabilities: false, wonLostFlags: false, stageHistory: true });
      expect(conn.streams.activities).toBeUndefined();
      expect(await readAll(conn, 'pipelines', http)).toEqual(want.pipelines);
      expect(await readAll(conn, 'stages', http)).toEqual(want.stages);
      expect(byId(await readAll(conn, 'owners', http))).toEqual(byId(want.owners));
      // The connector leaves status to the engine (derived from the stage's inferred flags).
      expect(byId(await readAll(conn, 'deals', http))).toEqual(byId(want.deals.map((d) => ({ ...d, status: null }))));
      expect((await readAll(conn, 'stage_history', http)).map(historyKey).sort()).toEqual(want.stage_history.map(historyKey).sort());
      const queries = fake.log.filter((r) => r.path.endsWith('/query'));
      expect(queries.map((r) => (r.body as { offset: number }).offset)).toContain(20);
    });
  }

  it('a deal created between pages is read in the same pass (offset paging in creation order)', async () => {
    const model = createCrmModel({ now: NOW, deals: 12 });
    fake = await startAttioFake(model, { pageSize: 5 });
    const http = fetchHttp(fake.url, { authorization: `Bearer ${ATTIO_TOKEN}` });
    const conn = createAttioConnector({ object: 'deals', stageAttribute: 'stage', pageSize: 5 });
    fake.knobs.beforePage = (route, page) => {
      if (route === 'records' && page === 1) model.deals.push({ ...model.deals[0]!, id: '7777', name: 'Fresh', createdAt: new Date(NOW.getTime() - 1000).toISOString(), history: [{ stageId: model.deals[0]!.history[0]!.stageId, enteredAt: new Date(NOW.getTime() - 1000).toISOString() }], status: 'open', closedAt: null }!);
    };
    const deals = await readAll(conn, 'deals', http);
    expect(deals).toHaveLength(13);
    expect(deals.find((d) => d.id === recordId('7777'))?.name).toBe('Fresh');
  });

  it('gives the stage history of chosen deals (for dealcast backfill)', async () => {
    const model = createCrmModel({ now: NOW, deals: 12 });
    fake = await startAttioFake(model);
    const http = fetchHttp(fake.url, { authorization: `Bearer ${ATTIO_TOKEN}` });
    const conn = createAttioConnector({ object: 'deals', stageAttribute: 'stage' });
    const ids = model.deals.slice(0, 5).map((d) => recordId(d.id));
    const rows = [];
    for await (const chunk of conn.stageHistoryFor!(ids, http)) rows.push(...chunk);
    expect(rows.map(historyKey).sort()).toEqual(attioExpected(model).stage_history.filter((h) => ids.includes(h.dealId)).map(historyKey).sort());
    expect(fake.log.filter((r) => r.path.endsWith('/attributes/stage/values'))).toHaveLength(5);
  });

  it('syncs stage history incrementally: only deals whose stage changed since the cursor', async () => {
    const model = createCrmModel({ now: NOW, deals: 30 });
    fake = await startAttioFake(model, { pageSize: 500 });
    const http = fetchHttp(fake.url, { authorization: `Bearer ${ATTIO_TOKEN}` });
    const conn = createAttioConnector({ object: 'deals', stageAttribute: 'stage' });
    const t = tempDb();
    try {
      await runSync(t.db, conn, { http, now: NOW });
      const historyCalls = () => fake!.log.filter((r) => r.path.endsWith('/attributes/stage/values')).length;
      expect(historyCalls()).toBe(30);
      const later = new Date(NOW.getTime() + 2 * HOUR);
      model.now = later;
      const open = model.deals.filter((d) => d.status === 'open');
      const moved = open[0];
      const target = model.pipelines.find((p) => p.id === moved!.pipelineId)!.stages.find((s) => s.id !== moved!.stageId)!;
      moveDeal(model, moved!.id, target.id, new Date(NOW.getTime() + HOUR));
      closeDeal(model, open[1]!.id, false, new Date(NOW.getTime() + HOUR));
      archiveDeal(model, open[2]!.id, new Date(NOW.getTime() + HOUR));
      fake.log.length = 0;
      const second = await runSync(t.db, conn, { http, now: later });
      expect(second.mode).toBe('incremental');
      expect(historyCalls()).toBe(2);
      const filtered = fake.log.find((r) => r.path.endsWith('/records/query') && (r.body as { filter?: unknown }).filter);
      expect(filtered?.body).toMatchObject({ filter: { stage: { active_from: { $gte: '2026-11-24T08:55:00.000Z' } } } });
      const row = (id: string) => t.db.prepare('SELECT * FROM deals WHERE crm = ? AND id = ?').get('attio', recordId(id)) as Record<string, unknown>;
      expect(row(open[1]!.id).status).toBe('lost');
      expect(row(open[1]!.id).closed_at).toBe(new Date(NOW.getTime() + HOUR).toISOString());
      expect(row(moved!.id).stage_entered_at).toBe(new Date(NOW.getTime() + HOUR).toISOString());
      // Attio deletes records outright: an incremental read cannot see it, the next full sync marks it deleted.
      expect(row(open[2]!.id).deleted_at).toBeNull();
      const third = await runSync(t.db, conn, { http, now: new Date(later.getTime() + HOUR), full: true });
      expect(third.deleted).toBe(1);
      expect(row(open[2]!.id).deleted_at).not.toBeNull();
    } finally {
      t.cleanup();
    }
  });
});

describe('Attio as a user runs it', () => {
  it('dealcast sync then dealcast status: says where probabilities, won/lost and activities come from', async () => {
    const { run: sync } = await import('../../src/cli/sync.js');
    const { run: status } = await import('../../src/cli/status.js');
    const model = createCrmModel({ now: NOW, deals: 12 });
    fake = await startAttioFake(model);
    const t = tempDb();
    t.db.close();
    try {
      const out: string[] = [];
      const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => out.push(`ERR ${s}`), env: { CRM: 'attio', ATTIO_API_KEY: ATTIO_TOKEN, ATTIO_BASE_URL: fake.url, DEALCAST_DB: t.path } };
      expect(await sync(['--now', NOW.toISOString()], io)).toBe(0);
      out.length = 0;
      expect(await status(['--now', NOW.toISOString()], io)).toBe(0);
      const text = out.join('\n');
      expect(text).toMatch(/Deals: 12/);
      expect(text).toMatch(/Attio keeps no win probabilities and no won\/lost flags: both come from the stage map/);
      expect(text).toMatch(/not available for Attio/);
      expect(text).not.toMatch(/ERR/);
    } finally {
      t.cleanup();
    }
  });
});
