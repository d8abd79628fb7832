/**
 * HubSpot (CRM API v3): what to ask for and how to read the answers. Paging, retries, rate
 * limits and cursors are src/sync/'s; this file is request builders, zod shapes and mappers.
 *
 * - pipelines + stages: GET /crm/v3/pipelines/deals (probability in stage.metadata.probability)
 * - owners: GET /crm/v3/owners, active then archived (deactivated users)
 * - deals: full = GET /crm/v3/objects/deals (+ archived=true, marked deleted); incremental =
 *   archived deals since the cursor, then search on hs_lastmodifieddate walked by keyset (no
 *   10,000-result cap). A deal moved to another pipeline is just a changed deal.
 * - stage history: propertiesWithHistory=dealstage (GET list when full; batch read of the deals
 *   changed since the cursor when incremental)
 * - activities: calls, emails, meetings — time, owner and deal only. Full = GET list with
 *   associations=deals; incremental = search + v4 association batch read.
 * - targets: GET /crm/v3/objects/goal_targets (scope crm.objects.goals.read), one object per
 *   goal and time slice; revenue goals only (see hubspotTargets).
 *
 * Never requested: contact emails or phones, call/email/meeting titles, subjects or bodies.
 */
import { z } from 'zod';
import type { Config } from '../config.js';
import { followTokens, keysetByTime, type TimeWindow } from '../sync/paging.js';
import { parsePayload } from '../sync/payload-shape.js';
import type { CrmHttpOptions } from '../sync/http.js';
import { CrmAuthError } from '../errors.js';
import { narrowToPipelines, nearestMidnight } from '../targets/crm-goals.js';
import type { ActivityRow, DealRow, OwnerRow, PipelineRow, StageHistoryRow, StageRow, TeamRow } from '../model/rows.js';
import { TargetsUnavailable, type Connector, type CrmGoal, type CrmGoals, type CrmGoalSkip, type CrmHttp, type CrmRequest, type CrmTeams, type CurrencyInfo, type FieldTypeChange, type Page, type ReadContext } from '../sync/connector.js';

const LABEL = 'HubSpot';
export const HUBSPOT_SCOPES = [
  'crm.objects.deals.read',
  'crm.objects.owners.read',
  'crm.objects.calls.read',
  'crm.objects.emails.read',
  'crm.objects.meetings.read',
  'crm.schemas.deals.read',
];
/** Optional: without it the deals sync as usual and targets come from Slack or a CSV. */
export const HUBSPOT_GOALS_SCOPE = 'crm.objects.goals.read';
export const HUBSPOT_AUTH_HINT = `Create a private app (Settings → Integrations → Private Apps) with the scopes ${HUBSPOT_SCOPES.join(', ')} (and, to read goals as targets, ${HUBSPOT_GOALS_SCOPE}), and set HUBSPOT_TOKEN to its access token.`;


/** Re-read this much before the cursor: search indexes changes "within a few moments". */
export const HUBSPOT_OVERLAP_MS = 5 * 60_000;
export const LIST_LIMIT = 100;
/** propertiesWithHistory lowers the page size HubSpot serves. */
export const HISTORY_LIMIT = 50;
export const SEARCH_LIMIT = 200;

export const DEAL_PROPERTIES = [
  'dealname',
  'amount',
  'deal_currency_code',
  'amount_in_home_currency',
  'pipeline',
  'dealstage',
  'hubspot_owner_id',
  'createdate',
  'closedate',
  'hs_lastmodifieddate',
  'hs_analytics_source',
  'hs_is_closed',
  'hs_is_closed_won',
  'hs_manual_forecast_category',
];
export const ACTIVITY_PROPERTIES = ['hs_timestamp', 'hubspot_owner_id', 'hs_lastmodifieddate'];
const ACTIVITY_TYPES = { calls: 'call', emails: 'email', meetings: 'meeting' } as const;
type ActivityObject = keyof typeof ACTIVITY_TYPES;

// ---------------------------------------------------------------- shapes
const instant = z.string().refine((v) => !Number.isNaN(Date.parse(v)), { message: 'is not a date-time' });
const numeric = z.string().refine((v) => v.trim() !== '' && Number.isFinite(Number(v)), { message: 'is not a number' });
const prop = z.string().nullable().optional();

