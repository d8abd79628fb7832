/**
 * The App Home's numbers for one rep. Pure.
 *
 * - at risk: an open deal past its expected close date, with no activity for NO_ACTIVITY_DAYS
 *   (when the CRM's activities are synced), or stuck in its stage (the deals report's rule:
 *   at least twice the stage's usual time);
 * - 30-day forecast, per currency (never summed across currencies): each deal expected to close
 *   in the next 30 days is a Bernoulli draw of its amount with its stage's win probability. The
 *   expected value is Σ p·a; the range is P10–P90 of the normal approximation of that sum,
 *   mean ∓ 1.2816·sqrt(Σ p(1−p)a²), kept within [0, Σ a]. Deals without a probability or an
 *   amount are counted, not guessed.
 */
import type { HomeDeal } from '../../store/home-queries.js';

export const NO_ACTIVITY_DAYS = 14;
export const FORECAST_DAYS = 30;
const Z90 = 1.2816;
const DAY = 86_400_000;

export type RiskReason = 'past_close' | 'no_activity' | 'stuck';
export interface RiskyDeal {
  deal: HomeDeal;
  reasons: RiskReason[];
}

export function dealsAtRisk(deals: readonly HomeDeal[], now: Date, opts: { stuckIds: ReadonlySet<string>; activitiesAvailable: boolean }): RiskyDeal[] {
  const today = now.toISOString().slice(0, 10);
  const out: RiskyDeal[] = [];
  for (const d of deals) {
    const reasons: RiskReason[] = [];
    if (d.closeDate && d.closeDate.slice(0, 10) < today) reasons.push('past_close');
    if (opts.activitiesAvailable) {
      const last = d.lastActivityAt ? Date.parse(d.lastActivityAt) : null;
      if (last === null || now.getTime() - last > NO_ACTIVITY_DAYS * DAY) reasons.push('no_activity');
    }
    if (opts.stuckIds.has(d.id)) reasons.push('stuck');
    if (reasons.length) out.push({ deal: d, reasons });
  }
  return out.sort((a, b) => b.reasons.length - a.reasons.length || (b.deal.amount ?? 0) - (a.deal.amount ?? 0));
}

export interface ForecastRange {
  currency: string;
  deals: number;
  expected: number;
  low: number;
  high: number;
  /** Deals closing in the window without a probability or amount (not in the figures). */
  unpriced: number;
}

export function forecastRange(deals: readonly HomeDeal[], now: Date): ForecastRange[] {
  const today = now.toISOString().slice(0, 10);
  const end = new Date(now.getTime() + FORECAST_DAYS * DAY).toISOString().slice(0, 10);
  const by = new Map<string, { n: number; mean: number; varSum: number; max: number; unpriced: number }>();
  for (const d of deals) {
    const cd = d.closeDate?.slice(0, 10);
    if (!cd || cd < today || cd > end) continue;
    const cur = (d.currency ?? '—').toUpperCase();
    const g = by.get(cur) ?? { n: 0, mean: 0, varSum: 0, max: 0, unpriced: 0 };
    by.set(cur, g);
    g.n++;
    if (d.amount === null || d.probability === null) {
      g.unpriced++;
      continue;
    }
    const p = Math.min(1, Math.max(0, d.probability));
    g.mean += p * d.amount;
    g.varSum += p * (1 - p) * d.amount * d.amount;
    g.max += d.amount;
  }
  return [...by.entries()]
    .map(([currency, g]) => {
      const sd = Math.sqrt(g.varSum);
      return {
        currency,
        deals: g.n,
        expected: g.mean,
        low: Math.max(0, g.mean - Z90 * sd),
        high: Math.min(g.max, g.mean + Z90 * sd),
        unpriced: g.unpriced,
      };
    })
    .sort((a, b) => b.expected - a.expected);
}

/** Open value per currency. */
export function openValue(deals: readonly HomeDeal[]): { currency: string; count: number; value: number }[] {
  const by = new Map<string, { count: number; value: number }>();
  for (const d of deals) {
    const cur = (d.currency ?? '—').toUpperCase();
    const g = by.get(cur) ?? { count: 0, value: 0 };
    g.count++;
    g.value += d.amount ?? 0;
    by.set(cur, g);
  }
  return [...by.entries()].map(([currency, g]) => ({ currency, ...g })).sort((a, b) => b.value - a.value);
}
