/**
 * A fake Attio workspace on 127.0.0.1 speaking the REST API v2 wire format (see
 * ../shared/crm-api-notes.md §4 and docs.attio.com): `POST /v2/objects/{object}/records/query`
 * and `POST /v2/lists/{list}/entries/query` with `limit`/`offset` paging over `{data: [...]}`,
 * values keyed by attribute slug as arrays of `{active_from, active_until, created_by_actor,
 * attribute_type, …}` with nanosecond timestamps, the stage status attribute and its options,
 * historic values through `…/attributes/{attr}/values?show_historic=true`, workspace members,
 * errors as `{status_code, type, code, message}`, and 429 with `Retry-After` as an HTTP date.
 *
 * The model's two pipelines become one stage set (Attio has one per status attribute) with
 * Attio's default closing stages "Won 🎉" and "Lost". Deleting a record in Attio removes it:
 * archived model deals simply vanish. With `list` set, the pipeline is a list whose entries
 * carry the stage while name, value and owner stay on the parent deal records.
 */
import type { DealRow, OwnerRow, PipelineRow, StageHistoryRow, StageRow } from '../../src/model/rows.js';
import type { CrmModel, ModelDeal } from './crm-model.js';
import { startFakeServer, type CrmDialect, type FakeKnobs, type FakeRequest, type FakeResponse, type FakeServer, type WindowLimit } from './fake-server.js';

export const ATTIO_TOKEN = 'attio_fake_0123456789abcdef0123456789abcdef';
/** Attio's published limit: 100 read requests per second (queries count as reads). */
export const ATTIO_LIMITS: Record<string, WindowLimit> = { default: { requests: 100, perMs: 1_000 } };
const WORKSPACE = '14beef7a-99f7-4534-a87e-70b564330a4c';
const OBJECT_ID = '97052eb9-e65e-443f-a297-f2d9a4a7f795';
const LIST_ID = '33ebdbe9-e529-47c9-b894-0ba25e9c15c0';
const STAGE_ATTRIBUTE_ID = '41252299-f8c7-4b5e-99c9-4ff8321d2f96';
export const WON_TITLE = 'Won 🎉';
export const LOST_TITLE = 'Lost';

export interface AttioFakeOptions {
  /** Serve the pipeline as this list (slug) instead of the deals object's stage. */
  list?: string;
  /**
   * The deal value attribute recreated as another type mid-life (`text`): the records answer
   * with text values ('Large') of that attribute type. Set on `fake.options` at any time.
   */
  valueType?: 'text';
}

const uuid = (kind: string, id: string) => `${kind.padStart(8, '0')}-0000-4000-8000-${id.padStart(12, '0')}`;
export const recordId = (id: string) => uuid('d', id);
export const entryId = (id: string) => uuid('e', id);
export const memberId = (id: string) => uuid('a', id);
export const statusId = (id: string) => uuid('5', id);
const WON_ID = statusId('98');
const LOST_ID = statusId('99');

/** Attio writes nanoseconds: 2023-01-01T15:00:00.000000000Z */
export const attioTime = (iso: string) => new Date(iso).toISOString().replace(/Z$/, '000000Z');
const actor = { type: 'workspace-member', id: uuid('a', '501') };

interface Status {
  id: string;
  title: string;
  archived: boolean;
}

function statuses(model: CrmModel): Status[] {
  return [
    ...model.pipelines.flatMap((p) => p.stages).map((s) => ({ id: statusId(s.id), title: s.name, archived: false })),
    { id: WON_ID, title: WON_TITLE, archived: false },
    { id: LOST_ID, title: LOST_TITLE, archived: false },
    // An option no longer offered: Attio keeps archived statuses for old values.
    { id: statusId('97'), title: 'Parked', archived: true },
  ];
}