const dealProps = z.looseObject({
  dealname: prop,
  // Read as text and checked per page (amountTypeCheck): a retyped amount must not fail the sync.
  amount: prop,
  deal_currency_code: prop,
  amount_in_home_currency: prop,
  pipeline: prop,
  dealstage: prop,
  hubspot_owner_id: prop,
  createdate: instant.nullable().optional(),
  closedate: instant.nullable().optional().or(z.literal('')),
  hs_lastmodifieddate: instant,
  hs_analytics_source: prop,
  hs_is_closed: prop,
  hs_is_closed_won: prop,
  // The rep's forecast category: OMIT, PIPELINE, BEST_CASE, COMMIT or CLOSED (empty when unset).
  hs_manual_forecast_category: prop,
});
const historyEntry = z.object({ value: z.string().nullable(), timestamp: instant });
const hsObject = <P extends z.ZodType>(props: P) =>
  z.object({
    id: z.string(),
    properties: props,
    createdAt: instant,
    updatedAt: instant,
    archived: z.boolean().optional(),
    archivedAt: instant.optional(),
    propertiesWithHistory: z.record(z.string(), z.array(historyEntry)).optional(),
    associations: z.record(z.string(), z.object({ results: z.array(z.object({ id: z.string() })) })).optional(),
  });
const paging = z.object({ next: z.object({ after: z.string() }).optional() }).optional();
const listOf = <T extends z.ZodType>(item: T) => z.object({ results: z.array(item), paging });
const searchOf = <T extends z.ZodType>(item: T) => z.object({ total: z.number(), results: z.array(item), paging });

const dealObject = hsObject(dealProps);
const activityObject = hsObject(z.looseObject({ hs_timestamp: instant.nullable().optional(), hubspot_owner_id: prop, hs_lastmodifieddate: instant }));
const historyObject = hsObject(z.looseObject({ hs_lastmodifieddate: instant.optional() }));
const stageSchema = z.object({
  id: z.string(),
  label: z.string(),
  displayOrder: z.number(),
  archived: z.boolean(),
  metadata: z.looseObject({ probability: numeric.optional(), isClosed: z.enum(['true', 'false']).optional() }),
});
const pipelinesSchema = z.object({ results: z.array(z.object({ id: z.string(), label: z.string(), displayOrder: z.number(), archived: z.boolean(), stages: z.array(stageSchema) })) });
const teamRef = z.object({ id: z.union([z.string(), z.number()]).transform(String), name: z.string(), primary: z.boolean().optional() });
const ownerSchema = z.object({
  id: z.string(),
  email: z.string().nullable().optional(),
  firstName: z.string().nullable().optional(),
  lastName: z.string().nullable().optional(),
  archived: z.boolean(),
  /** The owner's teams (primary and secondary); absent when the account has none. */
  teams: z.array(teamRef).nullable().optional(),
});
const assocSchema = z.object({ results: z.array(z.object({ from: z.object({ id: z.string() }), to: z.array(z.object({ toObjectId: z.union([z.number(), z.string()]) })) })) });

type DealObject = z.infer<typeof dealObject>;
type ActivityObjectShape = z.infer<typeof activityObject>;

const where = (req: CrmRequest) => `${req.method ?? 'GET'} ${req.path}`;

// ---------------------------------------------------------------- mappers
const isoOrNull = (v: string | null | undefined) => (v ? new Date(v).toISOString() : null);
/** A number property's value, or null when blank or not a number (see amountTypeCheck). */
const numberOrNull = (v: string | null | undefined) => (v && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);

export function toDealRow(o: DealObject): DealRow {
  const p = o.properties;
  const closed = p.hs_is_closed === 'true';
  const won = p.hs_is_closed_won === 'true';
  const closeAt = isoOrNull(p.closedate || null);
  return {
    id: o.id,
    name: p.dealname ?? '',
    amount: numberOrNull(p.amount),
    currency: p.deal_currency_code ?? null,
    // HubSpot's own conversion into the company currency (closed deals keep the rate they closed at).
    amountHome: numberOrNull(p.amount_in_home_currency),
    pipelineId: p.pipeline ?? null,
    stageId: p.dealstage ?? null,
    ownerId: p.hubspot_owner_id || null,
    source: p.hs_analytics_source ?? null,
    createdAt: isoOrNull(p.createdate) ?? new Date(o.createdAt).toISOString(),
    // closedate is the expected close date until the deal closes, then the real one.
    closeDate: closeAt ? closeAt.slice(0, 10) : null,
    closedAt: closed ? closeAt : null,
    status: p.hs_is_closed == null ? null : won ? 'won' : closed ? 'lost' : 'open',
    modifiedAt: new Date(p.hs_lastmodifieddate).toISOString(),
    deleted: o.archived === true,
    forecastCategory: p.hs_manual_forecast_category || null,
  };
}

