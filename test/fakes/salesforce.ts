/**
 * A fake Salesforce org on 127.0.0.1 speaking the REST API's wire format (see
 * ../shared/crm-api-notes.md §3 and the REST API Developer Guide): `GET /services/data/vNN.N/query?q=`
 * and `/queryAll?q=` answering `{totalSize, done, nextRecordsUrl?, records: [{attributes:
 * {type, url}, …}]}` with server-side query locators (results fixed when the query runs),
 * `sobjects/Opportunity/describe`, datetimes as `2024-05-02T10:11:12.000+0000`, errors as
 * `[{message, errorCode}]`, 401 INVALID_SESSION_ID for a stale token, 403 REQUEST_LIMIT_EXCEEDED
 * for limits (never 429), and the OAuth client-credentials token endpoint.
 *
 * It understands the small SOQL subset a connector needs (SELECT fields FROM object
 * [WHERE a op literal [AND …]] [ORDER BY f [ASC|DESC], …]) and refuses any field the object does
 * not have with INVALID_FIELD, as an org would: asking for Subject or Description works (the
 * data is there) and is caught by the tests reading the request log instead.
 */
import type { ActivityRow, DealRow, OwnerRow, PipelineRow, StageHistoryRow, StageRow } from '../../src/model/rows.js';
import type { CrmModel, ModelDeal, ModelGoal } from './crm-model.js';
import { startFakeServer, type CrmDialect, type FakeKnobs, type FakeRequest, type FakeResponse, type FakeServer } from './fake-server.js';

export const SALESFORCE_API_VERSION = 'v62.0';
export const SALESFORCE_TOKEN = '00DFAKE000000001!AQ0AQFakeAccessTokenForTests';
export const SALESFORCE_CLIENT_ID = '3MVG9FakeConsumerKey';
export const SALESFORCE_CLIENT_SECRET = 'FAKE0123456789SECRET';

export interface SalesforceFakeOptions {
  /** Multi-currency org: Opportunity has CurrencyIsoCode. */
  multiCurrency?: boolean;
  /** The org has opportunity record types: Opportunity has RecordTypeId. */
  recordTypes?: boolean;
  /**
   * Opportunity fields the org stops answering with (a field deleted or hidden mid-life): queries
   * still name them, the records come back without values. Set on `fake.options` at any time.
   */
  dropFields?: string[];
  /**
   * Collaborative forecasts with quotas are on and the user may see them (default): ForecastingQuota,
   * ForecastingType and Period exist. false: as for a user without "View All Forecasts", the
   * objects are not there (describe answers 404, a query INVALID_TYPE).
   */
  quotas?: boolean;
  /**
   * Opportunity fields an admin retyped mid-life, field → its new describe type (e.g. Amount →
   * 'string'): describe says so and the records carry the values as text. Set on `fake.options` at any time.
   */
  changeTypes?: Record<string, string>;
}

/** Describe types of the standard fields the fake serves (REST API "Field" types); anything else is 'string'. */
const SF_FIELD_TYPES: Record<string, string> = {
  Id: 'id',
  Amount: 'currency',
  Probability: 'percent',
  ConversionRate: 'double',
  CloseDate: 'date',
  ActivityDate: 'date',
  StartDate: 'date',
  NextStartDate: 'date',
  CreatedDate: 'datetime',
  SystemModstamp: 'datetime',
  LastModifiedDate: 'datetime',
  StartDateTime: 'datetime',
  IsClosed: 'boolean',
  IsWon: 'boolean',
  IsDeleted: 'boolean',
  IsActive: 'boolean',
  IsCorporate: 'boolean',
  StageName: 'picklist',
  LeadSource: 'picklist',
  ForecastCategoryName: 'picklist',
  CurrencyIsoCode: 'picklist',
  OwnerId: 'reference',
  AccountId: 'reference',
  RecordTypeId: 'reference',
  WhatId: 'reference',
  WhoId: 'reference',
  OpportunityId: 'reference',
  SortOrder: 'int',
  DecimalPlaces: 'int',
  DefaultProbability: 'percent',
};

// ---------------------------------------------------------------------------------------
// Ids and values in Salesforce's own forms.

