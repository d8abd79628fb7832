import { afterEach, describe, expect, it } from 'vitest';
import {
  classifySalesforceError,
  createSalesforceConnector,
  incrementalFrom,
  isExpiredSession,
  sfInstant,
  soqlIdList,
  stageEntries,
  taskType,
  toDealRow,
} from '../../src/connectors/salesforce.js';
import type { StreamName, StreamRows } from '../../src/model/rows.js';
import type { Connector, CrmHttp } from '../../src/sync/connector.js';
import { runSync } from '../../src/sync/engine.js';
import { closeDeal, createCrmModel, editDeal, moveDeal, archiveDeal } from '../fakes/crm-model.js';
import { oppId, salesforceExpected, SALESFORCE_API_VERSION, SALESFORCE_TOKEN, startSalesforceFake, type SalesforceFake } from '../fakes/salesforce.js';
import { fetchHttp } from '../helpers/fetch-http.js';
import { tempDb } from '../helpers/db.js';
import { readFileSync } from 'node:fs';

const NOW = new Date('2026-11-24T09:00:00Z');
const HOUR = 3_600_000;

const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));
const historyKey = (r: { dealId: string; stageId: string; enteredAt: string }) => `${r.dealId}|${r.enteredAt}|${r.stageId}`;

async function readAll<K extends StreamName>(conn: Connector, name: K, http: CrmHttp, cursor: string | null = null): Promise<StreamRows[K][]> {
  const stream = conn.streams[name]!;
  const rows: StreamRows[K][] = [];
  for await (const page of stream.read({ cursor, full: cursor === null, startedAt: NOW, http, log: () => {} })) rows.push(...(page.rows as StreamRows[K][]));
  return rows;
}