export function toHistoryRows(o: { id: string; propertiesWithHistory?: Record<string, { value: string | null; timestamp: string }[]> }): StageHistoryRow[] {
  return (o.propertiesWithHistory?.dealstage ?? [])
    .filter((h) => h.value)
    .map((h) => ({ dealId: o.id, stageId: h.value!, enteredAt: new Date(h.timestamp).toISOString() }))
    .sort((a, b) => a.enteredAt.localeCompare(b.enteredAt));
}

export function toActivityRow(o: ActivityObjectShape, type: ActivityRow['type'], dealId: string | null): ActivityRow {
  return {
    id: `${type}:${o.id}`,
    type,
    ownerId: o.properties.hubspot_owner_id || null,
    dealId,
    occurredAt: new Date(o.properties.hs_timestamp ?? o.createdAt).toISOString(),
  };
}

// ---------------------------------------------------------------- requests
const getList = (path: string, query: CrmRequest['query']): CrmRequest => ({ method: 'GET', path, query });
const nextAfter = (body: { paging?: { next?: { after: string } } }, req: CrmRequest): CrmRequest | null =>
  body.paging?.next?.after ? { ...req, query: { ...req.query, after: body.paging.next.after } } : null;

function searchRequest(object: string, properties: string[], w: TimeWindow): CrmRequest {
  const filters =
    w.kind === 'from'
      ? [{ propertyName: 'hs_lastmodifieddate', operator: w.inclusive ? 'GTE' : 'GT', value: String(w.ts) }]
      : [{ propertyName: 'hs_lastmodifieddate', operator: 'EQ', value: String(w.ts) }, ...(w.afterId ? [{ propertyName: 'hs_object_id', operator: 'GT', value: w.afterId }] : [])];
  return {
    method: 'POST',
    path: `/crm/v3/objects/${object}/search`,
    bucket: 'search',
    body: {
      filterGroups: [{ filters }],
      sorts: [{ propertyName: w.kind === 'from' ? 'hs_lastmodifieddate' : 'hs_object_id', direction: 'ASCENDING' }],
      properties,
      limit: SEARCH_LIMIT,
    },
  };
}

function searchWalk<T extends { id: string; properties: { hs_lastmodifieddate?: string } }>(http: CrmHttp, object: string, properties: string[], item: z.ZodType<T>, fromTs: number) {
  const schema = searchOf(item);
  return keysetByTime<T>(
    http,
    {
      limit: SEARCH_LIMIT,
      request: (w) => searchRequest(object, properties, w),
      parse: (body, req) => parsePayload(schema, body, LABEL, where(req)).results as T[],
      timeOf: (o) => Date.parse(o.properties.hs_lastmodifieddate!),
      idOf: (o) => o.id,
    },
    fromTs,
  );
}

const cursorMs = (ctx: ReadContext) => (ctx.cursor ? Date.parse(ctx.cursor) - HUBSPOT_OVERLAP_MS : 0);

// ---------------------------------------------------------------- streams
async function fetchPipelines(http: CrmHttp) {
  const req = getList('/crm/v3/pipelines/deals', { archived: false });
  const res = await http.request(req);
  return parsePayload(pipelinesSchema, res.body, LABEL, where(req)).results;
}

const propertyDefinition = z.looseObject({ name: z.string(), type: z.string(), fieldType: z.string().optional() });

/**
 * The deal amount is a number property; an admin can retype it (to a dropdown of size bands, or
 * text). Once a page holds an amount that is not a number, the property's definition says what
 * it is now, and from then on this read reports `amount` as changed type: its values (and the
 * amount in the company currency HubSpot derives from it) are read blank, and the sync keeps
 * the last good ones instead of failing.
 */
