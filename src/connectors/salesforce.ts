/**
 * Salesforce: opportunities, stages, users, stage history and activities through the REST
 * query API (SOQL). Data plus small mappers: every request goes through the `http` door in
 * ReadContext, which owns retries, rate limits and the session refresh.
 *
 * - One stage list (OpportunityStage, joined to Opportunity.StageName by ApiName) under one
 *   pipeline; Salesforce has no pipeline object (sales processes only narrow the picklist).
 * - Paging follows `nextRecordsUrl` until `done`.
 * - Incremental reads ask for SystemModstamp >= cursor minus an overlap, in ascending
 *   SystemModstamp order, through `queryAll` so deleted rows (IsDeleted) arrive in the same
 *   ordered stream and are marked deleted. Full reads use `query` (live rows only; the engine
 *   marks vanished deals deleted after a full sync).
 * - Stage history is OpportunityHistory: a row is written whenever stage, amount, probability
 *   or close date changes, so the entered time of a stage is the first row of each run of
 *   identical StageName values. Runs are only visible in an opportunity's whole history, so
 *   incremental reads re-read the full history of the opportunities that changed.
 * - Activities are Task and Event metadata: type, time, owner, related record. Never Subject
 *   or Description.
 * - Targets are ForecastingQuota rows (collaborative forecasts): one per user and forecast
 *   period, amount quotas only, the period's length read from Period (see salesforceTargets).
 * - Limits arrive as 403 REQUEST_LIMIT_EXCEEDED: see classifySalesforceError.
 */
import { z } from 'zod';
import type { Config } from '../config.js';
import { CrmAuthError, CrmHttpError, PayloadShapeError } from '../errors.js';
import { addDays } from '../time/calendar.js';
import type { CrmHttpOptions } from '../sync/http.js';
import { createClientCredentialsSession } from '../sync/oauth-client-credentials.js';
import { parsePayload } from '../sync/payload-shape.js';
import type { ActivityRow, ActivityType, DealRow, OwnerRow, PipelineRow, StageHistoryRow, StageRow, TeamRow } from '../model/rows.js';
import { TargetsUnavailable, type Connector, type CrmGoal, type CrmGoals, type CrmGoalSkip, type CrmHttp, type CrmTeams, type CurrencyInfo, type FieldTypeChange, type Page, type ReadContext, type Stream } from '../sync/connector.js';

export const SALESFORCE_LABEL = 'Salesforce';
/** The one pipeline every opportunity belongs to. */
export const SALESFORCE_PIPELINE: PipelineRow = { id: 'opportunities', name: 'Opportunities', position: 0 };
/** Incremental reads start this long before the saved cursor (clock skew, in-flight commits). */
export const SALESFORCE_OVERLAP_MS = 5 * 60_000;
/** Opportunity ids per `OpportunityId IN (…)` history query (keeps the URL well under 16 KB). */
export const HISTORY_IDS_PER_QUERY = 200;
/** Key prefix of Opportunity ids: a Task/Event whose WhatId starts with it is about a deal. */
const OPPORTUNITY_PREFIX = '006';
/** Salesforce's requests carry no per-second limit; the daily allocation is what counts. */
export const SALESFORCE_RATE_LIMIT = { requests: 25, perMs: 1_000 } as const;
/** Wait after 403 REQUEST_LIMIT_EXCEEDED for concurrent long-running requests. */
export const SALESFORCE_CONCURRENCY_WAIT_MS = 15_000;

export const SALESFORCE_AUTH_HINT =
  'Set SALESFORCE_INSTANCE_URL and SALESFORCE_ACCESS_TOKEN, or SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET of a connected app with the client credentials flow enabled; ' +
  'its user needs "API Enabled" and read access to Opportunity, OpportunityStage, OpportunityHistory, User, Task and Event (see docs/crm-salesforce.md).';

export interface SalesforceConnectorOptions {
  /** REST API version, e.g. 'v62.0'. */
  apiVersion: string;
  overlapMs?: number;
}

// ---------------------------------------------------------------------------------------
// Wire shapes (REST API Developer Guide, "Query" and "sObject Describe").

const queryResult = z.object({
  totalSize: z.number(),
  done: z.boolean(),
  nextRecordsUrl: z.string().optional(),
  records: z.array(z.object({ attributes: z.object({ type: z.string() }).loose() }).loose()),
});

const describeResult = z.object({ fields: z.array(z.object({ name: z.string(), type: z.string().optional() }).loose()) }).loose();

/**
 * Opportunity fields read as numbers, the describe types that hold one, and the row field each
 * fills (null: selected but not kept). A field an admin retypes (Amount to a text field) is left
 * out of the query, and a kept one is reported as changed type: the sync keeps the last good
 * values instead of failing on a string.
 */
