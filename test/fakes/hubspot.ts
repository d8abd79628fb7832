/**
 * A fake HubSpot CRM API on 127.0.0.1, speaking the documented v3 wire format (see
 * ../shared/crm-api-notes.md §1): `{results, paging?: {next: {after, link}}}` lists with opaque
 * `after` cursors, search with `{total, results, paging}` and integer-offset `after` refused
 * past 10,000, every property value a string or null, pipelines with
 * `metadata.probability` strings, `propertiesWithHistory` newest first, v4 association batch
 * reads, Bearer tokens, the 10-second rolling limit plus a separate per-second search limit.
 */
import type { ActivityRow, DealRow, OwnerRow, PipelineRow, StageHistoryRow, StageRow } from '../../src/model/rows.js';
import type { CrmModel, ModelActivity, ModelDeal, ModelGoal } from './crm-model.js';
import { decodeCursor, encodeCursor, startFakeServer, type CrmDialect, type FakeKnobs, type FakeResponse, type FakeServer, type WindowLimit } from './fake-server.js';

export const HUBSPOT_TOKEN = 'pat-na1-11111111-2222-3333-4444-555555555555';
/** Published limits for private apps on Free/Starter: 100 per 10 s; search 5 per second. */
export const HUBSPOT_LIMITS: Record<string, WindowLimit> = { default: { requests: 100, perMs: 10_000 }, search: { requests: 5, perMs: 1_000 } };

const wonStage = (pipelineId: string) => `${pipelineId}98`;
const lostStage = (pipelineId: string) => `${pipelineId}99`;
/** The stage HubSpot shows: closed deals sit in the pipeline's closed-won/lost stage. */
const hubspotStage = (d: ModelDeal) => (d.status === 'won' ? wonStage(d.pipelineId) : d.status === 'lost' ? lostStage(d.pipelineId) : d.stageId);
const ms = (iso: string) => Date.parse(iso);

function dealHistory(d: ModelDeal): { stageId: string; enteredAt: string }[] {
  const h = [...d.history];
  if (d.closedAt) h.push({ stageId: hubspotStage(d), enteredAt: d.closedAt });
  return h;
}

/**
 * HubSpot's amount_in_home_currency: the amount at the currency's rate to the company currency,
 * the rate in effect when a closed deal closed, the newest one for an open deal.
 */
export function homeAmount(model: CrmModel, d: ModelDeal): number | null {
  if (d.amount === null) return null;
  const cur = model.currencies;
  if (!cur || d.currency === cur.base) return d.amount;
  const rates = cur.rates.filter((r) => r.currency === d.currency).sort((a, b) => (a.startDate ?? '').localeCompare(b.startDate ?? ''));
  const day = d.closedAt?.slice(0, 10);
  const rate = (day ? rates.filter((r) => (r.startDate ?? '') <= day).pop() : undefined) ?? rates[rates.length - 1];
  return rate ? Math.round((d.amount / rate.perBase) * 100) / 100 : d.amount;
}

/**
 * The portal's exchange rates as the Settings API lists them: one unit of the added currency
 * (fromCurrencyCode) is worth conversionRate units of the company currency, rounded to the 6
 * decimals HubSpot keeps; an undated model rate is one set when the currency was added.
 */
export function exchangeRateObjects(model: CrmModel): { id: string; fromCurrencyCode: string; toCurrencyCode: string; conversionRate: number; effectiveAt: string; createdAt: string; updatedAt: string; visibleInUI: boolean }[] {
  const cur = model.currencies;
  if (!cur) return [];
  return cur.rates.map((r, i) => {
    const at = r.startDate ? `${r.startDate}T00:00:00Z` : '2020-01-01T00:00:00Z';
    return {
      id: String(1000 + i),
      fromCurrencyCode: r.currency,
      toCurrencyCode: cur.base,
      conversionRate: Math.round((1 / r.perBase) * 1e6) / 1e6,
      effectiveAt: at,
      createdAt: at,
      updatedAt: at,
      visibleInUI: true,
    };
  });
}