function amountTypeCheck(http: CrmHttp): (objects: DealObject[]) => Promise<FieldTypeChange[]> {
  let change: FieldTypeChange | null = null;
  return async (objects) => {
    if (!change) {
      const unreadable = objects.some((o) => !o.archived && (o.properties.amount ?? '').trim() !== '' && numberOrNull(o.properties.amount) === null);
      if (!unreadable) return [];
      let found = 'text that is not a number';
      try {
        const req: CrmRequest = { method: 'GET', path: '/crm/v3/properties/deals/amount' };
        const def = parsePayload(propertyDefinition, (await http.request(req)).body, LABEL, where(req));
        if (def.type !== 'number') found = `${/^[aeiou]/.test(def.type) ? 'an' : 'a'} ${def.type} property, not a number`;
      } catch {
        // The definition is only a better description; the values already tell the type changed.
      }
      change = { field: 'amount', crmField: 'amount', found, dependents: ['amountHome'] };
    }
    return [change];
  };
}

async function* dealPages(ctx: ReadContext): AsyncGenerator<Page<DealRow>> {
  const checkAmount = amountTypeCheck(ctx.http);
  const page = async (objects: DealObject[], checkpoint?: string): Promise<Page<DealRow>> => {
    const typeChanged = await checkAmount(objects);
    const rows = objects.map(toDealRow);
    if (!typeChanged.length) return { rows, ...(checkpoint ? { checkpoint } : {}) };
    return { rows: rows.map((r) => ({ ...r, amount: null, amountHome: null })), typeChanged, ...(checkpoint ? { checkpoint } : {}) };
  };
  const schema = listOf(dealObject);
  const parse = (b: unknown, r: CrmRequest) => parsePayload(schema, b, LABEL, where(r));
  const since = cursorMs(ctx);
  // Archived (deleted) deals first: they carry no checkpoint, so a failure after them cannot
  // move the cursor past one we have not read.
  const archived = getList('/crm/v3/objects/deals', { limit: LIST_LIMIT, archived: true, properties: DEAL_PROPERTIES.join(',') });
  for await (const p of followTokens(ctx.http, archived, parse, nextAfter)) {
    const objects = p.results.filter((o) => !ctx.cursor || Date.parse(o.archivedAt ?? o.updatedAt) >= since);
    if (objects.length) yield await page(objects);
  }
  if (!ctx.cursor) {
    const live = getList('/crm/v3/objects/deals', { limit: LIST_LIMIT, archived: false, properties: DEAL_PROPERTIES.join(',') });
    for await (const p of followTokens(ctx.http, live, parse, nextAfter)) yield await page(p.results);
    return;
  }
  for await (const p of searchWalk(ctx.http, 'deals', DEAL_PROPERTIES, dealObject, since)) {
    yield await page(p.items, new Date(p.checkpoint).toISOString());
  }
}

/** Stage history of the given deals (batch read, HISTORY_LIMIT per call). */
export async function* hubspotHistoryFor(http: CrmHttp, dealIds: string[]): AsyncGenerator<StageHistoryRow[]> {
  const schema = z.object({ results: z.array(historyObject) });
  for (let i = 0; i < dealIds.length; i += HISTORY_LIMIT) {
    const req: CrmRequest = {
      method: 'POST',
      path: '/crm/v3/objects/deals/batch/read',
      body: { inputs: dealIds.slice(i, i + HISTORY_LIMIT).map((id) => ({ id })), properties: ['hs_object_id'], propertiesWithHistory: ['dealstage'] },
    };
    const res = await http.request(req);
    yield parsePayload(schema, res.body, LABEL, where(req)).results.flatMap(toHistoryRows);
  }
}

async function* historyPages(ctx: ReadContext): AsyncGenerator<Page<StageHistoryRow>> {
  if (!ctx.cursor) {
    const schema = listOf(historyObject);
    const req = getList('/crm/v3/objects/deals', { limit: HISTORY_LIMIT, properties: 'hs_object_id', propertiesWithHistory: 'dealstage' });
    for await (const page of followTokens(ctx.http, req, (b, r) => parsePayload(schema, b, LABEL, where(r)), nextAfter)) {
      yield { rows: page.results.flatMap(toHistoryRows) };
    }
    return;
  }
  for await (const page of searchWalk(ctx.http, 'deals', ['hs_lastmodifieddate'], historyObject, cursorMs(ctx))) {
    const rows: StageHistoryRow[] = [];
    for await (const chunk of hubspotHistoryFor(ctx.http, page.items.map((o) => o.id))) rows.push(...chunk);
    yield { rows, checkpoint: new Date(page.checkpoint).toISOString() };
  }
}

