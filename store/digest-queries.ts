/**
 * What moved in a window, for the digest: deals won, lost, and advanced to a deeper open
 * canonical stage. Plain rows out; the digest view ranks and words them.
 */
import type { Db } from './db.js';
import { canonicalDepth, isCanonicalStage } from '../src/model/canonical-stages.js';

export interface MovedDeal {
  id: string;
  name: string;
  amount: number | null;
  owner: string | null;
  ownerSlackUserId: string | null;
  /** Canonical stage now ('Closed Won', 'Proposal' …). */
  stage: string;
  /** Canonical stage before the move (advanced deals). */
  fromStage?: string;
}

/** Deals won or lost with closed_at in [since, until). */
export function closedBetween(db: Db, crm: string, status: 'won' | 'lost', since: string, until: string): MovedDeal[] {
  return db
    .prepare(
      `SELECT d.id, d.name, d.amount, o.name AS owner, o.slack_user_id AS ownerSlackUserId,
              CASE d.status WHEN 'won' THEN 'Closed Won' ELSE 'Closed Lost' END AS stage
       FROM deals d LEFT JOIN owners o ON o.crm = d.crm AND o.id = d.owner_id
       WHERE d.crm = ? AND d.status = ? AND d.deleted_at IS NULL AND d.closed_at >= ? AND d.closed_at < ?
       ORDER BY COALESCE(d.amount, 0) DESC, d.id`,
    )
    .all(crm, status, since, until) as MovedDeal[];
}

/** Deals created in [since, until) that are still open (new pipeline). */
export function createdBetween(db: Db, crm: string, since: string, until: string): MovedDeal[] {
  return db
    .prepare(
      `SELECT d.id, d.name, d.amount, o.name AS owner, o.slack_user_id AS ownerSlackUserId, COALESCE(m.canonical, 'Lead') AS stage
       FROM deals d LEFT JOIN owners o ON o.crm = d.crm AND o.id = d.owner_id
       LEFT JOIN stage_map m ON m.crm = d.crm AND m.stage_id = d.stage_id
       WHERE d.crm = ? AND d.status = 'open' AND d.deleted_at IS NULL AND d.created_at >= ? AND d.created_at < ?
       ORDER BY COALESCE(d.amount, 0) DESC, d.id`,
    )
    .all(crm, since, until) as MovedDeal[];
}

/**
 * Open deals that entered a deeper open canonical stage in [since, until) than the one they
 * were in just before the window. A deal created in the window is new (createdBetween), listed
 * once there and not again here.
 */
export function advancedBetween(db: Db, crm: string, since: string, until: string): MovedDeal[] {
  const entries = db
    .prepare(
      `SELECT h.deal_id AS dealId, m.canonical, h.entered_at AS enteredAt
       FROM deal_stage_history h JOIN stage_map m ON m.crm = h.crm AND m.stage_id = h.stage_id
       JOIN deals d ON d.crm = h.crm AND d.id = h.deal_id
       WHERE h.crm = ? AND d.status = 'open' AND d.deleted_at IS NULL AND m.included = 1 AND d.created_at < ?
         AND h.deal_id IN (SELECT deal_id FROM deal_stage_history WHERE crm = ? AND entered_at >= ? AND entered_at < ?)
         AND h.entered_at < ?
       ORDER BY h.deal_id, h.entered_at`,
    )
    .all(crm, since, crm, since, until, until) as { dealId: string; canonical: string; enteredAt: string }[];
  const depth = (c: string) => (isCanonicalStage(c) ? canonicalDepth(c) : 0);
  const moved = new Map<string, { from: string; to: string }>();
  let i = 0;
  for (let head = entries[0]; head; head = entries[i]) {
    const id = head.dealId;
    let before: string | null = null;
    let deepestIn: string | null = null;
    for (let e = entries[i]; e && e.dealId === id; e = entries[++i]) {
      if (e.enteredAt < since) before = e.canonical;
      else if (deepestIn === null || depth(e.canonical) > depth(deepestIn)) deepestIn = e.canonical;
    }
    const from = before ?? 'Lead';
    if (deepestIn && depth(deepestIn) > depth(from) && depth(deepestIn) <= 3) moved.set(id, { from, to: deepestIn });
  }
  if (!moved.size) return [];
  const get = db.prepare(
    `SELECT d.id, d.name, d.amount, o.name AS owner, o.slack_user_id AS ownerSlackUserId
     FROM deals d LEFT JOIN owners o ON o.crm = d.crm AND o.id = d.owner_id WHERE d.crm = ? AND d.id = ?`,
  );
  const out: MovedDeal[] = [];
  for (const [id, m] of moved) {
    const d = get.get(crm, id) as Omit<MovedDeal, 'stage' | 'fromStage'> | undefined;
    if (d) out.push({ ...d, stage: m.to, fromStage: m.from });
  }
  return out.sort((a, b) => (b.amount ?? 0) - (a.amount ?? 0) || a.id.localeCompare(b.id));
}
