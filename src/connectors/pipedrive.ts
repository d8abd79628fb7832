/**
 * Pipedrive (API v2 where it exists, v1 for users and the deal changelog): what to ask for and
 * how to read the answers. Paging, retries, rate limits and cursors are src/sync/'s.
 *
 * - pipelines, stages: GET /api/v2/pipelines, /api/v2/stages (deal_probability 0–100)
 * - owners: GET /v1/users
 * - deals: GET /api/v2/deals sorted by update_time (updated_since = cursor when incremental),
 *   plus status=deleted (kept, marked deleted) and /api/v2/deals/archived (Pipedrive's archive
 *   hides a deal from lists; it is still a real won/lost/open deal). Won and lost are deal
 *   statuses in Pipedrive, not stages.
 * - stage history: per deal, GET /v1/deals/{id}/changelog (stage_id changes), only for deals
 *   whose stage changed since the cursor; a deal that never moved entered its stage when added.
 * - activities: GET /api/v2/activities by update_time; type call/email/meeting, anything else
 *   (task, deadline, custom types) counts as task. The list also carries subject and note:
 *   they are dropped at parse and never stored.
 * - targets: GET /v1/goals/find?type.name=deals_won (everyone's goals), active and inactive;
 *   revenue goals (tracking_metric sum) only, one target per interval, for the company, a
 *   pipeline, a person or a team (assignee.type team, by the team id /v1/legacyTeams gives).
 *
 * Never requested: persons (contact emails, phones), mail messages, notes.
 */
import { z } from 'zod';
import type { Config } from '../config.js';
import { followTokens, mapConcurrent } from '../sync/paging.js';
import { parsePayload } from '../sync/payload-shape.js';
import type { CrmHttpOptions } from '../sync/http.js';
import type { ActivityRow, DealRow, OwnerRow, StageHistoryRow, StageRow } from '../model/rows.js';
import { TargetsUnavailable, type CategoryFieldCandidate, type Connector, type CrmGoal, type CrmGoals, type CrmGoalSkip, type CrmHttp, type CrmRequest, type CrmTeams, type CurrencyInfo, type Page, type ReadContext } from '../sync/connector.js';
import { CrmAuthError, CrmHttpError } from '../errors.js';
import { addDays, addMonths } from '../time/calendar.js';
import { narrowToPipelines } from '../targets/crm-goals.js';

const LABEL = 'Pipedrive';
export const PIPEDRIVE_AUTH_HINT =
  'Copy your personal API token from Pipedrive (profile menu → Personal preferences → API) and set PIPEDRIVE_API_TOKEN; the user needs to see all deals (visibility "Everyone" or an admin).';
/** Re-read this much before the cursor (clock differences between us and Pipedrive). */
export const PIPEDRIVE_OVERLAP_MS = 60_000;
export const PAGE_LIMIT = 500;
export const CHANGELOG_LIMIT = 100;
/** Per-deal changelog requests in flight at once (all still paced by the rate limiter). */
export const CHANGELOG_CONCURRENCY = 8;

// ---------------------------------------------------------------- shapes
const instant = z.string().refine((v) => !Number.isNaN(Date.parse(v)), { message: 'is not a date-time' });
/** v1 times: 'YYYY-MM-DD HH:MM:SS' in UTC. */
const v1Instant = z.string().regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, { message: 'is not a YYYY-MM-DD HH:MM:SS time' });
const id = z.number().int();
const v2 = <T extends z.ZodType>(item: T) => z.object({ success: z.literal(true), data: z.array(item), additional_data: z.object({ next_cursor: z.string().nullable().optional() }).nullable().optional() });