const NUMERIC_TYPES = new Set(['currency', 'double', 'int', 'percent', 'long']);
const NUMERIC_FIELDS: { crmField: string; field: 'amount' | null }[] = [
  { crmField: 'Amount', field: 'amount' },
  { crmField: 'Probability', field: null },
];

const str = z.string();
const optStr = z.string().nullable().optional();
const optNum = z.number().nullable().optional();

const opportunity = z.object({
  Id: str,
  Name: optStr,
  StageName: str,
  Amount: optNum,
  CurrencyIsoCode: optStr,
  CloseDate: optStr,
  OwnerId: optStr,
  CreatedDate: str,
  IsClosed: z.boolean(),
  IsWon: z.boolean(),
  LeadSource: optStr,
  Probability: optNum,
  SystemModstamp: str,
  RecordTypeId: optStr,
  ForecastCategoryName: optStr,
  IsDeleted: z.boolean().optional(),
});
export type SalesforceOpportunity = z.infer<typeof opportunity>;

const opportunityStage = z.object({
  Id: str,
  ApiName: str,
  MasterLabel: str,
  SortOrder: optNum,
  DefaultProbability: optNum,
  IsClosed: z.boolean(),
  IsWon: z.boolean(),
  IsActive: z.boolean(),
});
export type SalesforceStage = z.infer<typeof opportunityStage>;

const user = z.object({ Id: str, Name: optStr, Email: optStr, IsActive: z.boolean() });
const userRole = z.object({ Id: str, Name: str, ParentRoleId: optStr });
const userInRole = z.object({ Id: str, UserRoleId: optStr });

/**
 * Salesforce has no sales-team object (opportunity and account teams are per record); what it
 * keeps is the role hierarchy. Each role with people in it is a team: its members are the users
 * holding the role, and it sees their deals and those of everyone in the roles below it, as
 * Salesforce's own role hierarchy grants. Pure: the two queries' rows in, teams out.
 */
export function rolesToTeams(roles: z.infer<typeof userRole>[], users: z.infer<typeof userInRole>[]): TeamRow[] {
  const children = new Map<string, string[]>();
  for (const r of roles) if (r.ParentRoleId) children.set(r.ParentRoleId, [...(children.get(r.ParentRoleId) ?? []), r.Id]);
  const holders = new Map<string, string[]>();
  for (const u of users) if (u.UserRoleId) holders.set(u.UserRoleId, [...(holders.get(u.UserRoleId) ?? []), u.Id]);
  const teams: TeamRow[] = [];
  for (const r of roles) {
    const members = holders.get(r.Id) ?? [];
    if (!members.length) continue;
    const below = new Set<string>();
    const stack = [...(children.get(r.Id) ?? [])];
    // A hierarchy is a tree; `below` also stops a malformed cycle.
    while (stack.length) {
      const id = stack.pop()!;
      if (below.has(id) || id === r.Id) continue;
      below.add(id);
      stack.push(...(children.get(id) ?? []));
    }
    teams.push({ id: r.Id, name: r.Name, memberIds: members, ownerIds: [...members, ...[...below].flatMap((id) => holders.get(id) ?? [])] });
  }
  return teams;
}

// Multi-currency orgs (Object Reference, "CurrencyType" and "DatedConversionRate"): ConversionRate
// is how many units of the currency one unit of the corporate currency is worth.
const currencyType = z.object({ IsoCode: str, ConversionRate: z.number(), IsCorporate: z.boolean(), IsActive: z.boolean().optional() });
const datedRate = z.object({ IsoCode: str, ConversionRate: z.number(), StartDate: str, NextStartDate: optStr });
const organization = z.object({ DefaultCurrencyIsoCode: optStr });

const historyRow = z.object({ Id: str, OpportunityId: str, StageName: optStr, CreatedDate: str });
export type SalesforceHistory = z.infer<typeof historyRow>;
const historyOppId = z.object({ OpportunityId: str });

const task = z.object({
  Id: str,
  TaskSubtype: optStr,
  Type: optStr,
  ActivityDate: optStr,
  CreatedDate: str,
  OwnerId: optStr,
  WhatId: optStr,
  SystemModstamp: str,
  IsDeleted: z.boolean().optional(),
});
export type SalesforceTask = z.infer<typeof task>;

const event = z.object({
  Id: str,
  Type: optStr,
  StartDateTime: optStr,
  ActivityDate: optStr,
  CreatedDate: str,
  OwnerId: optStr,
  WhatId: optStr,
  SystemModstamp: str,
  IsDeleted: z.boolean().optional(),
});
export type SalesforceEvent = z.infer<typeof event>;