async function* activityPages(ctx: ReadContext): AsyncGenerator<Page<ActivityRow>> {
  for (const object of Object.keys(ACTIVITY_TYPES) as ActivityObject[]) {
    const type = ACTIVITY_TYPES[object];
    if (!ctx.cursor) {
      const schema = listOf(activityObject);
      const req = getList(`/crm/v3/objects/${object}`, { limit: LIST_LIMIT, properties: ACTIVITY_PROPERTIES.join(','), associations: 'deals' });
      for await (const page of followTokens(ctx.http, req, (b, r) => parsePayload(schema, b, LABEL, where(r)), nextAfter)) {
        yield { rows: page.results.map((o) => toActivityRow(o, type, o.associations?.deals?.results[0]?.id ?? null)) };
      }
      continue;
    }
    // Search returns no associations: read the deal links for each page in one v4 batch call.
    for await (const page of searchWalk(ctx.http, object, ACTIVITY_PROPERTIES, activityObject, cursorMs(ctx))) {
      const req: CrmRequest = { method: 'POST', path: `/crm/v4/associations/${object}/deals/batch/read`, body: { inputs: page.items.map((o) => ({ id: o.id })) } };
      const links = parsePayload(assocSchema, (await ctx.http.request(req)).body, LABEL, where(req)).results;
      const dealOf = new Map(links.map((l) => [l.from.id, l.to[0] ? String(l.to[0].toObjectId) : null]));
      yield { rows: page.items.map((o) => toActivityRow(o, type, dealOf.get(o.id) ?? null)) };
    }
  }
}

async function* ownerPages(ctx: ReadContext): AsyncGenerator<Page<OwnerRow>> {
  const schema = listOf(ownerSchema);
  for (const archived of [false, true]) {
    const req = getList('/crm/v3/owners', { limit: LIST_LIMIT, archived });
    for await (const page of followTokens(ctx.http, req, (b, r) => parsePayload(schema, b, LABEL, where(r)), nextAfter)) {
      yield {
        rows: page.results.map((o) => ({
          id: o.id,
          name: [o.firstName, o.lastName].filter(Boolean).join(' ') || o.email || o.id,
          email: o.email ?? null,
          active: !archived && !o.archived,
        })),
      };
    }
  }
}

/**
 * HubSpot's teams, as the owners list carries them (`teams: [{id, name, primary}]` on each
 * owner; same scope as the owners): a team is everyone who lists it, primary or secondary.
 * Parent teams are not in the owners list, so a parent team does not see its child teams' deals.
 */
async function hubspotTeams(http: CrmHttp): Promise<CrmTeams> {
  const schema = listOf(ownerSchema);
  const teams = new Map<string, TeamRow>();
  for (const archived of [false, true]) {
    const req = getList('/crm/v3/owners', { limit: LIST_LIMIT, archived });
    for await (const page of followTokens(http, req, (b, r) => parsePayload(schema, b, LABEL, where(r)), nextAfter)) {
      for (const o of page.results) {
        for (const t of o.teams ?? []) {
          const team = teams.get(t.id) ?? { id: t.id, name: t.name, memberIds: [], ownerIds: [] };
          team.memberIds.push(o.id);
          team.ownerIds.push(o.id);
          teams.set(t.id, team);
        }
      }
    }
  }
  return { available: true, teams: [...teams.values()], source: 'HubSpot teams' };
}

/** The company currency (Settings API, currencies; scope settings.currencies.read). Newer versions answer `id`, older `currencyCode`. */
const companyCurrency = z.looseObject({ id: z.string().optional(), currencyCode: z.string().optional() });

/**
 * One exchange rate (GET /settings/v3/currencies/exchange-rates, every rate the portal has kept,
 * historical ones included, paged by `after`): one unit of `fromCurrencyCode` (the added
 * currency) is worth `conversionRate` units of `toCurrencyCode` (the company currency), from
 * `effectiveAt` on.
 */
const exchangeRate = z.looseObject({
  id: z.string(),
  fromCurrencyCode: z.string(),
  toCurrencyCode: z.string(),
  conversionRate: z.number(),
  effectiveAt: z.string(),
});
const exchangeRates = z.looseObject({ results: z.array(exchangeRate), paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional() });
const RATES_PATH = '/settings/v3/currencies/exchange-rates';

/**
 * The portal's exchange rates as dated rates relative to the company currency: each applies from
 * its effective day to the next one's, and the newest is also the current (undated) rate.
 */
