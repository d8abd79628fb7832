/**
 * Attio: deals from an object (default `deals`) or from a pipeline list, the stage status
 * attribute and its options, workspace members as owners, and stage history from the stage
 * attribute's historic values. Data plus small mappers: every request goes through the `http`
 * door in ReadContext, which owns retries (Attio's 429 Retry-After is an HTTP date) and rate
 * limits.
 *
 * What Attio does not keep, and what we do instead:
 * - No win probability and no won/lost flag on stages: probabilities are left to the stage map
 *   (canonical defaults, calibration, admin overrides) and closed/won flags are inferred from
 *   stage names ("Won 🎉", "Lost") — an admin can correct both in the stage map.
 * - No `updated_at` on records: the deals stream is read whole on every sync (cheap: 500 a
 *   page); a record's modified time is the latest `active_from` of its values. Stage history
 *   is incremental: only records whose stage changed since the cursor are asked for history.
 * - No activity data we can attribute to reps (no emails; meetings are beta and have no
 *   owner), so `capabilities.activities` is false and the rep scoreboard says so.
 */
import { z } from 'zod';
import { inferClosedFlags } from '../model/canonical-stages.js';
import type { Config } from '../config.js';
import type { CrmHttpOptions } from '../sync/http.js';
import { parsePayload } from '../sync/payload-shape.js';
import type { DealRow, OwnerRow, PipelineRow, StageHistoryRow, StageRow } from '../model/rows.js';
import type { CategoryFieldCandidate, Connector, CrmHttp, FieldTypeChange, Page, ReadContext, Stream } from '../sync/connector.js';

export const ATTIO_LABEL = 'Attio';
/** Records per query page (Attio's default and documented page size). */
export const ATTIO_PAGE_SIZE = 500;
/** Historic values per page of the attribute values endpoint. */
export const ATTIO_VALUES_PAGE_SIZE = 500;
/** History requests in flight at once (the HTTP door paces them to the rate limit). */
export const ATTIO_HISTORY_CONCURRENCY = 16;
/** Incremental stage-history reads start this long before the saved cursor. */
export const ATTIO_OVERLAP_MS = 5 * 60_000;
/** Attio's published limit: 100 read requests per second. */
export const ATTIO_RATE_LIMIT = { requests: 100, perMs: 1_000 } as const;

export const ATTIO_AUTH_HINT =
  'Create an access token in Attio (Workspace settings → Developers → New access token) with the scopes record_permission:read, object_configuration:read, ' +
  'list_entry:read, list_configuration:read and user_management:read, and set ATTIO_API_KEY (see docs/crm-attio.md).';

/** Said in `dealcast status` for Attio. */
export const ATTIO_STATUS_NOTES = [
  'Attio keeps no win probabilities and no won/lost flags: both come from the stage map (closed/won guessed from stage names such as "Won" and "Lost"; adjust with /dealcast settings).',
  'Attio offers no activity data dealcast can use: the rep scoreboard shows activity as "not available for Attio".',
];

export interface AttioConnectorOptions {
  /** The object whose records are deals (slug or id), e.g. 'deals'. */
  object: string;
  /** A list whose entries are the pipeline (slug or id); when set, entries are the deals. */
  list?: string;
  /** The status attribute holding the stage. */
  stageAttribute: string;
  /** The attribute (slug) holding the forecast category, a select or text (setting forecast.category_field). */
  forecastCategoryAttribute?: string | null;
  overlapMs?: number;
  pageSize?: number;
}

// ---------------------------------------------------------------------------------------
// Wire shapes (Attio REST API v2: records/entries query, attribute statuses, values,
// workspace members). Values are arrays keyed by attribute slug, each with active_from/until.

const attioValue = z
  .object({
    active_from: z.string().nullable().optional(),
    active_until: z.string().nullable().optional(),
    attribute_type: z.string().optional(),
  })
  .loose();
export type AttioValue = z.infer<typeof attioValue> & Record<string, unknown>;
const valueMap = z.record(z.string(), z.array(attioValue));
export type AttioValues = Record<string, AttioValue[]>;

