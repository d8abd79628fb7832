/**
 * Deal events: what changed in a deal between two looks at it. Pure: the previous look (the
 * watch rows), the deals as they are now, the stages' order, the settings and `now` in, the
 * events and the new watch rows out.
 *
 * - won: a deal that was not won is won now (amount, cycle time from creation to close);
 * - big_deal: a deal seen for the first time, open, with an amount at or above the threshold in
 *   the threshold's currency (amounts in other currencies are never compared with it);
 * - regression: an open deal moved to an earlier open stage of the same pipeline;
 * - close_pushed: an open deal's expected close date moved later (by how many days, and how
 *   many times so far, counted across runs);
 * - reopened: a won or lost deal is open again.
 *
 * Each event has a key that names the change itself (deal, from, to), so finding the same change
 * twice yields the same key. The first look (no watch rows at all) produces no events: it only
 * records what is there, so installing dealcast does not announce the whole CRM.
 */

export type DealEventKind = 'won' | 'big_deal' | 'regression' | 'close_pushed' | 'reopened';
export const DEAL_EVENT_KINDS: readonly DealEventKind[] = ['won', 'big_deal', 'regression', 'close_pushed', 'reopened'];

export const DEAL_EVENT_LABELS: Record<DealEventKind, string> = {
  won: 'Deal won',
  big_deal: 'Big new deal',
  regression: 'Stage regression',
  close_pushed: 'Close date pushed',
  reopened: 'Deal reopened',
};

export interface WatchedDeal {
  dealId: string;
  status: 'open' | 'won' | 'lost';
  pipelineId: string | null;
  stageId: string | null;
  stagePosition: number | null;
  closeDate: string | null;
  closedAt: string | null;
  amount: number | null;
  currency: string | null;
  closeDatePushes: number;
  seenAt: string;
}

export interface CurrentDeal {
  id: string;
  name: string;
  status: 'open' | 'won' | 'lost';
  pipelineId: string | null;
  stageId: string | null;
  ownerId: string | null;
  amount: number | null;
  currency: string | null;
  createdAt: string;
  closeDate: string | null;
  closedAt: string | null;
  stageEnteredAt: string | null;
}

export interface StageInfo {
  name: string;
  position: number;
  pipelineId: string;
  isClosed: boolean;
}

export interface DealEventSettings {
  kinds: ReadonlySet<DealEventKind>;
  /** Big new deal threshold, in `bigDealCurrency`; null = no big-deal events. */
  bigDealAmount: number | null;
  bigDealCurrency: string | null;
}

export interface DealEventDetail {
  dealName: string;
  amount: number | null;
  currency: string | null;
  /** won: days from creation to close. */
  cycleDays?: number;
  fromStage?: string;
  toStage?: string;
  fromDate?: string;
  toDate?: string;
  /** close_pushed: by how many days this time. */
  pushedDays?: number;
  /** close_pushed: how many times so far (this one included). */
  pushCount?: number;
  /** reopened: what it was. */
  wasStatus?: 'won' | 'lost';
  stage?: string;
}

export interface DealEvent {
  dealId: string;
  kind: DealEventKind;
  key: string;
  ownerId: string | null;
  detail: DealEventDetail;
}

export interface DetectResult {
  events: DealEvent[];
  /** Watch rows to write (every current deal, changed or not, with pushes carried). */
  watch: WatchedDeal[];
  /** True when there was nothing to compare with: everything recorded, nothing announced. */
  baseline: boolean;
}

const DAY_MS = 86_400_000;
const dayNumber = (ymd: string) => Math.floor(Date.parse(`${ymd.slice(0, 10)}T00:00:00Z`) / DAY_MS);