export function hubspotRates(base: string, rows: z.infer<typeof exchangeRate>[]): CurrencyInfo['rates'] {
  const byCurrency = new Map<string, { day: string; at: string; perBase: number }[]>();
  for (const r of rows) {
    if (!(r.conversionRate > 0)) continue;
    const from = r.fromCurrencyCode.toUpperCase();
    const to = r.toCurrencyCode.toUpperCase();
    // perBase: units of the currency worth one unit of the company currency.
    const rate = to === base && from !== base ? { currency: from, perBase: 1 / r.conversionRate } : from === base && to !== base ? { currency: to, perBase: r.conversionRate } : null;
    if (!rate) continue;
    const list = byCurrency.get(rate.currency) ?? [];
    list.push({ day: r.effectiveAt.slice(0, 10), at: r.effectiveAt, perBase: rate.perBase });
    byCurrency.set(rate.currency, list);
  }
  const out: CurrencyInfo['rates'] = [];
  for (const [currency, list] of [...byCurrency].sort(([a], [b]) => a.localeCompare(b))) {
    // Several rates effective the same day: the last one set that day holds.
    const byDay = new Map<string, { day: string; at: string; perBase: number }>();
    for (const r of list.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) byDay.set(r.day, r);
    const days = [...byDay.values()];
    days.forEach((r, i) => {
      out.push({ currency, startDate: r.day, endDate: days[i + 1]?.day ?? null, perBase: r.perBase });
    });
    const newest = days[days.length - 1];
    if (newest) out.push({ currency, startDate: null, endDate: null, perBase: newest.perBase });
  }
  return out;
}

const isScopeRefusal = (err: unknown) => err instanceof CrmAuthError || [401, 403].includes((err as { status?: number }).status ?? 0);

/**
 * The company currency and the portal's exchange rates (multi-currency portals). HubSpot also
 * converts each deal itself (amount_in_home_currency, read with the deals), which reports in
 * the company currency use; the rates convert into any other reporting currency and cover
 * deals HubSpot did not convert. Without the scope the deals' own currencies are reported as
 * they are (the most common one, others left out of totals).
 */
async function hubspotCurrencies(http: CrmHttp): Promise<CurrencyInfo> {
  let base: string | null;
  try {
    const res = await http.request({ path: '/settings/v3/currencies/company-currency' });
    const body = parsePayload(companyCurrency, res.body, LABEL, 'GET /settings/v3/currencies/company-currency');
    base = (body.currencyCode ?? body.id ?? null)?.toUpperCase() ?? null;
  } catch (err) {
    if (isScopeRefusal(err)) return { base: null, rates: [], source: 'HubSpot (no settings.currencies.read scope)' };
    throw err;
  }
  if (!base) return { base, rates: [], source: 'HubSpot company currency' };
  const rows: z.infer<typeof exchangeRate>[] = [];
  try {
    const first = getList(RATES_PATH, { limit: LIST_LIMIT });
    for await (const page of followTokens(http, first, (b, r) => parsePayload(exchangeRates, b, LABEL, where(r)), nextAfter)) rows.push(...page.results);
  } catch (err) {
    if (isScopeRefusal(err)) return { base, rates: [], source: 'HubSpot company currency (exchange rates refused)' };
    throw err;
  }
  const rates = hubspotRates(base, rows);
  return { base, rates, source: rates.length ? 'HubSpot exchange rates' : 'HubSpot company currency' };
}

// ---------------------------------------------------------------- targets
/**
 * Goal target properties read. hs_goal_name, hs_target_amount, hs_start_datetime and
 * hs_end_datetime are in HubSpot's goals guide; the assignee (hubspot_owner_id for a user,
 * hs_assignee_team_id or hubspot_team_id for a team), hs_goal_type, hs_pipeline_ids and the
 * KPI properties (hs_kpi_unit_type 'currency' for amounts, hs_goal_target_currency_code) are
 * what the goals API answers for goals made from HubSpot's templates. hs_assignee_user_id (a
 * HubSpot user id, not an owner id) appears on older goals.
 */
