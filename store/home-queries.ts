/**
 * What the App Home shows a rep: their open deals with what makes each one at risk (past its
 * close date, no activity lately, long in its stage), and the per-deal inputs of the 30-day
 * forecast (amount, currency, the stage's win probability). Plain rows; the metric lives in
 * src/metrics/home.ts.
 */
import type { Db } from './db.js';

export interface HomeDeal {
  id: string;
  name: string;
  amount: number | null;
  currency: string | null;
  stage: string | null;
  closeDate: string | null;
  stageEnteredAt: string | null;
  lastActivityAt: string | null;
  /** Admin override, else the CRM's; null when neither. */
  probability: number | null;
  ownerId: string | null;
}

/** Live open deals of the given owners. */
export function openDealsOf(db: Db, crm: string, ownerIds: readonly string[]): HomeDeal[] {
  if (!ownerIds.length) return [];
  return db
    .prepare(
      `SELECT d.id, d.name, d.amount, d.currency, s.name AS stage, d.close_date AS closeDate, d.stage_entered_at AS stageEnteredAt,
              (SELECT MAX(a.occurred_at) FROM activities a WHERE a.crm = d.crm AND a.deal_id = d.id AND a.deleted_at IS NULL) AS lastActivityAt,
              COALESCE(m.win_probability, s.probability) AS probability, d.owner_id AS ownerId
       FROM deals d
       LEFT JOIN stages s ON s.crm = d.crm AND s.id = d.stage_id
       LEFT JOIN stage_map m ON m.crm = d.crm AND m.stage_id = d.stage_id
       WHERE d.crm = ? AND d.status = 'open' AND d.deleted_at IS NULL AND d.owner_id IN (SELECT value FROM json_each(?))`,
    )
    .all(crm, JSON.stringify(ownerIds)) as HomeDeal[];
}