/** hs_manual_forecast_category: OMIT, PIPELINE, BEST_CASE, COMMIT or CLOSED; '' when unset (HubSpot's empty enum). */
export function hubspotForecastCategory(d: ModelDeal): string {
  const names = { commit: 'COMMIT', best_case: 'BEST_CASE', pipeline: 'PIPELINE', omitted: 'OMIT', unknown: '' } as const;
  return d.forecastCategory ? names[d.forecastCategory] : '';
}

export interface HubspotFakeOptions {
  /**
   * Deal properties an admin retyped mid-life, property → its new type. `amount` as an
   * 'enumeration' answers with size bands ('Large') and no amount in the company currency; the
   * property's definition (GET /crm/v3/properties/deals/amount) says the new type. Set on
   * `fake.options` at any time.
   */
  changeTypes?: Record<string, 'enumeration' | 'string'>;
}

/** The definitions (type, fieldType) of the deal properties dealcast reads as numbers. */
const NUMBER_PROPERTIES: Record<string, { label: string; fieldType: string }> = {
  amount: { label: 'Amount', fieldType: 'number' },
  amount_in_home_currency: { label: 'Amount in company currency', fieldType: 'calculation_equation' },
};

const band = (amount: number) => (amount >= 50_000 ? 'Large' : amount >= 10_000 ? 'Medium' : 'Small');

function dealProperties(model: CrmModel, d: ModelDeal, opts: HubspotFakeOptions = {}): Record<string, string | null> {
  const closed = d.status !== 'open';
  const retyped = opts.changeTypes?.amount !== undefined;
  return {
    dealname: d.name,
    amount: d.amount === null ? null : retyped ? band(d.amount) : String(d.amount),
    deal_currency_code: d.currency,
    amount_in_home_currency: d.amount === null || retyped ? null : String(homeAmount(model, d)),
    pipeline: d.pipelineId,
    dealstage: hubspotStage(d),
    hubspot_owner_id: d.ownerId,
    createdate: d.createdAt,
    // HubSpot's closedate is the expected close date, overwritten with the real one on closing.
    closedate: closed ? d.closedAt : d.closeDate ? `${d.closeDate}T00:00:00Z` : null,
    hs_lastmodifieddate: d.modifiedAt,
    hs_object_id: d.id,
    hs_analytics_source: d.source,
    hs_is_closed: String(closed),
    hs_is_closed_won: String(d.status === 'won'),
    hs_manual_forecast_category: hubspotForecastCategory(d),
    // Data dealcast must never ask for (the fake would serve it if asked).
    hs_contact_email: d.contactEmail,
    hs_contact_phone: d.contactPhone,
  };
}

const ACTIVITY_OBJECTS = { calls: 'call', emails: 'email', meetings: 'meeting' } as const;
type ActivityObject = keyof typeof ACTIVITY_OBJECTS;

function activityProperties(a: ModelActivity): Record<string, string | null> {
  const secret: Record<string, string> = a.type === 'call' ? { hs_call_title: a.subject, hs_call_body: a.body } : a.type === 'email' ? { hs_email_subject: a.subject, hs_email_text: a.body } : { hs_meeting_title: a.subject, hs_meeting_body: a.body };
  return { hs_timestamp: a.occurredAt, hubspot_owner_id: a.ownerId, hs_lastmodifieddate: a.modifiedAt, hs_createdate: a.occurredAt, hs_object_id: a.id, ...secret };
}

function pick(all: Record<string, string | null>, names: string[] | null): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  const want = names ?? ['dealname', 'amount', 'closedate', 'pipeline', 'dealstage'];
  for (const n of [...want, 'hs_object_id', 'hs_lastmodifieddate', 'createdate']) if (n in all) out[n] = all[n]!;
  return out;
}

function simpleObject(id: string, props: Record<string, string | null>, createdAt: string, updatedAt: string, archivedAt: string | null) {
  return { id, properties: props, createdAt, updatedAt, archived: archivedAt !== null, ...(archivedAt ? { archivedAt } : {}) };
}

interface SearchFilter {
  propertyName: string;
  operator: string;
  value?: string;
}

