/**
 * The deals the commit report measures: the quota report's view of each deal (deal_facts: its
 * own amount and currency, owner, stage path) with, for the deals still open at `nowS`, the
 * expected close date and the CRM's forecast category from the deals table (the view reads
 * them of no other deal: a deal closed by then is counted by its close time). Nothing is
 * converted: the metric keeps one currency at a time.
 */
import type { Db } from './db.js';
import { decodePath } from '../src/metrics/deal-facts.js';
import type { CommitDeal } from '../src/metrics/commit.js';

export function commitDeals(db: Db, crm: string, nowS: number): CommitDeal[] {
  // Rows as arrays (no per-row object with column names): this list is read whole, 100k deals
  // and more. In the order the quota report's and the forecast's lists come in (the model's
  // seeded simulation follows the order of the deals), so the three agree for the same scope.
  // Joining every deal to its deals row for two columns only open deals need cost ~250 ms at
  // 100k; the open ones are looked up by key below.
  const rows = db
    .prepare(
      `SELECT deal_id, COALESCE(pipeline_id, ''), COALESCE(amount_original, 0),
              (amount_original IS NOT NULL AND NOT (status = 2 AND amount_original = 0)),
              created, closed, status, path, owner_id, currency_original
       FROM deal_facts WHERE crm = ?`,
    )
    .raw()
    .all(crm) as [string, string, number, number, number, number | null, number, string, string | null, string | null][];
  const details = db.prepare('SELECT close_date, forecast_category FROM deals WHERE crm = ? AND id = ?').raw();
  const out: CommitDeal[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const open = r[5] === null || r[5] > nowS;
    const d = open ? (details.get(crm, r[0]) as [string | null, string | null] | undefined) : undefined;
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
      closeDate: d?.[0] ?? null,
      forecastCategory: d?.[1] ?? null,
    };
  }
  return out;
}
