/**
 * A CRM-neutral data set that every fake CRM server renders in its own wire format: pipelines
 * with open stages, owners, deals with their stage history, and activities. Deterministic for
 * (seed, deals, now). Tests edit it between syncs (the fakes read it on every request), and
 * each fake derives the rows a correct connector must produce from it.
 */

export interface ModelStage {
  id: string;
  name: string;
  position: number;
  /** 0..1 */
  probability: number;
}
export interface ModelPipeline {
  id: string;
  name: string;
  position: number;
  /** Open stages only; how a CRM shows won/lost is its own business. */
  stages: ModelStage[];
}
export interface ModelOwner {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  active: boolean;
}
export interface ModelStageEntry {
  stageId: string;
  enteredAt: string;
}
export interface ModelDeal {
  id: string;
  name: string;
  amount: number | null;
  currency: string;
  pipelineId: string;
  /** The last open stage the deal was in (won/lost deals keep it). */
  stageId: string;
  ownerId: string | null;
  source: string | null;
  createdAt: string;
  closeDate: string | null;
  status: 'open' | 'won' | 'lost';
  closedAt: string | null;
  modifiedAt: string;
  /** Open-stage entries, oldest first (the first at createdAt). */
  history: ModelStageEntry[];
  /** Deleted in the CRM (HubSpot: archived; Pipedrive: status deleted). */
  archivedAt: string | null;
  /** Pipedrive's own "archive" (hidden from lists, still a real deal). */
  shelved?: boolean;
  /**
   * The rep's forecast category (each fake spells it its own way); 'unknown' is a value no CRM
   * name matches (an org's own "Upside"), null none set. Assigned in turn, not drawn, so adding
   * it left every other drawn value unchanged.
   */
  forecastCategory?: ModelForecastCategory;
  /** Contact data the CRM holds and dealcast must never ask for. */
  contactEmail: string;
  contactPhone: string;
}
export type ModelForecastCategory = 'commit' | 'best_case' | 'pipeline' | 'omitted' | 'unknown' | null;
export const MODEL_FORECAST_CYCLE: ModelForecastCategory[] = ['commit', 'best_case', 'pipeline', 'omitted', null, 'unknown'];

export interface ModelActivity {
  id: string;
  type: 'call' | 'email' | 'meeting';
  ownerId: string | null;
  dealId: string | null;
  occurredAt: string;
  modifiedAt: string;
  subject: string;
  body: string;
}
/**
 * A sales team as the CRM keeps it. HubSpot lists it on each member owner, Pipedrive serves it
 * from its Teams API (users plus a manager), Salesforce as a role (one per user) whose parent
 * role is `parentId`'s.
 */
export interface ModelTeam {
  id: string;
  name: string;
  memberIds: string[];
  managerId?: string | null;
  parentId?: string | null;
}

/** The CRM's company currency and exchange rates (perBase: units of the currency per unit of base). */
export interface ModelCurrencies {
  base: string;
  rates: { currency: string; perBase: number; startDate?: string; endDate?: string | null }[];
}

/**
 * A sales target as a CRM keeps it: one goal for one period. Each fake renders it its own way
 * (HubSpot goal target, Pipedrive goal, Salesforce ForecastingQuota); a goal a CRM cannot hold
 * (a company goal in Salesforce) is not rendered by that fake.
 */
export interface ModelGoal {
  id: string;
  name: string;
  /** 'revenue' goals are targets; 'count' goals (calls made, deals won as a number) are not. */
  metric: 'revenue' | 'count';
  assignee: { kind: 'owner'; ownerId: string; viaUserId?: boolean } | { kind: 'company' } | { kind: 'team'; teamId: string };
  /** Only deals of this pipeline count (company goals). */
  pipelineId?: string;
  interval: 'week' | 'month' | 'quarter' | 'year';
  /** First day and one-past-last day (YYYY-MM-DD). */
  start: string;
  end: string;
  currency: string;
  amount: number;
}

export interface CrmModel {
  now: Date;
  /** Sales targets the CRM keeps (absent: none). */
  goals?: ModelGoal[];
  /** Multi-currency accounts: the company currency and the rates the CRM keeps. */
  currencies?: ModelCurrencies;
  pipelines: ModelPipeline[];
  owners: ModelOwner[];
  /** Sales teams; absent = the account keeps none. */
  teams?: ModelTeam[];
  /** The account may not read teams (a plan without them, a user without the permission). */
  teamsRefused?: boolean;
  deals: ModelDeal[];
  activities: ModelActivity[];
}

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const SOURCES = ['Inbound', 'Outbound', 'Referral', 'Partner', null];