const pipelineSchema = z.object({ id, name: z.string(), order_nr: z.number(), is_deleted: z.boolean(), is_deal_probability_enabled: z.boolean() });
const stageSchema = z.object({ id, name: z.string(), order_nr: z.number(), is_deleted: z.boolean(), deal_probability: z.number().nullable(), pipeline_id: id });
const userSchema = z.object({ id, name: z.string(), email: z.string().nullable().optional(), active_flag: z.boolean(), is_deleted: z.boolean().optional() });
const dealSchema = z.object({
  id,
  title: z.string(),
  owner_id: id.nullable(),
  value: z.number().nullable(),
  currency: z.string().nullable(),
  stage_id: id.nullable(),
  pipeline_id: id.nullable(),
  add_time: instant,
  update_time: instant,
  stage_change_time: instant.nullable().optional(),
  status: z.enum(['open', 'won', 'lost', 'deleted']),
  is_deleted: z.boolean(),
  close_time: instant.nullable().optional(),
  won_time: instant.nullable().optional(),
  lost_time: instant.nullable().optional(),
  expected_close_date: z.string().regex(/^\d{4}-\d\d-\d\d$/, { message: 'is not a YYYY-MM-DD date' }).nullable().optional(),
  origin: z.string().nullable().optional(),
  // Asked for by key (the `custom_fields` parameter): the forecast category field, when set.
  custom_fields: z.record(z.string(), z.unknown()).nullable().optional(),
});
// Only the fields we keep: zod drops subject, note, participants… at parse.
const activitySchema = z.object({
  id,
  type: z.string(),
  owner_id: id.nullable(),
  deal_id: id.nullable().optional(),
  due_date: z.string().nullable().optional(),
  due_time: z.string().nullable().optional(),
  add_time: instant,
  update_time: instant,
  is_deleted: z.boolean().optional(),
});
const changeSchema = z.object({ field_key: z.string(), old_value: z.unknown(), new_value: z.unknown(), time: v1Instant });
const changelogSchema = z.object({ success: z.literal(true), data: z.array(changeSchema), additional_data: z.object({ next_cursor: z.string().nullable().optional() }).nullable().optional() });

type PdDeal = z.infer<typeof dealSchema>;
type PdActivity = z.infer<typeof activitySchema>;
const where = (req: CrmRequest) => `${req.method ?? 'GET'} ${req.path}`;

// ---------------------------------------------------------------- mappers
const iso = (v: string) => new Date(v).toISOString();
const isoOrNull = (v: string | null | undefined) => (v ? iso(v) : null);
const v1ToIso = (v: string) => new Date(`${v.replace(' ', 'T')}Z`).toISOString();
const str = (v: number | null | undefined) => (v === null || v === undefined ? null : String(v));

/** A custom field's value as text: an enum's option id, a text, the first option of a set; null when empty. */
export function customFieldText(v: unknown): string | null {
  if (Array.isArray(v)) return customFieldText(v[0]);
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string') return v.trim() || null;
  if (v && typeof v === 'object' && 'value' in v) return customFieldText((v as { value: unknown }).value);
  return null;
}

export function toDealRow(d: PdDeal, categoryField?: string | null): DealRow {
  // A deleted deal keeps its won/lost times: recover what it was before deletion.
  const status = d.status !== 'deleted' ? d.status : d.won_time ? 'won' : d.lost_time ? 'lost' : 'open';
  const closed = status === 'won' || status === 'lost';
  return {
    id: String(d.id),
    name: d.title,
    amount: d.value,
    currency: d.currency,
    pipelineId: str(d.pipeline_id),
    stageId: str(d.stage_id),
    ownerId: str(d.owner_id),
    source: d.origin ?? null,
    createdAt: iso(d.add_time),
    closeDate: d.expected_close_date ?? null,
    closedAt: closed ? isoOrNull(status === 'won' ? (d.won_time ?? d.close_time) : (d.lost_time ?? d.close_time)) : null,
    status,
    // A deal whose stage never changed has been in it since it was added.
    stageEnteredAt: iso(d.stage_change_time ?? d.add_time),
    modifiedAt: iso(d.update_time),
    deleted: d.is_deleted || d.status === 'deleted',
    ...(categoryField ? { forecastCategory: customFieldText(d.custom_fields?.[categoryField]) } : {}),
  };
}

