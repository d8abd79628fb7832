import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as importCsv } from '../../src/cli/import-csv.js';
import { loadConfig } from '../../src/config.js';
import { createCsvConnector, describeCsvReport, readCsvImport, RETYPED_COLUMN_MIN_CELLS, type CsvConnectorOptions } from '../../src/connectors/csv.js';
import { createConnector } from '../../src/connectors/index.js';
import { UsageError } from '../../src/errors.js';
import { runSync } from '../../src/sync/engine.js';
import { openDb, type Db } from '../../store/db.js';
import { countDeals, getDeal, listDeals } from '../../store/deals.js';
import { listStageHistory } from '../../store/stage-history.js';
import { listStages } from '../../store/stages.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/csv/', import.meta.url));
const fx = (name: string) => join(FIXTURES, name);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dealcast-csv-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const read = (opts: Partial<CsvConnectorOptions> & { path: string }) => readCsvImport({ timeZone: 'UTC', ...opts });
const byId = <T extends { id: string }>(rows: T[]) => Object.fromEntries(rows.map((r) => [r.id, r]));

/** Every CRM-data table, ordered, so two databases can be compared row for row. */
function dump(db: Db): Record<string, unknown[]> {
  const tables = ['pipelines', 'stages', 'stage_map', 'owners', 'deals', 'deal_stage_history', 'activities'];
  return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).all()]));
}

