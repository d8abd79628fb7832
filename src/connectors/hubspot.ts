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
 *
 * Never requested: contact emails or phones, call/email/meeting titles, subjects or bodies.
 */
import { z } from 'zod';
import type { Config } from '../config.js';
import { followTokens, keysetByTime, type TimeWindow } from '../sync/paging.js';
import { parsePayload } from '../sync/payload-shape.js';
import type { CrmHttpOptions } from '../sync/http.js';
import { CrmAuthError } from '../errors.js';
import type { ActivityRow, DealRow, OwnerRow, PipelineRow, StageHistoryRow, StageRow } from '../model/rows.js';
import type { Connector, CrmHttp, CrmRequest, CurrencyInfo, FieldTypeChange, Page, ReadContext } from '../sync/connector.js';

const LABEL = 'HubSpot';
export const HUBSPOT_SCOPES = [
  'crm.objects.deals.read',
  'crm.objects.owners.read',
  'crm.objects.calls.read',
  'crm.objects.emails.read',
  'crm.objects.meetings.read',
  'crm.schemas.deals.read',
];
export const HUBSPOT_AUTH_HINT = `Create a private app (Settings → Integrations → Private Apps) with the scopes ${HUBSPOT_SCOPES.join(', ')}, and set HUBSPOT_TOKEN to its access token.`;

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
const ownerSchema = z.object({ id: z.string(), email: z.string().nullable().optional(), firstName: z.string().nullable().optional(), lastName: z.string().nullable().optional(), archived: z.boolean() });
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

/** The company currency (Settings API, currencies; scope settings.currencies.read). Newer versions answer `id`, older `currencyCode`. */
const companyCurrency = z.looseObject({ id: z.string().optional(), currencyCode: z.string().optional() });

/**
 * HubSpot converts each deal itself (amount_in_home_currency, read with the deals); what is
 * needed besides is the company currency those amounts are in. Without the scope the deals'
 * own currencies are reported as they are (the most common one, others left out of totals).
 */
async function hubspotCurrencies(http: CrmHttp): Promise<CurrencyInfo> {
  try {
    const res = await http.request({ path: '/settings/v3/currencies/company-currency' });
    const body = parsePayload(companyCurrency, res.body, LABEL, 'GET /settings/v3/currencies/company-currency');
    return { base: body.currencyCode ?? body.id ?? null, rates: [], source: 'HubSpot company currency' };
  } catch (err) {
    if (err instanceof CrmAuthError || [401, 403].includes((err as { status?: number }).status ?? 0)) return { base: null, rates: [], source: 'HubSpot (no settings.currencies.read scope)' };
    throw err;
  }
}

export function createHubspotConnector(): Connector {
  return {
    crm: 'hubspot',
    label: LABEL,
    currencies: hubspotCurrencies,
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