/** The deal's stage values, oldest first, each active until the next began. */
function stageValues(model: CrmModel, d: ModelDeal) {
  const all = statuses(model);
  const titleOf = new Map(all.map((s) => [s.id, s.title]));
  const es = d.history.map((h) => ({ id: statusId(h.stageId), at: h.enteredAt }));
  if (d.closedAt) es.push({ id: d.status === 'won' ? WON_ID : LOST_ID, at: d.closedAt });
  return es.map((e, i) => ({
    active_from: attioTime(e.at),
    active_until: es[i + 1] ? attioTime(es[i + 1]!.at) : null,
    created_by_actor: actor,
    attribute_type: 'status',
    status: {
      id: { workspace_id: WORKSPACE, object_id: OBJECT_ID, attribute_id: STAGE_ATTRIBUTE_ID, status_id: e.id },
      title: titleOf.get(e.id) ?? '?',
      is_archived: false,
      celebration_enabled: e.id === WON_ID,
      target_time_in_status: null,
    },
  }));
}

const base = (at: string) => ({ active_from: attioTime(at), active_until: null, created_by_actor: actor });

/** The forecast category select's option titles ('Upside' is one no CRM name matches). */
export const ATTIO_FORECAST_OPTIONS = { commit: 'Commit', best_case: 'Best case', pipeline: 'Pipeline', omitted: 'Omitted', unknown: 'Upside' } as const;

/** A deal's record values (current values only, as the query endpoints return them). */
const band = (amount: number) => (amount >= 50_000 ? 'Large' : amount >= 10_000 ? 'Medium' : 'Small');

function recordValues(model: CrmModel, d: ModelDeal, withStage: boolean, opts: AttioFakeOptions = {}): Record<string, unknown[]> {
  const stage = stageValues(model, d);
  return {
    name: [{ ...base(d.createdAt), value: d.name, attribute_type: 'text' }],
    ...(withStage ? { stage: stage.slice(-1) } : {}),
    value:
      d.amount === null
        ? []
        : opts.valueType === 'text'
          ? [{ ...base(d.modifiedAt), value: band(d.amount), attribute_type: 'text' }]
          : [{ ...base(d.modifiedAt), currency_value: d.amount, currency_code: d.currency, attribute_type: 'currency' }],
    owner: d.ownerId ? [{ ...base(d.createdAt), referenced_actor_type: 'workspace-member', referenced_actor_id: memberId(d.ownerId), attribute_type: 'actor-reference' }] : [],
    close_date: d.closeDate ? [{ ...base(d.createdAt), value: d.closeDate, attribute_type: 'date' }] : [],
    source: d.source ? [{ ...base(d.createdAt), option: { id: { workspace_id: WORKSPACE, option_id: uuid('0', '1') }, title: d.source, is_archived: false }, attribute_type: 'select' }] : [],
    // A select attribute the workspace made for the rep's call.
    forecast_category: d.forecastCategory
      ? [{ ...base(d.createdAt), option: { id: { workspace_id: WORKSPACE, option_id: uuid('0', '2') }, title: ATTIO_FORECAST_OPTIONS[d.forecastCategory], is_archived: false }, attribute_type: 'select' }]
      : [],
    // Data dealcast never reads: the people on the deal.
    associated_people: [{ ...base(d.createdAt), target_object: 'people', target_record_id: uuid('b', d.id), attribute_type: 'record-reference' }],
    created_at: [{ ...base(d.createdAt), value: attioTime(d.createdAt), attribute_type: 'timestamp' }],
  };
}

const apiError = (status: number, type: string, code: string, message: string): FakeResponse => ({ status, body: { status_code: status, type, code, message } });

export interface AttioFake extends FakeServer {
  model: CrmModel;
  options: AttioFakeOptions;
}

/** Retry-After as Attio sends it: an HTTP date, rounded up to the next whole second. */
export function retryAfterDate(waitMs: number, nowMs = Date.now()): string {
  return new Date(Math.ceil((nowMs + waitMs) / 1000) * 1000 + 1000).toUTCString();
}