describe('recognises each CRM export on sight', () => {
  it('HubSpot: Record ID, Deal Name, Deal Stage, Deal owner, Pipeline, "Date entered" columns, BOM and CRLF', () => {
    const { report, deals, stages, pipelines, owners, stageHistory } = read({ path: fx('hubspot-deals.csv') });
    expect(report.style).toBe('hubspot');
    expect(report.deals.encoding).toBe('UTF-8 with BOM');
    expect(report.deals.columns).toMatchObject({
      id: 'Record ID',
      name: 'Deal Name',
      stage: 'Deal Stage',
      amount: 'Amount',
      currency: 'Currency',
      owner: 'Deal owner',
      pipeline: 'Pipeline',
      createdAt: 'Create Date',
      closeDate: 'Close Date',
      modifiedAt: 'Last Modified Date',
    });
    expect(pipelines.map((p) => p.name)).toEqual(['Sales Pipeline', 'Partner Pipeline']);
    expect(owners.map((o) => o.name)).toEqual(['Sarah Chen', 'Ingrid Larsen']);
    const d = byId(deals);
    expect(d['9001']).toMatchObject({
      name: 'Acme Corp - New Business',
      amount: 12500,
      currency: 'USD',
      status: 'open',
      createdAt: '2026-03-02T09:15:00.000Z',
      closeDate: '2026-04-30',
      closedAt: null,
      ownerId: owners[0]!.id,
    });
    // Closed by stage name; the close time is the precise "Date entered Closed Won" time.
    expect(d['9002']).toMatchObject({ status: 'won', amount: 48000, closedAt: '2026-03-20T16:45:00.000Z', stageEnteredAt: '2026-03-20T16:45:00.000Z' });
    expect(d['9003']).toMatchObject({ status: 'lost', amount: 7250.5, closedAt: '2026-03-05T00:00:00.000Z' });
    expect(d['9004']).toMatchObject({ amount: null, ownerId: null, pipelineId: pipelines[1]!.id });
    // Stages of one pipeline, open ones first, then won, then lost.
    const sales = stages.filter((s) => s.pipelineId === pipelines[0]!.id).map((s) => [s.position, s.name, s.isClosed, s.isWon]);
    expect(sales).toEqual([
      [0, 'Appointment Scheduled', false, false],
      [1, 'Closed Won', true, true],
      [2, 'Closed Lost', true, false],
    ]);
    // "Date entered" columns are stage history.
    expect(stageHistory.filter((h) => h.dealId === '9002').map((h) => [h.stageId.split('/').at(-1), h.enteredAt])).toEqual([
      ['appointment scheduled', '2026-01-15T14:02:00.000Z'],
      ['closed won', '2026-03-20T16:45:00.000Z'],
    ]);
  });

  it('Salesforce report export: Opportunity Owner/Name/ID, Stage, US dates, "USD 25,000.00", Windows-1252 and the report footer', () => {
    const { report, deals, owners } = read({ path: fx('salesforce-report.csv') });
    expect(report.style).toBe('salesforce');
    expect(report.deals.encoding).toBe('Windows-1252');
    expect(report.dateOrder).toBe('mdy');
    expect(report.deals.columns).toMatchObject({ id: 'Opportunity ID', name: 'Opportunity Name', stage: 'Stage', owner: 'Opportunity Owner', createdAt: 'Created Date', source: 'Lead Source', isClosed: 'Closed', isWon: 'Won' });
    expect(report.deals.rejected).toEqual([]);
    expect(report.deals.rowsRead).toBe(5);
    expect(report.warnings.join('\n')).toContain('Ignored 4 report footer lines');
    expect(owners.map((o) => o.name)).toContain('Renée Dupont');
    const d = byId(deals);
    expect(d['0065g00000AbCdE1']).toMatchObject({ amount: 25000, currency: 'USD', createdAt: '2026-03-03T00:00:00.000Z', closeDate: '2026-06-30', source: 'Web', status: 'open' });
    expect(d['0065g00000AbCdE3']).toMatchObject({ status: 'won', closedAt: '2026-03-18T00:00:00.000Z' });
    expect(d['0065g00000AbCdE4']).toMatchObject({ status: 'lost' });
  });

  it('Salesforce API names (Opportunity.csv): day/month/year detected from the file, stale IsClosed flags overruled by the stage name', () => {
    const { report, deals, stages, owners } = read({ path: fx('salesforce-opportunity.csv') });
    expect(report.style).toBe('salesforce');
    expect(report.dateOrder).toBe('dmy');
    expect(report.deals.columns).toMatchObject({ id: 'Id', name: 'Name', stage: 'StageName', ownerId: 'OwnerId', isClosed: 'IsClosed', isWon: 'IsWon', modifiedAt: 'LastModifiedDate' });
    expect(stages.find((s) => s.name === 'Closed Lost')).toMatchObject({ isClosed: true, isWon: false });
    expect(stages.find((s) => s.name === 'Closed Won')).toMatchObject({ isClosed: true, isWon: true });
    expect(report.warnings.join('\n')).toContain('Stage "Closed Lost"');
    const d = byId(deals);
    expect(d['0068d000002OrZqAAK']).toMatchObject({ status: 'lost', createdAt: '2026-03-14T00:00:00.000Z', closeDate: '2026-03-24', modifiedAt: '2026-03-25T16:11:00.000Z' });
    expect(d['0068d000002OrZuAAK']!.amount).toBeNull();
    // OwnerId is an id: kept as the owner's id (and name, as no name column exists).
    expect(owners[0]).toEqual({ id: '0058d000002C3D2AAK', name: '0058d000002C3D2AAK', email: null, active: true });
  });

  it('Pipedrive: "Deal - …" columns, status words over stage, won and lost times', () => {
    const { report, deals, stages, pipelines } = read({ path: fx('pipedrive-deals.csv') });
    expect(report.style).toBe('pipedrive');
    expect(report.deals.columns).toMatchObject({
      id: 'Deal - ID',
      name: 'Deal - Title',
      amount: 'Deal - Value',
      currency: 'Deal - Currency of value',
      owner: 'Deal - Owner',
      pipeline: 'Deal - Pipeline',
      stage: 'Deal - Stage',
      status: 'Deal - Status',
      createdAt: 'Deal - Deal created',
      closeDate: 'Deal - Expected close date',
      wonAt: 'Deal - Won time',
      lostAt: 'Deal - Lost time',
      source: 'Deal - Source channel',
    });
    expect(pipelines.map((p) => p.name)).toEqual(['Default pipeline', 'Renewals']);
    // Pipedrive keeps won/lost on the deal, not the stage: every stage is open.
    expect(stages.every((s) => !s.isClosed)).toBe(true);
    expect(stages.filter((s) => s.pipelineId === pipelines[0]!.id).map((s) => s.name)).toEqual(['Qualified', 'Demo Scheduled', 'Proposal Made', 'Negotiations Started']);
    const d = byId(deals);
    expect(d['102']).toMatchObject({ status: 'won', closedAt: '2026-03-03T15:20:00.000Z', currency: 'EUR', amount: 38000, stageEnteredAt: null });
    expect(d['103']).toMatchObject({ status: 'lost', closedAt: '2026-02-25T11:00:00.000Z' });
    expect(d['104']).toMatchObject({ status: 'open', currency: 'USD', closeDate: null });
  });

  it("Maven's sales_pipeline.csv: engage_date is when a deal entered Engaging, close_date when it closed", () => {
    const { report, deals, stages, stageHistory } = read({ path: fx('maven-sales-pipeline.csv') });
    expect(report.style).toBe('maven');
    expect(report.deals.columns).toMatchObject({ id: 'opportunity_id', stage: 'deal_stage', owner: 'sales_agent', amount: 'close_value', closeDate: 'close_date' });
    expect(stages.map((s) => [s.name, s.isClosed, s.isWon])).toEqual([
      ['Prospecting', false, false],
      ['Engaging', false, false],
      ['Won', true, true],
      ['Lost', true, false],
    ]);
    const d = byId(deals);
    expect(d['1C1I7A6R']).toMatchObject({ name: 'Cancity – GTX Plus Basic', status: 'won', amount: 1054, createdAt: '2016-10-20T00:00:00.000Z', closedAt: '2017-03-01T00:00:00.000Z' });
    expect(d.HAXMC4IX).toMatchObject({ status: 'open', amount: null, stageEnteredAt: '2016-10-25T00:00:00.000Z' });
    // A Prospecting deal has no date at all: created is unknown (a placeholder: the newest date that happened), and the report says so.
    expect(d.ZZZZ0001).toMatchObject({ createdAt: '2017-03-11T00:00:00.000Z', createdUnknown: true });
    expect(d.HAXMC4IX!.createdUnknown).toBeUndefined();
    expect(report.warnings.join('\n')).toContain('1 deal has no date at all');
    expect(stageHistory.filter((h) => h.dealId === 'UP409DSB').map((h) => h.enteredAt)).toEqual(['2016-10-30T00:00:00.000Z', '2017-03-05T00:00:00.000Z']);
  });

  it('anything else through a mapping file: semicolons, "1.234,50 €", dd.mm.yyyy, named won/lost stages, derived ids', () => {
    const { report, deals, stages, pipelines } = read({ path: fx('custom-european.csv'), mappingPath: fx('custom-european.mapping.json') });
    expect(report.style).toBe('custom');
    expect(report.deals.delimiter).toBe(';');
    expect(report.decimalMark).toBe(',');
    expect(report.dateOrder).toBe('dmy');
    expect(report.derivedIds).toBe(true);
    expect(report.warnings[0]).toContain('no id column');
    expect(pipelines).toEqual([{ id: 'csv-default', name: 'Ventes', position: 0 }]);
    expect(stages.map((s) => [s.name, s.isClosed, s.isWon])).toEqual([
      ['Découverte', false, false],
      ['Proposition', false, false],
      ['Gagnée', true, true],
      ['Perdue', true, false],
    ]);
    expect(deals.map((d) => [d.name, d.amount, d.currency, d.status, d.createdAt.slice(0, 10)])).toEqual([
      ['Refonte site Dupont', 1234.5, 'EUR', 'open', '2026-03-02'],
      ['Licences Garnier', 12000, 'EUR', 'won', '2026-01-15'],
      ['Audit Lefèvre', 980, 'EUR', 'lost', '2026-01-20'],
      ['Formation Moreau', 4500, 'EUR', 'open', '2026-03-13'],
    ]);
    // Derived ids are a function of the row's stable fields: the same on every read.
    const again = read({ path: fx('custom-european.csv'), mappingPath: fx('custom-european.mapping.json') });
    expect(again.deals.map((d) => d.id)).toEqual(deals.map((d) => d.id));
    expect(new Set(deals.map((d) => d.id)).size).toBe(4);
  });

  it('an explicit mapping wins over recognition, and a mapping naming a missing column says which columns exist', () => {
    const mapped = read({ path: fx('hubspot-deals.csv'), mapping: { columns: { closeDate: 'Last Modified Date' } } });
    expect(mapped.report.deals.columns.closeDate).toBe('Last Modified Date');
    expect(() => read({ path: fx('hubspot-deals.csv'), mapping: { columns: { stage: 'Phase' } } })).toThrow(/no such column/);
  });
});

