/**
 * The deals the commit report measures: the quota report's view of each deal (deal_facts: its
 * own amount and currency, owner, stage path) with the expected close date and the CRM's forecast
 * category from the deals table. Nothing is converted: the metric keeps one currency at a time.
 */
import type { Db } from './db.js';
import { decodePath } from '../src/metrics/deal-facts.js';
import type { CommitDeal } from '../src/metrics/commit.js';

export function commitDeals(db: Db, crm: string): CommitDeal[] {
  // Rows as arrays (no per-row object with column names): this list is read whole, 100k deals and more.
  const rows = db
    .prepare(
      `SELECT f.deal_id, COALESCE(f.pipeline_id, ''), COALESCE(f.amount_original, 0),
              (f.amount_original IS NOT NULL AND NOT (f.status = 2 AND f.amount_original = 0)),
              f.created, f.closed, f.status, f.path, f.owner_id, f.currency_original, d.close_date, d.forecast_category
       FROM deal_facts f LEFT JOIN deals d ON d.crm = f.crm AND d.id = f.deal_id
       WHERE f.crm = ?`,
    )
    .raw()
    .all(crm) as [string, string, number, number, number, number | null, number, string, string | null, string | null, string | null, string | null][];
  const out: CommitDeal[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out[i] = {
      id: r[0],
      pipeline: r[1],
      amount: r[2],
      amountKnown: r[3] === 1,
      created: r[4],
      closed: r[5],
      won: r[6] === 1,
      path: decodePath(r[7]),
      inScope: true,
      ownerId: r[8],
      currency: r[9] ? r[9].toUpperCase() : null,
      closeDate: r[10],
      forecastCategory: r[11],
    };
  }
  return out;
}