const ACTIVITY_TYPES: Record<string, ActivityRow['type']> = { call: 'call', email: 'email', meeting: 'meeting' };

export function toActivityRow(a: PdActivity): ActivityRow {
  const occurredAt = a.due_date ? iso(`${a.due_date}T${a.due_time && /^\d\d:\d\d/.test(a.due_time) ? a.due_time.slice(0, 5) : '00:00'}:00Z`) : iso(a.add_time);
  return { id: String(a.id), type: ACTIVITY_TYPES[a.type] ?? 'task', ownerId: str(a.owner_id), dealId: str(a.deal_id), occurredAt, deleted: a.is_deleted === true ? true : undefined };
}

/** Stage entries from a deal's changelog: the first stage at add time, then each move. */
export function historyFromChangelog(dealId: string, addedAt: string, changes: z.infer<typeof changeSchema>[]): StageHistoryRow[] {
  const moves = changes.filter((c) => c.field_key === 'stage_id').sort((a, b) => a.time.localeCompare(b.time));
  const first = moves[0];
  if (!first) return [];
  const rows: StageHistoryRow[] = [];
  if (first.old_value !== null && first.old_value !== undefined) rows.push({ dealId, stageId: String(first.old_value), enteredAt: iso(addedAt) });
  for (const m of moves) if (m.new_value !== null && m.new_value !== undefined) rows.push({ dealId, stageId: String(m.new_value), enteredAt: v1ToIso(m.time) });
  return rows;
}

// ---------------------------------------------------------------- requests
/** Pipedrive refuses fractional seconds in updated_since. */
const rfc3339 = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
const nextCursor = (body: { additional_data?: { next_cursor?: string | null } | null }, req: CrmRequest): CrmRequest | null =>
  body.additional_data?.next_cursor ? { ...req, query: { ...req.query, cursor: body.additional_data.next_cursor } } : null;

function v2Pages<T extends z.ZodType>(http: CrmHttp, path: string, item: T, query: CrmRequest['query'] = {}) {
  const schema = v2(item);
  return followTokens(http, { method: 'GET', path, query: { limit: PAGE_LIMIT, ...query } }, (b, r) => parsePayload(schema, b, LABEL, where(r)), nextCursor);
}

const sinceMs = (ctx: ReadContext) => (ctx.cursor ? Date.parse(ctx.cursor) - PIPEDRIVE_OVERLAP_MS : null);
const byUpdate = (ctx: ReadContext) => {
  const since = sinceMs(ctx);
  return { sort_by: 'update_time', sort_direction: 'asc', ...(since !== null ? { updated_since: rfc3339(since) } : {}) };
};
const maxUpdate = (rows: { update_time: string }[]) => rows.reduce((m, r) => (r.update_time > m ? r.update_time : m), rows[0]!.update_time);

/** Deals, page by page; with `categoryField` (a custom field key) its value is asked for and kept as the forecast category. */
function dealPages(categoryField: string | null) {
  const extra = categoryField ? { custom_fields: categoryField } : {};
  const rows = (data: PdDeal[]) => data.map((d) => toDealRow(d, categoryField));
  return async function* (ctx: ReadContext): AsyncGenerator<Page<DealRow>> {
    // Deleted and archived deals first, without checkpoints (see the cursor rule).
    for await (const page of v2Pages(ctx.http, '/api/v2/deals', dealSchema, { ...byUpdate(ctx), ...extra, status: 'deleted' })) if (page.data.length) yield { rows: rows(page.data) };
    for await (const page of v2Pages(ctx.http, '/api/v2/deals/archived', dealSchema, { ...byUpdate(ctx), ...extra })) if (page.data.length) yield { rows: rows(page.data) };
    for await (const page of v2Pages(ctx.http, '/api/v2/deals', dealSchema, { ...byUpdate(ctx), ...extra })) {
      if (page.data.length) yield { rows: rows(page.data), checkpoint: iso(maxUpdate(page.data)) };
    }
  };
}