export const GOAL_PROPERTIES = [
  'hs_goal_name',
  'hs_goal_type',
  'hs_kpi_unit_type',
  'hs_target_amount',
  'hs_start_datetime',
  'hs_end_datetime',
  'hubspot_owner_id',
  'hs_assignee_user_id',
  'hs_assignee_team_id',
  'hubspot_team_id',
  'hs_pipeline_ids',
  'hs_goal_target_currency_code',
  'hs_lastmodifieddate',
];
const goalObject = hsObject(
  z.looseObject({
    hs_goal_name: prop,
    hs_goal_type: prop,
    hs_kpi_unit_type: prop,
    hs_target_amount: prop,
    hs_start_datetime: prop,
    hs_end_datetime: prop,
    hubspot_owner_id: prop,
    hs_assignee_user_id: prop,
    hs_assignee_team_id: prop,
    hubspot_team_id: prop,
    hs_pipeline_ids: prop,
    hs_goal_target_currency_code: prop,
  }),
);
type GoalObject = z.infer<typeof goalObject>;
const ownerUserSchema = z.looseObject({ id: z.string(), userId: z.number().nullable().optional(), userIdIncludingInactive: z.number().nullable().optional() });

/** Whether a goal measures money: its KPI unit says currency, or (older goals) it is a sales quota. */
function isRevenueGoal(p: GoalObject['properties']): boolean {
  if (p.hs_kpi_unit_type) return p.hs_kpi_unit_type === 'currency';
  return p.hs_goal_type === 'sales_quota';
}

/** One goal target as a CRM goal, or why it is left out. `ownerOfUser` maps HubSpot user ids to owner ids. */
export function toCrmGoal(o: GoalObject, ownerOfUser: Map<string, string>): CrmGoal | CrmGoalSkip {
  const p = o.properties;
  const name = p.hs_goal_name ?? '';
  const skip = (reason: string): CrmGoalSkip => ({ id: o.id, name, reason });
  if (!isRevenueGoal(p)) {
    return skip(`it counts ${p.hs_kpi_unit_type ?? p.hs_goal_type ?? 'something other than revenue'}, not revenue: only revenue goals are targets`);
  }
  const amount = p.hs_target_amount ? Number(p.hs_target_amount) : NaN;
  const start = p.hs_start_datetime ? nearestMidnight(p.hs_start_datetime) : null;
  const end = p.hs_end_datetime ? nearestMidnight(p.hs_end_datetime) : null;
  if (!start || !end) return skip('it has no start or end date');
  const pipelines = (p.hs_pipeline_ids ?? '').split(';').map((x) => x.trim()).filter(Boolean);
  const team = p.hs_assignee_team_id || p.hubspot_team_id;
  let scope: CrmGoal['scope'];
  if (p.hubspot_owner_id) scope = { kind: 'rep', ownerId: p.hubspot_owner_id };
  else if (p.hs_assignee_user_id) {
    const owner = ownerOfUser.get(p.hs_assignee_user_id);
    if (!owner) return skip(`it is assigned to HubSpot user ${p.hs_assignee_user_id}, who is not a deal owner`);
    scope = { kind: 'rep', ownerId: owner };
  } else if (team) scope = { kind: 'sales_team', teamId: team };
  else scope = { kind: 'team' };
  const narrowed = narrowToPipelines(scope, pipelines);
  if ('reason' in narrowed) return skip(narrowed.reason);
  scope = narrowed.scope;
  return { id: o.id, name, start, end, scope, currency: p.hs_goal_target_currency_code || null, amount };
}

/** HubSpot user id → owner id, from the owners list (active and archived). */
async function ownersByUser(http: CrmHttp): Promise<Map<string, string>> {
  const schema = listOf(ownerUserSchema);
  const out = new Map<string, string>();
  for (const archived of [false, true]) {
    const req = getList('/crm/v3/owners', { limit: LIST_LIMIT, archived });
    for await (const page of followTokens(http, req, (b, r) => parsePayload(schema, b, LABEL, where(r)), nextAfter)) {
      for (const o of page.results) {
        const user = o.userId ?? o.userIdIncludingInactive;
        if (user != null) out.set(String(user), o.id);
      }
    }
  }
  return out;
}