export function attioDialect(model: CrmModel, knobs: () => FakeKnobs, opts: AttioFakeOptions): CrmDialect {
  /** Deals by record and entry id, rebuilt when deals are added (edits change deals in place). */
  let index: { n: number; byRecord: Map<string, ModelDeal>; byEntry: Map<string, ModelDeal> } | undefined;
  const lookup = () => {
    if (!index || index.n !== model.deals.length) {
      index = { n: model.deals.length, byRecord: new Map(model.deals.map((d) => [recordId(d.id), d])), byEntry: new Map(model.deals.map((d) => [entryId(d.id), d])) };
    }
    return index;
  };
  const liveOnly = (d: ModelDeal | undefined) => (d && d.archivedAt === null ? d : undefined);
  const live = () => model.deals.filter((d) => d.archivedAt === null).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || Number(a.id) - Number(b.id));

  /** Offset paging with Attio's query body; the filter subset is the stage's active_from. */
  const query = (route: string, body: { limit?: number; offset?: number; filter?: Record<string, unknown>; sorts?: unknown }, render: (d: ModelDeal) => unknown): FakeResponse => {
    const limit = Math.min(body.limit ?? 500, knobs().pageSize);
    const offset = body.offset ?? 0;
    if (offset > 0) knobs().beforePage?.(route, Math.round(offset / Math.max(1, body.limit ?? 500)));
    let rows = live();
    if (body.filter) {
      const keys = Object.keys(body.filter);
      const cond = body.filter.stage as { active_from?: { $gte?: string } } | undefined;
      if (keys.length !== 1 || keys[0] !== 'stage' || !cond?.active_from?.$gte) {
        return apiError(400, 'invalid_request_error', 'filter_error', `The fake supports only {"stage": {"active_from": {"$gte": …}}}, got ${JSON.stringify(body.filter)}`);
      }
      const since = Date.parse(cond.active_from.$gte);
      rows = rows.filter((d) => {
        const cur = stageValues(model, d).slice(-1)[0];
        return cur && Date.parse(cur.active_from.replace(/(\.\d{3})\d+Z$/, '$1Z')) >= since;
      });
    }
    return { status: 200, body: { data: rows.slice(offset, offset + limit).map(render) } };
  };

  const record = (d: ModelDeal) => ({
    id: { workspace_id: WORKSPACE, object_id: OBJECT_ID, record_id: recordId(d.id) },
    created_at: attioTime(d.createdAt),
    web_url: `https://app.attio.com/fake/deals/${recordId(d.id)}`,
    values: recordValues(model, d, !opts.list, opts),
  });
  const entry = (d: ModelDeal) => ({
    id: { workspace_id: WORKSPACE, list_id: LIST_ID, entry_id: entryId(d.id) },
    parent_record_id: recordId(d.id),
    parent_object: 'deals',
    created_at: attioTime(d.createdAt),
    entry_values: {
      stage: stageValues(model, d).slice(-1),
      created_at: [{ ...base(d.createdAt), value: attioTime(d.createdAt), attribute_type: 'timestamp' }],
    },
  });

  const history = (d: ModelDeal | undefined, q: URLSearchParams): FakeResponse => {
    if (!d) return apiError(404, 'invalid_request_error', 'not_found', 'Record not found.');
    const all = stageValues(model, d);
    const values = q.get('show_historic') === 'true' ? all : all.slice(-1);
    const limit = Number(q.get('limit') ?? 500);
    const offset = Number(q.get('offset') ?? 0);
    return { status: 200, body: { data: values.slice(offset, offset + limit) } };
  };

  return {
    bucketOf: () => 'default',
    checkAuth(req) {
      if (req.headers.authorization === `Bearer ${ATTIO_TOKEN}`) return undefined;
      return apiError(401, 'auth_error', 'unauthorized', 'Authentication failed: the access token is missing, invalid or revoked.');
    },
    throttled(_bucket, waitMs) {
      return { ...apiError(429, 'rate_limit_error', 'rate_limit_exceeded', 'Rate limit exceeded, please try again later'), headers: { 'retry-after': retryAfterDate(waitMs) } };
    },
    errorBody(status) {
      if (status === 401) return { status_code: 401, type: 'auth_error', code: 'unauthorized', message: 'Authentication failed.' };
      if (status === 403) return { status_code: 403, type: 'auth_error', code: 'unauthorized', message: 'The access token is missing the scope record_permission:read.' };
      if (status === 429) return { status_code: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'Rate limit exceeded, please try again later' };
      return { status_code: status, type: 'api_error', code: 'internal_error', message: 'An internal error occurred.' };
    },
    route(req: FakeRequest) {
      const p = req.path;
      const list = opts.list;
      if (req.method === 'GET' && p === '/v2/objects/deals') {
        return { status: 200, body: { data: { id: { workspace_id: WORKSPACE, object_id: OBJECT_ID }, api_slug: 'deals', singular_noun: 'Deal', plural_noun: 'Deals', created_at: '2024-01-01T00:00:00.000000000Z' } } };
      }
      if (list && req.method === 'GET' && p === `/v2/lists/${list}`) {
        return {
          status: 200,
          body: { data: { id: { workspace_id: WORKSPACE, list_id: LIST_ID }, api_slug: list, name: 'Sales pipeline', parent_object: ['deals'], workspace_access: 'full-access', workspace_member_access: [], created_by_actor: actor, created_at: '2024-01-01T00:00:00.000000000Z' } },
        };
      }
      // The deals object's attributes as GET /v2/objects/deals/attributes lists them, and the
      // options of its select attributes (…/attributes/{slug}/options).
      if (!list && req.method === 'GET' && p === '/v2/objects/deals/attributes') {
        const attr = (i: number, api_slug: string, title: string, type: string, system: boolean, archived = false) => ({
          id: { workspace_id: WORKSPACE, object_id: OBJECT_ID, attribute_id: uuid('7', String(i)) },
          title,
          description: null,
          api_slug,
          type,
          is_system_attribute: system,
          is_writable: true,
          is_required: false,
          is_unique: false,
          is_multiselect: false,
          is_default_value_enabled: false,
          is_archived: archived,
          default_value: null,
          relationship: null,
          created_at: '2024-01-01T00:00:00.000000000Z',
          config: { currency: { default_currency_code: null, display_type: null }, record_reference: { allowed_object_ids: null } },
        });
        return {
          status: 200,
          body: {
            data: [
              attr(1, 'name', 'Deal name', 'text', true),
              attr(2, 'stage', 'Deal stage', 'status', true),
              attr(3, 'value', 'Deal value', 'currency', true),
              attr(4, 'owner', 'Deal owner', 'actor-reference', true),
              attr(5, 'source', 'Source', 'select', false),
              attr(6, 'forecast_category', '見込み区分', 'select', false),
              attr(7, 'rep_call', 'Rep call', 'text', false),
              attr(8, 'old_call', 'Old call', 'select', false, true),
            ],
          },
        };
      }
      const optionsOf = /^\/v2\/objects\/deals\/attributes\/(source|forecast_category)\/options$/.exec(p);
      if (!list && req.method === 'GET' && optionsOf) {
        const titles = optionsOf[1] === 'source' ? [...new Set(model.deals.map((d) => d.source).filter((x): x is string => !!x))] : [...Object.values(ATTIO_FORECAST_OPTIONS), 'Parked'];
        return {
          status: 200,
          body: { data: titles.map((title, i) => ({ id: { workspace_id: WORKSPACE, object_id: OBJECT_ID, attribute_id: uuid('7', '6'), option_id: uuid('8', String(i)) }, title, is_archived: title === 'Parked' })) },
        };
      }
      const statusesPath = list ? `/v2/lists/${list}/attributes/stage/statuses` : '/v2/objects/deals/attributes/stage/statuses';
      if (req.method === 'GET' && p === statusesPath) {
        const showArchived = req.query.get('show_archived') === 'true';
        return {
          status: 200,
          body: {
            data: statuses(model)
              .filter((s) => showArchived || !s.archived)
              .map((s) => ({
                id: { workspace_id: WORKSPACE, object_id: list ? LIST_ID : OBJECT_ID, attribute_id: STAGE_ATTRIBUTE_ID, status_id: s.id },
                title: s.title,
                is_archived: s.archived,
                celebration_enabled: s.id === WON_ID,
                target_time_in_status: null,
              })),
          },
        };
      }
      if (req.method === 'GET' && p === '/v2/workspace_members') {
        return {
          status: 200,
          body: {
            data: model.owners.map((o) => ({
              id: { workspace_id: WORKSPACE, workspace_member_id: memberId(o.id) },
              first_name: o.firstName,
              last_name: o.lastName,
              avatar_url: null,
              email_address: o.email,
              created_at: '2024-01-01T00:00:00.000000000Z',
              access_level: o.active ? 'member' : 'suspended',
            })),
          },
        };
      }
      if (req.method === 'POST' && p === '/v2/objects/deals/records/query') return query('records', (req.body ?? {}) as never, record);
      if (list && req.method === 'POST' && p === `/v2/lists/${list}/entries/query`) return query('entries', (req.body ?? {}) as never, entry);
      const rv = /^\/v2\/objects\/deals\/records\/([^/]+)\/attributes\/stage\/values$/.exec(p);
      if (rv && req.method === 'GET' && !list) return history(liveOnly(lookup().byRecord.get(rv[1]!)), req.query);
      const ev = list ? new RegExp(`^/v2/lists/${list}/entries/([^/]+)/attributes/stage/values$`).exec(p) : null;
      if (ev && req.method === 'GET') return history(liveOnly(lookup().byEntry.get(ev[1]!)), req.query);
      return apiError(404, 'invalid_request_error', 'not_found', `Unknown route ${req.method} ${p}`);
    },
  };
}