async function changelog(http: CrmHttp, dealId: string) {
  const changes: z.infer<typeof changeSchema>[] = [];
  const first: CrmRequest = { method: 'GET', path: `/v1/deals/${dealId}/changelog`, query: { limit: CHANGELOG_LIMIT } };
  for await (const page of followTokens(http, first, (b, r) => parsePayload(changelogSchema, b, LABEL, where(r)), nextCursor)) changes.push(...page.data);
  return changes;
}

/** Stage history of one page of deals: the changelog for those that moved, add time for the rest. */
async function historyOf(http: CrmHttp, deals: PdDeal[], since: number | null): Promise<StageHistoryRow[]> {
  const moved = deals.filter((d) => d.stage_change_time && (since === null || Date.parse(d.stage_change_time) >= since));
  const unmoved = since === null ? deals.filter((d) => !d.stage_change_time && d.stage_id !== null) : [];
  const logs = await mapConcurrent(moved, CHANGELOG_CONCURRENCY, (d) => changelog(http, String(d.id)));
  return [
    ...unmoved.map((d) => ({ dealId: String(d.id), stageId: String(d.stage_id), enteredAt: iso(d.add_time) })),
    ...moved.flatMap((d, i) => historyFromChangelog(String(d.id), d.add_time, logs[i] ?? [])),
  ];
}

async function* historyPages(ctx: ReadContext): AsyncGenerator<Page<StageHistoryRow>> {
  const since = sinceMs(ctx);
  for await (const page of v2Pages(ctx.http, '/api/v2/deals/archived', dealSchema, byUpdate(ctx))) {
    if (page.data.length) yield { rows: await historyOf(ctx.http, page.data, since) };
  }
  for await (const page of v2Pages(ctx.http, '/api/v2/deals', dealSchema, byUpdate(ctx))) {
    if (!page.data.length) continue;
    yield { rows: await historyOf(ctx.http, page.data, since), checkpoint: iso(maxUpdate(page.data)) };
  }
}

/** For `dealcast backfill`: the changelog-based history of the given deals. */
async function* historyFor(dealIds: string[], http: CrmHttp): AsyncGenerator<StageHistoryRow[]> {
  const CHUNK = 20;
  for (let i = 0; i < dealIds.length; i += CHUNK) {
    const ids = dealIds.slice(i, i + CHUNK);
    const deals = await mapConcurrent(ids, CHANGELOG_CONCURRENCY, async (dealId) => {
      const req: CrmRequest = { method: 'GET', path: `/api/v2/deals/${dealId}` };
      const res = await http.request(req);
      return parsePayload(z.object({ success: z.literal(true), data: dealSchema }), res.body, LABEL, where(req)).data;
    });
    yield await historyOf(http, deals, null);
  }
}

// GET /v1/users/me (the company's default currency) and GET /v1/deals/summary (each currency's
// total, and the same total converted into the default currency at Pipedrive's own rates).
const meSchema = z.looseObject({ success: z.boolean(), data: z.looseObject({ default_currency: z.string().nullable().optional() }) });
const summarySchema = z.looseObject({
  success: z.boolean(),
  data: z.looseObject({
    values_total: z.record(z.string(), z.looseObject({ value: z.number(), count: z.number().optional(), value_converted: z.number().nullable().optional() })).nullable().optional(),
  }),
});

/**
 * Pipedrive publishes no exchange-rate table; what its API gives is each currency's deal total
 * and that total converted into the company's default currency. Their ratio is the rate
 * Pipedrive itself converts with, one per currency (undated: today's).
 */