const recordSchema = z.object({
  id: z.object({ record_id: z.string() }).loose(),
  created_at: z.string(),
  values: valueMap,
});
const entrySchema = z.object({
  id: z.object({ entry_id: z.string() }).loose(),
  parent_record_id: z.string(),
  parent_object: z.string(),
  created_at: z.string(),
  entry_values: valueMap,
});
const dataArray = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });

const statusSchema = z.object({
  id: z.object({ status_id: z.string() }).loose(),
  title: z.string(),
  is_archived: z.boolean(),
});
// GET /v2/{target}/{identifier}/attributes: {data: [{id, title, api_slug, type, is_system_attribute, is_archived, …}]};
// …/attributes/{attribute}/options and …/statuses: {data: [{id, title, is_archived, …}]}.
const attributeSchema = z.looseObject({ title: z.string(), api_slug: z.string(), type: z.string(), is_system_attribute: z.boolean().optional(), is_archived: z.boolean().optional() });
const optionSchema = z.looseObject({ title: z.string(), is_archived: z.boolean().optional() });
/** Attribute types a forecast category can live in. */
export const ATTIO_CATEGORY_TYPES = ['select', 'status', 'text'];
const memberSchema = z.object({
  id: z.object({ workspace_member_id: z.string() }).loose(),
  first_name: z.string().nullable().optional(),
  last_name: z.string().nullable().optional(),
  email_address: z.string().nullable().optional(),
  access_level: z.string().nullable().optional(),
});
const statusValue = z.object({
  active_from: z.string(),
  status: z.object({ id: z.object({ status_id: z.string() }).loose(), title: z.string() }).loose(),
});
const objectSchema = z.object({ data: z.object({ api_slug: z.string().nullable().optional(), plural_noun: z.string().nullable().optional() }).loose() });
const listSchema = z.object({ data: z.object({ api_slug: z.string().nullable().optional(), name: z.string().nullable().optional(), parent_object: z.union([z.string(), z.array(z.string())]) }).loose() });

// ---------------------------------------------------------------------------------------
// Small pure helpers.

/** Attio timestamps carry nanoseconds (…15:00:00.000000000Z); we store ISO with milliseconds. */
export function attioInstant(value: string): string {
  const trimmed = value.replace(/(\.\d{3})\d*(Z|[+-]\d{2}:?\d{2})$/, '$1$2');
  const ms = Date.parse(trimmed);
  if (Number.isNaN(ms)) throw new RangeError(`not an Attio timestamp: ${value}`);
  return new Date(ms).toISOString();
}

/** The value active now (active_until null) of an attribute, or undefined. */
export function currentValue(values: AttioValues, slug: string): AttioValue | undefined {
  return values[slug]?.find((v) => v.active_until === null || v.active_until === undefined);
}

function firstCurrent(values: AttioValues, slugs: string[]): AttioValue | undefined {
  for (const s of slugs) {
    const v = currentValue(values, s);
    if (v) return v;
  }
  return undefined;
}

/** Text of a text, personal-name, select or status value. */
export function textOf(v: AttioValue | undefined): string | null {
  if (!v) return null;
  if (typeof v.value === 'string') return v.value;
  if (typeof v.full_name === 'string') return v.full_name;
  const option = v.option as { title?: unknown } | undefined;
  if (option && typeof option.title === 'string') return option.title;
  const status = v.status as { title?: unknown } | undefined;
  if (status && typeof status.title === 'string') return status.title;
  return null;
}

/** Attribute types the deal value is read from. */
const AMOUNT_TYPES = new Set(['currency', 'number']);

/**
 * The deal `value` attribute is a currency; recreated as another type (text, a select) its
 * values carry that attribute_type. From the first page that shows it, the read reports `amount`
 * (with its currency) as changed type and reads it blank, so the sync keeps the last good amounts instead of
 * storing blanks or numbers guessed from text.
 */
