/**
 * The deals the quota report measures, as the forecast model sees them (deal_facts) plus what a
 * target needs of each: its owner and its currency (from the deals table: deal_facts has none).
 */
import type { Db } from './db.js';
import { decodePath } from '../src/metrics/deal-facts.js';
import type { QuotaDeal } from '../src/metrics/attainment.js';

export function quotaDeals(db: Db, crm: string): QuotaDeal[] {
  const rows = db
    .prepare(
      `SELECT COALESCE(f.pipeline_id, '') AS pipeline, COALESCE(f.amount, 0) AS amount, (f.amount IS NOT NULL AND NOT (f.status = 2 AND f.amount = 0)) AS amountKnown,
              f.created, f.closed, f.status, f.path, f.owner_id AS ownerId, d.currency
       FROM deal_facts f LEFT JOIN deals d ON d.crm = f.crm AND d.id = f.deal_id
       WHERE f.crm = ?`,
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