export async function startAttioFake(model: CrmModel, knobs: Partial<FakeKnobs> = {}, opts: AttioFakeOptions = {}): Promise<AttioFake> {
  let server: FakeServer | undefined;
  server = await startFakeServer(
    attioDialect(model, () => server!.knobs, opts),
    { pageSize: 500, ...knobs },
  );
  return Object.assign(server, { model, options: opts });
}

/** The rows a correct Attio connector stores from this model (deal status as derived by the engine). */
export function attioExpected(model: CrmModel, opts: AttioFakeOptions = {}) {
  const pipelineId = opts.list ?? 'deals';
  const pipelines: PipelineRow[] = [{ id: pipelineId, name: opts.list ? 'Sales pipeline' : 'Deals', position: 0 }];
  const stages: StageRow[] = statuses(model).map((s, i) => ({
    id: s.id,
    pipelineId,
    name: s.title,
    position: i,
    probability: null,
    isClosed: s.id === WON_ID || s.id === LOST_ID,
    isWon: s.id === WON_ID,
    ...(s.archived ? { deleted: true } : {}),
  }));
  const owners: OwnerRow[] = model.owners.map((o) => ({ id: memberId(o.id), name: `${o.firstName} ${o.lastName}`, email: o.email, active: o.active }));
  const liveDeals = model.deals.filter((d) => d.archivedAt === null);
  const deals: DealRow[] = liveDeals.map((d) => {
    const cur = stageValues(model, d).slice(-1)[0];
    const entered = new Date(d.closedAt ?? d.history[d.history.length - 1]!.enteredAt).toISOString();
    // The fake writes the last edit as the value's active_from; a deal without a value shows none.
    const modified = [d.createdAt, ...(d.amount === null ? [] : [d.modifiedAt]), entered].map((s) => new Date(s).toISOString()).sort().pop()!;
    return {
      id: opts.list ? entryId(d.id) : recordId(d.id),
      name: d.name,
      amount: d.amount,
      currency: d.amount === null ? null : d.currency,
      pipelineId,
      stageId: cur!.status.id.status_id,
      ownerId: d.ownerId ? memberId(d.ownerId) : null,
      source: d.source,
      createdAt: new Date(d.createdAt).toISOString(),
      closeDate: d.closeDate,
      closedAt: d.closedAt ? new Date(d.closedAt).toISOString() : null,
      // What the store holds: the connector leaves status to the engine, which derives it from
      // the stage's closed/won flags (inferred from the names "Won 🎉" and "Lost").
      status: d.status,
      stageEnteredAt: entered,
      modifiedAt: modified,
    };
  });
  const stage_history: StageHistoryRow[] = liveDeals.flatMap((d) =>
    stageValues(model, d).map((v) => ({ dealId: opts.list ? entryId(d.id) : recordId(d.id), stageId: v.status.id.status_id, enteredAt: new Date(v.active_from.replace(/(\.\d{3})\d+Z$/, '$1Z')).toISOString() })),
  );
  return { pipelines, stages, owners, deals, stage_history, activities: [] };
}
