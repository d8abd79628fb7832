/**
 * The deals the quota report measures, as the forecast model sees them (deal_facts), with what a
 * target needs of each: its owner, and its own amount in its own currency (deal_facts keeps both
 * beside the amount converted to the reporting currency). A target counts only deals in its
 * currency, at their own amounts: nothing is converted or added across currencies.
 */
import type { Db } from './db.js';
import { decodePath } from '../src/metrics/deal-facts.js';
import type { QuotaDeal } from '../src/metrics/attainment.js';

export function quotaDeals(db: Db, crm: string): QuotaDeal[] {
  const rows = db
    .prepare(
      `SELECT COALESCE(pipeline_id, '') AS pipeline, COALESCE(amount_original, 0) AS amount,
              (amount_original IS NOT NULL AND NOT (status = 2 AND amount_original = 0)) AS amountKnown,
              created, closed, status, path, owner_id AS ownerId, currency_original AS currency
       FROM deal_facts WHERE crm = ?`,
    )
    .all(crm) as { pipeline: string; amount: number; amountKnown: number; created: number; closed: number | null; status: number; path: string; ownerId: string | null; currency: string | null }[];
  return rows.map((r) => ({
    pipeline: r.pipeline,
    amount: r.amount,
    amountKnown: r.amountKnown === 1,
    created: r.created,
    closed: r.closed,
    won: r.status === 1,
    path: decodePath(r.path),
    inScope: true,
    ownerId: r.ownerId,
    currency: r.currency ? r.currency.toUpperCase() : null,
  }));
}
