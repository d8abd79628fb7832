/**
 * The per-deal facts every report is built from: where a deal is now, the deepest canonical
 * stage it ever reached, when it first reached each stage, and how long it spent in each.
 * This is the ONE definition of "reached a stage" and "time in stage"; store/deal-facts.ts runs
 * it over every deal after a sync and keeps the result in the deal_facts table.
 */
import { canonicalDepth, type CanonicalStage } from '../model/canonical-stages.js';

export const STATUS_CODE = { open: 0, won: 1, lost: 2 } as const;
/** Canonical stage codes as stored: funnel depth, with Closed Lost as 5. */
export const WON_CODE = 4;
export const LOST_CODE = 5;

export function canonicalCode(s: CanonicalStage): number {
  return s === 'Closed Lost' ? LOST_CODE : canonicalDepth(s);
}

export interface StageInfo {
  canonical: CanonicalStage;
  included: boolean;
}

export interface DealForFacts {
  id: string;
  pipelineId: string | null;
  stageId: string | null;
  ownerId: string | null;
  source: string | null;
  amount: number | null;
  status: 'open' | 'won' | 'lost';
  createdAt: string;
  closedAt: string | null;
  closeDate: string | null;
  stageEnteredAt: string | null;
}

export interface HistoryForFacts {
  stageId: string;
  enteredAt: string;
}

export interface DealFact {
  dealId: string;
  pipelineId: string | null;
  stageId: string | null;
  ownerId: string | null;
  source: string | null;
  amount: number | null;
  status: 0 | 1 | 2;
  canonical: number;
  deepest: number;
  created: number;
  createdDay: number;
  closed: number | null;
  closedDay: number | null;
  closeDay: number | null;
  stageSince: number | null;
  at1: number | null;
  at2: number | null;
  at3: number | null;
  days0: number | null;
  days1: number | null;
  days2: number | null;
  days3: number | null;
  /** Canonical path, encoded by encodePath: visits (code, entered epoch s), ascending, same-code runs merged. */
  path: string;
  /** Deepest open canonical stage (0..3) the deal was seen in (what calibration credits). */
  deepestOpen: number;
}

/** One canonical visit: code 0..3 open stage, 4 Closed Won, 5 Closed Lost; t = entered (epoch s). */
export interface PathVisit {
  code: number;
  t: number;
}

/** "code:t;code:t…" — compact enough to keep on every deal_facts row. */
export const encodePath = (path: PathVisit[]): string => path.map((p) => `${p.code}:${p.t}`).join(';');

export function decodePath(s: string): PathVisit[] {
  if (!s) return [];
  return s.split(';').map((part) => {
    const i = part.indexOf(':');
    return { code: Number(part.slice(0, i)), t: Number(part.slice(i + 1)) };
  });
}

const DAY_S = 86_400;
export const toEpochS = (iso: string): number => Math.floor(Date.parse(iso) / 1000);
export const toEpochDay = (date: string): number => Math.floor(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) / 86_400_000);

/**
 * Derives one deal's facts, or null when the deal is left out of reports (its current stage is
 * excluded in the stage map).
 *
 * Rules:
 * - The deal's path is its stage history (entries in excluded or unknown stages ignored), plus
 *   its current stage entered at stage_entered_at (else creation), plus, for a closed deal whose
 *   history does not show it, Closed Won/Lost at closed_at. Consecutive entries in the same
 *   canonical stage are one visit.
 * - Every deal reaches Lead at creation. Deepest = the deepest canonical stage on its path
 *   (Closed Won counts as depth 4; Closed Lost adds nothing), so a deal lost from Proposal
 *   counts in Lead, Qualified and Proposal.
 * - at1..at3 = first time the path reached Qualified/Proposal/Negotiation or deeper.
 * - deepestOpen = the deepest open canonical stage on its path (0..3): the stage a closed deal is
 *   credited with when probabilities are learned (a won deal that jumped from Proposal to Closed
 *   Won was never seen in Negotiation and does not count there).
 * - path = the visits (runs of the same canonical code) with their start times, for the
 *   forecast's point-in-time state.
 * - daysN = days spent in canonical stage N over visits that ended (the next visit started or
 *   the deal closed); the current visit of an open deal is not counted.
 */