function valueTypeCheck(): (values: AttioValues[], rows: DealRow[]) => Page<DealRow> {
  let change: FieldTypeChange | null = null;
  return (values, rows) => {
    if (!change) {
      const type = values.map((v) => currentValue(v, 'value')?.attribute_type).find((t) => t !== undefined && !AMOUNT_TYPES.has(t));
      if (type) change = { field: 'amount', crmField: 'value', found: `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type} attribute, not a currency`, dependents: ['currency'] };
    }
    // The currency is part of a currency value: it goes (and is kept) with the amount.
    return change ? { rows: rows.map((r) => ({ ...r, amount: null, currency: null })), typeChanged: [change] } : { rows };
  };
}

/** Currency values carry `currency_value` (a number, sometimes a string) and `currency_code`. */
export function amountOf(v: AttioValue | undefined): { amount: number | null; currency: string | null } {
  if (!v) return { amount: null, currency: null };
  const raw = v.currency_value ?? v.value;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  return { amount: Number.isFinite(n) ? n : null, currency: typeof v.currency_code === 'string' ? v.currency_code : null };
}

function dateOf(v: AttioValue | undefined): string | null {
  if (!v || typeof v.value !== 'string') return null;
  return /^\d{4}-\d{2}-\d{2}/.test(v.value) ? v.value.slice(0, 10) : null;
}

function ownerOf(v: AttioValue | undefined): string | null {
  if (!v) return null;
  if (v.referenced_actor_type !== undefined && v.referenced_actor_type !== 'workspace-member') return null;
  return typeof v.referenced_actor_id === 'string' ? v.referenced_actor_id : null;
}

/** The latest change to any value: Attio keeps no updated_at, but every write starts a value. */
export function lastChange(values: AttioValues, createdAt: string): string {
  let latest = attioInstant(createdAt);
  for (const list of Object.values(values)) {
    for (const v of list) {
      if (v.active_from) {
        const t = attioInstant(v.active_from);
        if (t > latest) latest = t;
      }
    }
  }
  return latest;
}

/** Attribute slugs tried, in order, for fields Attio's deals object has no standard attribute for. */
export const CLOSE_DATE_ATTRIBUTES = ['close_date', 'expected_close_date', 'estimated_close_date', 'closing_date'];
export const SOURCE_ATTRIBUTES = ['source', 'lead_source', 'deal_source'];

export interface AttioDealInput {
  id: string;
  createdAt: string;
  /** Own values (a record's, or a list entry's), then the parent record's for list entries. */
  values: AttioValues;
  parentValues?: AttioValues;
}

export function toDealRow(input: AttioDealInput, pipelineId: string, stageAttribute: string, categoryAttribute?: string | null): DealRow {
  const merged: AttioValues = { ...(input.parentValues ?? {}), ...input.values };
  const stage = currentValue(merged, stageAttribute);
  const parsedStage = stage ? statusValue.safeParse(stage) : undefined;
  const stageId = parsedStage?.success ? parsedStage.data.status.id.status_id : null;
  const stageTitle = parsedStage?.success ? parsedStage.data.status.title : null;
  const stageEnteredAt = parsedStage?.success ? attioInstant(parsedStage.data.active_from) : null;
  const closed = stageTitle ? inferClosedFlags(stageTitle).isClosed : false;
  const { amount, currency } = amountOf(currentValue(merged, 'value'));
  return {
    id: input.id,
    name: textOf(currentValue(merged, 'name')) ?? '',
    amount,
    currency,
    pipelineId,
    stageId,
    ownerId: ownerOf(currentValue(merged, 'owner')),
    source: textOf(firstCurrent(merged, SOURCE_ATTRIBUTES)),
    createdAt: attioInstant(input.createdAt),
    closeDate: dateOf(firstCurrent(merged, CLOSE_DATE_ATTRIBUTES)),
    // Attio has no closed-at: a deal closed when it entered its (won/lost) stage.
    closedAt: closed ? stageEnteredAt : null,
    // Derived by the engine from the stage's closed/won flags (the stage map's, in the end).
    status: null,
    stageEnteredAt,
    modifiedAt: lastChange(merged, input.createdAt),
    ...(categoryAttribute ? { forecastCategory: textOf(currentValue(merged, categoryAttribute)) } : {}),
  };
}