async function pipedriveCurrencies(http: CrmHttp): Promise<CurrencyInfo> {
  const me = parsePayload(meSchema, (await http.request({ path: '/v1/users/me' })).body, LABEL, 'GET /v1/users/me');
  const base = me.data.default_currency ?? null;
  const summary = parsePayload(summarySchema, (await http.request({ path: '/v1/deals/summary' })).body, LABEL, 'GET /v1/deals/summary');
  const rates: CurrencyInfo['rates'] = [];
  for (const [currency, t] of Object.entries(summary.data.values_total ?? {})) {
    if (currency === base || !t.value || !t.value_converted) continue;
    rates.push({ currency, startDate: null, endDate: null, perBase: t.value / t.value_converted });
  }
  return { base, rates, source: 'Pipedrive deal summary (converted totals)' };
}

// ---------------------------------------------------------------- targets
// GET /v1/goals/find: {success, data: {goals: [{id, owner_id, title, type: {name, params:
// {pipeline_id}}, assignee: {id, type}, interval, duration: {start, end}, expected_outcome:
// {target, tracking_metric, currency_id}, is_active, report_ids}]}} (not paged). The target is
// per interval of the goal's duration; end null is an open-ended goal.
const ymd = z.string().regex(/^\d{4}-\d\d-\d\d$/, { message: 'is not a YYYY-MM-DD date' });
const goalSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  title: z.string().nullable().optional(),
  type: z.looseObject({ name: z.string(), params: z.looseObject({ pipeline_id: z.array(z.union([z.number(), z.string()])).nullable().optional() }).nullable().optional() }),
  assignee: z.looseObject({ id: z.union([z.number(), z.string()]), type: z.string() }),
  interval: z.string(),
  duration: z.looseObject({ start: ymd, end: ymd.nullable().optional() }),
  expected_outcome: z.looseObject({ target: z.union([z.number(), z.string()]), tracking_metric: z.string(), currency_id: z.number().nullable().optional() }),
  is_active: z.boolean().optional(),
});
type PdGoal = z.infer<typeof goalSchema>;
const goalsSchema = z.object({ success: z.literal(true), data: z.looseObject({ goals: z.array(goalSchema).nullable().optional() }).nullable() });
const currenciesSchema = z.object({ success: z.literal(true), data: z.array(z.looseObject({ id: z.number(), code: z.string() })) });

/** Months in one interval of a goal (weeks are no period dealcast keeps). */
const INTERVAL_MONTHS: Record<string, number> = { monthly: 1, quarterly: 3, yearly: 12 };
/** An open-ended goal is expanded up to this many intervals after the one holding today. */
export const OPEN_GOAL_AHEAD = 1;

/**
 * One goal as CRM goals (one per interval of its duration), or why it is left out. An interval
 * cut short by the goal's end keeps its real dates (and is then left out as not a whole period).
 */
export function pdGoalTargets(g: PdGoal, today: string, currencyOf: Map<number, string>): { goals: CrmGoal[]; skipped: CrmGoalSkip[] } {
  const name = g.title ?? '';
  const skip = (reason: string) => ({ goals: [], skipped: [{ id: g.id, name, reason }] });
  if (g.type.name !== 'deals_won' || g.expected_outcome.tracking_metric !== 'sum') {
    return skip(`it counts ${g.type.name} by ${g.expected_outcome.tracking_metric}, not revenue (the value of deals won): only revenue goals are targets`);
  }
  const months = INTERVAL_MONTHS[g.interval];
  if (!months) return skip(`its interval is ${g.interval}: dealcast keeps monthly, quarterly and yearly targets`);
  const amount = Number(g.expected_outcome.target);
  const pipelines = (g.type.params?.pipeline_id ?? []).map(String);
  let scope: CrmGoal['scope'];
  if (g.assignee.type === 'person') scope = { kind: 'rep', ownerId: String(g.assignee.id) };
  else if (g.assignee.type === 'company') scope = { kind: 'team' };
  else if (g.assignee.type === 'team') scope = { kind: 'sales_team', teamId: String(g.assignee.id) };
  else return skip(`it is assigned to a Pipedrive ${g.assignee.type} (${g.assignee.id}): dealcast keeps targets for the whole company, a team, a rep or a pipeline`);
  const narrowed = narrowToPipelines(scope, pipelines);
  if ('reason' in narrowed) return skip(narrowed.reason);
  scope = narrowed.scope;
  const currency = g.expected_outcome.currency_id == null ? null : (currencyOf.get(g.expected_outcome.currency_id) ?? null);
  const endExclusive = g.duration.end ? addDays(g.duration.end, 1) : null;
  const goals: CrmGoal[] = [];
  let aheadLeft = OPEN_GOAL_AHEAD;
  for (let start = g.duration.start; endExclusive === null || start < endExclusive; start = addMonths(start, months)) {
    const next = addMonths(start, months);
    if (endExclusive === null && start > today && aheadLeft-- <= 0) break;
    const end = endExclusive !== null && endExclusive < next ? endExclusive : next;
    goals.push({ id: `${g.id}@${start}`, name, start, end, scope, currency, amount });
  }
  return { goals, skipped: [] };
}

