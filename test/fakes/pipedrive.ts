/**
 * A fake Pipedrive API on 127.0.0.1 in the documented wire format (../shared/crm-api-notes.md
 * §2): v2 lists `{success, data, additional_data: {next_cursor}}` with `limit` ≤ 500, `cursor`,
 * `updated_since` (inclusive), `sort_by`/`sort_direction`, `status=deleted`; /deals/archived;
 * v1 users and per-deal changelog (`YYYY-MM-DD HH:MM:SS` times, newest first, cursor paging);
 * `x-api-token` auth; a rolling 2-second burst limit with x-ratelimit-* headers.
 */
import type { ActivityRow, DealRow, OwnerRow, PipelineRow, StageHistoryRow, StageRow } from '../../src/model/rows.js';
import type { CrmModel, ModelDeal, ModelGoal } from './crm-model.js';
import { decodeCursor, encodeCursor, startFakeServer, type CrmDialect, type FakeKnobs, type FakeResponse, type FakeServer, type WindowLimit } from './fake-server.js';

export const PIPEDRIVE_TOKEN = '0123456789abcdef0123456789abcdef01234567';
/** Published burst limit for API tokens on the lowest plan: 20 requests per rolling 2 s. */
export const PIPEDRIVE_LIMITS: Record<string, WindowLimit> = { default: { requests: 20, perMs: 2_000 } };

const v1Time = (iso: string) => iso.replace('T', ' ').slice(0, 19);
const rfc3339 = (iso: string) => `${iso.slice(0, 19)}Z`;
const stageChangeTime = (d: ModelDeal) => (d.history.length > 1 ? d.history[d.history.length - 1]!.enteredAt : null);

/** The deal custom field (an enum) an admin chose as the forecast category: its 40-character key. */
export const PIPEDRIVE_FORECAST_FIELD = 'a3f1c0de5b6e7f80912a3b4c5d6e7f8091a2b3c4';
/** Its options' ids: Commit 41, Best case 42, Pipeline 43, Omitted 44, and 45 "Upside" (no admin map for it). */
export const PIPEDRIVE_FORECAST_OPTIONS = { commit: 41, best_case: 42, pipeline: 43, omitted: 44, unknown: 45 } as const;

/**
 * GET /v1/dealFields as Pipedrive answers it: the standard fields (short keys, not editable) and
 * the account's custom ones (40-character keys): the forecast category enum (its options are the
 * ids deals carry), a set, a text field and a number field.
 */