describe('contact details are never imported', () => {
  it('drops email and phone columns, names them in the report, and refuses a mapping onto them', async () => {
    const { report } = read({ path: fx('pipedrive-deals.csv') });
    expect(report.deals.droppedContactColumns).toEqual(['Person - Email', 'Person - Phone']);
    expect(read({ path: fx('hubspot-deals.csv') }).report.deals.droppedContactColumns).toEqual(['Contact email', 'Phone Number']);
    expect(() => read({ path: fx('hubspot-deals.csv'), mapping: { columns: { name: 'Contact email' } } })).toThrow(/contact details/);

    const db = openDb(join(dir, 'x.db'));
    await runSync(db, createCsvConnector({ path: fx('pipedrive-deals.csv') }), { now: new Date('2026-03-20T00:00:00Z') });
    await runSync(db, createCsvConnector({ path: fx('hubspot-deals.csv') }), { now: new Date('2026-03-21T00:00:00Z') });
    db.close();
    const bytes = readFileSync(join(dir, 'x.db')).toString('latin1');
    for (const secret of ['nancy@northwind.example', '+49 30 1234567', 'ada@acme.example', '415 555 0101']) expect(bytes).not.toContain(secret);
  });
});

describe('bad rows', () => {
  it('reports each with its spreadsheet row number and reason, and imports the good ones', () => {
    const { report, deals } = read({ path: fx('bad-rows.csv') });
    expect(deals.map((d) => [d.id, d.name, d.amount])).toEqual([
      ['1', 'Good one', 1000],
      ['6', 'Good, with a comma', 2500.75],
    ]);
    expect(report.deals.rowsRead).toBe(8);
    expect(report.deals.accepted).toBe(2);
    expect(report.deals.rejected.map((p) => [p.row, p.reason])).toEqual([
      [3, "Amount 'ten thousand' is not an amount"],
      [4, "Close Date '2026-02-30' is not a valid date"],
      [5, 'Deal Stage is empty'],
      [6, 'Record ID is empty'],
      [7, 'it has 3 fields where the header has 7'],
      [8, 'Record ID 1 appears again (first on row 2); the first row was imported'],
    ]);
  });

  it('keeps a stray quote as written, and reports a quote that never closes instead of losing rows silently', () => {
    const stray = join(dir, 'stray.csv');
    writeFileSync(stray, 'Record ID,Deal Name,Deal Stage\n1,Fine,Lead\n2,Acme "Pro" plan,Lead\n3,After,Lead\n');
    expect(read({ path: stray }).deals.map((d) => d.name)).toEqual(['Fine', 'Acme "Pro" plan', 'After']);

    const open = join(dir, 'open.csv');
    writeFileSync(open, 'Record ID,Deal Name,Deal Stage\n1,Fine,Lead\n2,"Never closed,Lead\n3,Swallowed,Lead\n');
    const { report, deals } = read({ path: open });
    expect(deals.map((d) => d.id)).toEqual(['1']);
    expect(report.deals.rejected).toHaveLength(1);
    expect(report.deals.rejected[0]!.row).toBe(3);
    expect(report.deals.rejected[0]!.reason).toMatch(/malformed.*Quote Not Closed.*swallowed/);
    expect(report.deals.rowsRead).toBe(2);
  });

  it('fails the whole file, with what to do, when nothing says which column is the stage', () => {
    const path = join(dir, 'nostage.csv');
    writeFileSync(path, 'Ref,Title,Phase\n1,A,New\n');
    expect(() => read({ path })).toThrow(UsageError);
    try {
      read({ path });
    } catch (err) {
      expect((err as UsageError).hint).toContain('Ref, Title, Phase');
      expect((err as UsageError).hint).toContain('--map stage=');
    }
    expect(read({ path, mapping: { columns: { stage: 'Phase', id: 'Ref', name: 'Title' } } }).deals).toHaveLength(1);
  });
});