const sfId = (prefix: string, id: string) => `${prefix}${id.padStart(12, '0')}AAA`;
export const oppId = (id: string) => sfId('006', id);
export const userId = (id: string) => sfId('005', id);
const historyId = (n: number) => sfId('008', String(n));
export const roleId = (id: string) => sfId('00E', id);
const taskId = (id: string) => sfId('00T', id);
const eventId = (id: string) => sfId('00U', id);
const stageRecordId = (n: number) => sfId('01J', String(n));
/** 2024-05-02T10:11:12.000+0000 */
export const sfTime = (iso: string) => new Date(iso).toISOString().replace('Z', '+0000');
const RECORD_TYPE_ID = '012000000000000AAA';

const WON = 'Closed Won';
const LOST = 'Closed Lost';
/** An opportunity's StageName: the picklist value (the stage's name), or the closing stage. */
function stageNameOf(model: CrmModel, d: ModelDeal): string {
  if (d.status === 'won') return WON;
  if (d.status === 'lost') return LOST;
  return stageNameById(model).get(d.stageId)!;
}

interface OrgStage {
  name: string;
  sortOrder: number;
  probability: number;
  isClosed: boolean;
  isWon: boolean;
}

/** Salesforce has one stage picklist for all opportunities: the model's stages, then won/lost. */
function orgStages(model: CrmModel): OrgStage[] {
  const open = model.pipelines.flatMap((p) => p.stages).map((s, i) => ({ id: s.id, name: s.name, sortOrder: i + 1, probability: Math.round(s.probability * 100), isClosed: false, isWon: false }));
  return [
    ...open,
    { name: WON, sortOrder: open.length + 1, probability: 100, isClosed: true, isWon: true },
    { name: LOST, sortOrder: open.length + 2, probability: 0, isClosed: true, isWon: false },
  ];
}

function stageNameById(model: CrmModel): Map<string, string> {
  return new Map(model.pipelines.flatMap((p) => p.stages.map((s) => [s.id, s.name] as const)));
}

/** The stage entries Salesforce would have recorded: open stages, then the closing stage. */
function entries(model: CrmModel, d: ModelDeal): { stage: string; at: string }[] {
  const names = stageNameById(model);
  const out = d.history.map((h) => ({ stage: names.get(h.stageId)!, at: h.enteredAt }));
  if (d.closedAt) out.push({ stage: stageNameOf(model, d), at: d.closedAt });
  return out;
}

const dayOf = (iso: string) => iso.slice(0, 10);
/** On a closed opportunity CloseDate is the day it closed. */
const closeDateOf = (d: ModelDeal) => (d.closedAt ? dayOf(d.closedAt) : d.closeDate);

export type SfRecord = Record<string, unknown> & { attributes: { type: string; url: string } };

export function rec(type: string, id: string, fields: Record<string, unknown>): SfRecord {
  return { attributes: { type, url: `/services/data/${SALESFORCE_API_VERSION}/sobjects/${type}/${id}` }, Id: id, ...fields };
}

// ---------------------------------------------------------------------------------------
// The org's objects, all fields (including those dealcast must never ask for).

/** Salesforce's ForecastCategoryName: Closed when won, Omitted when lost, else the rep's (Pipeline when none). */
export function salesforceForecastCategory(d: ModelDeal): string {
  if (d.status === 'won') return 'Closed';
  if (d.status === 'lost') return 'Omitted';
  const names = { commit: 'Commit', best_case: 'Best Case', pipeline: 'Pipeline', omitted: 'Omitted', unknown: 'Upside' } as const;
  return d.forecastCategory ? names[d.forecastCategory] : 'Pipeline';
}