async function pipedriveTargets(http: CrmHttp, ctx: { now: Date }): Promise<CrmGoals> {
  const found = new Map<string, PdGoal>();
  try {
    for (const active of [true, false]) {
      const req: CrmRequest = { method: 'GET', path: '/v1/goals/find', query: { 'type.name': 'deals_won', is_active: active } };
      const body = parsePayload(goalsSchema, (await http.request(req)).body, LABEL, where(req));
      for (const g of body.data?.goals ?? []) found.set(g.id, g);
    }
  } catch (err) {
    if (err instanceof CrmAuthError) {
      throw new TargetsUnavailable(
        `Pipedrive refused GET /v1/goals/find (HTTP ${err.status ?? 403}): the API token's user may not see the company's goals`,
        "Use the API token of a user who sees everyone's goals (an admin) to read Pipedrive goals as targets.",
      );
    }
    throw err;
  }
  const currencyOf = new Map<number, string>();
  if ([...found.values()].some((g) => g.expected_outcome.currency_id != null)) {
    const req: CrmRequest = { method: 'GET', path: '/v1/currencies' };
    for (const c of parsePayload(currenciesSchema, (await http.request(req)).body, LABEL, where(req)).data) currencyOf.set(c.id, c.code.toUpperCase());
  }
  const today = ctx.now.toISOString().slice(0, 10);
  const goals: CrmGoal[] = [];
  const skipped: CrmGoalSkip[] = [];
  for (const g of found.values()) {
    const r = pdGoalTargets(g, today, currencyOf);
    goals.push(...r.goals);
    skipped.push(...r.skipped);
  }
  return { goals, skipped, source: 'Pipedrive goals' };
}

// GET /v1/legacyTeams (the Teams API, moved from /v1/teams): every team with its member user ids.
const flag = z.union([z.boolean(), z.number()]).transform((v) => v === true || v === 1);
const teamSchema = z.looseObject({
  id,
  name: z.string(),
  manager_id: id.nullable().optional(),
  users: z.array(id).nullable().optional(),
  active_flag: flag.optional(),
  deleted_flag: flag.optional(),
});

/**
 * Pipedrive's teams: each active team's users and its manager. Teams are a feature of the
 * higher plans and need a user who may see them: a 403 or 404 means this account has none to
 * read (then admins set teams in Slack), not a failed sync.
 */
