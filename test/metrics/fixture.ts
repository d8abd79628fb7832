/**
 * A small hand-built CRM for report tests. Every expected number in the tests is worked out by
 * hand from this table (now = Monday 2026-06-15 12:00 UTC):
 *
 * Pipelines: p1 "Sales" (Lead 10%, Qualified 20%, Proposal 50%, Negotiation 80%, won, lost)
 *            p2 "Partners" (Lead 10%, won, lost)
 * Owners: o1 Al Smith <al@example.com>, o2 Bea Jones <bea@example.com>
 *
 * deal pipe owner source   amount  created     path (stage history)                         status   close date
 * D1   p1   o1    Inbound   4,000  2026-03-01  Lead, Qual 03-10, Prop 03-20, Lost 04-01       lost     2026-04-01
 * D2   p1   o1    Inbound  10,000  2026-03-05  Lead, Qual 03-15, Prop 03-25, Neg 04-05,
 *                                              Won 04-20                                     won      2026-04-20
 * D3   p1   o1    Inbound   5,000  2026-04-01  Lead, Qual 04-10                              open     2026-07-10
 * D4   p1   o2    Outbound  2,000  2026-04-15  Lead, Lost 04-20                              lost     2026-04-20
 * D5   p1   o2    Referral 20,000  2026-05-01  Lead, Prop 05-20 (skipped Qualified)          open     2026-06-30
 * D6   p1   o1    Inbound   8,000  2025-10-01  (no history) won 2025-12-01                   won      2025-12-01
 * D7   p1   o2    Referral  3,000  2026-05-20  Lead, Won 06-02                               won      2026-06-02
 * D8   p2   o2    Referral  7,000  2026-06-01  Lead                                          open     2026-08-05
 */
import type { Db } from '../../store/db.js';
import { upsertPipelines } from '../../store/pipelines.js';
import { upsertStages } from '../../store/stages.js';
import { mapNewStages } from '../../store/stage-map.js';
import { upsertOwners } from '../../store/owners.js';
import { dealUpserter } from '../../store/deals.js';
import { insertStageHistory } from '../../store/stage-history.js';
import type { DealRow, StageHistoryRow, StageRow } from '../../src/model/rows.js';

export const CRM = 'hubspot';
export const NOW = new Date('2026-06-15T12:00:00Z');

const STAGES: StageRow[] = [
  { id: 's-lead', pipelineId: 'p1', name: 'Lead', position: 0, probability: 0.1, isClosed: false, isWon: false },
  { id: 's-qual', pipelineId: 'p1', name: 'Qualified', position: 1, probability: 0.2, isClosed: false, isWon: false },
  { id: 's-prop', pipelineId: 'p1', name: 'Proposal', position: 2, probability: 0.5, isClosed: false, isWon: false },
  { id: 's-neg', pipelineId: 'p1', name: 'Negotiation', position: 3, probability: 0.8, isClosed: false, isWon: false },
  { id: 's-won', pipelineId: 'p1', name: 'Closed Won', position: 4, probability: 1, isClosed: true, isWon: true },
  { id: 's-lost', pipelineId: 'p1', name: 'Closed Lost', position: 5, probability: 0, isClosed: true, isWon: false },
  { id: 't-lead', pipelineId: 'p2', name: 'Lead', position: 0, probability: 0.1, isClosed: false, isWon: false },
  { id: 't-won', pipelineId: 'p2', name: 'Closed Won', position: 1, probability: 1, isClosed: true, isWon: true },
  { id: 't-lost', pipelineId: 'p2', name: 'Closed Lost', position: 2, probability: 0, isClosed: true, isWon: false },
];

export interface FixtureDeal {
  id: string;
  pipelineId?: string;
  ownerId?: string | null;
  source?: string | null;
  amount: number | null;
  created: string;
  /** [stageId, 'YYYY-MM-DD'] in order; the last one is the current stage. */
  path: [string, string][];
  closeDate?: string | null;
  /** Stage history rows are written unless false (a CRM that keeps none). */
  history?: boolean;
  /** The deal's currency (default USD). */
  currency?: string | null;
}

const at = (d: string) => (d.length === 10 ? `${d}T09:00:00.000Z` : d);