function objects(model: CrmModel, opts: SalesforceFakeOptions): SalesforceOrg {
  const stages = orgStages(model);
  const probabilityOf = new Map(stages.map((s) => [s.name, s.probability]));
  const opportunityFields = [
    'Id', 'Name', 'AccountId', 'StageName', 'Amount', 'CloseDate', 'OwnerId', 'CreatedDate', 'IsClosed', 'IsWon', 'LeadSource', 'Probability',
    'ForecastCategoryName', 'SystemModstamp', 'LastModifiedDate', 'IsDeleted', 'NextStep', 'Description',
    ...(opts.multiCurrency ? ['CurrencyIsoCode'] : []),
    ...(opts.recordTypes ? ['RecordTypeId'] : []),
  ];
  const opportunities = model.deals.map((d) =>
    rec('Opportunity', oppId(d.id), {
      Name: d.name,
      AccountId: '001000000000001AAA',
      StageName: stageNameOf(model, d),
      Amount: d.amount,
      CloseDate: closeDateOf(d),
      OwnerId: d.ownerId ? userId(d.ownerId) : null,
      CreatedDate: sfTime(d.createdAt),
      IsClosed: d.status !== 'open',
      IsWon: d.status === 'won',
      LeadSource: d.source,
      Probability: probabilityOf.get(stageNameOf(model, d)) ?? null,
      ForecastCategoryName: salesforceForecastCategory(d),
      SystemModstamp: sfTime(d.modifiedAt),
      LastModifiedDate: sfTime(d.modifiedAt),
      IsDeleted: d.archivedAt !== null,
      NextStep: `Call ${d.contactPhone}`,
      Description: `Buyer: ${d.contactEmail}`,
      ...(opts.multiCurrency ? { CurrencyIsoCode: d.currency } : {}),
      ...(opts.recordTypes ? { RecordTypeId: RECORD_TYPE_ID } : {}),
    }),
  );
  for (const r of opportunities) for (const f of opts.dropFields ?? []) delete r[f];
  const retyped = Object.keys(opts.changeTypes ?? {});
  for (const r of opportunities) for (const f of retyped) if (r[f] !== null && r[f] !== undefined) r[f] = String(r[f]);

  const stageRows = stages.map((s, i) =>
    rec('OpportunityStage', stageRecordId(i + 1), {
      ApiName: s.name,
      MasterLabel: s.name,
      SortOrder: s.sortOrder,
      DefaultProbability: s.probability,
      IsClosed: s.isClosed,
      IsWon: s.isWon,
      IsActive: true,
      ForecastCategoryName: s.isClosed ? (s.isWon ? 'Closed' : 'Omitted') : 'Pipeline',
      IsDeleted: false,
    }),
  );

  // One role per user (Salesforce's rule): the first model team that lists them.
  const roleOf = (ownerId: string) => {
    const t = (model.teams ?? []).find((x) => x.memberIds.includes(ownerId));
    return t ? roleId(t.id) : null;
  };
  const users = [
    ...model.owners.map((o) =>
      rec('User', userId(o.id), { Name: `${o.firstName} ${o.lastName}`, Email: o.email, IsActive: o.active, UserType: 'Standard', Phone: '+1-555-0100', UserRoleId: roleOf(o.id), IsDeleted: false }),
    ),
    // Not a person: the automated process user every org has.
    rec('User', userId('999'), { Name: 'Automated Process', Email: 'autoproc@00dfake.example', IsActive: true, UserType: 'AutomatedProcess', Phone: null, UserRoleId: null, IsDeleted: false }),
  ];

  // OpportunityHistory: a row per stage change, plus rows Salesforce writes when only the
  // amount or close date changes (same StageName): every third deal gets one.
  const history: SfRecord[] = [];
  let n = 0;
  model.deals.forEach((d, i) => {
    const es = entries(model, d);
    es.forEach((e, k) => {
      history.push(rec('OpportunityHistory', historyId(++n), { OpportunityId: oppId(d.id), StageName: e.stage, Amount: d.amount, CreatedDate: sfTime(e.at), SystemModstamp: sfTime(e.at), IsDeleted: d.archivedAt !== null }));
      const nextAt = es[k + 1]?.at;
      const amountChange = Date.parse(e.at) + 3_600_000;
      if (i % 3 === 0 && amountChange < Date.parse(nextAt ?? model.now.toISOString()) && amountChange < model.now.getTime()) {
        history.push(rec('OpportunityHistory', historyId(++n), { OpportunityId: oppId(d.id), StageName: e.stage, Amount: (d.amount ?? 0) + 100, CreatedDate: sfTime(new Date(amountChange).toISOString()), SystemModstamp: sfTime(new Date(amountChange).toISOString()), IsDeleted: d.archivedAt !== null }));
      }
    });
  });

  const tasks = model.activities
    .filter((a) => a.type !== 'meeting')
    .map((a) =>
      rec('Task', taskId(a.id), {
        TaskSubtype: a.type === 'call' ? 'Call' : 'Email',
        Type: a.type === 'call' ? 'Call' : 'Email',
        Subject: a.subject,
        Description: a.body,
        Status: 'Completed',
        ActivityDate: dayOf(a.occurredAt),
        CreatedDate: sfTime(a.occurredAt),
        OwnerId: a.ownerId ? userId(a.ownerId) : null,
        WhatId: a.dealId ? oppId(a.dealId) : null,
        WhoId: '003000000000001AAA',
        SystemModstamp: sfTime(a.modifiedAt),
        IsDeleted: false,
      }),
    );
  const events = model.activities
    .filter((a) => a.type === 'meeting')
    .map((a) =>
      rec('Event', eventId(a.id), {
        Type: 'Meeting',
        Subject: a.subject,
        Description: a.body,
        StartDateTime: sfTime(a.occurredAt),
        ActivityDate: dayOf(a.occurredAt),
        CreatedDate: sfTime(a.occurredAt),
        OwnerId: a.ownerId ? userId(a.ownerId) : null,
        WhatId: a.dealId ? oppId(a.dealId) : null,
        WhoId: '003000000000001AAA',
        SystemModstamp: sfTime(a.modifiedAt),
        IsDeleted: false,
      }),
    );

  // Currencies: CurrencyType and DatedConversionRate exist only in multi-currency orgs.
  const cur = model.currencies ?? { base: 'USD', rates: [] };
  const currencyObjects: Record<string, { fields: string[]; rows: SfRecord[] }> = opts.multiCurrency
    ? {
        CurrencyType: {
          fields: ['Id', 'IsoCode', 'ConversionRate', 'DecimalPlaces', 'IsActive', 'IsCorporate', 'IsDeleted'],
          rows: [
            { currency: cur.base, perBase: 1 },
            ...[...new Map(cur.rates.filter((r) => !r.startDate).map((r) => [r.currency, r])).values()],
          ].map((r, i) =>
            rec('CurrencyType', sfId('01L', String(i + 1)), { IsoCode: r.currency, ConversionRate: r.perBase, DecimalPlaces: 2, IsActive: true, IsCorporate: r.currency === cur.base, IsDeleted: false }),
          ),
        },
        DatedConversionRate: {
          fields: ['Id', 'IsoCode', 'ConversionRate', 'StartDate', 'NextStartDate', 'IsDeleted'],
          rows: cur.rates
            .filter((r) => r.startDate)
            .map((r, i) => rec('DatedConversionRate', sfId('04w', String(i + 1)), { IsoCode: r.currency, ConversionRate: r.perBase, StartDate: r.startDate, NextStartDate: r.endDate ?? null, IsDeleted: false })),
        },
      }
    : {};

  const quotaObjects = opts.quotas === false ? {} : forecastObjects(model.goals ?? [], !!opts.multiCurrency);

  return {
    ...quotaObjects,
    ...currencyObjects,
    Organization: { fields: ['Id', 'Name', 'DefaultCurrencyIsoCode', 'IsDeleted'], rows: [rec('Organization', '00DFAKE000000001AAA', { Name: 'Fake Org', DefaultCurrencyIsoCode: cur.base, IsDeleted: false })] },
    Opportunity: { fields: opportunityFields, rows: opportunities, types: opts.changeTypes },
    OpportunityStage: { fields: ['Id', 'ApiName', 'MasterLabel', 'SortOrder', 'DefaultProbability', 'IsClosed', 'IsWon', 'IsActive', 'ForecastCategoryName', 'IsDeleted'], rows: stageRows },
    User: { fields: ['Id', 'Name', 'Email', 'IsActive', 'UserType', 'Phone', 'UserRoleId', 'IsDeleted'], rows: users },
    // Without "View Roles and Role Hierarchy" the object is not there for this user (INVALID_TYPE).
    ...(model.teamsRefused
      ? {}
      : {
          UserRole: {
            fields: ['Id', 'Name', 'DeveloperName', 'ParentRoleId', 'IsDeleted'],
            rows: (model.teams ?? []).map((t) => rec('UserRole', roleId(t.id), { Name: t.name, DeveloperName: `Role_${t.id}`, ParentRoleId: t.parentId ? roleId(t.parentId) : null, IsDeleted: false })),
          },
        }),
    OpportunityHistory: { fields: ['Id', 'OpportunityId', 'StageName', 'Amount', 'CreatedDate', 'SystemModstamp', 'IsDeleted'], rows: history },
    Task: { fields: ['Id', 'TaskSubtype', 'Type', 'Subject', 'Description', 'Status', 'ActivityDate', 'CreatedDate', 'OwnerId', 'WhatId', 'WhoId', 'SystemModstamp', 'IsDeleted'], rows: tasks },
    Event: { fields: ['Id', 'Type', 'Subject', 'Description', 'StartDateTime', 'ActivityDate', 'CreatedDate', 'OwnerId', 'WhatId', 'WhoId', 'SystemModstamp', 'IsDeleted'], rows: events },
  };
}