// Quotas (Object Reference, "ForecastingQuota", "Period", "ForecastingType"). CurrencyIsoCode
// exists only in multi-currency orgs, ProductFamily only with product-family forecasts.
const forecastingQuota = z.object({
  Id: str,
  QuotaOwnerId: optStr,
  QuotaAmount: optNum,
  QuotaQuantity: optNum,
  IsAmount: z.boolean().nullable().optional(),
  IsQuantity: z.boolean().nullable().optional(),
  StartDate: str,
  PeriodId: optStr,
  ForecastingTypeId: optStr,
  ProductFamily: optStr,
  CurrencyIsoCode: optStr,
});
export type SalesforceQuota = z.infer<typeof forecastingQuota>;
const period = z.object({ Id: str, Type: optStr, StartDate: str, EndDate: str });
export type SalesforcePeriod = z.infer<typeof period>;
const forecastingType = z.object({ Id: str, DeveloperName: str, MasterLabel: optStr, IsActive: z.boolean().nullable().optional() });
/** The standard opportunity-revenue forecast: its quotas come first when two types set one. */
export const REVENUE_FORECAST_TYPE = 'OpportunityRevenue';

/** One quota as a CRM goal, or why it is left out. */
export function quotaToGoal(q: SalesforceQuota, periods: Map<string, SalesforcePeriod>, typeLabel: string): CrmGoal | CrmGoalSkip {
  const name = `${typeLabel} quota`;
  const skip = (reason: string): CrmGoalSkip => ({ id: q.Id, name, reason });
  if (q.IsQuantity === true || q.IsAmount === false || q.QuotaAmount == null) return skip('it is a quantity quota (QuotaQuantity), not revenue: only revenue quotas are targets');
  if (q.ProductFamily) return skip(`it is for product family ${q.ProductFamily} only, and dealcast's targets count every product`);
  if (!q.QuotaOwnerId) return skip('it has no quota owner (a territory quota): dealcast keeps targets for the company, a rep or a pipeline');
  const p = q.PeriodId ? periods.get(q.PeriodId) : undefined;
  if (!p) return skip(`its forecast period ${q.PeriodId ?? '(none)'} could not be read`);
  return { id: q.Id, name, start: p.StartDate.slice(0, 10), end: addDays(p.EndDate.slice(0, 10), 1), scope: { kind: 'rep', ownerId: q.QuotaOwnerId }, currency: q.CurrencyIsoCode ?? null, amount: q.QuotaAmount };
}

const errorBody = z.array(z.object({ message: z.string(), errorCode: z.string() }).loose());

// ---------------------------------------------------------------------------------------
// Small pure helpers.

/** Salesforce datetimes look like 2024-05-02T10:11:12.000+0000; we store ISO UTC. */
export function sfInstant(value: string): string {
  const normalised = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(normalised);
  if (Number.isNaN(ms)) throw new RangeError(`not a Salesforce datetime: ${value}`);
  return new Date(ms).toISOString();
}