function matches(value: string | null, f: SearchFilter): boolean {
  if (value === null) return f.operator === 'NOT_HAS_PROPERTY';
  const isTime = f.propertyName.endsWith('date') || f.propertyName === 'hs_timestamp';
  const a = isTime ? ms(value) : Number(value);
  const b = isTime ? (/^\d+$/.test(f.value ?? '') ? Number(f.value) : ms(f.value ?? '')) : Number(f.value);
  switch (f.operator) {
    case 'GTE':
      return a >= b;
    case 'GT':
      return a > b;
    case 'LTE':
      return a <= b;
    case 'LT':
      return a < b;
    case 'EQ':
      return a === b;
    case 'HAS_PROPERTY':
      return true;
    default:
      throw new Error(`fake HubSpot does not support operator ${f.operator}`);
  }
}

/**
 * A goal target as the goals API answers it: one object per goal and time slice, period bounds
 * as UTC times (start at midnight, end at the last millisecond), the assignee in
 * hubspot_owner_id (or, on older goals, hs_assignee_user_id: a user id, not an owner id) or a
 * team id, amounts in the KPI's currency.
 */
export function goalProperties(g: ModelGoal): Record<string, string | null> {
  const owner = g.assignee.kind === 'owner' ? g.assignee : null;
  return {
    hs_goal_name: g.name,
    hs_goal_type: g.metric === 'revenue' ? 'sales_quota' : 'calls',
    hs_kpi_unit_type: g.metric === 'revenue' ? 'currency' : 'count',
    hs_milestone: { week: 'weekly', month: 'monthly', quarter: 'quarterly', year: 'yearly' }[g.interval],
    hs_target_amount: g.amount.toFixed(2),
    hs_start_datetime: `${g.start}T00:00:00Z`,
    hs_end_datetime: new Date(Date.parse(`${g.end}T00:00:00Z`) - 1).toISOString(),
    hubspot_owner_id: owner && !owner.viaUserId ? owner.ownerId : null,
    hs_assignee_user_id: owner?.viaUserId ? String(Number(owner.ownerId) * 7) : null,
    hs_assignee_team_id: g.assignee.kind === 'team' ? g.assignee.teamId : null,
    hubspot_team_id: null,
    hs_pipeline_ids: g.pipelineId ?? null,
    hs_goal_target_currency_code: g.metric === 'revenue' ? g.currency : null,
    hs_group_correlation_uuid: `00000000-0000-4000-8000-${g.id.padStart(12, '0')}`,
    hs_goal_target_group_id: String(Number(g.id) * 10),
    hs_created_by_user_id: '3507',
    hs_lastmodifieddate: '2026-10-01T09:00:00.000Z',
    hs_object_id: g.id,
  };
}

export interface HubspotFake extends FakeServer {
  model: CrmModel;
  options: HubspotFakeOptions;
}