export interface ModelOptions {
  seed?: number;
  deals?: number;
  /** Activities per deal on average (0 for none). */
  activitiesPerDeal?: number;
  now: Date;
}

/** Whole-second ISO timestamps: every CRM can represent them exactly. */
const isoSec = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();

export function createCrmModel(opts: ModelOptions): CrmModel {
  const rand = rng(opts.seed ?? 7);
  const nowMs = opts.now.getTime();
  const pipelines: ModelPipeline[] = [
    {
      id: '1',
      name: 'New business',
      position: 0,
      stages: ['Lead', 'Qualified', 'Demo', 'Proposal', 'Negotiation'].map((name, i) => ({ id: String(11 + i), name, position: i, probability: [0.1, 0.2, 0.4, 0.6, 0.8][i]! })),
    },
    {
      id: '2',
      name: 'Renewals',
      position: 1,
      stages: ['Due', 'In talks', 'Committed'].map((name, i) => ({ id: String(21 + i), name, position: i, probability: [0.5, 0.7, 0.9][i]! })),
    },
  ];
  const owners: ModelOwner[] = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Katherine Johnson'].map((n, i) => {
    const [firstName, lastName] = n.split(' ');
    return { id: String(501 + i), firstName: firstName!, lastName: lastName!, email: `${firstName!.toLowerCase()}@example.com`, active: i !== 3 };
  });
  const deals: ModelDeal[] = [];
  const activities: ModelActivity[] = [];
  const n = opts.deals ?? 60;
  const perDeal = opts.activitiesPerDeal ?? 1;
  for (let i = 0; i < n; i++) {
    const p = pipelines[rand() < 0.8 ? 0 : 1];
    const created = nowMs - Math.floor(rand() * 400 * DAY) - DAY;
    const steps = Math.floor(rand() * p!.stages.length);
    const history: ModelStageEntry[] = [{ stageId: p!.stages[0]!.id, enteredAt: isoSec(created) }];
    let t = created;
    for (let s = 1; s <= steps; s++) {
      t += Math.floor(rand() * 20 * DAY) + 3600_000;
      if (t >= nowMs - 3600_000) break;
      history.push({ stageId: p!.stages[s]!.id, enteredAt: isoSec(t) });
    }
    const roll = rand();
    let status: ModelDeal['status'] = 'open';
    let closedAt: string | null = null;
    const closeT = t + Math.floor(rand() * 10 * DAY) + 3600_000;
    if (closeT < nowMs - 3600_000 && roll < 0.5) {
      status = roll < 0.2 ? 'won' : 'lost';
      closedAt = isoSec(closeT);
    }
    const last = closedAt ? Date.parse(closedAt) : Date.parse(history[history.length - 1]!.enteredAt);
    const modified = Math.min(nowMs - 600_000, last + Math.floor(rand() * 2 * DAY));
    const id = String(1000 + i);
    deals.push({
      id,
      name: `Deal ${id}`,
      amount: rand() < 0.05 ? null : Math.round(rand() * 500) * 100,
      currency: 'USD',
      pipelineId: p!.id,
      stageId: history[history.length - 1]!.stageId,
      ownerId: rand() < 0.03 ? null : owners[Math.floor(rand() * owners.length)]!.id,
      source: SOURCES[Math.floor(rand() * SOURCES.length)]!,
      createdAt: isoSec(created),
      closeDate: rand() < 0.1 ? null : new Date(created + Math.floor(rand() * 120 * DAY)).toISOString().slice(0, 10),
      status,
      closedAt,
      modifiedAt: isoSec(Math.max(modified, Math.min(last, nowMs - 600_000))),
      history,
      archivedAt: null,
      forecastCategory: MODEL_FORECAST_CYCLE[i % MODEL_FORECAST_CYCLE.length]!,
      contactEmail: `buyer${i}@customer.example`,
      contactPhone: `+1-555-01${String(i % 100).padStart(2, '0')}`,
    });
    const k = Math.floor(rand() * (2 * perDeal + 1));
    for (let a = 0; a < k; a++) {
      const at = created + Math.floor(rand() * Math.max(1, nowMs - created - 600_000));
      activities.push({
        id: String(90000 + activities.length),
        type: (['call', 'email', 'meeting'] as const)[Math.floor(rand() * 3)]!,
        ownerId: deals[deals.length - 1]!.ownerId,
        dealId: id,
        occurredAt: isoSec(at),
        modifiedAt: isoSec(at + 1000),
        subject: `Secret subject ${activities.length}`,
        body: `Secret body ${activities.length}`,
      });
    }
  }
  return { now: opts.now, pipelines, owners, deals, activities };
}

