/**
 * A deal as it stood at a past instant, rebuilt from its stage history: whether it existed yet,
 * its stage, and whether it was open, won or lost. Amounts and expected close dates are today's
 * (the CRM's history of them is not kept), which reports say.
 *
 * Rules (t = the instant):
 * - A deal created after t did not exist: null.
 * - Its stage at t is the last stage-history entry at or before t.
 * - It was closed at t when it closed (closed_at) at or before t, or when its stage at t is a
 *   closed stage; otherwise open, even if it is closed today.
 * - A deal that existed at t but has no history entry by then (history recorded later) is put
 *   in the stage it was first recorded in when that is open, else in its pipeline's first open
 *   stage; it is counted as `stageUnknown` so reports can say how many.
 */
import type { DealForFacts, HistoryForFacts } from './deal-facts.js';

export interface StageFlags {
  isClosed: boolean;
  isWon: boolean;
  pipelineId: string;
}

export interface DealAsOf {
  deal: DealForFacts;
  /** History entries up to t. */
  history: HistoryForFacts[];
  /** No stage was recorded for the deal by t: its stage is an assumption. */
  stageUnknown: boolean;
}

const ms = (iso: string) => Date.parse(iso);

export function dealAsOf(
  deal: DealForFacts,
  history: HistoryForFacts[],
  stages: Map<string, StageFlags>,
  firstOpenStage: Map<string, string>,
  t: number,
): DealAsOf | null {
  if (ms(deal.createdAt) > t) return null;
  const sorted = [...history].sort((a, b) => ms(a.enteredAt) - ms(b.enteredAt));
  const upTo = sorted.filter((h) => ms(h.enteredAt) <= t);
  const last = upTo[upTo.length - 1];
  const closedByThen = deal.status !== 'open' && deal.closedAt !== null && ms(deal.closedAt) <= t;
  if (closedByThen) return { deal, history: upTo, stageUnknown: false };

  const lastFlags = last ? stages.get(last.stageId) : undefined;
  if (last && lastFlags?.isClosed) {
    return {
      deal: { ...deal, stageId: last.stageId, status: lastFlags.isWon ? 'won' : 'lost', closedAt: last.enteredAt, stageEnteredAt: last.enteredAt },
      history: upTo,
      stageUnknown: false,
    };
  }
  if (last) {
    return { deal: { ...deal, stageId: last.stageId, status: 'open', closedAt: null, stageEnteredAt: last.enteredAt }, history: upTo, stageUnknown: false };
  }
  // No stage recorded by t. A CRM without history for this deal at all: today's stage when the
  // deal is open and entered it by t.
  if (!sorted.length && deal.status === 'open' && ms(deal.stageEnteredAt ?? deal.createdAt) <= t) {
    return { deal, history: [], stageUnknown: false };
  }
  const first = sorted[0];
  const firstOpen = first && !stages.get(first.stageId)?.isClosed ? first.stageId : null;
  const pipelineFirst = deal.pipelineId ? (firstOpenStage.get(deal.pipelineId) ?? null) : null;
  const current = deal.status === 'open' ? deal.stageId : null;
  return {
    deal: { ...deal, stageId: firstOpen ?? current ?? pipelineFirst, status: 'open', closedAt: null, stageEnteredAt: deal.createdAt },
    history: [],
    stageUnknown: true,
  };
}