async function pipedriveTeams(http: CrmHttp): Promise<CrmTeams> {
  const req: CrmRequest = { method: 'GET', path: '/v1/legacyTeams' };
  let body: unknown;
  try {
    body = (await http.request(req)).body;
  } catch (err) {
    if ((err instanceof CrmAuthError && err.status === 403) || (err instanceof CrmHttpError && err.status === 404)) {
      return { available: false, reason: `GET /v1/legacyTeams answered HTTP ${err.status} (teams are not on this plan, or this user may not see them).` };
    }
    throw err;
  }
  const teams = parsePayload(z.object({ success: z.literal(true), data: z.array(teamSchema).nullable() }), body, LABEL, where(req)).data ?? [];
  return {
    available: true,
    source: 'Pipedrive teams',
    teams: teams
      .filter((t) => t.active_flag !== false && t.deleted_flag !== true)
      .map((t) => {
        const ids = [...new Set([...(t.users ?? []), ...(t.manager_id ? [t.manager_id] : [])])].map(String);
        return { id: String(t.id), name: t.name, memberIds: ids, ownerIds: ids };
      }),
  };
}

// ---------------------------------------------------------------- forecast category fields
// GET /v1/dealFields: {success, data: [{id, key, name, field_type, options: [{id, label}] | null,
// edit_flag, active_flag, …}], additional_data: {pagination: {start, limit,
// more_items_in_collection, next_start}}}, paged by start/limit. Custom fields have a 40-character
// key; the deal sync reads one through v2's custom_fields parameter, which takes only those.
const dealFieldSchema = z.looseObject({
  key: z.string(),
  name: z.string(),
  field_type: z.string(),
  options: z.array(z.looseObject({ id: z.union([z.number(), z.string()]), label: z.string() })).nullable().optional(),
  active_flag: z.boolean().optional(),
});
const dealFieldsSchema = z.object({
  success: z.literal(true),
  data: z.array(dealFieldSchema).nullable(),
  additional_data: z.looseObject({ pagination: z.looseObject({ more_items_in_collection: z.boolean().optional(), next_start: z.number().nullable().optional() }).nullable().optional() }).nullable().optional(),
});
/** The field types a forecast category can live in: one option, several (the first is read), or text. */
export const PIPEDRIVE_CATEGORY_FIELD_TYPES = ['enum', 'set', 'varchar', 'varchar_auto'];
const DEAL_FIELDS_LIMIT = 500;

/** Pipedrive's custom deal fields that can hold a forecast category, with their options. */
export async function pipedriveCategoryFields(http: CrmHttp): Promise<CategoryFieldCandidate[]> {
  const first: CrmRequest = { method: 'GET', path: '/v1/dealFields', query: { start: 0, limit: DEAL_FIELDS_LIMIT } };
  const next = (b: z.infer<typeof dealFieldsSchema>, r: CrmRequest): CrmRequest | null => {
    const p = b.additional_data?.pagination;
    return p?.more_items_in_collection && typeof p.next_start === 'number' ? { ...r, query: { ...r.query, start: p.next_start } } : null;
  };
  const out: CategoryFieldCandidate[] = [];
  for await (const page of followTokens(http, first, (b, r) => parsePayload(dealFieldsSchema, b, LABEL, where(r)), next)) {
    for (const f of page.data ?? []) {
      if (!/^[0-9a-f]{40}$/.test(f.key) || f.active_flag === false || !PIPEDRIVE_CATEGORY_FIELD_TYPES.includes(f.field_type)) continue;
      const options = f.field_type === 'enum' || f.field_type === 'set' ? (f.options ?? []).map((o) => ({ value: String(o.id), label: o.label })) : null;
      out.push({ key: f.key, name: f.name, type: f.field_type, options });
    }
  }
  return out;
}

export interface PipedriveConnectorOptions {
  /** The deal custom field (its 40-character key) holding the forecast category (setting forecast.category_field). */
  forecastCategoryField?: string | null;
}