describe('dates that do not say their order', () => {
  it('asks for CSV_DATE_ORDER, then reads them as told', () => {
    expect(() => read({ path: fx('ambiguous-dates.csv') })).toThrow(/such as 01\/02\/2026 could be day\/month\/year or month\/day\/year/);
    try {
      read({ path: fx('ambiguous-dates.csv') });
    } catch (err) {
      expect((err as UsageError).hint).toContain('CSV_DATE_ORDER=dmy');
    }
    expect(read({ path: fx('ambiguous-dates.csv'), dateOrder: 'dmy' }).deals[0]!.closeDate).toBe('2026-04-03');
    expect(read({ path: fx('ambiguous-dates.csv'), dateOrder: 'mdy' }).deals[0]!.closeDate).toBe('2026-03-04');
  });

  it('with both orders in one file, takes the more common one and rejects the rows that do not fit', () => {
    const path = join(dir, 'mixed.csv');
    writeFileSync(path, 'Record ID,Deal Name,Deal Stage,Create Date\n1,A,Lead,14/03/2026\n2,B,Lead,20/03/2026\n3,C,Lead,3/25/2026\n');
    const { report, deals } = read({ path });
    expect(report.dateOrder).toBe('dmy');
    expect(deals.map((d) => d.id)).toEqual(['1', '2']);
    expect(report.deals.rejected).toEqual([{ file: 'mixed.csv', row: 4, reason: "Create Date '3/25/2026' is not a valid date (read as day/month/year)" }]);
    expect(report.warnings.join('\n')).toContain('mix day/month and month/day order');
  });

  it('lets the file win over the setting when a date can only be read one way', () => {
    const { report } = read({ path: fx('salesforce-opportunity.csv'), dateOrder: 'mdy' });
    expect(report.dateOrder).toBe('dmy');
    expect(report.warnings.join('\n')).toContain('CSV_DATE_ORDER is mdy');
  });
});