export function hubspotDialect(model: CrmModel, knobs: () => FakeKnobs, opts: HubspotFakeOptions = {}): CrmDialect {
  /** GET list paging: ordered by id, `after` an opaque cursor naming the last id served. */
  const list = <T extends { id: string }>(route: string, items: () => T[], q: URLSearchParams, maxLimit: number): { page: T[]; paging: object } => {
    const limit = Math.min(Number(q.get('limit') ?? 10), maxLimit, knobs().pageSize);
    const token = q.get('after');
    const cursor = token ? decodeCursor<{ id: string; n: number }>(token) : null;
    if (cursor) knobs().beforePage?.(route, cursor.n);
    // Items come in id order (see byId); the cursor names the last id served.
    const after = cursor ? Number(cursor.id) : -Infinity;
    const rest: T[] = [];
    for (const x of items()) {
      if (Number(x.id) > after) rest.push(x);
      if (rest.length > limit) break;
    }
    const page = rest.slice(0, limit);
    const next = rest.length > limit ? encodeCursor({ id: page[page.length - 1]!.id, n: (cursor?.n ?? 0) + 1 }) : null;
    return { page, paging: next ? { paging: { next: { after: next, link: `?after=${next}` } } } : {} };
  };
  const propList = (q: URLSearchParams, name: string) => {
    const v = q.getAll(name).flatMap((s) => s.split(',')).filter(Boolean);
    return v.length ? v : null;
  };
  const badRequest = (message: string): FakeResponse => ({ status: 400, body: { status: 'error', message, correlationId: 'fake', category: 'VALIDATION_ERROR' } });

  const renderDeal = (d: ModelDeal, props: string[] | null, history: string[] | null) => ({
    ...simpleObject(d.id, pick(dealProperties(model, d, opts), props), d.createdAt, d.modifiedAt, d.archivedAt),
    ...(history?.includes('dealstage')
      ? {
          propertiesWithHistory: {
            dealstage: dealHistory(d)
              .slice()
              .reverse()
              .map((h) => ({ value: h.stageId, timestamp: h.enteredAt, sourceType: 'CRM_UI', sourceId: 'userId:28604240', updatedByUserId: 28604240 })),
          },
        }
      : {}),
  });

  const search = (route: string, body: { filterGroups?: { filters: SearchFilter[] }[]; sorts?: { propertyName: string; direction: string }[]; properties?: string[]; limit?: number; after?: string }, rows: { id: string; props: Record<string, string | null>; render: (p: string[] | null) => unknown }[]): FakeResponse => {
    if (JSON.stringify(body).length > 3000) return badRequest('Request body exceeds 3000 characters.');
    const limit = Math.min(body.limit ?? 10, 200, knobs().pageSize);
    const after = Number(body.after ?? 0);
    if (after >= 10_000) return badRequest('Paging past 10,000 results is not supported.');
    // Each search call is a page of one walk (offset paging or keyset re-windowing alike).
    const calls = (searchCalls.get(route) ?? 0) + 1;
    searchCalls.set(route, calls);
    if (calls > 1) knobs().beforePage?.(route, calls - 1);
    const groups = body.filterGroups ?? [];
    let hits = rows.filter((r) => groups.length === 0 || groups.some((g) => g.filters.every((f) => matches(r.props[f.propertyName] ?? null, f))));
    const sort = body.sorts?.[0];
    if ((body.sorts?.length ?? 0) > 1) return badRequest('Only one sort is allowed.');
    const key = sort?.propertyName ?? 'createdate';
    const val = (r: (typeof hits)[number]) => {
      const v = r.props[key] ?? '';
      return /^\d+$/.test(v) ? Number(v) : ms(v);
    };
    hits = hits.sort((x, y) => (val(x) - val(y)) * (sort?.direction === 'DESCENDING' ? -1 : 1) || Number(x.id) - Number(y.id));
    const page = hits.slice(after, after + limit);
    const nextAfter = after + limit < hits.length ? String(after + limit) : null;
    return { status: 200, body: { total: hits.length, results: page.map((r) => r.render(body.properties ?? null)), ...(nextAfter ? { paging: { next: { after: nextAfter } } } : {}) } };
  };

  const searchCalls = new Map<string, number>();
  /** Items in id order, re-sorted only when the list grows (ids never change). */
  const sortCache = new Map<unknown[], { n: number; sorted: unknown[] }>();
  const byId = <T extends { id: string }>(items: T[]): T[] => {
    const c = sortCache.get(items);
    if (c && c.n === items.length) return c.sorted as T[];
    const sorted = [...items].sort((x, y) => Number(x.id) - Number(y.id));
    sortCache.set(items, { n: items.length, sorted });
    return sorted;
  };
  const liveDeals = () => model.deals.filter((d) => d.archivedAt === null);

  return {
    bucketOf: (req) => (req.path.endsWith('/search') ? 'search' : 'default'),
    checkAuth(req) {
      if (req.headers.authorization === `Bearer ${HUBSPOT_TOKEN}`) return undefined;
      return {
        status: 401,
        headers: { 'x-hubspot-auth-failure': '401 Unauthorized' },
        body: {
          status: 'error',
          message: 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
          correlationId: 'f0ee980f-a446-4189-b004-ff06d08bf4e3',
          category: 'INVALID_AUTHENTICATION',
        },
      };
    },
    throttled(bucket) {
      return bucket === 'search'
        ? { status: 429, body: { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', correlationId: 'fake', policyName: 'SECONDLY' } }
        : {
            status: 429,
            headers: { 'x-hubspot-ratelimit-interval-milliseconds': '10000', 'x-hubspot-ratelimit-max': '100', 'x-hubspot-ratelimit-remaining': '0' },
            body: { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: 'fake', policyName: 'TEN_SECONDLY_ROLLING' },
          };
    },
    errorBody(status) {
      if (status === 401) return { status: 'error', message: 'The OAuth token used to make this call expired 0 second(s) ago.', correlationId: 'fake', category: 'EXPIRED_AUTHENTICATION' };
      if (status === 403) return { status: 'error', message: 'This app hasn\'t been granted all required scopes to make this call.', correlationId: 'fake', category: 'MISSING_SCOPES' };
      if (status === 429) return { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: 'fake', policyName: 'TEN_SECONDLY_ROLLING' };
      return { status: 'error', message: 'internal error', correlationId: 'fake', category: 'INTERNAL_ERROR' };
    },
    okHeaders(bucket, remaining, limit): Record<string, string> {
      if (bucket === 'search' || !limit) return {};
      return { 'x-hubspot-ratelimit-max': String(limit.requests), 'x-hubspot-ratelimit-remaining': String(remaining), 'x-hubspot-ratelimit-interval-milliseconds': String(limit.perMs) };
    },
    route(req) {
      const q = req.query;
      const p = req.path;
      if (req.method === 'GET' && p === '/settings/v3/currencies/company-currency') {
        return { status: 200, body: { id: model.currencies?.base ?? 'USD', createdAt: '2020-01-01T00:00:00Z' } };
      }
      if (req.method === 'GET' && p === '/settings/v3/currencies/exchange-rates') {
        const { page, paging } = list('exchange-rates', () => exchangeRateObjects(model), q, 100);
        return { status: 200, body: { results: page, ...paging } };
      }
      if (req.method === 'GET' && p === '/crm/v3/pipelines/deals') {
        return {
          status: 200,
          body: {
            results: model.pipelines.map((pl) => ({
              id: pl.id,
              label: pl.name,
              displayOrder: pl.position,
              archived: false,
              createdAt: '2024-01-01T00:00:00Z',
              updatedAt: '2024-01-01T00:00:00Z',
              stages: [
                ...pl.stages.map((s) => ({ id: s.id, label: s.name, displayOrder: s.position, metadata: { isClosed: 'false', probability: s.probability.toFixed(1) } })),
                { id: wonStage(pl.id), label: 'Closed won', displayOrder: pl.stages.length, metadata: { isClosed: 'true', probability: '1.0' } },
                { id: lostStage(pl.id), label: 'Closed lost', displayOrder: pl.stages.length + 1, metadata: { isClosed: 'true', probability: '0.0' } },
              ].map((s) => ({ ...s, archived: false, createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-01-01T00:00:00Z', writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT' })),
            })),
          },
        };
      }
      if (req.method === 'GET' && p === '/crm/v3/owners') {
        const archived = q.get('archived') === 'true';
        const { page, paging } = list('owners', () => byId(model.owners).filter((o) => o.active !== archived), q, 500);
        return {
          status: 200,
          body: {
            results: page.map((o) => ({
              id: o.id,
              email: o.email,
              firstName: o.firstName,
              lastName: o.lastName,
              userId: o.active ? Number(o.id) * 7 : null,
              ...(o.active ? {} : { userIdIncludingInactive: Number(o.id) * 7 }),
              createdAt: '2024-01-01T00:00:00Z',
              updatedAt: '2024-01-01T00:00:00Z',
              archived: !o.active,
              teams: (model.teams ?? []).filter((t) => t.memberIds.includes(o.id)).map((t, i) => ({ id: t.id, name: t.name, primary: i === 0 })),
            })),
            ...paging,
          },
        };
      }
      if (req.method === 'GET' && p === '/crm/v3/objects/deals') {
        const archived = q.get('archived') === 'true';
        const history = propList(q, 'propertiesWithHistory');
        const { page, paging } = list('deals', () => byId(model.deals).filter((d) => (d.archivedAt !== null) === archived), q, history ? 50 : 100);
        return { status: 200, body: { results: page.map((d) => renderDeal(d, propList(q, 'properties'), history)), ...paging } };
      }
      if (req.method === 'POST' && p === '/crm/v3/objects/deals/search') {
        return search('deals-search', req.body as never, liveDeals().map((d) => ({ id: d.id, props: dealProperties(model, d, opts), render: (props: string[] | null) => renderDeal(d, props, null) })));
      }
      if (req.method === 'POST' && p === '/crm/v3/objects/deals/batch/read') {
        const body = req.body as { inputs: { id: string }[]; properties?: string[]; propertiesWithHistory?: string[] };
        if (body.inputs.length > 100) return badRequest('Batch read accepts at most 100 inputs.');
        const byId = new Map(model.deals.map((d) => [d.id, d]));
        const found = body.inputs.map((i) => byId.get(i.id)).filter((d): d is ModelDeal => d !== undefined && d.archivedAt === null);
        const now = new Date().toISOString();
        return { status: 200, body: { status: 'COMPLETE', results: found.map((d) => renderDeal(d, body.properties ?? null, body.propertiesWithHistory ?? null)), startedAt: now, completedAt: now } };
      }
      const act = /^\/crm\/v3\/objects\/(calls|emails|meetings)(\/search)?$/.exec(p);
      if (act) {
        const type = ACTIVITY_OBJECTS[act[1] as ActivityObject];
        const items = () => byId(model.activities).filter((a) => a.type === type);
        const render = (a: ModelActivity, props: string[] | null, assoc: boolean) => ({
          ...simpleObject(a.id, pickActivity(activityProperties(a), props), a.occurredAt, a.modifiedAt, null),
          ...(assoc && a.dealId ? { associations: { deals: { results: [{ id: a.dealId, type: `${type}_to_deal` }] } } } : {}),
        });
        if (act[2] && req.method === 'POST') {
          return search(`${act[1]}-search`, req.body as never, items().map((a) => ({ id: a.id, props: activityProperties(a), render: (props: string[] | null) => render(a, props, false) })));
        }
        if (req.method === 'GET') {
          const { page, paging } = list(act[1]!, items, q, 100);
          const assoc = propList(q, 'associations')?.includes('deals') ?? false;
          return { status: 200, body: { results: page.map((a) => render(a, propList(q, 'properties'), assoc)), ...paging } };
        }
      }
      const property = /^\/crm\/v3\/properties\/deals\/([a-z_]+)$/.exec(p);
      if (property && req.method === 'GET') {
        const name = property[1]!;
        const def = NUMBER_PROPERTIES[name];
        if (!def) return { status: 404, body: { status: 'error', message: `Unable to find property ${name}`, correlationId: 'fake', category: 'OBJECT_NOT_FOUND' } };
        const type = opts.changeTypes?.[name] ?? 'number';
        const fieldType = type === 'enumeration' ? 'select' : type === 'string' ? 'text' : def.fieldType;
        return { status: 200, body: { name, label: def.label, type, fieldType, groupName: 'dealinformation', options: [] } };
      }
      const v4 = /^\/crm\/v4\/associations\/(calls|emails|meetings)\/deals\/batch\/read$/.exec(p);
      if (v4 && req.method === 'POST') {
        const body = req.body as { inputs: { id: string }[] };
        if (body.inputs.length > 1000) return badRequest('Too many inputs.');
        const byId = new Map(model.activities.map((a) => [a.id, a]));
        const results = body.inputs
          .map((i) => byId.get(i.id))
          .filter((a): a is ModelActivity => a !== undefined && a.dealId !== null)
          .map((a) => ({ from: { id: a.id }, to: [{ toObjectId: Number(a.dealId), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 206, label: null }] }] }));
        return { status: 200, body: { status: 'COMPLETE', results, startedAt: '2026-01-01T00:00:00Z', completedAt: '2026-01-01T00:00:00Z' } };
      }
      if (req.method === 'GET' && p === '/crm/v3/objects/goal_targets') {
        const want = propList(q, 'properties');
        const { page, paging } = list('goal_targets', () => byId(model.goals ?? []), q, 100);
        return {
          status: 200,
          body: {
            results: page.map((g) => {
              const all = goalProperties(g);
              const props: Record<string, string | null> = {};
              for (const n of [...(want ?? []), 'hs_createdate', 'hs_lastmodifieddate', 'hs_object_id']) if (n in all) props[n] = all[n]!;
              props.hs_createdate = '2026-09-20T09:00:00.000Z';
              return simpleObject(g.id, props, '2026-09-20T09:00:00.000Z', '2026-10-01T09:00:00.000Z', null);
            }),
            ...paging,
          },
        };
      }
      return { status: 404, body: { status: 'error', message: `Unknown path ${req.method} ${p}`, correlationId: 'fake', category: 'OBJECT_NOT_FOUND' } };
    },
  };
}