export function deriveDealFact(deal: DealForFacts, history: HistoryForFacts[], stages: Map<string, StageInfo>): DealFact | null {
  const current = deal.stageId ? stages.get(deal.stageId) : undefined;
  if (current && !current.included) return null;
  const created = toEpochS(deal.createdAt);
  const closed = deal.status !== 'open' && deal.closedAt ? toEpochS(deal.closedAt) : deal.status !== 'open' ? created : null;

  // The deal's current canonical code; status is the truth about open/won/lost.
  let canonical: number;
  if (deal.status === 'won') canonical = WON_CODE;
  else if (deal.status === 'lost') canonical = LOST_CODE;
  else {
    const c = current ? canonicalCode(current.canonical) : 0;
    canonical = c === WON_CODE ? 3 : c === LOST_CODE ? 0 : c;
  }

  const path: { code: number; t: number }[] = [];
  for (const h of history) {
    const s = stages.get(h.stageId);
    if (!s?.included) continue;
    path.push({ code: canonicalCode(s.canonical), t: toEpochS(h.enteredAt) });
  }
  path.sort((a, b) => a.t - b.t);
  const lastStep = path[path.length - 1];
  const lastT = lastStep ? lastStep.t : created;
  const last = lastStep ? lastStep.code : -1;
  if (deal.status === 'open') {
    if (last !== canonical) {
      const entered = deal.stageEnteredAt ? toEpochS(deal.stageEnteredAt) : created;
      path.push({ code: canonical, t: Math.max(entered, lastT, created) });
    }
  } else if (last !== canonical) {
    // Closed but the history does not end in the closed stage: it closed at closed_at.
    path.push({ code: canonical, t: Math.max(closed ?? created, lastT) });
  }

  let deepest = 0;
  const at: [number | null, number | null, number | null, number | null] = [created, null, null, null];
  for (const p of path) {
    const depth = p.code === LOST_CODE ? -1 : p.code;
    if (depth > deepest) deepest = depth;
    for (let s = 1; s <= 3; s++) if (depth >= s && (at[s] === null || p.t < (at[s] as number))) at[s] = p.t;
  }

  // Deepest stage seen OPEN: Closed Won is not a visit to Negotiation.
  let deepestOpen = 0;
  for (const p of path) if (p.code <= 3 && p.code > deepestOpen) deepestOpen = p.code;

  // Visits: runs of the same canonical code.
  const days: [number | null, number | null, number | null, number | null] = [null, null, null, null];
  const visits: PathVisit[] = [];
  let stageSince: number | null = null;
  for (let i = 0; i < path.length; ) {
    const { code, t: start } = path[i]!;
    let j = i + 1;
    while (j < path.length && path[j]!.code === code) j++;
    const end = path[j]?.t ?? null;
    if (end !== null && code <= 3) days[code] = (days[code] ?? 0) + Math.max(0, end - start) / DAY_S;
    if (end === null) stageSince = start;
    visits.push({ code, t: start });
    i = j;
  }

  return {
    dealId: deal.id,
    pipelineId: deal.pipelineId,
    stageId: deal.stageId,
    ownerId: deal.ownerId,
    source: deal.source,
    amount: deal.amount,
    status: STATUS_CODE[deal.status],
    canonical,
    deepest,
    created,
    createdDay: Math.floor(created / DAY_S),
    closed,
    // A closed deal with no close date at all: it is closed (for existence, `closed` = created), but
    // on no day, so win rates and won value by period leave it out (and reports count it).
    closedDay: closed === null || !deal.closedAt ? null : Math.floor(closed / DAY_S),
    closeDay: deal.closeDate ? toEpochDay(deal.closeDate) : null,
    stageSince: deal.status === 'open' ? stageSince : null,
    at1: at[1],
    at2: at[2],
    at3: at[3],
    days0: days[0],
    days1: days[1],
    days2: days[2],
    days3: days[3],
    path: encodePath(visits),
    deepestOpen,
  };
}