describe('BOM', () => {
  it('strips a UTF-8 BOM before the first header (and survives a UTF-16 export)', () => {
    const path = join(dir, 'bom.csv');
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Record ID,Deal Name,Deal Stage\n7,Seven,Closed Won\n')]));
    const r = read({ path });
    expect(r.report.deals.columns.id).toBe('Record ID');
    expect(r.deals[0]).toMatchObject({ id: '7', status: 'won' });

    const utf16 = join(dir, 'utf16.csv');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Record ID\tDeal Name\tDeal Stage\n8\tEight\tLead\n', 'utf16le')]));
    const r16 = read({ path: utf16 });
    expect(r16.report.deals.delimiter).toBe('\t');
    expect(r16.deals[0]).toMatchObject({ id: '8', name: 'Eight' });
  });
});

describe('stage history file (Salesforce OpportunityHistory: OppID, CreatedDate, StageName, SortOrder)', () => {
  it('feeds deal_stage_history, orders stages by SortOrder, and reports rows it cannot place', async () => {
    const opts = { path: fx('salesforce-opportunity.csv'), historyPath: fx('salesforce-opportunity-history.csv'), timeZone: 'UTC' };
    const { report, stages } = readCsvImport(opts);
    expect(report.history).toMatchObject({ file: 'salesforce-opportunity-history.csv', encoding: 'UTF-8 with BOM', rowsRead: 14, accepted: 12 });
    // Row 15 repeats Prospecting for a deal already in it (Salesforce logs amount changes too).
    expect(report.warnings.join('\n')).toContain("1 stage-history row repeats the deal's previous stage");
    expect(report.history!.columns).toEqual({ dealId: 'OppID', stage: 'StageName', enteredAt: 'CreatedDate', sortOrder: 'SortOrder' });
    expect(report.history!.rejected.map((p) => [p.row, p.reason])).toEqual([
      [13, 'deal 0068d000009NoSuchK is not in salesforce-opportunity.csv'],
      [14, "CreatedDate '31/02/2026' is not a valid date (read as day/month/year)"],
    ]);
    expect(stages.map((s) => s.name)).toEqual(['Prospecting', 'Qualification', 'Value Proposition', 'Negotiation/Review', 'Closed Won', 'Closed Lost']);

    const db = openDb(join(dir, 'h.db'));
    const connector = createCsvConnector(opts);
    const result = await runSync(db, connector, { now: new Date('2026-06-01T00:00:00Z') });
    expect(connector.capabilities.stageHistory).toBe(true);
    expect(result.counts.stage_history).toBe(11);
    const history = listStageHistory(db, 'csv').filter((h) => h.dealId === '0068d000002OrZrAAK');
    expect(history.map((h) => [h.stageId.split('/').slice(1).join('/'), h.enteredAt.slice(0, 10), h.source])).toEqual([
      ['prospecting', '2026-02-01', 'crm'],
      ['qualification', '2026-02-10', 'crm'],
      ['negotiation/review', '2026-04-02', 'crm'],
      ['closed won', '2026-05-11', 'crm'],
    ]);
    expect(getDeal(db, 'csv', '0068d000002OrZsAAK')?.stageEnteredAt).toBe('2026-04-02T00:00:00.000Z');
    expect(listStageHistory(db, 'csv').filter((h) => h.dealId === '0068d000002OrZsAAK').map((h) => h.enteredAt.slice(0, 10))).toEqual(['2026-03-03', '2026-04-02']);
    db.close();
  });
});