export const PIPEDRIVE_DEAL_FIELDS = [
  { id: 12450, key: 'title', name: 'Title', order_nr: 1, field_type: 'varchar', edit_flag: false, active_flag: true, options: null },
  { id: 12451, key: 'value', name: 'Value', order_nr: 2, field_type: 'monetary', edit_flag: false, active_flag: true, options: null },
  { id: 12452, key: 'stage_id', name: 'Stage', order_nr: 3, field_type: 'stage', edit_flag: false, active_flag: true, options: null },
  { id: 12453, key: 'status', name: 'Status', order_nr: 4, field_type: 'status', edit_flag: false, active_flag: true, options: [{ id: 'open', label: 'Open' }, { id: 'won', label: 'Won' }] },
  {
    id: 12500,
    key: PIPEDRIVE_FORECAST_FIELD,
    name: 'Forecast category',
    order_nr: 20,
    field_type: 'enum',
    edit_flag: true,
    active_flag: true,
    options: [
      { id: 41, label: 'Commit' },
      { id: 42, label: 'Best case' },
      { id: 43, label: 'Pipeline' },
      { id: 44, label: 'Omitted' },
      { id: 45, label: 'Upside' },
    ],
  },
  { id: 12501, key: 'b7e2d1c0a9f8e7d6c5b4a3928170f6e5d4c3b2a1', name: '地域', order_nr: 21, field_type: 'set', edit_flag: true, active_flag: true, options: [{ id: 51, label: '関東' }, { id: 52, label: 'الخليج' }] },
  { id: 12502, key: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00', name: 'Rep call', order_nr: 22, field_type: 'varchar', edit_flag: true, active_flag: true, options: null },
  { id: 12503, key: 'd00d00d00d00d00d00d00d00d00d00d00d00d00d', name: 'Discount %', order_nr: 23, field_type: 'double', edit_flag: true, active_flag: true, options: null },
  { id: 12504, key: 'e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1', name: 'Old category', order_nr: 24, field_type: 'enum', edit_flag: true, active_flag: false, options: [{ id: 61, label: 'Commit' }] },
];

function renderDeal(d: ModelDeal, q?: URLSearchParams) {
  // v2 serves custom fields under custom_fields, the ones asked for by key.
  const asked = (q?.get('custom_fields') ?? '').split(',');
  const customFields = asked.includes(PIPEDRIVE_FORECAST_FIELD) ? { [PIPEDRIVE_FORECAST_FIELD]: d.forecastCategory ? PIPEDRIVE_FORECAST_OPTIONS[d.forecastCategory] : null } : {};
  return {
    id: Number(d.id),
    title: d.name,
    creator_user_id: 501,
    owner_id: d.ownerId === null ? null : Number(d.ownerId),
    value: d.amount ?? 0,
    person_id: 1,
    org_id: 1,
    stage_id: Number(d.stageId),
    pipeline_id: Number(d.pipelineId),
    currency: d.currency,
    archive_time: d.shelved ? d.modifiedAt : null,
    add_time: rfc3339(d.createdAt),
    update_time: rfc3339(d.modifiedAt),
    stage_change_time: stageChangeTime(d) ? rfc3339(stageChangeTime(d)!) : null,
    status: d.archivedAt ? 'deleted' : d.status,
    is_archived: d.shelved === true,
    is_deleted: d.archivedAt !== null,
    probability: null,
    lost_reason: d.status === 'lost' ? 'Price' : null,
    visible_to: 3,
    close_time: d.closedAt ? rfc3339(d.closedAt) : null,
    won_time: d.status === 'won' ? rfc3339(d.closedAt!) : null,
    lost_time: d.status === 'lost' ? rfc3339(d.closedAt!) : null,
    expected_close_date: d.closeDate,
    label_ids: [],
    origin: d.source,
    origin_id: null,
    channel: null,
    channel_id: null,
    acv: null,
    arr: null,
    mrr: null,
    custom_fields: customFields,
  };
}

export interface PipedriveFake extends FakeServer {
  model: CrmModel;
}

/** Pipedrive's currency ids (GET /v1/currencies): a fixed table, as an account has. */
export const PIPEDRIVE_CURRENCIES = ['USD', 'EUR', 'JPY', 'GBP', 'SEK', 'BRL', 'INR', 'AED'].map((code, i) => ({ id: i + 1, code, name: code, decimal_points: code === 'JPY' ? 0 : 2, symbol: code, active_flag: true, is_custom_flag: false }));

/**
 * A goal as GET /v1/goals/find answers it: a revenue goal tracks the sum of deals won in a
 * currency, a count goal their number; the duration's end is its last day; the target is per
 * interval (each model goal is one interval long).
 */
export function renderGoal(g: ModelGoal, today: string) {
  const lastDay = new Date(Date.parse(`${g.end}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  return {
    id: `g${g.id}`,
    owner_id: 1,
    title: g.name,
    type: { name: 'deals_won', params: { pipeline_id: g.pipelineId ? [Number(g.pipelineId)] : null } },
    assignee: g.assignee.kind === 'owner' ? { id: Number(g.assignee.ownerId), type: 'person' } : g.assignee.kind === 'company' ? { id: 1, type: 'company' } : { id: Number(g.assignee.teamId), type: 'team' },
    interval: { week: 'weekly', month: 'monthly', quarter: 'quarterly', year: 'yearly' }[g.interval],
    duration: { start: g.start, end: lastDay },
    expected_outcome: g.metric === 'revenue' ? { target: g.amount, tracking_metric: 'sum', currency_id: PIPEDRIVE_CURRENCIES.find((c) => c.code === g.currency)!.id } : { target: g.amount, tracking_metric: 'quantity' },
    is_active: lastDay >= today,
    report_ids: [`r${g.id}`],
  };
}

export function pipedriveDialect(model: CrmModel, knobs: () => FakeKnobs): CrmDialect {
  const envelope = (data: unknown[], next: string | null) => ({ success: true, data, additional_data: { next_cursor: next } });
  const bad = (error: string): FakeResponse => ({ status: 400, body: { success: false, error, errorCode: 400, error_info: 'Please check developers.pipedrive.com' } });

  /**
   * v2 cursor paging. `items` is read after the beforePage hook (edits between pages show up);
   * only the served page is rendered.
   */
  const v2list = <M,>(route: string, items: () => M[], q: URLSearchParams, keyOf: (m: M) => { id: number; updated: number }, render: (m: M) => unknown): FakeResponse => {
    const asked = Number(q.get('limit') ?? 100);
    if (asked > 500) return bad('limit must be at most 500');
    const limit = Math.min(asked, knobs().pageSize);
    const byUpdate = (q.get('sort_by') ?? 'id') === 'update_time';
    const desc = q.get('sort_direction') === 'desc';
    const since = q.get('updated_since');
    if (since && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(since)) return bad('updated_since must be RFC 3339 without fractional seconds');
    const sinceMs = since ? Date.parse(since) : -Infinity;
    const cursor = q.get('cursor');
    const c = cursor ? decodeCursor<{ k: number; id: number; n: number }>(cursor) : null;
    if (c) knobs().beforePage?.(route, c.n);
    let rows = items()
      .map((m) => {
        const k = keyOf(m);
        return { m, id: k.id, updated: k.updated, k: byUpdate ? k.updated : k.id };
      })
      .filter((x) => x.updated >= sinceMs);
    // Sorting 20,000 deals on every page would make the fake, not the client, the bottleneck of
    // the benchmark: reuse the last order while the items and their keys are unchanged.
    const cacheKey = `${route}|${byUpdate}|${desc}|${q.get('status') ?? ''}|${sinceMs}`;
    let sig = rows.length;
    for (const x of rows) sig = (sig * 31 + x.k * 7 + x.id) % 1_000_000_007;
    const cached = orderCache.get(cacheKey);
    if (cached && cached.sig === sig) rows = cached.rows as typeof rows;
    else {
      rows.sort((a, b) => (a.k - b.k || a.id - b.id) * (desc ? -1 : 1));
      orderCache.set(cacheKey, { sig, rows });
    }
    if (c) rows = rows.filter((x) => (desc ? x.k < c.k || (x.k === c.k && x.id < c.id) : x.k > c.k || (x.k === c.k && x.id > c.id)));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const next = rows.length > limit ? encodeCursor({ k: last!.k, id: last!.id, n: (c?.n ?? 0) + 1 }) : null;
    return { status: 200, body: envelope(page.map((x) => render(x.m)), next) };
  };
  const orderCache = new Map<string, { sig: number; rows: unknown[] }>();
  const plain = <T extends { id: number }>(x: T) => ({ id: x.id, updated: 0 });
  /** Parsed modified times, per model object, recomputed when the object's time changes. */
  const times = new WeakMap<object, { iso: string; ms: number }>();
  const ms = (o: object, iso: string) => {
    const cached = times.get(o);
    if (cached && cached.iso === iso) return cached.ms;
    const v = Date.parse(rfc3339(iso));
    times.set(o, { iso, ms: v });
    return v;
  };
  const dealIndex = new Map<string, ModelDeal>();
  const dealById = (id: string) => {
    if (dealIndex.size !== model.deals.length) {
      dealIndex.clear();
      for (const d of model.deals) dealIndex.set(d.id, d);
    }
    return dealIndex.get(id);
  };

  return {
    bucketOf: () => 'default',
    checkAuth(req) {
      if (req.headers['x-api-token'] === PIPEDRIVE_TOKEN) return undefined;
      return { status: 401, body: { success: false, error: 'unauthorized access', errorCode: 401, error_info: 'Please check developers.pipedrive.com' } };
    },
    throttled(_bucket, waitMs) {
      return {
        status: 429,
        headers: { 'x-ratelimit-limit': '20', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.max(1, Math.ceil(waitMs / 1000))) },
        body: { success: false, error: 'Request over limit', errorCode: 429, error_info: 'Please check developers.pipedrive.com' },
      };
    },
    errorBody(status) {
      if (status === 401) return { success: false, error: 'unauthorized access', errorCode: 401, error_info: 'Please check developers.pipedrive.com' };
      if (status === 403) return { success: false, error: 'Scope and URL mismatch', errorCode: 403 };
      if (status === 429) return { success: false, error: 'Request over limit', errorCode: 429 };
      return { success: false, error: 'Internal server error', errorCode: status };
    },
    okHeaders(_b, remaining, limit): Record<string, string> {
      return limit ? { 'x-ratelimit-limit': String(limit.requests), 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': '2' } : {};
    },
    route(req) {
      const q = req.query;
      const p = req.path;
      if (req.method !== 'GET') return { status: 405, body: { success: false, error: 'Method not allowed', errorCode: 405 } };
      if (p === '/api/v2/pipelines') {
        return v2list(
          'pipelines',
          () => model.pipelines.map((pl) => ({ id: Number(pl.id), name: pl.name, order_nr: pl.position + 1, is_deleted: false, is_deal_probability_enabled: true, add_time: '2024-01-01T00:00:00Z', update_time: '2024-01-01T00:00:00Z', is_selected: pl.position === 0 })),
          q,
          plain,
          (x) => x,
        );
      }
      if (p === '/api/v2/stages') {
        const pid = q.get('pipeline_id');
        return v2list(
          'stages',
          () => model.pipelines
            .filter((pl) => !pid || pl.id === pid)
            .flatMap((pl) =>
              pl.stages.map((s) => ({ id: Number(s.id), order_nr: s.position + 1, name: s.name, is_deleted: false, deal_probability: Math.round(s.probability * 100), pipeline_id: Number(pl.id), is_deal_rot_enabled: false, days_to_rotten: null, add_time: '2024-01-01T00:00:00Z', update_time: '2024-01-01T00:00:00Z' })),
            ),
          q,
          plain,
          (x) => x,
        );
      }
      if (p === '/v1/users/me') {
        return { status: 200, body: { success: true, data: { id: 1, name: 'API user', default_currency: model.currencies?.base ?? 'USD', locale: 'en_US', lang: 1, activated: true, is_admin: 1, timezone_name: 'Europe/Berlin', company_id: 1, company_name: 'Fake Co', company_domain: 'fake' } } };
      }
      if (p === '/v1/deals/summary') {
        // Pipedrive's summary: each currency's total, and that total at its rate to the default currency.
        const cur = model.currencies ?? { base: 'USD', rates: [] };
        const totals = new Map<string, { value: number; count: number }>();
        for (const d of model.deals) {
          if (d.archivedAt !== null) continue;
          const t = totals.get(d.currency) ?? { value: 0, count: 0 };
          t.value += d.amount ?? 0;
          t.count++;
          totals.set(d.currency, t);
        }
        const rate = (c: string) => (c === cur.base ? 1 : cur.rates.find((r) => r.currency === c && !r.startDate)?.perBase);
        const values_total = Object.fromEntries(
          [...totals].map(([c, t]) => {
            const r = rate(c);
            const converted = r ? Math.round((t.value / r) * 100) / 100 : 0;
            return [c, { value: t.value, count: t.count, value_converted: converted, value_formatted: `${t.value} ${c}`, value_converted_formatted: `${converted} ${cur.base}` }];
          }),
        );
        const total = Object.values(values_total).reduce((a, v) => a + v.value_converted, 0);
        return { status: 200, body: { success: true, data: { values_total, weighted_values_total: {}, total_count: model.deals.length, total_currency_converted_value: total, total_weighted_currency_converted_value: 0 } } };
      }
      if (p === '/v1/currencies') return { status: 200, body: { success: true, data: PIPEDRIVE_CURRENCIES } };
      if (p === '/v1/dealFields') {
        // v1 offset paging: start/limit, more_items_in_collection and next_start.
        const start = Number(q.get('start') ?? 0);
        const limit = Math.min(Number(q.get('limit') ?? 100), knobs().pageSize);
        const data = PIPEDRIVE_DEAL_FIELDS.slice(start, start + limit);
        const more = start + limit < PIPEDRIVE_DEAL_FIELDS.length;
        return { status: 200, body: { success: true, data, additional_data: { pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) } } } };
      }
      if (p === '/v1/goals/find') {
        // Without a type, assignee or outcome filter only the token user's own goals come back.
        const everyone = ['type.name', 'assignee.type', 'expected_outcome.tracking_metric'].some((k) => q.has(k));
        const active = (q.get('is_active') ?? 'true') === 'true';
        const today = model.now.toISOString().slice(0, 10);
        const goals = (model.goals ?? [])
          .map((g) => renderGoal(g, today))
          .filter((g) => g.is_active === active && (!q.has('type.name') || g.type.name === q.get('type.name')) && (everyone || (g.assignee.type === 'person' && g.assignee.id === 1)));
        return { status: 200, body: { success: true, data: { goals } } };
      }
      if (p === '/v1/legacyTeams') {
        // Teams are a feature of the higher plans: without it, a 403 in Pipedrive's error envelope.
        if (model.teamsRefused) return { status: 403, body: { success: false, error: 'You do not have permissions to access this resource', errorCode: 403 } };
        return {
          status: 200,
          body: {
            success: true,
            data: (model.teams ?? []).map((t) => ({
              id: Number(t.id),
              name: t.name,
              description: '',
              owner_id: 1,
              manager_id: t.managerId ? Number(t.managerId) : Number(t.memberIds[0] ?? 0),
              users: t.memberIds.map(Number),
              active_flag: 1,
              deleted_flag: 0,
              add_time: '2024-01-01 09:16:26',
              created_by_user_id: 1,
            })),
          },
        };
      }
      if (p === '/v1/users') {
        return {
          status: 200,
          body: {
            success: true,
            data: model.owners.map((o) => ({ id: Number(o.id), name: `${o.firstName} ${o.lastName}`, email: o.email, activated: o.active, last_login: '2026-11-01 08:45:56', created: '2024-01-01 09:16:26', modified: '2026-11-01 08:45:56', active_flag: o.active, timezone_name: 'Europe/Berlin', role_id: 1, is_you: false, is_deleted: false })),
          },
        };
      }
      if (p === '/api/v2/deals' || p === '/api/v2/deals/archived') {
        const archived = p.endsWith('/archived');
        const statuses = (q.get('status') ?? 'open,won,lost').split(',');
        return v2list(
          archived ? 'deals-archived' : 'deals',
          () => model.deals.filter((d) => (d.shelved === true) === archived && statuses.includes(d.archivedAt ? 'deleted' : d.status)),
          q,
          (d) => ({ id: Number(d.id), updated: ms(d, d.modifiedAt) }),
          (d) => renderDeal(d, q),
        );
      }
      if (p === '/api/v2/activities') {
        return v2list(
          'activities',
          () => model.activities,
          q,
          (a) => ({ id: Number(a.id), updated: ms(a, a.modifiedAt) }),
          (a) => ({
            id: Number(a.id),
            subject: a.subject,
            type: a.type,
            owner_id: a.ownerId === null ? null : Number(a.ownerId),
            creator_user_id: 501,
            is_deleted: false,
            add_time: rfc3339(a.occurredAt),
            update_time: rfc3339(a.modifiedAt),
            deal_id: a.dealId === null ? null : Number(a.dealId),
            lead_id: null,
            person_id: 1,
            org_id: 1,
            project_id: null,
            due_date: a.occurredAt.slice(0, 10),
            due_time: a.occurredAt.slice(11, 16),
            duration: '00:30:00',
            busy: false,
            done: true,
            marked_as_done_time: rfc3339(a.occurredAt),
            location: null,
            participants: [{ person_id: 1, primary: true }],
            attendees: [],
            conference_meeting_client: null,
            conference_meeting_url: null,
            conference_meeting_id: null,
            public_description: null,
            priority: null,
            note: a.body,
          }),
        );
      }
      const one = /^\/api\/v2\/deals\/(\d+)$/.exec(p);
      if (one) {
        const d = dealById(one[1]!);
        return d ? { status: 200, body: { success: true, data: renderDeal(d) } } : { status: 404, body: { success: false, error: 'Deal not found', errorCode: 404 } };
      }
      const cl = /^\/v1\/deals\/(\d+)\/changelog$/.exec(p);
      if (cl) {
        const d = dealById(cl[1]!);
        if (!d) return { status: 404, body: { success: false, error: 'Deal not found', errorCode: 404 } };
        const changes: { field_key: string; old_value: unknown; new_value: unknown; time: string }[] = [];
        for (let i = 1; i < d.history.length; i++) {
          changes.push({ field_key: 'stage_id', old_value: Number(d.history[i - 1]!.stageId), new_value: Number(d.history[i]!.stageId), time: d.history[i]!.enteredAt });
          changes.push({ field_key: 'value', old_value: 100, new_value: 200, time: d.history[i]!.enteredAt });
        }
        const all = changes
          .reverse()
          .map((c) => ({ ...c, time: v1Time(c.time), actor_user_id: 501, change_source: 'app', change_source_user_agent: 'Mozilla/5.0', is_bulk_update_flag: false }));
        const limit = Math.min(Number(q.get('limit') ?? 100), knobs().pageSize);
        const start = q.get('cursor') ? decodeCursor<{ i: number }>(q.get('cursor')!).i : 0;
        const page = all.slice(start, start + limit);
        return { status: 200, body: envelope(page, start + limit < all.length ? encodeCursor({ i: start + limit }) : null) };
      }
      return { status: 404, body: { success: false, error: `Unknown method ${p}`, errorCode: 404 } };
    },
  };
}

export async function startPipedriveFake(model: CrmModel, knobs: Partial<FakeKnobs> = {}): Promise<PipedriveFake> {
  let server: FakeServer | undefined;
  server = await startFakeServer(pipedriveDialect(model, () => server!.knobs), knobs);
  return Object.assign(server, { model });
}

/** The rows a correct Pipedrive connector produces from this model. */
export function pipedriveExpected(model: CrmModel) {
  const pipelines: PipelineRow[] = model.pipelines.map((p) => ({ id: p.id, name: p.name, position: p.position + 1, deleted: false }));
  const stages: StageRow[] = model.pipelines.flatMap((p) =>
    p.stages.map((s) => ({ id: s.id, pipelineId: p.id, name: s.name, position: s.position + 1, probability: Math.round(s.probability * 100) / 100, isClosed: false, isWon: false, deleted: false })),
  );
  const owners: OwnerRow[] = model.owners.map((o) => ({ id: o.id, name: `${o.firstName} ${o.lastName}`, email: o.email, active: o.active }));
  const deals: DealRow[] = model.deals.map((d) => ({
    id: d.id,
    name: d.name,
    amount: d.amount ?? 0,
    currency: d.currency,
    pipelineId: d.pipelineId,
    stageId: d.stageId,
    ownerId: d.ownerId,
    source: d.source,
    createdAt: rfc3339(d.createdAt).replace('Z', '.000Z'),
    closeDate: d.closeDate,
    closedAt: d.closedAt ? rfc3339(d.closedAt).replace('Z', '.000Z') : null,
    status: d.status,
    stageEnteredAt: rfc3339(d.history[d.history.length - 1]!.enteredAt).replace('Z', '.000Z'),
    modifiedAt: rfc3339(d.modifiedAt).replace('Z', '.000Z'),
    deleted: d.archivedAt !== null,
  }));
  const stage_history: StageHistoryRow[] = model.deals
    .filter((d) => d.archivedAt === null)
    .flatMap((d) => d.history.map((h) => ({ dealId: d.id, stageId: h.stageId, enteredAt: rfc3339(h.enteredAt).replace('Z', '.000Z') })));
  const activities: ActivityRow[] = model.activities.map((a) => ({ id: a.id, type: a.type, ownerId: a.ownerId, dealId: a.dealId, occurredAt: `${a.occurredAt.slice(0, 16)}:00.000Z` }));
  return { pipelines, stages, owners, deals, stage_history, activities };
}