export function toStageRow(s: z.infer<typeof statusSchema>, position: number, pipelineId: string): StageRow {
  const flags = inferClosedFlags(s.title);
  return { id: s.id.status_id, pipelineId, name: s.title, position, probability: null, isClosed: flags.isClosed, isWon: flags.isWon, ...(s.is_archived ? { deleted: true } : {}) };
}

export function toOwnerRow(m: z.infer<typeof memberSchema>): OwnerRow {
  const name = [m.first_name, m.last_name].filter((s) => s?.trim()).join(' ').trim();
  return { id: m.id.workspace_member_id, name: name || m.email_address || m.id.workspace_member_id, email: m.email_address ?? null, active: m.access_level !== 'suspended' };
}

/** Historic stage values (oldest first) → stage entries. */
export function historyRows(dealId: string, values: unknown[]): StageHistoryRow[] {
  const out: StageHistoryRow[] = [];
  for (const v of values) {
    const parsed = statusValue.safeParse(v);
    if (!parsed.success) continue;
    out.push({ dealId, stageId: parsed.data.status.id.status_id, enteredAt: attioInstant(parsed.data.active_from) });
  }
  return out;
}

/**
 * `fn` over `items` with at most `limit` calls in flight, results in input order. A failure
 * stops new calls at once (the calls already in flight finish) and is rethrown.
 */
export async function mapWithConcurrency<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

// ---------------------------------------------------------------------------------------
// Streams.