describe('re-importing through the sync engine', () => {
  it('the same file twice leaves the database identical; a newer file updates deals in place', async () => {
    const db = openDb(join(dir, 'r.db'));
    const first = await runSync(db, createCsvConnector({ path: fx('hubspot-deals.csv') }), { now: new Date('2026-03-21T00:00:00Z') });
    expect(first.counts.deals).toBe(4);
    const before = dump(db);
    await runSync(db, createCsvConnector({ path: fx('hubspot-deals.csv') }), { now: new Date('2026-03-22T00:00:00Z') });
    expect(dump(db)).toEqual(before);

    // A newer export: 9001 moved to Closed Won with a new amount, 9005 fixed, 9006 new.
    const newer = readFileSync(fx('hubspot-deals.csv'), 'utf8')
      .replace('"9001","Acme Corp - New Business","Appointment Scheduled","$12,500.00"', '"9001","Acme Corp - New Business","Closed Won","$13,000.00"')
      .replace('"TBD"', '"$5,000.00"')
      .concat('"9006","Stark - Add-on","Appointment Scheduled","$900.00","USD","2026-05-30","2026-03-25 10:00","Sarah Chen","Sales Pipeline","","","","2026-03-25 10:00","","2026-03-25 10:00"\r\n');
    const path = join(dir, 'hubspot-newer.csv');
    writeFileSync(path, newer);
    const connector = createCsvConnector({ path });
    await runSync(db, connector, { now: new Date('2026-03-26T00:00:00Z') });
    expect(connector.lastReport?.deals.rejected).toEqual([]);
    expect(countDeals(db, 'csv')).toEqual({ total: 6, open: 3, won: 2, lost: 1, deleted: 0 });
    expect(listDeals(db, 'csv').map((d) => d.id).sort()).toEqual(['9001', '9002', '9003', '9004', '9005', '9006']);
    expect(getDeal(db, 'csv', '9001')).toMatchObject({ status: 'won', amount: 13000 });
    db.close();
  });

  it('without stage history in the file, the engine records the stage changes it sees between imports', async () => {
    const db = openDb(join(dir, 'o.db'));
    const path = join(dir, 'deals.csv');
    writeFileSync(path, 'Record ID,Deal Name,Deal Stage,Create Date,Last Modified Date\n1,Alpha,Appointment Scheduled,2026-03-01,2026-03-01\n');
    const connector = createCsvConnector({ path });
    await runSync(db, connector, { now: new Date('2026-03-02T00:00:00Z') });
    expect(connector.capabilities.stageHistory).toBe(false);
    writeFileSync(path, 'Record ID,Deal Name,Deal Stage,Create Date,Last Modified Date\n1,Alpha,Contract Sent,2026-03-01,2026-03-09\n');
    await runSync(db, createCsvConnector({ path }), { now: new Date('2026-03-10T00:00:00Z') });
    expect(listStageHistory(db, 'csv').map((h) => [h.stageId.split('/')[1], h.enteredAt.slice(0, 10), h.source])).toEqual([
      ['appointment scheduled', '2026-03-01', 'observed'],
      ['contract sent', '2026-03-09', 'observed'],
    ]);
    db.close();
  });

  it('a file without ids re-imports onto the same deals', async () => {
    const db = openDb(join(dir, 'd.db'));
    const opts = { path: fx('custom-european.csv'), mappingPath: fx('custom-european.mapping.json') };
    await runSync(db, createCsvConnector(opts), { now: new Date('2026-03-20T00:00:00Z') });
    const before = dump(db);
    await runSync(db, createCsvConnector(opts), { now: new Date('2026-03-21T00:00:00Z') });
    expect(dump(db)).toEqual(before);
    expect(countDeals(db, 'csv').total).toBe(4);
    db.close();
  });

  it('CRM=csv comes from the connector registry with CSV_* settings', async () => {
    const config = loadConfig({
      env: { CRM: 'csv', CSV_PATH: fx('ambiguous-dates.csv'), CSV_DATE_ORDER: 'mdy', DEALCAST_DB: join(dir, 'c.db') },
      envFile: null,
    });
    const { connector } = createConnector(config, { now: new Date('2026-03-20T00:00:00Z') });
    expect(connector.crm).toBe('csv');
    expect(connector.capabilities.activities).toBe(false);
    const lines: string[] = [];
    const db = openDb(config.DEALCAST_DB);
    await runSync(db, connector, { now: new Date('2026-03-20T00:00:00Z'), log: (l) => lines.push(l) });
    expect(getDeal(db, 'csv', '1')?.closeDate).toBe('2026-03-04');
    expect(lines.join('\n')).toContain('ambiguous-dates.csv: 2 rows read, 2 deals accepted, 0 rejected.');
    db.close();
  });
});

