/**
 * The deals the commit report measures: the quota report's view of each deal (deal_facts: its
 * own amount and currency, owner, stage path) with the expected close date and the CRM's forecast
 * category from the deals table. Nothing is converted: the metric keeps one currency at a time.
 */
import type { Db } from './db.js';
import { decodePath } from '../src/metrics/deal-facts.js';
import type { CommitDeal } from '../src/metrics/commit.js';

export function commitDeals(db: Db, crm: string): CommitDeal[] {
  const rows = db
    .prepare(
      `SELECT f.deal_id AS id, COALESCE(f.pipeline_id, '') AS pipeline, COALESCE(f.amount_original, 0) AS amount,
              (f.amount_original IS NOT NULL AND NOT (f.status = 2 AND f.amount_original = 0)) AS amountKnown,
              f.created, f.closed, f.status, f.path, f.owner_id AS ownerId, f.currency_original AS currency,
              d.close_date AS closeDate, d.forecast_category AS forecastCategory
       FROM deal_facts f LEFT JOIN deals d ON d.crm = f.crm AND d.id = f.deal_id
       WHERE f.crm = ?`,
    )
    .all(crm) as {
    id: string;
    pipeline: string;
    amount: number;
    amountKnown: number;
    created: number;
    closed: number | null;
    status: number;
    path: string;
    ownerId: string | null;
    currency: string | null;
    closeDate: string | null;
    forecastCategory: string | null;
  }[];
  return rows.map((r) => ({
    id: r.id,
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
    closeDate: r.closeDate,
    forecastCategory: r.forecastCategory,
  }));
}