/**
 * Quotas as collaborative forecasts keep them: a ForecastingQuota per user and forecast period
 * (amount or quantity), the period a Period row (Type Month, Quarter, Week or Year; EndDate its
 * last day), under the standard Opportunity Revenue forecast type. Salesforce has no company,
 * team or pipeline quota: those goals are not rendered.
 */
function forecastObjects(goals: ModelGoal[], multiCurrency: boolean): Record<string, { fields: string[]; rows: SfRecord[] }> {
  const type = rec('ForecastingType', '0DbFAKE00000001AAA', { DeveloperName: 'OpportunityRevenue', MasterLabel: 'Opportunity Revenue', IsActive: true, IsAmount: true, IsQuantity: false, IsDeleted: false });
  const periods = new Map<string, SfRecord>();
  const periodOf = (g: ModelGoal) => {
    const key = `${g.interval}|${g.start}`;
    let p = periods.get(key);
    if (!p) {
      const lastDay = new Date(Date.parse(`${g.end}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      p = rec('Period', sfId('026', String(periods.size + 1)), { Type: { week: 'Week', month: 'Month', quarter: 'Quarter', year: 'Year' }[g.interval], StartDate: g.start, EndDate: lastDay, IsForecastPeriod: true, FullyQualifiedLabel: `${g.interval} ${g.start}`, IsDeleted: false });
      periods.set(key, p);
    }
    return p;
  };
  const quotas = goals
    .filter((g) => g.assignee.kind === 'owner')
    .map((g) => {
      const owner = g.assignee as { ownerId: string };
      return rec('ForecastingQuota', sfId('0J9', g.id), {
        QuotaOwnerId: userId(owner.ownerId),
        QuotaAmount: g.metric === 'revenue' ? g.amount : null,
        QuotaQuantity: g.metric === 'count' ? g.amount : null,
        IsAmount: g.metric === 'revenue',
        IsQuantity: g.metric === 'count',
        StartDate: g.start,
        PeriodId: periodOf(g).Id,
        ForecastingTypeId: type.Id,
        ...(multiCurrency ? { CurrencyIsoCode: g.currency } : {}),
        IsDeleted: false,
      });
    });
  return {
    ForecastingType: { fields: ['Id', 'DeveloperName', 'MasterLabel', 'IsActive', 'IsAmount', 'IsQuantity', 'IsDeleted'], rows: [type] },
    Period: { fields: ['Id', 'Type', 'StartDate', 'EndDate', 'IsForecastPeriod', 'FullyQualifiedLabel', 'IsDeleted'], rows: [...periods.values()] },
    ForecastingQuota: {
      fields: ['Id', 'QuotaOwnerId', 'QuotaAmount', 'QuotaQuantity', 'IsAmount', 'IsQuantity', 'StartDate', 'PeriodId', 'ForecastingTypeId', ...(multiCurrency ? ['CurrencyIsoCode'] : []), 'IsDeleted'],
      rows: quotas,
    },
  };
}

// ---------------------------------------------------------------------------------------
// A SOQL subset.

type Literal = string | number | boolean | null;
interface Condition {
  field: string;
  op: '=' | '!=' | '>=' | '>' | '<=' | '<' | 'IN';
  value: Literal | Literal[];
}
export interface ParsedSoql {
  fields: string[];
  object: string;
  where: Condition[];
  orderBy: { field: string; desc: boolean }[];
}

class SoqlError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

function parseLiteral(raw: string): Literal {
  const s = raw.trim();
  if (/^'.*'$/.test(s)) return s.slice(1, -1).replace(/\\'/g, "'");
  if (/^(true|false)$/i.test(s)) return s.toLowerCase() === 'true';
  if (/^null$/i.test(s)) return null;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return s;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${s}'`);
}

export function parseSoql(q: string): ParsedSoql {
  const m = /^\s*SELECT\s+(.+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+(.+?))?(?:\s+ORDER\s+BY\s+(.+?))?\s*$/is.exec(q);
  if (!m) throw new SoqlError('MALFORMED_QUERY', 'unexpected token');
  const where: Condition[] = [];
  if (m[3]) {
    for (const part of m[3].split(/\s+AND\s+/i)) {
      const inList = /^(\w+)\s+IN\s*\((.*)\)$/is.exec(part.trim());
      if (inList) {
        where.push({ field: inList[1]!, op: 'IN', value: inList[2]!.split(',').map(parseLiteral) });
        continue;
      }
      const cmp = /^(\w+)\s*(>=|<=|!=|=|>|<)\s*(.+)$/s.exec(part.trim());
      if (!cmp) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${part.trim()}'`);
      where.push({ field: cmp[1]!, op: cmp[2] as Condition['op'], value: parseLiteral(cmp[3]!) });
    }
  }
  const orderBy = (m[4] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [field, dir] = s.split(/\s+/);
      return { field: field!, desc: (dir ?? '').toUpperCase() === 'DESC' };
    });
  return { fields: m[1]!.split(',').map((f) => f.trim()), object: m[2]!, where, orderBy };
}

const isTime = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v);
const timeMs = (v: string) => Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));