describe('dealcast import-csv', () => {
  it('a cell with a line break cannot forge a log line: each report line is one line, control characters escaped', async () => {
    const out: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => out.push(`ERR ${s}`), env: { DEALCAST_DB: join(dir, 'forge.db') } };
    const path = join(dir, 'forge.csv');
    writeFileSync(path, 'Deal ID,Deal Name,Stage,Amount\nF-1,Alpha,Won,"12\n2026-03-20T00:00:00Z admin granted \u001b[31m"\nF-2,Beta,Pitch,900\nF-3,Gamma,Pitch,100\n');
    expect(await importCsv([path, '--now', '2026-03-20T00:00:00Z'], io)).toBe(0);
    for (const line of out) expect([line.includes('\n'), line.includes('\r'), line.includes('\u001b')]).toEqual([false, false, false]);
    expect(out.join('\n')).toContain('\\n2026-03-20T00:00:00Z admin granted \\u001b[31m');
  });

  it('says how many deals were new, updated and rejected, and lists rejects on request', async () => {
    const out: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => out.push(`ERR ${s}`), env: { DEALCAST_DB: join(dir, 'cli.db') } };
    const rejects = join(dir, 'rejects.csv');
    expect(await importCsv([fx('bad-rows.csv'), '--rejects', rejects, '--now', '2026-03-20T00:00:00Z'], io)).toBe(0);
    expect(out.join('\n')).toContain('Imported 2 new deals, updated 0 in place, rejected 6 rows.');
    expect(out.join('\n')).toContain('bad-rows.csv row 3: Amount');
    expect(readFileSync(rejects, 'utf8').split('\n')[1]).toBe(`bad-rows.csv,3,Amount 'ten thousand' is not an amount`);

    out.length = 0;
    expect(await importCsv([fx('bad-rows.csv'), '--now', '2026-03-21T00:00:00Z'], io)).toBe(0);
    expect(out.join('\n')).toContain('Imported 0 new deals, updated 2 in place, rejected 6 rows.');

    out.length = 0;
    const mapped = join(dir, 'plain.csv');
    writeFileSync(mapped, 'Ref;Title;Phase;Worth\nA-1;Alpha;Won;1.500,00\nA-2;Beta;Pitch;900\n');
    expect(await importCsv([mapped, '--map', 'id=Ref', '--map', 'name=Title', '--map', 'stage=Phase', '--map', 'amount=Worth', '--now', '2026-03-22T00:00:00Z'], io)).toBe(0);
    expect(out.join('\n')).toContain('Imported 2 new deals');
    const db = openDb(join(dir, 'cli.db'));
    expect(getDeal(db, 'csv', 'A-1')).toMatchObject({ status: 'won', amount: 1500 });
    expect(listStages(db, 'csv').map((s) => s.name)).toContain('Pitch');
    db.close();

    await expect(importCsv([mapped, '--map', 'stage'], io)).rejects.toThrow(/field=Header/);
    await expect(importCsv([mapped, '--map', 'colour=Phase'], io)).rejects.toThrow(/no deal field "colour"/);
  });
});