export function createPipedriveConnector(opts: PipedriveConnectorOptions = {}): Connector {
  return {
    crm: 'pipedrive',
    label: LABEL,
    currencies: pipedriveCurrencies,
    targets: pipedriveTargets,
    teams: pipedriveTeams,
    categoryFields: pipedriveCategoryFields,
    authHint: PIPEDRIVE_AUTH_HINT,
    // Pipedrive stages are never closed: won/lost is the deal's status.
    capabilities: { stageHistory: true, activities: true, probabilities: true, wonLostFlags: false },
    streams: {
      pipelines: {
        incremental: false,
        async *read(ctx) {
          for await (const page of v2Pages(ctx.http, '/api/v2/pipelines', pipelineSchema)) {
            yield { rows: page.data.map((p) => ({ id: String(p.id), name: p.name, position: p.order_nr, deleted: p.is_deleted })) };
          }
        },
      },
      stages: {
        incremental: false,
        async *read(ctx) {
          const probabilityOn = new Map<number, boolean>();
          for await (const page of v2Pages(ctx.http, '/api/v2/pipelines', pipelineSchema)) for (const p of page.data) probabilityOn.set(p.id, p.is_deal_probability_enabled);
          for await (const page of v2Pages(ctx.http, '/api/v2/stages', stageSchema)) {
            const rows: StageRow[] = page.data.map((s) => ({
              id: String(s.id),
              pipelineId: String(s.pipeline_id),
              name: s.name,
              position: s.order_nr,
              probability: probabilityOn.get(s.pipeline_id) === false || s.deal_probability === null ? null : s.deal_probability / 100,
              isClosed: false,
              isWon: false,
              deleted: s.is_deleted,
            }));
            yield { rows };
          }
        },
      },
      owners: {
        incremental: false,
        async *read(ctx) {
          const req: CrmRequest = { method: 'GET', path: '/v1/users' };
          const res = await ctx.http.request(req);
          const users = parsePayload(z.object({ success: z.literal(true), data: z.array(userSchema) }), res.body, LABEL, where(req)).data;
          const rows: OwnerRow[] = users.map((u) => ({ id: String(u.id), name: u.name, email: u.email ?? null, active: u.active_flag && u.is_deleted !== true }));
          yield { rows };
        },
      },
      deals: { incremental: true, read: dealPages(opts.forecastCategoryField ?? null) },
      stage_history: { incremental: true, read: historyPages },
      activities: {
        incremental: true,
        async *read(ctx) {
          for await (const page of v2Pages(ctx.http, '/api/v2/activities', activitySchema, byUpdate(ctx))) {
            if (page.data.length) yield { rows: page.data.map(toActivityRow), checkpoint: iso(maxUpdate(page.data)) };
          }
        },
      },
    },
    stageHistoryFor: historyFor,
  };
}

/** The HTTP door's settings for Pipedrive: data, read by createCrmHttp. */
export function pipedriveHttpOptions(config: Config): CrmHttpOptions {
  const token = config.PIPEDRIVE_API_TOKEN ?? '';
  return {
    crm: 'pipedrive',
    label: LABEL,
    baseUrl: config.PIPEDRIVE_BASE_URL,
    headers: { 'x-api-token': token },
    secrets: [token],
    authHint: PIPEDRIVE_AUTH_HINT,
    rateLimits: { default: { requests: config.PIPEDRIVE_REQUESTS_PER_2S, perMs: 2_000 } },
    throttle: { default: { resetHeaders: ['x-ratelimit-reset'], fallbackMs: 2_000 } },
    classify(status, headers, text) {
      if (status === 429 && headers['x-daily-ratelimit-token-remaining'] === '0') {
        return {
          kind: 'quota-exhausted',
          message: "Pipedrive says the company's daily API token budget is used up.",
          hint: 'It resets at midnight (Pipedrive server time); the next sync after that continues where this one stopped. Top-ups raise the budget.',
        };
      }
      // After repeated 429s Pipedrive answers with a Cloudflare HTML page: stop, do not retry.
      if (status === 403 && /<html/i.test(text)) {
        return {
          kind: 'quota-exhausted',
          message: 'Pipedrive is blocking requests from this token after too many rate-limited ones.',
          hint: 'Wait a few minutes, and lower PIPEDRIVE_REQUESTS_PER_2S to your plan\'s limit.',
        };
      }
      return undefined;
    },
  };
}