/** Every goal target (paged by `after`), narrowed to revenue goals of a scope dealcast keeps. */
async function hubspotTargets(http: CrmHttp): Promise<CrmGoals> {
  const schema = listOf(goalObject);
  const req = getList('/crm/v3/objects/goal_targets', { limit: LIST_LIMIT, archived: false, properties: GOAL_PROPERTIES.join(',') });
  const objects: GoalObject[] = [];
  try {
    for await (const page of followTokens(http, req, (b, r) => parsePayload(schema, b, LABEL, where(r)), nextAfter)) objects.push(...page.results);
  } catch (err) {
    if (err instanceof CrmAuthError) {
      throw new TargetsUnavailable(
        `HubSpot refused GET /crm/v3/objects/goal_targets (HTTP ${err.status ?? 403}): the token lacks the ${HUBSPOT_GOALS_SCOPE} scope`,
        `To read HubSpot goals as targets, add the scope ${HUBSPOT_GOALS_SCOPE} to the private app (Settings → Integrations → Private Apps → Scopes) and sync again.`,
      );
    }
    throw err;
  }
  const ownerOfUser = objects.some((o) => !o.properties.hubspot_owner_id && o.properties.hs_assignee_user_id) ? await ownersByUser(http) : new Map<string, string>();
  const goals: CrmGoal[] = [];
  const skipped: CrmGoalSkip[] = [];
  for (const o of objects) {
    const g = toCrmGoal(o, ownerOfUser);
    if ('reason' in g) skipped.push(g);
    else goals.push(g);
  }
  return { goals, skipped, source: 'HubSpot goals' };
}

export function createHubspotConnector(): Connector {
  return {
    crm: 'hubspot',
    label: LABEL,
    currencies: hubspotCurrencies,
    targets: hubspotTargets,
    teams: hubspotTeams,
    authHint: HUBSPOT_AUTH_HINT,
    capabilities: { stageHistory: true, activities: true, probabilities: true, wonLostFlags: true },
    streams: {
      pipelines: {
        incremental: false,
        async *read(ctx) {
          const rows: PipelineRow[] = (await fetchPipelines(ctx.http)).map((p) => ({ id: p.id, name: p.label, position: p.displayOrder, deleted: p.archived }));
          yield { rows };
        },
      },
      stages: {
        incremental: false,
        async *read(ctx) {
          const rows: StageRow[] = (await fetchPipelines(ctx.http)).flatMap((p) =>
            p.stages.map((s) => {
              const probability = s.metadata.probability === undefined ? null : Number(s.metadata.probability);
              // isClosed when HubSpot says; else by the documented rule (0.0 = lost, 1.0 = won).
              const isClosed = s.metadata.isClosed !== undefined ? s.metadata.isClosed === 'true' : probability === 0 || probability === 1;
              return { id: s.id, pipelineId: p.id, name: s.label, position: s.displayOrder, probability, isClosed, isWon: isClosed && probability === 1, deleted: s.archived };
            }),
          );
          yield { rows };
        },
      },
      owners: { incremental: false, read: ownerPages },
      deals: { incremental: true, read: dealPages },
      stage_history: { incremental: true, read: historyPages },
      activities: { incremental: true, read: activityPages },
    },
    stageHistoryFor: (dealIds, http) => hubspotHistoryFor(http, dealIds),
  };
}

/** The HTTP door's settings for HubSpot: data, read by createCrmHttp. */
export function hubspotHttpOptions(config: Config): CrmHttpOptions {
  const token = config.HUBSPOT_TOKEN ?? '';
  return {
    crm: 'hubspot',
    label: LABEL,
    baseUrl: config.HUBSPOT_BASE_URL,
    headers: { authorization: `Bearer ${token}` },
    secrets: [token],
    authHint: HUBSPOT_AUTH_HINT,
    rateLimits: {
      default: { requests: config.HUBSPOT_REQUESTS_PER_10S, perMs: 10_000 },
      // Search has its own per-second limit and does not draw on the 10-second one.
      search: { requests: 5, perMs: 1_000 },
    },
    throttle: {
      default: { windowHeaders: ['x-hubspot-ratelimit-interval-milliseconds'], fallbackMs: 10_000 },
      search: { fallbackMs: 1_000 },
    },
    classify(status, headers, text) {
      if (status !== 429) return undefined;
      if (/"policyName"\s*:\s*"DAILY"/.test(text) || headers['x-hubspot-ratelimit-daily-remaining'] === '0') {
        return {
          kind: 'quota-exhausted',
          message: 'HubSpot says the daily API limit of this account is used up.',
          hint: 'It resets at midnight in the HubSpot account\'s time zone; the next sync after that continues where this one stopped.',
        };
      }
      if (/secondly/i.test(text)) return { kind: 'throttled', fallbackMs: 1_000 };
      return undefined;
    },
  };
}