export function createAttioConnector(opts: AttioConnectorOptions): Connector {
  const pageSize = opts.pageSize ?? ATTIO_PAGE_SIZE;
  const overlapMs = opts.overlapMs ?? ATTIO_OVERLAP_MS;
  const stage = opts.stageAttribute;
  const list = opts.list;
  /** The deals' home: /v2/lists/{list} or /v2/objects/{object}. */
  const target = list ? `/v2/lists/${encodeURIComponent(list)}` : `/v2/objects/${encodeURIComponent(opts.object)}`;
  const pipelineId = list ?? opts.object;

  /**
   * Offset paging: ask for `limit` rows from `offset`, move on by the rows received, stop at an
   * empty page. (Attio's guide stops at a short page; an empty one also survives a server that
   * serves fewer rows than asked, for one extra request per query.)
   */
  async function* queryPages<S extends z.ZodType>(http: CrmHttp, path: string, item: S, filter?: unknown): AsyncIterable<z.output<S>[]> {
    for (let offset = 0; ; ) {
      const body: Record<string, unknown> = { limit: pageSize, offset, sorts: [{ attribute: 'created_at', direction: 'asc' }] };
      if (filter !== undefined) body.filter = filter;
      const res = await http.request({ method: 'POST', path, body });
      const page = parsePayload(dataArray(item), res.body, ATTIO_LABEL, `POST ${path}`).data;
      if (page.length === 0) return;
      yield page;
      offset += page.length;
    }
  }

  /** Every historic value of the stage attribute of one record or entry, oldest first. */
  async function stageValues(http: CrmHttp, id: string): Promise<unknown[]> {
    const path = list ? `${target}/entries/${id}/attributes/${encodeURIComponent(stage)}/values` : `${target}/records/${id}/attributes/${encodeURIComponent(stage)}/values`;
    const out: unknown[] = [];
    for (let offset = 0; ; offset += ATTIO_VALUES_PAGE_SIZE) {
      const res = await http.request({ path, query: { show_historic: true, limit: ATTIO_VALUES_PAGE_SIZE, offset } });
      const page = parsePayload(z.object({ data: z.array(z.unknown()) }), res.body, ATTIO_LABEL, `GET ${path}`).data;
      out.push(...page);
      if (page.length < ATTIO_VALUES_PAGE_SIZE) return out;
    }
  }

  /** The deals' ids, page by page (optionally only those whose stage changed since `since`). */
  async function* dealIdPages(http: CrmHttp, since?: string): AsyncIterable<string[]> {
    const filter = since ? { [stage]: { active_from: { $gte: since } } } : undefined;
    if (list) {
      for await (const page of queryPages(http, `${target}/entries/query`, entrySchema, filter)) yield page.map((e) => e.id.entry_id);
    } else {
      for await (const page of queryPages(http, `${target}/records/query`, recordSchema, filter)) yield page.map((r) => r.id.record_id);
    }
  }

  const pipelines: Stream<PipelineRow> = {
    incremental: false,
    async *read(ctx) {
      if (list) {
        const res = await ctx.http.request({ path: target });
        const l = parsePayload(listSchema, res.body, ATTIO_LABEL, `GET ${target}`).data;
        yield { rows: [{ id: pipelineId, name: l.name || l.api_slug || pipelineId, position: 0 }] };
      } else {
        const res = await ctx.http.request({ path: target });
        const o = parsePayload(objectSchema, res.body, ATTIO_LABEL, `GET ${target}`).data;
        yield { rows: [{ id: pipelineId, name: o.plural_noun || o.api_slug || pipelineId, position: 0 }] };
      }
    },
  };

  const stages: Stream<StageRow> = {
    incremental: false,
    async *read(ctx) {
      const path = `${target}/attributes/${encodeURIComponent(stage)}/statuses`;
      const res = await ctx.http.request({ path, query: { show_archived: true } });
      const statuses = parsePayload(dataArray(statusSchema), res.body, ATTIO_LABEL, `GET ${path}`).data;
      yield { rows: statuses.map((s, i) => toStageRow(s, i, pipelineId)) };
    },
  };

  const owners: Stream<OwnerRow> = {
    incremental: false,
    async *read(ctx) {
      const res = await ctx.http.request({ path: '/v2/workspace_members' });
      yield { rows: parsePayload(dataArray(memberSchema), res.body, ATTIO_LABEL, 'GET /v2/workspace_members').data.map(toOwnerRow) };
    },
  };

  const deals: Stream<DealRow> = {
    incremental: false,
    async *read(ctx): AsyncIterable<Page<DealRow>> {
      const checkValue = valueTypeCheck();
      if (!list) {
        for await (const page of queryPages(ctx.http, `${target}/records/query`, recordSchema)) {
          yield checkValue(
            page.map((r) => r.values),
            page.map((r) => toDealRow({ id: r.id.record_id, createdAt: r.created_at, values: r.values }, pipelineId, stage, opts.forecastCategoryAttribute)),
          );
        }
        return;
      }
      // A list entry holds the list's own attributes (the stage); name, value and owner
      // usually live on the parent record. Read the parent object once and join in memory.
      const res = await ctx.http.request({ path: target });
      const parent = parsePayload(listSchema, res.body, ATTIO_LABEL, `GET ${target}`).data.parent_object;
      const parentObjects = Array.isArray(parent) ? parent : [parent];
      const parents = new Map<string, AttioValues>();
      for (const obj of parentObjects) {
        for await (const page of queryPages(ctx.http, `/v2/objects/${encodeURIComponent(obj)}/records/query`, recordSchema)) {
          for (const r of page) parents.set(r.id.record_id, r.values);
        }
      }
      for await (const page of queryPages(ctx.http, `${target}/entries/query`, entrySchema)) {
        yield checkValue(
          page.map((e) => ({ ...(parents.get(e.parent_record_id) ?? {}), ...e.entry_values })),
          page.map((e) => toDealRow({ id: e.id.entry_id, createdAt: e.created_at, values: e.entry_values, parentValues: parents.get(e.parent_record_id) }, pipelineId, stage, opts.forecastCategoryAttribute)),
        );
      }
    },
  };

  /** Stage history of these deals, up to ATTIO_HISTORY_CONCURRENCY requests in flight. */
  async function historyOf(http: CrmHttp, ids: string[]): Promise<StageHistoryRow[]> {
    const values = await mapWithConcurrency(ids, ATTIO_HISTORY_CONCURRENCY, (id) => stageValues(http, id));
    return ids.flatMap((id, k) => historyRows(id, values[k] ?? []));
  }

  const stageHistory: Stream<StageHistoryRow> = {
    incremental: true,
    // No per-page checkpoint: pages are in creation order, not change order. The engine saves
    // the sync's start once every changed deal's history is in.
    async *read(ctx: ReadContext): AsyncIterable<Page<StageHistoryRow>> {
      const since = !ctx.full && ctx.cursor ? new Date(Math.max(0, Date.parse(ctx.cursor) - overlapMs)).toISOString() : undefined;
      for await (const ids of dealIdPages(ctx.http, since)) yield { rows: await historyOf(ctx.http, ids) };
    },
  };

  /**
   * The attributes that can hold a forecast category (for /dealcast categories): the deals'
   * select, status and text attributes that are not archived, not Attio's own system attributes
   * and not the stage; a select's options (GET …/attributes/{slug}/options) and a status's
   * statuses by title, the value the deal sync keeps.
   */
  async function categoryFields(http: CrmHttp): Promise<CategoryFieldCandidate[]> {
    const path = `${target}/attributes`;
    const attrs = parsePayload(dataArray(attributeSchema), (await http.request({ path })).body, ATTIO_LABEL, `GET ${path}`).data;
    const out: CategoryFieldCandidate[] = [];
    for (const a of attrs) {
      if (a.is_archived || a.is_system_attribute || a.api_slug === stage || !ATTIO_CATEGORY_TYPES.includes(a.type)) continue;
      let options: CategoryFieldCandidate['options'] = null;
      if (a.type !== 'text') {
        const sub = `${path}/${encodeURIComponent(a.api_slug)}/${a.type === 'select' ? 'options' : 'statuses'}`;
        const titles = parsePayload(dataArray(optionSchema), (await http.request({ path: sub })).body, ATTIO_LABEL, `GET ${sub}`).data;
        options = titles.filter((o) => !o.is_archived).map((o) => ({ value: o.title, label: o.title }));
      }
      out.push({ key: a.api_slug, name: a.title, type: a.type, options });
    }
    return out;
  }

  return {
    crm: 'attio',
    label: ATTIO_LABEL,
    categoryFields,
    capabilities: { stageHistory: true, activities: false, probabilities: false, wonLostFlags: false },
    streams: { pipelines, stages, owners, deals, stage_history: stageHistory },
    authHint: ATTIO_AUTH_HINT,
    async *stageHistoryFor(dealIds, http) {
      for (let i = 0; i < dealIds.length; i += ATTIO_PAGE_SIZE) yield await historyOf(http, dealIds.slice(i, i + ATTIO_PAGE_SIZE));
    },
  };
}

export function attioOptionsFromConfig(config: Config): AttioConnectorOptions {
  return { object: config.ATTIO_OBJECT, list: config.ATTIO_LIST, stageAttribute: config.ATTIO_STAGE_ATTRIBUTE };
}

/** The HTTP door's settings for Attio: data, read by createCrmHttp. */
export function attioHttpOptions(config: Config): CrmHttpOptions {
  const token = config.ATTIO_API_KEY ?? '';
  return {
    crm: 'attio',
    label: ATTIO_LABEL,
    baseUrl: config.ATTIO_BASE_URL,
    headers: { authorization: `Bearer ${token}` },
    secrets: [token],
    authHint: ATTIO_AUTH_HINT,
    rateLimits: { default: { ...ATTIO_RATE_LIMIT } },
    // A 429 always carries Retry-After as an HTTP date (the door reads both forms); the limit
    // usually reopens the next second.
    throttle: { default: { fallbackMs: 1_000 } },
  };
}