describe('forecast category column', () => {
  it("reads an optional Forecast Category column as the CRM's raw value, and none without one", () => {
    const path = join(dir, 'categories.csv');
    writeFileSync(
      path,
      'Record ID,Deal Name,Deal Stage,Deal owner,Amount,Close Date,Forecast Category\n' +
        '1,山田商事,Negotiation,山田 太郎,5000,2026-12-20,Commit\n' +
        '2,شركة محمد,Proposal,محمد علي,3000,2026-12-21,Best Case\n' +
        '3,חברת דנה,Lead,דנה לוי,1000,2026-12-22,\n' +
        '4,Kim Co,Lead,김민준,800,2026-12-23,Upside\n',
    );
    const { deals } = read({ path });
    expect(deals.map((d) => [d.name, d.forecastCategory ?? null])).toEqual([
      ['山田商事', 'Commit'],
      ['شركة محمد', 'Best Case'],
      ['חברת דנה', null],
      ['Kim Co', 'Upside'],
    ]);
    // Salesforce's own export names the column ForecastCategory.
    expect(byId(read({ path: fx('salesforce-opportunity.csv') }).deals)['0068d000002OrZrAAK']!.forecastCategory).toBe('Closed');
    expect(read({ path: fx('hubspot-deals.csv') }).deals.every((d) => d.forecastCategory === undefined)).toBe(true);
  });
});

describe('an amount column that changes type', () => {
  const write = (amounts: string[]) => {
    const path = join(dir, 'deals.csv');
    const rows = amounts.map((a, i) => `D${i + 1},Deal ${i + 1} 山田,Proposal,${a},EUR,2026-01-0${i + 1}`);
    writeFileSync(path, ['Deal ID,Deal Name,Stage,Amount,Currency,Create Date', ...rows].join('\n'));
    return path;
  };

  it('a few cells that are not amounts are rows rejected with their reason, not a changed column', () => {
    const r = read({ path: write(['1200', 'twelve', '3400', '5600']) });
    expect(r.typeChanged).toEqual([]);
    expect(r.report.deals.rejected).toEqual([{ file: 'deals.csv', row: 3, reason: expect.stringContaining("'twelve' is not an amount") }]);
    expect(r.deals.map((d) => d.amount)).toEqual([1200, 3400, 5600]);
  });

  it('a column in which no filled cell is an amount changed type: every row is kept, amounts read blank, and it is reported with a warning', () => {
    const r = read({ path: write(['Large', 'Small', '', 'Medium']) });
    expect(r.typeChanged).toEqual([{ field: 'amount', crmField: 'Amount', found: 'a column of text, not amounts', dependents: ['currency'] }]);
    expect(r.report.deals.rejected).toEqual([]);
    expect(r.deals.map((d) => d.amount)).toEqual([null, null, null, null]);
    expect(r.report.warnings.join('\n')).toMatch(/None of the 3 filled cells of column Amount is an amount/);
  });

  it(`fewer than ${RETYPED_COLUMN_MIN_CELLS} filled cells are too few to tell: they are rejected`, () => {
    const r = read({ path: write(['Large', '', '']) });
    expect(r.typeChanged).toEqual([]);
    expect(r.report.deals.rejected).toHaveLength(1);
  });
});

describe('the import summary', () => {
  it('says "1 row", "1 deal" and "1 field" in the singular', () => {
    const path = join(dir, 'one.csv');
    writeFileSync(path, 'id,name,amount,stage\nA1,山田商事 – Platform,1200,Open\nA2\n');
    const r = read({ path });
    const lines = describeCsvReport(r.report).join('\n');
    expect(lines).toContain('one.csv: 2 rows read, 1 deal accepted, 1 rejected.');
    expect(lines).toMatch(/row 3: it has 1 field where the header has 4/);
  });
});