export function addDeals(db: Db, deals: FixtureDeal[], crm = CRM): void {
  const upsert = dealUpserter(db, crm);
  const flags = new Map(STAGES.map((s) => [s.id, { isClosed: s.isClosed, isWon: s.isWon }]));
  const rows: DealRow[] = deals.map((d) => {
    const [stageId, since] = d.path[d.path.length - 1]!;
    const f = flags.get(stageId)!;
    return {
      id: d.id,
      name: `Deal ${d.id}`,
      amount: d.amount,
      currency: d.currency === undefined ? 'USD' : d.currency,
      pipelineId: d.pipelineId ?? 'p1',
      stageId,
      ownerId: d.ownerId === undefined ? 'o1' : d.ownerId,
      source: d.source === undefined ? 'Inbound' : d.source,
      createdAt: at(d.created),
      closeDate: d.closeDate ?? null,
      closedAt: f.isClosed ? at(since) : null,
      status: f.isClosed ? (f.isWon ? 'won' : 'lost') : 'open',
      stageEnteredAt: at(since),
      modifiedAt: at(since),
    };
  });
  db.transaction(() => upsert(rows, { now: NOW.toISOString(), stageFlags: flags, observeHistory: false }))();
  const history: StageHistoryRow[] = deals
    .filter((d) => d.history !== false)
    .flatMap((d) => d.path.map(([stageId, when]) => ({ dealId: d.id, stageId, enteredAt: at(when) })));
  insertStageHistory(db, crm, history, 'crm');
}

export const DEALS: FixtureDeal[] = [
  { id: 'D1', ownerId: 'o1', source: 'Inbound', amount: 4000, created: '2026-03-01', closeDate: '2026-04-01',
    path: [['s-lead', '2026-03-01'], ['s-qual', '2026-03-10'], ['s-prop', '2026-03-20'], ['s-lost', '2026-04-01']] },
  { id: 'D2', ownerId: 'o1', source: 'Inbound', amount: 10000, created: '2026-03-05', closeDate: '2026-04-20',
    path: [['s-lead', '2026-03-05'], ['s-qual', '2026-03-15'], ['s-prop', '2026-03-25'], ['s-neg', '2026-04-05'], ['s-won', '2026-04-20']] },
  { id: 'D3', ownerId: 'o1', source: 'Inbound', amount: 5000, created: '2026-04-01', closeDate: '2026-07-10',
    path: [['s-lead', '2026-04-01'], ['s-qual', '2026-04-10']] },
  { id: 'D4', ownerId: 'o2', source: 'Outbound', amount: 2000, created: '2026-04-15', closeDate: '2026-04-20',
    path: [['s-lead', '2026-04-15'], ['s-lost', '2026-04-20']] },
  { id: 'D5', ownerId: 'o2', source: 'Referral', amount: 20000, created: '2026-05-01', closeDate: '2026-06-30',
    path: [['s-lead', '2026-05-01'], ['s-prop', '2026-05-20']] },
  { id: 'D6', ownerId: 'o1', source: 'Inbound', amount: 8000, created: '2025-10-01', closeDate: '2025-12-01', history: false,
    path: [['s-won', '2025-12-01']] },
  { id: 'D7', ownerId: 'o2', source: 'Referral', amount: 3000, created: '2026-05-20', closeDate: '2026-06-02',
    path: [['s-lead', '2026-05-20'], ['s-won', '2026-06-02']] },
  { id: 'D8', pipelineId: 'p2', ownerId: 'o2', source: 'Referral', amount: 7000, created: '2026-06-01', closeDate: '2026-08-05',
    path: [['t-lead', '2026-06-01']] },
];

/** Pipelines, stages (auto-mapped), owners and the deals above. */
export function seedFixture(db: Db, deals: FixtureDeal[] = DEALS): void {
  const now = NOW.toISOString();
  upsertPipelines(db, CRM, [{ id: 'p1', name: 'Sales', position: 0 }, { id: 'p2', name: 'Partners', position: 1 }], now);
  upsertStages(db, CRM, STAGES, now);
  mapNewStages(db, CRM, now, false);
  upsertOwners(db, CRM, [
    { id: 'o1', name: 'Al Smith', email: 'al@example.com', active: true },
    { id: 'o2', name: 'Bea Jones', email: 'bea@example.com', active: true },
  ]);
  addDeals(db, deals);
}