/** Edits a deal the way a person in the CRM would: bumps its modified time. */
export function editDeal(model: CrmModel, id: string, at: Date, change: Partial<Pick<ModelDeal, 'name' | 'amount' | 'ownerId' | 'closeDate' | 'source'>>): ModelDeal {
  const d = model.deals.find((x) => x.id === id);
  if (!d) throw new Error(`no deal ${id}`);
  Object.assign(d, change);
  d.modifiedAt = at.toISOString();
  return d;
}

/** Moves a deal to another open stage (possibly of another pipeline), recording history. */
export function moveDeal(model: CrmModel, id: string, stageId: string, at: Date): ModelDeal {
  const d = model.deals.find((x) => x.id === id);
  if (!d) throw new Error(`no deal ${id}`);
  const p = model.pipelines.find((pp) => pp.stages.some((s) => s.id === stageId));
  if (!p) throw new Error(`no stage ${stageId}`);
  d.pipelineId = p.id;
  d.stageId = stageId;
  d.status = 'open';
  d.closedAt = null;
  d.history.push({ stageId, enteredAt: at.toISOString() });
  d.modifiedAt = at.toISOString();
  return d;
}

export function closeDeal(model: CrmModel, id: string, won: boolean, at: Date): ModelDeal {
  const d = model.deals.find((x) => x.id === id);
  if (!d) throw new Error(`no deal ${id}`);
  d.status = won ? 'won' : 'lost';
  d.closedAt = at.toISOString();
  d.modifiedAt = at.toISOString();
  return d;
}

export function archiveDeal(model: CrmModel, id: string, at: Date): ModelDeal {
  const d = model.deals.find((x) => x.id === id);
  if (!d) throw new Error(`no deal ${id}`);
  d.archivedAt = at.toISOString();
  d.modifiedAt = at.toISOString();
  return d;
}

/**
 * Targets for the fourth calendar quarter of 2026 (and one month and one week in it), set the
 * way sales teams set them in a CRM: per rep in several currencies (two reps named in Japanese
 * and Arabic script), for the company, for one pipeline and for a team (EMEA: 山田 and محمد),
 * plus goals that are not sales targets dealcast keeps (a count of calls, a week).
 */
export function addModelGoals(model: CrmModel): ModelGoal[] {
  model.owners.push(
    { id: '505', firstName: '太郎', lastName: '山田', email: 'yamada@example.jp', active: true },
    { id: '506', firstName: 'محمد', lastName: 'العلي', email: 'mohammed@example.ae', active: true },
  );
  const q = { interval: 'quarter' as const, start: '2026-10-01', end: '2027-01-01' };
  const goals: ModelGoal[] = [
    { id: '7001', name: 'Q4 quota Ada', metric: 'revenue', assignee: { kind: 'owner', ownerId: '501' }, ...q, currency: 'USD', amount: 120_000 },
    { id: '7002', name: 'Q4 quota Grace', metric: 'revenue', assignee: { kind: 'owner', ownerId: '502' }, ...q, currency: 'EUR', amount: 90_000 },
    { id: '7003', name: '12月 山田', metric: 'revenue', assignee: { kind: 'owner', ownerId: '505', viaUserId: true }, interval: 'month', start: '2026-12-01', end: '2027-01-01', currency: 'JPY', amount: 15_000_000 },
    { id: '7004', name: 'الربع الرابع محمد', metric: 'revenue', assignee: { kind: 'owner', ownerId: '506' }, ...q, currency: 'EUR', amount: 75_000.5 },
    { id: '7005', name: 'Company Q4', metric: 'revenue', assignee: { kind: 'company' }, ...q, currency: 'USD', amount: 400_000 },
    { id: '7006', name: 'New business Q4', metric: 'revenue', assignee: { kind: 'company' }, pipelineId: '1', ...q, currency: 'USD', amount: 300_000 },
    { id: '7007', name: 'Calls December', metric: 'count', assignee: { kind: 'owner', ownerId: '501' }, interval: 'month', start: '2026-12-01', end: '2027-01-01', currency: 'USD', amount: 50 },
    { id: '7008', name: 'EMEA team Q4', metric: 'revenue', assignee: { kind: 'team', teamId: '42' }, ...q, currency: 'EUR', amount: 250_000 },
    { id: '7009', name: 'Week 49 push', metric: 'revenue', assignee: { kind: 'owner', ownerId: '503' }, interval: 'week', start: '2026-11-30', end: '2026-12-07', currency: 'USD', amount: 10_000 },
  ];
  model.goals = goals;
  model.teams = [...(model.teams ?? []).filter((t) => t.id !== '42'), { id: '42', name: 'EMEA', memberIds: ['505', '506'] }];
  return goals;
}