/** A SOQL datetime literal (unquoted ISO 8601 in UTC, whole seconds: always accepted). */
export function soqlDateTime(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** Where incremental reads start: the cursor minus the overlap (never before the epoch). */
export function incrementalFrom(cursor: string, overlapMs: number): string {
  return soqlDateTime(Math.max(0, Date.parse(cursor) - overlapMs));
}

const SF_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

/** `'a','b'` for an IN list; refuses anything that is not a Salesforce id (no injection). */
export function soqlIdList(ids: string[]): string {
  for (const id of ids) if (!SF_ID.test(id)) throw new RangeError(`not a Salesforce id: ${id}`);
  return ids.map((id) => `'${id}'`).join(', ');
}

// ---------------------------------------------------------------------------------------
// Mappers: Salesforce JSON → our rows.

export function toStageRow(s: SalesforceStage, index: number): StageRow {
  return {
    id: s.ApiName,
    pipelineId: SALESFORCE_PIPELINE.id,
    name: s.MasterLabel,
    position: s.SortOrder ?? index,
    probability: s.DefaultProbability === null || s.DefaultProbability === undefined ? null : s.DefaultProbability / 100,
    isClosed: s.IsClosed,
    isWon: s.IsWon,
  };
}

export function toDealRow(o: SalesforceOpportunity): DealRow {
  const status = o.IsClosed ? (o.IsWon ? 'won' : 'lost') : 'open';
  const closeDate = o.CloseDate ?? null;
  return {
    id: o.Id,
    name: o.Name ?? '',
    amount: o.Amount ?? null,
    currency: o.CurrencyIsoCode ?? null,
    pipelineId: SALESFORCE_PIPELINE.id,
    stageId: o.StageName,
    ownerId: o.OwnerId ?? null,
    source: o.LeadSource ?? null,
    createdAt: sfInstant(o.CreatedDate),
    closeDate,
    // Salesforce keeps no "closed at" time; on a closed opportunity CloseDate is the day it
    // closed (what Salesforce's own reports use).
    closedAt: o.IsClosed && closeDate ? `${closeDate}T00:00:00.000Z` : null,
    status,
    modifiedAt: sfInstant(o.SystemModstamp),
    ...(o.IsDeleted ? { deleted: true } : {}),
    forecastCategory: o.ForecastCategoryName ?? null,
  };
}

export function toOwnerRow(u: z.infer<typeof user>): OwnerRow {
  return { id: u.Id, name: u.Name ?? u.Id, email: u.Email ?? null, active: u.IsActive };
}

/**
 * One opportunity's history rows (oldest first) → stage entries: the first row of each run
 * of identical StageName values. Rows written for amount/date changes repeat the stage.
 */
export function stageEntries(rows: SalesforceHistory[], previousStage: string | null = null): StageHistoryRow[] {
  const out: StageHistoryRow[] = [];
  let prev = previousStage;
  for (const r of rows) {
    if (!r.StageName || r.StageName === prev) continue;
    out.push({ dealId: r.OpportunityId, stageId: r.StageName, enteredAt: sfInstant(r.CreatedDate) });
    prev = r.StageName;
  }
  return out;
}

/** TaskSubtype says call/email/task; the Type picklist (Call, Email, Meeting, Other) refines plain tasks. */
export function taskType(subtype: string | null | undefined, type: string | null | undefined): ActivityType {
  const s = (subtype ?? '').toLowerCase();
  if (s === 'call') return 'call';
  if (s === 'email' || s === 'listemail') return 'email';
  const t = (type ?? '').toLowerCase();
  if (t.includes('call')) return 'call';
  if (t.includes('email')) return 'email';
  if (t.includes('meeting')) return 'meeting';
  return 'task';
}

const dealIdOf = (whatId: string | null | undefined) => (whatId?.startsWith(OPPORTUNITY_PREFIX) ? whatId : null);

export function taskToActivity(t: SalesforceTask): ActivityRow {
  const created = sfInstant(t.CreatedDate);
  // ActivityDate is the day it happened (or is due); CreatedDate is more precise when it is that day.
  const occurredAt = t.ActivityDate && t.ActivityDate !== created.slice(0, 10) ? `${t.ActivityDate}T00:00:00.000Z` : created;
  return {
    id: t.Id,
    type: taskType(t.TaskSubtype, t.Type),
    ownerId: t.OwnerId ?? null,
    dealId: dealIdOf(t.WhatId),
    occurredAt,
    ...(t.IsDeleted ? { deleted: true } : {}),
  };
}

export function eventToActivity(e: SalesforceEvent): ActivityRow {
  const occurredAt = e.StartDateTime ? sfInstant(e.StartDateTime) : e.ActivityDate ? `${e.ActivityDate}T00:00:00.000Z` : sfInstant(e.CreatedDate);
  return {
    id: e.Id,
    type: (e.Type ?? '').toLowerCase().includes('call') ? 'call' : 'meeting',
    ownerId: e.OwnerId ?? null,
    dealId: dealIdOf(e.WhatId),
    occurredAt,
    ...(e.IsDeleted ? { deleted: true } : {}),
  };
}

// ---------------------------------------------------------------------------------------
// Limits and errors (used by the HTTP door's status table).

export type SalesforceVerdict = { kind: 'quota-exhausted'; message: string; hint: string } | { kind: 'throttled'; fallbackMs?: number } | undefined;

/** The `[{message, errorCode}]` list of a Salesforce error body (empty when it is not one). */
export function salesforceErrors(text: string): { message: string; errorCode: string }[] {
  try {
    const parsed = errorBody.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/**
 * Salesforce signals its limits as 403 REQUEST_LIMIT_EXCEEDED, not 429. The daily allocation
 * ("TotalRequests Limit exceeded.") cannot be waited out within a sync: stop with a clear
 * message. Too many concurrent long-running requests ("ConcurrentRequests … Limit exceeded."):
 * back off and try again.
 */
export function classifySalesforceError(status: number, _headers: Record<string, string>, text: string): SalesforceVerdict {
  if (status !== 403) return undefined;
  const limit = salesforceErrors(text).find((e) => e.errorCode === 'REQUEST_LIMIT_EXCEEDED');
  if (!limit) return undefined;
  if (/concurrent/i.test(limit.message)) return { kind: 'throttled', fallbackMs: SALESFORCE_CONCURRENCY_WAIT_MS };
  return {
    kind: 'quota-exhausted',
    message: `Salesforce's daily API request allocation is used up (${limit.message.trim().replace(/\.$/, '')}).`,
    hint:
      'The allocation is counted per org over a rolling 24 hours and shared with every integration; the next sync continues where this one stopped once requests free up. ' +
      'Setup → Company Information shows the usage; Salesforce sells more.',
  };
}

/**
 * 401 bodies that mean "the session expired, get a new token". jsforce lists 401s that a new
 * token does not fix; those are left to fail as auth errors.
 */
export function isExpiredSession(status: number, text: string): boolean {
  if (status !== 401) return false;
  const errors = salesforceErrors(text);
  if (errors.length === 0) return true;
  return errors.some(
    (e) =>
      e.errorCode === 'INVALID_SESSION_ID' &&
      !/not valid for use with the REST API|Connected app is not attached to Agent|BlackTab users cannot perform API operations/i.test(e.message),
  );
}

// ---------------------------------------------------------------------------------------
// Streams.

interface QueryOptions {
  /** queryAll: also deleted (IsDeleted) and archived rows. */
  all?: boolean;
}

export function createSalesforceConnector(opts: SalesforceConnectorOptions): Connector {
  const base = `/services/data/${opts.apiVersion}`;
  const overlapMs = opts.overlapMs ?? SALESFORCE_OVERLAP_MS;

  /** The org's API usage as Salesforce last reported it (Sforce-Limit-Info: api-usage=used/max). */
  let apiUsage: string | undefined;

  /** Every page of a SOQL query: `query` (or `queryAll`), then `nextRecordsUrl` until `done`. */
  async function* soqlPages<S extends z.ZodType>(http: CrmHttp, soql: string, schema: S, qo: QueryOptions = {}): AsyncIterable<z.output<S>[]> {
    const object = /\bFROM\s+(\w+)/i.exec(soql)?.[1] ?? 'query';
    let res = await http.request({ path: `${base}/${qo.all ? 'queryAll' : 'query'}`, query: { q: soql } });
    for (;;) {
      apiUsage = /api-usage=(\d+)\/(\d+)/.exec(res.headers['sforce-limit-info'] ?? '')?.slice(1).join('/') ?? apiUsage;
      const where = `${qo.all ? 'queryAll' : 'query'} on ${object}`;
      const page = parsePayload(queryResult, res.body, SALESFORCE_LABEL, where);
      yield page.records.map((r, i) => parsePayload(schema, r, SALESFORCE_LABEL, `${where} (record ${i})`));
      if (page.done) return;
      if (!page.nextRecordsUrl) throw new PayloadShapeError(SALESFORCE_LABEL, where, [{ path: 'nextRecordsUrl', message: 'is missing while done is false' }]);
      res = await http.request({ path: page.nextRecordsUrl });
    }
  }

  const isIncremental = (ctx: ReadContext) => !ctx.full && ctx.cursor !== null;

  const pipelines: Stream<PipelineRow> = {
    incremental: false,
    async *read() {
      yield { rows: [SALESFORCE_PIPELINE] };
    },
  };

  const stages: Stream<StageRow> = {
    incremental: false,
    async *read(ctx) {
      const soql = 'SELECT Id, ApiName, MasterLabel, SortOrder, DefaultProbability, IsClosed, IsWon, IsActive FROM OpportunityStage ORDER BY SortOrder ASC';
      let index = 0;
      for await (const records of soqlPages(ctx.http, soql, opportunityStage)) {
        yield { rows: records.map((s) => toStageRow(s, index++)) };
      }
    },
  };

  const owners: Stream<OwnerRow> = {
    incremental: false,
    async *read(ctx) {
      const soql = "SELECT Id, Name, Email, IsActive FROM User WHERE UserType = 'Standard' ORDER BY Id ASC";
      for await (const records of soqlPages(ctx.http, soql, user)) yield { rows: records.map(toOwnerRow) };
    },
  };

  const deals: Stream<DealRow> = {
    incremental: true,
    async *read(ctx): AsyncIterable<Page<DealRow>> {
      // CurrencyIsoCode exists only in multi-currency orgs, RecordTypeId only with record
      // types; asking for a missing field is a 400, so ask the org what it has.
      const described = await ctx.http.request({ path: `${base}/sobjects/Opportunity/describe` });
      const describedFields = parsePayload(describeResult, described.body, SALESFORCE_LABEL, 'describe Opportunity').fields;
      const has = new Set(describedFields.map((f) => f.name));
      const typeOf = new Map(describedFields.map((f) => [f.name, f.type]));
      const typeChanged: FieldTypeChange[] = [];
      const retyped = new Set<string>();
      for (const t of NUMERIC_FIELDS) {
        const type = typeOf.get(t.crmField);
        if (type === undefined || NUMERIC_TYPES.has(type)) continue;
        retyped.add(t.crmField);
        if (t.field) typeChanged.push({ field: t.field, crmField: t.crmField, found: `a ${type} field, not a number` });
      }
      const incremental = isIncremental(ctx);
      const fields = [
        'Id',
        'Name',
        'StageName',
        'Amount',
        ...(has.has('CurrencyIsoCode') ? ['CurrencyIsoCode'] : []),
        'CloseDate',
        'OwnerId',
        'CreatedDate',
        'IsClosed',
        'IsWon',
        'LeadSource',
        'Probability',
        'SystemModstamp',
        ...(has.has('RecordTypeId') ? ['RecordTypeId'] : []),
        // Pipeline, Best Case, Commit, Omitted, Closed (renamable by the org); absent where forecasting is off.
        ...(has.has('ForecastCategoryName') ? ['ForecastCategoryName'] : []),
        ...(incremental ? ['IsDeleted'] : []),
      ].filter((f) => !retyped.has(f));
      const where = incremental ? ` WHERE SystemModstamp >= ${incrementalFrom(ctx.cursor!, overlapMs)}` : '';
      const soql = `SELECT ${fields.join(', ')} FROM Opportunity${where} ORDER BY SystemModstamp ASC, Id ASC`;
      for await (const records of soqlPages(ctx.http, soql, opportunity, { all: incremental })) {
        const last = records[records.length - 1];
        if (!last) continue;
        yield { rows: records.map(toDealRow), checkpoint: sfInstant(last.SystemModstamp), ...(typeChanged.length ? { typeChanged } : {}) };
      }
    },
  };

  const HISTORY_FIELDS = 'SELECT Id, OpportunityId, StageName, CreatedDate FROM OpportunityHistory';
  const HISTORY_ORDER = 'ORDER BY OpportunityId ASC, CreatedDate ASC, Id ASC';

  /**
   * Stage entries from history pages ordered by opportunity: a run of one stage can continue
   * across a page boundary, so the last opportunity and stage carry over.
   */
  function historyRunner(): (records: SalesforceHistory[]) => StageHistoryRow[] {
    let lastOpp: string | null = null;
    let lastStage: string | null = null;
    return (records) => {
      const out: StageHistoryRow[] = [];
      for (const r of records) {
        if (r.OpportunityId !== lastOpp) {
          lastOpp = r.OpportunityId;
          lastStage = null;
        }
        const [entry] = stageEntries([r], lastStage);
        if (entry) out.push(entry);
        if (r.StageName) lastStage = r.StageName;
      }
      return out;
    };
  }

  /** The whole stage history of these opportunities, a chunk of ids per query. */
  async function* historyOf(http: CrmHttp, dealIds: string[]): AsyncIterable<StageHistoryRow[]> {
    const ids = [...new Set(dealIds)].sort();
    const entries = historyRunner();
    for (let i = 0; i < ids.length; i += HISTORY_IDS_PER_QUERY) {
      const chunk = ids.slice(i, i + HISTORY_IDS_PER_QUERY);
      const soql = `${HISTORY_FIELDS} WHERE OpportunityId IN (${soqlIdList(chunk)}) ${HISTORY_ORDER}`;
      for await (const records of soqlPages(http, soql, historyRow)) yield entries(records);
    }
  }

  const stageHistory: Stream<StageHistoryRow> = {
    incremental: true,
    async *read(ctx): AsyncIterable<Page<StageHistoryRow>> {
      if (!isIncremental(ctx)) {
        const entries = historyRunner();
        for await (const records of soqlPages(ctx.http, `${HISTORY_FIELDS} ${HISTORY_ORDER}`, historyRow)) yield { rows: entries(records) };
        return;
      }
      // Which opportunities have new history rows; then their whole history (runs need it).
      const changed = new Set<string>();
      const since = `SELECT OpportunityId FROM OpportunityHistory WHERE CreatedDate >= ${incrementalFrom(ctx.cursor!, overlapMs)}`;
      for await (const records of soqlPages(ctx.http, since, historyOppId)) for (const r of records) changed.add(r.OpportunityId);
      for await (const rows of historyOf(ctx.http, [...changed])) yield { rows };
    },
  };

  const activities: Stream<ActivityRow> = {
    incremental: true,
    // Two objects, each in its own order: no per-page checkpoint (the engine saves the sync's
    // start once both are read), so an interrupted run rereads rather than skips.
    async *read(ctx): AsyncIterable<Page<ActivityRow>> {
      const incremental = isIncremental(ctx);
      const where = incremental ? ` WHERE SystemModstamp >= ${incrementalFrom(ctx.cursor!, overlapMs)}` : '';
      const deleted = incremental ? ', IsDeleted' : '';
      const order = ' ORDER BY SystemModstamp ASC, Id ASC';
      const taskSoql = `SELECT Id, TaskSubtype, Type, ActivityDate, CreatedDate, OwnerId, WhatId, SystemModstamp${deleted} FROM Task${where}${order}`;
      for await (const records of soqlPages(ctx.http, taskSoql, task, { all: incremental })) yield { rows: records.map(taskToActivity) };
      const eventSoql = `SELECT Id, Type, StartDateTime, ActivityDate, CreatedDate, OwnerId, WhatId, SystemModstamp${deleted} FROM Event${where}${order}`;
      for await (const records of soqlPages(ctx.http, eventSoql, event, { all: incremental })) yield { rows: records.map(eventToActivity) };
      // The last stream: say how much of the org's daily allocation is in use (all integrations).
      if (apiUsage) {
        const [used = 0, max = 0] = apiUsage.split('/').map(Number);
        ctx.log(`Salesforce API requests used in the last 24 hours: ${used.toLocaleString('en-US')} of ${max.toLocaleString('en-US')} (${Math.round((100 * used) / max)}%).`);
      }
    },
  };

  /**
   * The corporate currency and its rates: CurrencyType (multi-currency orgs), DatedConversionRate
   * (advanced currency management), else the org's single currency. Each object exists only in
   * orgs with the feature (a query on a missing object is a 400), so each is tried in turn.
   */
  async function currencies(http: CrmHttp): Promise<CurrencyInfo> {
    const collect = async <S extends z.ZodType>(soql: string, schema: S): Promise<z.output<S>[] | null> => {
      try {
        const out: z.output<S>[] = [];
        for await (const records of soqlPages(http, soql, schema)) out.push(...records);
        return out;
      } catch (err) {
        // An object the org does not have: 400 INVALID_TYPE.
        if ((err as { status?: unknown }).status === 400) return null;
        throw err;
      }
    };
    const types = await collect('SELECT IsoCode, ConversionRate, IsCorporate, IsActive FROM CurrencyType ORDER BY IsoCode ASC', currencyType);
    if (types?.length) {
      const base = types.find((t) => t.IsCorporate)?.IsoCode ?? null;
      const rates: CurrencyInfo['rates'] = types.filter((t) => !t.IsCorporate).map((t) => ({ currency: t.IsoCode, startDate: null, endDate: null, perBase: t.ConversionRate }));
      const dated = await collect('SELECT IsoCode, ConversionRate, StartDate, NextStartDate FROM DatedConversionRate ORDER BY IsoCode ASC, StartDate ASC', datedRate);
      for (const d of dated ?? []) {
        if (d.IsoCode !== base) rates.push({ currency: d.IsoCode, startDate: d.StartDate.slice(0, 10), endDate: d.NextStartDate?.slice(0, 10) ?? null, perBase: d.ConversionRate });
      }
      return { base, rates, source: dated?.length ? 'Salesforce DatedConversionRate' : 'Salesforce CurrencyType' };
    }
    const org = await collect('SELECT DefaultCurrencyIsoCode FROM Organization', organization);
    return { base: org?.[0]?.DefaultCurrencyIsoCode ?? null, rates: [], source: 'Salesforce organization currency' };
  }

  /**
   * ForecastingQuota rows (collaborative forecasts), with their forecast type and period. An org
   * without quotas, or a user without "View All Forecasts", cannot see the object: the targets
   * sync is then unavailable and the deals are not affected.
   */
  async function salesforceTargets(http: CrmHttp): Promise<CrmGoals> {
    const unavailable = (what: string) =>
      new TargetsUnavailable(
        `Salesforce ${what}: collaborative forecasts with quotas are off in this org, or its integration user lacks the "View All Forecasts" permission`,
        'Turn on quotas in Forecasts Settings and give the user "View All Forecasts" to read Salesforce quotas as targets.',
      );
    let has: Set<string>;
    try {
      const described = await http.request({ path: `${base}/sobjects/ForecastingQuota/describe` });
      has = new Set(parsePayload(describeResult, described.body, SALESFORCE_LABEL, 'describe ForecastingQuota').fields.map((f) => f.name));
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      if (err instanceof CrmAuthError || status === 404 || status === 400) throw unavailable(`does not show ForecastingQuota (HTTP ${String(status ?? '?')})`);
      throw err;
    }
    const fields = ['Id', 'QuotaOwnerId', 'QuotaAmount', 'QuotaQuantity', 'IsAmount', 'IsQuantity', 'StartDate', 'PeriodId', 'ForecastingTypeId', ...['ProductFamily', 'CurrencyIsoCode'].filter((f) => has.has(f))];
    const quotas: SalesforceQuota[] = [];
    const types = new Map<string, z.infer<typeof forecastingType>>();
    try {
      for await (const records of soqlPages(http, `SELECT ${fields.join(', ')} FROM ForecastingQuota ORDER BY StartDate ASC, Id ASC`, forecastingQuota)) quotas.push(...records);
      for await (const records of soqlPages(http, 'SELECT Id, DeveloperName, MasterLabel, IsActive FROM ForecastingType ORDER BY Id ASC', forecastingType)) for (const t of records) types.set(t.Id, t);
    } catch (err) {
      if (err instanceof CrmAuthError || (err as { status?: unknown }).status === 400) throw unavailable('refused to list ForecastingQuota');
      throw err;
    }
    const periods = new Map<string, SalesforcePeriod>();
    const periodIds = [...new Set(quotas.map((q) => q.PeriodId).filter((x): x is string => !!x))].sort();
    for (let i = 0; i < periodIds.length; i += HISTORY_IDS_PER_QUERY) {
      const soql = `SELECT Id, Type, StartDate, EndDate FROM Period WHERE Id IN (${soqlIdList(periodIds.slice(i, i + HISTORY_IDS_PER_QUERY))})`;
      for await (const records of soqlPages(http, soql, period)) for (const p of records) periods.set(p.Id, p);
    }
    // Two forecast types may each set a quota for the same user and period: the standard
    // opportunity-revenue one is read first, so it is the one kept.
    const first = (q: SalesforceQuota) => (types.get(q.ForecastingTypeId ?? '')?.DeveloperName === REVENUE_FORECAST_TYPE ? 0 : 1);
    const goals: CrmGoal[] = [];
    const skipped: CrmGoalSkip[] = [];
    for (const q of [...quotas].sort((a, b) => first(a) - first(b))) {
      const type = types.get(q.ForecastingTypeId ?? '');
      if (type && type.IsActive === false) {
        skipped.push({ id: q.Id, name: `${type.MasterLabel ?? type.DeveloperName} quota`, reason: `its forecast type ${type.DeveloperName} is not active` });
        continue;
      }
      const g = quotaToGoal(q, periods, type?.MasterLabel ?? type?.DeveloperName ?? 'Forecast');
      if ('reason' in g) skipped.push(g);
      else goals.push(g);
    }
    return { goals, skipped, source: 'Salesforce quotas' };
  }

  /**
   * The role hierarchy as teams (rolesToTeams). Reading UserRole needs the "View Roles and Role
   * Hierarchy" permission: without it the org answers 403 or a 400 (INVALID_TYPE,
   * INSUFFICIENT_ACCESS), which means no CRM teams, not a failed sync.
   */
  async function teams(http: CrmHttp): Promise<CrmTeams> {
    const roles: z.infer<typeof userRole>[] = [];
    const users: z.infer<typeof userInRole>[] = [];
    try {
      for await (const records of soqlPages(http, 'SELECT Id, Name, ParentRoleId FROM UserRole ORDER BY Id ASC', userRole)) roles.push(...records);
      for await (const records of soqlPages(http, "SELECT Id, UserRoleId FROM User WHERE UserType = 'Standard' ORDER BY Id ASC", userInRole)) users.push(...records);
    } catch (err) {
      // A refusal, not a rate limit (Salesforce says that with a 403 too, as CrmRateLimitError).
      if ((err instanceof CrmAuthError && err.status === 403) || (err instanceof CrmHttpError && (err.status === 400 || err.status === 404))) {
        return { available: false, reason: `the role hierarchy could not be read (HTTP ${err.status}); the user needs the "View Roles and Role Hierarchy" permission.` };
      }
      throw err;
    }
    return { available: true, teams: rolesToTeams(roles, users), source: 'Salesforce roles' };
  }

  return {
    crm: 'salesforce',
    label: SALESFORCE_LABEL,
    targets: salesforceTargets,
    teams,
    capabilities: { stageHistory: true, activities: true, probabilities: true, wonLostFlags: true },
    streams: { pipelines, stages, owners, deals, stage_history: stageHistory, activities },
    authHint: SALESFORCE_AUTH_HINT,
    stageHistoryFor: (dealIds, http) => historyOf(http, dealIds),
    currencies,
  };
}

/**
 * The HTTP door's settings for Salesforce: data, read by createCrmHttp. With a connected app's
 * client credentials the door holds a renewable session (a new token once per request when
 * Salesforce answers 401 INVALID_SESSION_ID); with a bare access token it cannot renew.
 */
export function salesforceHttpOptions(config: Config, extra: { tokenUrl?: string } = {}): CrmHttpOptions {
  const instanceUrl = config.SALESFORCE_INSTANCE_URL ?? '';
  const token = config.SALESFORCE_ACCESS_TOKEN;
  const clientId = config.SALESFORCE_CLIENT_ID;
  const clientSecret = config.SALESFORCE_CLIENT_SECRET;
  const session =
    clientId && clientSecret
      ? createClientCredentialsSession({
          crm: 'salesforce',
          label: SALESFORCE_LABEL,
          tokenUrl: extra.tokenUrl ?? `${(config.SALESFORCE_LOGIN_URL ?? instanceUrl).replace(/\/+$/, '')}/services/oauth2/token`,
          clientId,
          clientSecret,
          initialToken: token,
          expired: isExpiredSession,
          authHint: SALESFORCE_AUTH_HINT,
        })
      : undefined;
  return {
    crm: 'salesforce',
    label: SALESFORCE_LABEL,
    baseUrl: instanceUrl,
    headers: session ? {} : { authorization: `Bearer ${token ?? ''}` },
    secrets: [token ?? '', clientSecret ?? ''],
    session,
    authHint: SALESFORCE_AUTH_HINT,
    rateLimits: { default: { ...SALESFORCE_RATE_LIMIT } },
    // Salesforce sends no Retry-After; a concurrency refusal waits a fixed, bounded time.
    throttle: { default: { fallbackMs: SALESFORCE_CONCURRENCY_WAIT_MS } },
    classify: classifySalesforceError,
  };
}