function pickActivity(all: Record<string, string | null>, names: string[] | null): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const n of [...(names ?? []), 'hs_object_id', 'hs_lastmodifieddate', 'hs_createdate']) if (n in all) out[n] = all[n]!;
  return out;
}

export async function startHubspotFake(model: CrmModel, knobs: Partial<FakeKnobs> = {}): Promise<HubspotFake> {
  let server: FakeServer | undefined;
  const options: HubspotFakeOptions = {};
  const dialect = hubspotDialect(model, () => server!.knobs, options);
  server = await startFakeServer(dialect, knobs);
  return Object.assign(server, { model, options });
}

/** The rows a correct HubSpot connector produces from this model. */
export function hubspotExpected(model: CrmModel) {
  const pipelines: PipelineRow[] = model.pipelines.map((p) => ({ id: p.id, name: p.name, position: p.position }));
  const stages: StageRow[] = model.pipelines.flatMap((p) => [
    ...p.stages.map((s) => ({ id: s.id, pipelineId: p.id, name: s.name, position: s.position, probability: s.probability, isClosed: false, isWon: false })),
    { id: wonStage(p.id), pipelineId: p.id, name: 'Closed won', position: p.stages.length, probability: 1, isClosed: true, isWon: true },
    { id: lostStage(p.id), pipelineId: p.id, name: 'Closed lost', position: p.stages.length + 1, probability: 0, isClosed: true, isWon: false },
  ]);
  const owners: OwnerRow[] = model.owners.map((o) => ({ id: o.id, name: `${o.firstName} ${o.lastName}`, email: o.email, active: o.active }));
  const deals: DealRow[] = model.deals.map((d) => {
    const closed = d.status !== 'open';
    return {
      id: d.id,
      name: d.name,
      amount: d.amount,
      currency: d.currency,
      amountHome: homeAmount(model, d),
      pipelineId: d.pipelineId,
      stageId: hubspotStage(d),
      ownerId: d.ownerId,
      source: d.source,
      createdAt: d.createdAt,
      closeDate: closed ? d.closedAt!.slice(0, 10) : d.closeDate,
      closedAt: closed ? d.closedAt : null,
      status: d.status,
      modifiedAt: d.modifiedAt,
      deleted: d.archivedAt !== null,
      forecastCategory: hubspotForecastCategory(d) || null,
    };
  });
  const history: StageHistoryRow[] = model.deals.filter((d) => d.archivedAt === null).flatMap((d) => dealHistory(d).map((h) => ({ dealId: d.id, stageId: h.stageId, enteredAt: h.enteredAt })));
  const activities: ActivityRow[] = model.activities.map((a) => ({ id: `${a.type}:${a.id}`, type: a.type, ownerId: a.ownerId, dealId: a.dealId, occurredAt: a.occurredAt }));
  return { pipelines, stages, owners, deals, stage_history: history, activities };
}