function compare(a: unknown, b: unknown): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  if (isTime(a) && isTime(b)) return timeMs(a) - timeMs(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function matches(row: SfRecord, c: Condition): boolean {
  const v = row[c.field];
  if (c.op === 'IN') return (c.value as Literal[]).some((x) => compare(v, x) === 0);
  const d = compare(v, c.value);
  switch (c.op) {
    case '=':
      return d === 0;
    case '!=':
      return d !== 0;
    case '>=':
      return d >= 0;
    case '>':
      return d > 0;
    case '<=':
      return d <= 0;
    case '<':
      return d < 0;
  }
}

// ---------------------------------------------------------------------------------------
// The dialect.

export interface SalesforceFake extends SalesforceOrgFake {
  model: CrmModel;
  options: SalesforceFakeOptions;
}

const err = (status: number, errorCode: string, message: string): FakeResponse => ({ status, body: [{ message, errorCode }] });

/** An org's objects: every field each object has, and its rows (fields in Salesforce's wire form). */
export type SalesforceOrg = Record<string, { fields: string[]; rows: SfRecord[]; types?: Record<string, string> }>;

export function salesforceDialect(org: () => SalesforceOrg, knobs: () => FakeKnobs, state: { token: string; issued: number; queries: string[] }): CrmDialect {
  const base = `/services/data/${SALESFORCE_API_VERSION}`;
  const locators = new Map<string, { records: SfRecord[]; offset: number; page: number; route: string; all: boolean }>();
  let nextLocator = 1;

  const runQuery = (q: string, all: boolean): FakeResponse => {
    state.queries.push(q);
    let parsed: ParsedSoql;
    try {
      parsed = parseSoql(q);
    } catch (e) {
      return err(400, (e as SoqlError).errorCode ?? 'MALFORMED_QUERY', (e as Error).message);
    }
    const obj = org()[parsed.object];
    if (!obj) return err(400, 'INVALID_TYPE', `sObject type '${parsed.object}' is not supported.`);
    for (const f of [...parsed.fields, ...parsed.where.map((w) => w.field), ...parsed.orderBy.map((o) => o.field)]) {
      if (!obj.fields.includes(f)) {
        return err(400, 'INVALID_FIELD', `No such column '${f}' on entity '${parsed.object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.`);
      }
    }
    let rows = obj.rows.filter((r) => (all ? true : r.IsDeleted !== true) && parsed.where.every((c) => matches(r, c)));
    if (parsed.orderBy.length) {
      rows = [...rows].sort((x, y) => {
        for (const o of parsed.orderBy) {
          const d = compare(x[o.field], y[o.field]);
          if (d !== 0) return o.desc ? -d : d;
        }
        return 0;
      });
    }
    // The query runs now: later pages come from this result (the locator), not the live data.
    const records = rows.map((r) => {
      const out: SfRecord = { attributes: r.attributes };
      for (const f of parsed.fields) out[f] = r[f] ?? null;
      return out;
    });
    const locator = `01gFAKE${String(nextLocator++).padStart(8, '0')}`;
    locators.set(locator, { records, offset: 0, page: 0, route: `${all ? 'queryAll' : 'query'} ${parsed.object}`, all });
    return servePage(locator);
  };

  const servePage = (locator: string): FakeResponse => {
    const l = locators.get(locator);
    if (!l) return err(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    if (l.page > 0) knobs().beforePage?.(l.route, l.page);
    const size = Math.min(2000, knobs().pageSize);
    const batch = l.records.slice(l.offset, l.offset + size);
    l.offset += batch.length;
    l.page++;
    const done = l.offset >= l.records.length;
    if (done) locators.delete(locator);
    return {
      status: 200,
      body: {
        totalSize: l.records.length,
        done,
        ...(done ? {} : { nextRecordsUrl: `${base}/${l.all ? 'queryAll' : 'query'}/${locator}-${l.offset}` }),
        records: batch,
      },
    };
  };

  const parseForm = (body: unknown): URLSearchParams => new URLSearchParams(typeof body === 'string' ? body : '');

  return {
    bucketOf: () => 'default',
    checkAuth(req) {
      if (req.path === '/services/oauth2/token') return undefined;
      if (req.headers.authorization === `Bearer ${state.token}`) return undefined;
      return err(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    },
    // Salesforce has no per-second limit; what our enforcement stands for is the concurrent
    // long-running request limit, which answers 403 REQUEST_LIMIT_EXCEEDED.
    throttled() {
      return err(403, 'REQUEST_LIMIT_EXCEEDED', 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.');
    },
    errorBody(status) {
      if (status === 401) return [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];
      if (status === 403) return [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }];
      if (status === 400) return [{ message: 'unexpected token', errorCode: 'MALFORMED_QUERY' }];
      return [{ message: 'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)', errorCode: 'UNKNOWN_EXCEPTION' }];
    },
    okHeaders() {
      return { 'sforce-limit-info': `api-usage=${10 + state.queries.length}/15000` };
    },
    route(req: FakeRequest) {
      const p = req.path;
      if (req.method === 'POST' && p === '/services/oauth2/token') {
        const form = parseForm(req.body);
        if (form.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'grant type not supported' } };
        if (form.get('client_id') !== SALESFORCE_CLIENT_ID || form.get('client_secret') !== SALESFORCE_CLIENT_SECRET) {
          return { status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } };
        }
        state.issued++;
        state.token = `00DFAKE000000001!AQ0AQIssued${state.issued}`;
        return {
          status: 200,
          body: {
            access_token: state.token,
            signature: 'nUFHwtfIGLKDTHcLWmDBG8frv0t+HQGl/iCZFIQUarE=',
            token_format: 'opaque',
            scope: 'api',
            instance_url: 'https://fake.my.salesforce.com',
            id: 'https://login.salesforce.com/id/00DFAKE000000001/005000000000001AAA',
            token_type: 'Bearer',
            issued_at: String(Date.now()),
          },
        };
      }
      if (req.method !== 'GET') return err(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${req.method}' not allowed. Allowed are GET`);
      if (p === `${base}/query` || p === `${base}/queryAll`) {
        const q = req.query.get('q');
        if (!q) return err(400, 'MALFORMED_QUERY', 'A query string has to be specified');
        return runQuery(q, p.endsWith('queryAll'));
      }
      const more = new RegExp(`^${base}/(?:query|queryAll)/(01gFAKE\\d+)-\\d+$`).exec(p);
      if (more) return servePage(more[1]!);
      const described = new RegExp(`^${base}/sobjects/(\\w+)/describe$`).exec(p);
      if (described) {
        const name = described[1]!;
        const obj = org()[name];
        if (!obj) return err(404, 'NOT_FOUND', 'The requested resource does not exist');
        return { status: 200, body: { name, label: name, keyPrefix: (obj.rows[0]?.Id as string | undefined)?.slice(0, 3) ?? null, queryable: true, fields: obj.fields.map((f) => ({ name: f, label: f, type: f === 'Id' ? 'id' : (obj.types?.[f] ?? SF_FIELD_TYPES[f] ?? 'string') })) } };
      }
      return err(404, 'NOT_FOUND', 'The requested resource does not exist');
    },
  };
}

export interface SalesforceOrgFake extends FakeServer {
  /** Every SOQL query received, in order. */
  queries: string[];
  /** The access token the org accepts now. */
  token(): string;
  /** Ends the current session: the token in use gets 401 INVALID_SESSION_ID. */
  expireSession(): void;
  /** Tokens issued by the OAuth endpoint. */
  tokensIssued(): number;
}

/** A fake org serving any set of objects (read on every query, so tests can edit them). */
export async function startSalesforceOrg(org: () => SalesforceOrg, knobs: Partial<FakeKnobs> = {}): Promise<SalesforceOrgFake> {
  const state = { token: SALESFORCE_TOKEN, issued: 0, queries: [] as string[] };
  let server: FakeServer | undefined;
  server = await startFakeServer(
    salesforceDialect(org, () => server!.knobs, state),
    knobs,
  );
  return Object.assign(server, {
    queries: state.queries,
    token: () => state.token,
    expireSession: () => {
      state.token = `${state.token}-expired-${Date.now()}`;
    },
    tokensIssued: () => state.issued,
  });
}

/** A fake org holding the neutral CRM model. */
export async function startSalesforceFake(model: CrmModel, knobs: Partial<FakeKnobs> = {}, opts: SalesforceFakeOptions = {}): Promise<SalesforceFake> {
  const options = { multiCurrency: true, recordTypes: true, ...opts };
  const server = await startSalesforceOrg(() => objects(model, options), knobs);
  return Object.assign(server, { model, options });
}

/** The rows a correct Salesforce connector produces from this model. */
export function salesforceExpected(model: CrmModel, opts: SalesforceFakeOptions = { multiCurrency: true }) {
  const pipelines: PipelineRow[] = [{ id: 'opportunities', name: 'Opportunities', position: 0 }];
  const stages: StageRow[] = orgStages(model).map((s) => ({
    id: s.name,
    pipelineId: 'opportunities',
    name: s.name,
    position: s.sortOrder,
    probability: s.probability / 100,
    isClosed: s.isClosed,
    isWon: s.isWon,
  }));
  const owners: OwnerRow[] = model.owners.map((o) => ({ id: userId(o.id), name: `${o.firstName} ${o.lastName}`, email: o.email, active: o.active }));
  const deals: DealRow[] = model.deals
    .filter((d) => d.archivedAt === null)
    .map((d) => ({
      id: oppId(d.id),
      name: d.name,
      amount: d.amount,
      currency: opts.multiCurrency ? d.currency : null,
      pipelineId: 'opportunities',
      stageId: stageNameOf(model, d),
      ownerId: d.ownerId ? userId(d.ownerId) : null,
      source: d.source,
      createdAt: d.createdAt,
      closeDate: closeDateOf(d),
      closedAt: d.closedAt ? `${dayOf(d.closedAt)}T00:00:00.000Z` : null,
      status: d.status,
      modifiedAt: new Date(d.modifiedAt).toISOString(),
      forecastCategory: opts.dropFields?.includes('ForecastCategoryName') ? null : salesforceForecastCategory(d),
    }));
  const stage_history: StageHistoryRow[] = model.deals
    .filter((d) => d.archivedAt === null)
    .flatMap((d) => {
      const out: StageHistoryRow[] = [];
      for (const e of entries(model, d)) {
        if (out.length && out[out.length - 1]!.stageId === e.stage) continue;
        out.push({ dealId: oppId(d.id), stageId: e.stage, enteredAt: new Date(e.at).toISOString() });
      }
      return out;
    });
  const activities: ActivityRow[] = model.activities.map((a) => ({
    id: a.type === 'meeting' ? eventId(a.id) : taskId(a.id),
    type: a.type,
    ownerId: a.ownerId ? userId(a.ownerId) : null,
    dealId: a.dealId ? oppId(a.dealId) : null,
    occurredAt: new Date(a.occurredAt).toISOString(),
  }));
  return { pipelines, stages, owners, deals, stage_history, activities };
}