export function detectDealEvents(
  previous: ReadonlyMap<string, WatchedDeal>,
  current: readonly CurrentDeal[],
  stages: ReadonlyMap<string, StageInfo>,
  settings: DealEventSettings,
  now: Date,
): DetectResult {
  const seenAt = now.toISOString();
  const baseline = previous.size === 0;
  const events: DealEvent[] = [];
  const watch: WatchedDeal[] = [];
  const want = (k: DealEventKind) => !baseline && settings.kinds.has(k);

  for (const d of current) {
    const prev = previous.get(d.id);
    const stage = d.stageId ? stages.get(d.stageId) : undefined;
    const position = stage && !stage.isClosed ? stage.position : null;
    const base: DealEventDetail = { dealName: d.name, amount: d.amount, currency: d.currency, ...(stage ? { stage: stage.name } : {}) };
    let pushes = prev?.closeDatePushes ?? 0;
    const push = (kind: DealEventKind, key: string, detail: Partial<DealEventDetail> = {}) =>
      events.push({ dealId: d.id, kind, key, ownerId: d.ownerId, detail: { ...base, ...detail } });

    if (!prev) {
      const big =
        settings.bigDealAmount !== null &&
        d.status === 'open' &&
        d.amount !== null &&
        d.currency !== null &&
        settings.bigDealCurrency !== null &&
        d.currency.toUpperCase() === settings.bigDealCurrency.toUpperCase() &&
        d.amount >= settings.bigDealAmount;
      if (big && want('big_deal')) push('big_deal', `big_deal:${d.id}`);
      // A deal first seen already won (created and won between two syncs) is still a win.
      if (d.status === 'won' && want('won')) push('won', `won:${d.id}:${d.closedAt ?? d.closeDate ?? seenAt.slice(0, 10)}`, wonDetail(d));
    } else {
      if (d.status === 'won' && prev.status !== 'won' && want('won')) {
        push('won', `won:${d.id}:${d.closedAt ?? d.closeDate ?? seenAt.slice(0, 10)}`, wonDetail(d));
      }
      if (d.status === 'open' && prev.status !== 'open' && want('reopened')) {
        push('reopened', `reopened:${d.id}:${prev.closedAt ?? prev.status}:${seenAt}`, { wasStatus: prev.status === 'won' ? 'won' : 'lost' });
      }
      if (
        d.status === 'open' &&
        prev.status === 'open' &&
        prev.stageId !== d.stageId &&
        prev.pipelineId === d.pipelineId &&
        prev.stagePosition !== null &&
        position !== null &&
        position < prev.stagePosition &&
        want('regression')
      ) {
        const from = prev.stageId ? stages.get(prev.stageId)?.name ?? prev.stageId : '?';
        push('regression', `regression:${d.id}:${prev.stageId}:${d.stageId}:${d.stageEnteredAt ?? seenAt}`, { fromStage: from, toStage: stage?.name ?? d.stageId ?? '?' });
      }
      if (d.status === 'open' && prev.status === 'open' && prev.closeDate && d.closeDate && d.closeDate.slice(0, 10) > prev.closeDate.slice(0, 10)) {
        pushes++;
        if (want('close_pushed')) {
          push('close_pushed', `close_pushed:${d.id}:${prev.closeDate.slice(0, 10)}:${d.closeDate.slice(0, 10)}`, {
            fromDate: prev.closeDate.slice(0, 10),
            toDate: d.closeDate.slice(0, 10),
            pushedDays: dayNumber(d.closeDate) - dayNumber(prev.closeDate),
            pushCount: pushes,
          });
        }
      }
    }
    watch.push({
      dealId: d.id,
      status: d.status,
      pipelineId: d.pipelineId,
      stageId: d.stageId,
      stagePosition: position,
      closeDate: d.closeDate,
      closedAt: d.closedAt,
      amount: d.amount,
      currency: d.currency,
      closeDatePushes: pushes,
      seenAt,
    });
  }
  return { events, watch, baseline };
}

function wonDetail(d: CurrentDeal): Partial<DealEventDetail> {
  const closed = d.closedAt ? Date.parse(d.closedAt) : d.closeDate ? Date.parse(`${d.closeDate.slice(0, 10)}T00:00:00Z`) : NaN;
  const created = Date.parse(d.createdAt);
  return Number.isFinite(closed) && Number.isFinite(created) ? { cycleDays: Math.max(0, Math.round((closed - created) / DAY_MS)) } : {};
}