let fake: SalesforceFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('Salesforce mappers', () => {
  it('reads Salesforce datetimes and writes SOQL literals', () => {
    expect(sfInstant('2024-05-02T10:11:12.000+0000')).toBe('2024-05-02T10:11:12.000Z');
    expect(sfInstant('2024-05-02T12:11:12.000+0200')).toBe('2024-05-02T10:11:12.000Z');
    expect(incrementalFrom('2026-11-24T09:00:00.500Z', 5 * 60_000)).toBe('2026-11-24T08:55:00Z');
    expect(soqlIdList(['0068d000002OrZqAAK', '0068d000002OrZr'])).toBe("'0068d000002OrZqAAK', '0068d000002OrZr'");
    expect(() => soqlIdList(["x' OR Name != '"])).toThrow(/not a Salesforce id/);
  });

  it('maps an exported opportunity (real field values) to a deal row', () => {
    const res = JSON.parse(readFileSync(new URL('../fixtures/salesforce/query-opportunity.json', import.meta.url), 'utf8'));
    const [lost, won, open] = res.records.map(toDealRow);
    expect(lost).toMatchObject({ id: '0068d000002OrZqAAK', stageId: 'Closed Lost', status: 'lost', amount: 454160, closeDate: '2022-03-24', closedAt: '2022-03-24T00:00:00.000Z', ownerId: '0058d000002C3D2AAK', pipelineId: 'opportunities', currency: null, source: null });
    expect(won).toMatchObject({ status: 'won', stageId: 'Closed Won', createdAt: '2022-05-01T00:00:00.000Z', modifiedAt: '2022-03-02T16:11:00.000Z' });
    expect(open).toMatchObject({ status: 'open', closedAt: null, stageId: 'Negotiation/Review', currency: 'EUR', source: 'Web' });
  });

  it('turns OpportunityHistory into stage entries: the first row of each run of one stage', () => {
    const res = JSON.parse(readFileSync(new URL('../fixtures/salesforce/query-opportunity-history.json', import.meta.url), 'utf8'));
    const rows = stageEntries(res.records);
    expect(rows.map((r) => [r.stageId, r.enteredAt])).toEqual([
      ['Prospecting', '2022-03-14T09:00:00.000Z'],
      ['Qualification', '2022-03-20T10:30:00.000Z'],
      ['Negotiation/Review', '2022-04-06T08:00:00.000Z'],
      // Back to an earlier stage is a new entry.
      ['Prospecting', '2022-07-02T08:00:00.000Z'],
    ]);
  });

  it('types tasks by TaskSubtype, then Type', () => {
    expect(taskType('Call', null)).toBe('call');
    expect(taskType('Email', 'Other')).toBe('email');
    expect(taskType('ListEmail', null)).toBe('email');
    expect(taskType('Task', 'Meeting')).toBe('meeting');
    expect(taskType('Task', 'Call')).toBe('call');
    expect(taskType('Task', null)).toBe('task');
    expect(taskType('Cadence', 'Other')).toBe('task');
  });

  it('reads 403 REQUEST_LIMIT_EXCEEDED: the daily allocation stops, concurrency backs off', () => {
    const daily = classifySalesforceError(403, {}, JSON.stringify([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]));
    expect(daily).toMatchObject({ kind: 'quota-exhausted' });
    expect(daily && 'message' in daily ? daily.message : '').toMatch(/daily API request allocation is used up/);
    expect(classifySalesforceError(403, {}, JSON.stringify([{ message: 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]))).toMatchObject({ kind: 'throttled' });
    expect(classifySalesforceError(403, {}, JSON.stringify([{ message: 'insufficient access rights on object id', errorCode: 'INSUFFICIENT_ACCESS' }]))).toBeUndefined();
    expect(classifySalesforceError(403, {}, '<html>Forbidden</html>')).toBeUndefined();
    expect(classifySalesforceError(500, {}, '[]')).toBeUndefined();
  });

  it('knows which 401s a new token fixes', () => {
    expect(isExpiredSession(401, JSON.stringify([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]))).toBe(true);
    expect(isExpiredSession(401, JSON.stringify([{ message: 'This session is not valid for use with the REST API', errorCode: 'INVALID_SESSION_ID' }]))).toBe(false);
    expect(isExpiredSession(403, '[]')).toBe(false);
  });
});

describe('Salesforce connector on the fake org', () => {
  it('reads every stream, following nextRecordsUrl, and produces the expected rows', async () => {
    const model = createCrmModel({ now: NOW, deals: 40 });
    fake = await startSalesforceFake(model, { pageSize: 7 });
    const http = fetchHttp(fake.url, { authorization: `Bearer ${SALESFORCE_TOKEN}` });
    const conn = createSalesforceConnector({ apiVersion: SALESFORCE_API_VERSION });
    const want = salesforceExpected(model, fake.options);
    expect(await readAll(conn, 'pipelines', http)).toEqual(want.pipelines);
    expect(await readAll(conn, 'stages', http)).toEqual(want.stages);
    expect(byId(await readAll(conn, 'owners', http))).toEqual(byId(want.owners));
    expect(byId(await readAll(conn, 'deals', http))).toEqual(byId(want.deals));
    const history = await readAll(conn, 'stage_history', http);
    expect(history.map(historyKey).sort()).toEqual(want.stage_history.map(historyKey).sort());
    const logged: string[] = [];
    const activities: StreamRows['activities'][] = [];
    for await (const page of conn.streams.activities!.read({ cursor: null, full: true, startedAt: NOW, http, log: (l) => logged.push(l) })) activities.push(...page.rows);
    expect(byId(activities)).toEqual(byId(want.activities));
    expect(logged.at(-1)).toMatch(/^Salesforce API requests used in the last 24 hours: \d+ of 15,000 \(\d+%\)\.$/);
    // Paged: more locator follow-ups than queries would need without paging.
    expect(http.requests.filter((r) => /\/query\/01g/.test(r.path)).length).toBeGreaterThan(10);
    // Never asks for subjects, bodies or contact data.
    for (const q of fake.queries) expect(q).not.toMatch(/Subject|Description|Phone|WhoId|NextStep/);
  });

  it('gives the whole stage history of chosen opportunities (for dealcast backfill)', async () => {
    const model = createCrmModel({ now: NOW, deals: 30 });
    fake = await startSalesforceFake(model, { pageSize: 4 });
    const http = fetchHttp(fake.url, { authorization: `Bearer ${SALESFORCE_TOKEN}` });
    const conn = createSalesforceConnector({ apiVersion: SALESFORCE_API_VERSION });
    const ids = model.deals.slice(0, 9).map((d) => oppId(d.id));
    const rows = [];
    for await (const chunk of conn.stageHistoryFor!(ids, http)) rows.push(...chunk);
    const want = salesforceExpected(model).stage_history.filter((h) => ids.includes(h.dealId));
    expect(rows.map(historyKey).sort()).toEqual(want.map(historyKey).sort());
    expect(fake.queries.filter((q) => q.includes('OpportunityId IN'))).toHaveLength(1);
  });

  it('an edit between pages is not in the running query (its locator is fixed) but lands in the next incremental sync', async () => {
    const model = createCrmModel({ now: NOW, deals: 30 });
    fake = await startSalesforceFake(model, { pageSize: 5 });
    const http = fetchHttp(fake.url, { authorization: `Bearer ${SALESFORCE_TOKEN}` });
    const conn = createSalesforceConnector({ apiVersion: SALESFORCE_API_VERSION });
    const t = tempDb();
    try {
      const target = model.deals[0];
      fake.knobs.beforePage = (route, page) => {
        if (route === 'query Opportunity' && page === 3) editDeal(model, target!.id, new Date(NOW.getTime() + 60_000), { amount: 777 });
      };
      await runSync(t.db, conn, { http, now: NOW });
      const amount = () => t.db.prepare('SELECT amount FROM deals WHERE crm = ? AND id = ?').pluck().get('salesforce', oppId(target!.id));
      expect(amount()).not.toBe(777);
      fake.knobs.beforePage = undefined;
      const second = await runSync(t.db, conn, { http, now: new Date(NOW.getTime() + HOUR) });
      expect(second.counts.deals).toBe(1);
      expect(amount()).toBe(777);
    } finally {
      t.cleanup();
    }
  });

  it('asks a single-currency org without record types only for fields it has', async () => {
    const model = createCrmModel({ now: NOW, deals: 10 });
    fake = await startSalesforceFake(model, {}, { multiCurrency: false, recordTypes: false });
    const http = fetchHttp(fake.url, { authorization: `Bearer ${SALESFORCE_TOKEN}` });
    const deals = await readAll(createSalesforceConnector({ apiVersion: SALESFORCE_API_VERSION }), 'deals', http);
    expect(byId(deals)).toEqual(byId(salesforceExpected(model, { multiCurrency: false }).deals));
    expect(fake.queries.join('\n')).not.toMatch(/CurrencyIsoCode|RecordTypeId/);
  });

  it('syncs incrementally: changed and deleted opportunities via queryAll from the cursor minus the overlap', async () => {
    const model = createCrmModel({ now: NOW, deals: 30 });
    fake = await startSalesforceFake(model, { pageSize: 5 });
    const http = fetchHttp(fake.url, { authorization: `Bearer ${SALESFORCE_TOKEN}` });
    const conn = createSalesforceConnector({ apiVersion: SALESFORCE_API_VERSION });
    const t = tempDb();
    try {
      const first = await runSync(t.db, conn, { http, now: NOW });
      expect(first.mode).toBe('full');
      const later = new Date(NOW.getTime() + 2 * HOUR);
      model.now = later;
      const open = model.deals.filter((d) => d.status === 'open');
      editDeal(model, open[0]!.id, new Date(NOW.getTime() + HOUR), { amount: 123_456 });
      const moved = open[1];
      const target = model.pipelines.find((p) => p.id === moved!.pipelineId)!.stages.find((s) => s.id !== moved!.stageId)!;
      moveDeal(model, moved!.id, target.id, new Date(NOW.getTime() + HOUR));
      closeDeal(model, open[2]!.id, true, new Date(NOW.getTime() + HOUR));
      archiveDeal(model, open[3]!.id, new Date(NOW.getTime() + HOUR));
      fake.queries.length = 0;
      const second = await runSync(t.db, conn, { http, now: later });
      expect(second.mode).toBe('incremental');
      expect(second.counts.deals).toBe(4);
      const dealQuery = fake.queries.find((q) => /FROM Opportunity /.test(q))!;
      expect(dealQuery).toContain('WHERE SystemModstamp >= 2026-11-24T08:55:00Z');
      expect(dealQuery).toContain('IsDeleted');
      expect(fake.log.some((r) => r.path.endsWith('/queryAll') && /FROM Opportunity /.test(r.query.q ?? ''))).toBe(true);
      const row = (id: string) => t.db.prepare('SELECT * FROM deals WHERE crm = ? AND id = ?').get('salesforce', oppId(id)) as Record<string, unknown>;
      expect(row(open[0]!.id).amount).toBe(123_456);
      expect(row(moved!.id).stage_id).toBe(target.name);
      expect(row(open[2]!.id).status).toBe('won');
      expect(row(open[3]!.id).deleted_at).not.toBeNull();
      // History of the changed opportunities is re-read whole, and the new entries land.
      const hist = t.db.prepare('SELECT stage_id FROM deal_stage_history WHERE crm = ? AND deal_id = ? ORDER BY entered_at').pluck().all('salesforce', oppId(moved!.id));
      expect(hist[hist.length - 1]).toBe(target.name);
      expect(fake.queries.some((q) => q.includes(`OpportunityId IN ('${oppId(moved!.id)}'`) || q.includes(`'${oppId(moved!.id)}'`))).toBe(true);
    } finally {
      t.cleanup();
    }
  });
});
