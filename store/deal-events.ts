/**
 * Deal events: the watch rows (each deal as last looked at), the events found, one post per
 * event and destination with a claim before posting, and each deal's thread per destination.
 */
import type { Db } from './db.js';
import type { CurrentDeal, DealEvent, DealEventDetail, DealEventKind, WatchedDeal } from '../src/metrics/deal-events.js';

export function readWatch(db: Db, crm: string): Map<string, WatchedDeal> {
  const rows = db
    .prepare(
      `SELECT deal_id AS dealId, status, pipeline_id AS pipelineId, stage_id AS stageId, stage_position AS stagePosition,
              close_date AS closeDate, closed_at AS closedAt, amount, currency, close_date_pushes AS closeDatePushes, seen_at AS seenAt
       FROM deal_watch WHERE crm = ?`,
    )
    .all(crm) as WatchedDeal[];
  return new Map(rows.map((r) => [r.dealId, r]));
}

export function writeWatch(db: Db, crm: string, rows: readonly WatchedDeal[]): void {
  const stmt = db.prepare(
    `INSERT INTO deal_watch (crm, deal_id, status, pipeline_id, stage_id, stage_position, close_date, closed_at, amount, currency, close_date_pushes, seen_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (crm, deal_id) DO UPDATE SET status = excluded.status, pipeline_id = excluded.pipeline_id, stage_id = excluded.stage_id,
       stage_position = excluded.stage_position, close_date = excluded.close_date, closed_at = excluded.closed_at, amount = excluded.amount,
       currency = excluded.currency, close_date_pushes = excluded.close_date_pushes, seen_at = excluded.seen_at`,
  );
  for (const r of rows) {
    stmt.run(crm, r.dealId, r.status, r.pipelineId, r.stageId, r.stagePosition, r.closeDate, r.closedAt, r.amount, r.currency, r.closeDatePushes, r.seenAt);
  }
}

/** Live deals as the detector reads them. */
export function currentDeals(db: Db, crm: string): CurrentDeal[] {
  return db
    .prepare(
      `SELECT id, name, status, pipeline_id AS pipelineId, stage_id AS stageId, owner_id AS ownerId, amount, currency, created_at AS createdAt,
              close_date AS closeDate, closed_at AS closedAt, stage_entered_at AS stageEnteredAt
       FROM deals WHERE crm = ? AND deleted_at IS NULL`,
    )
    .all(crm) as CurrentDeal[];
}

/**
 * Records events with one pending post per destination. An event whose key is already known
 * is ignored (with its posts). Returns the events that were new.
 */
export function insertEvents(db: Db, crm: string, events: readonly DealEvent[], targetsOf: (e: DealEvent) => string[], now: string): number {
  const ins = db.prepare(
    `INSERT INTO deal_events (crm, deal_id, kind, event_key, detail, owner_id, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (crm, event_key) DO NOTHING`,
  );
  const post = db.prepare(`INSERT INTO deal_event_posts (event_id, target, state) VALUES (?, ?, 'pending') ON CONFLICT DO NOTHING`);
  let n = 0;
  for (const e of events) {
    const r = ins.run(crm, e.dealId, e.kind, e.key, JSON.stringify(e.detail), e.ownerId, now);
    if (r.changes !== 1) continue;
    n++;
    for (const t of targetsOf(e)) post.run(r.lastInsertRowid, t);
  }
  return n;
}

export interface PendingPost {
  eventId: number;
  target: string;
  dealId: string;
  kind: DealEventKind;
  detail: DealEventDetail;
  ownerId: string | null;
  detectedAt: string;
  attempts: number;
}

/** Posts waiting to be sent, oldest event first. */
export function pendingPosts(db: Db, crm: string, limit = 200): PendingPost[] {
  const rows = db
    .prepare(
      `SELECT p.event_id AS eventId, p.target, e.deal_id AS dealId, e.kind, e.detail, e.owner_id AS ownerId, e.detected_at AS detectedAt, p.attempts
       FROM deal_event_posts p JOIN deal_events e ON e.id = p.event_id
       WHERE e.crm = ? AND p.state = 'pending' ORDER BY e.id, p.target LIMIT ?`,
    )
    .all(crm, limit) as (Omit<PendingPost, 'detail'> & { detail: string })[];
  return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as DealEventDetail }));
}

/** Claims a pending post for this run; false when another run has it (or it is done). */
export function claimPost(db: Db, eventId: number, target: string, now: string): boolean {
  return (
    db
      .prepare(`UPDATE deal_event_posts SET state = 'posting', claimed_at = ?, attempts = attempts + 1 WHERE event_id = ? AND target = ? AND state = 'pending'`)
      .run(now, eventId, target).changes === 1
  );
}

export function confirmPost(db: Db, eventId: number, target: string, channel: string, ts: string, now: string): void {
  db.prepare(`UPDATE deal_event_posts SET state = 'posted', channel = ?, ts = ?, posted_at = ?, error = NULL WHERE event_id = ? AND target = ?`).run(
    channel,
    ts,
    now,
    eventId,
    target,
  );
}

/** A failed post goes back to pending (tried again next run) until `maxAttempts`, then stays failed. */
export function failPost(db: Db, eventId: number, target: string, error: string, maxAttempts: number): void {
  db.prepare(
    `UPDATE deal_event_posts SET state = CASE WHEN attempts >= ? THEN 'failed' ELSE 'pending' END, error = ? WHERE event_id = ? AND target = ?`,
  ).run(maxAttempts, error, eventId, target);
}

/**
 * Posts left 'posting' by a process that stopped mid-post: whether Slack got them is unknown,
 * so they are marked failed and never sent again (a duplicate is worse than a gap). Returns how many.
 */
export function abandonStalePosts(db: Db, olderThan: string): number {
  return db
    .prepare(`UPDATE deal_event_posts SET state = 'failed', error = 'interrupted while posting (not sent again)' WHERE state = 'posting' AND claimed_at < ?`)
    .run(olderThan).changes;
}

export function threadOf(db: Db, crm: string, dealId: string, target: string): { channel: string; rootTs: string } | null {
  return (
    (db.prepare('SELECT channel, root_ts AS rootTs FROM deal_threads WHERE crm = ? AND deal_id = ? AND target = ?').get(crm, dealId, target) as
      | { channel: string; rootTs: string }
      | undefined) ?? null
  );
}

export function saveThread(db: Db, crm: string, dealId: string, target: string, channel: string, rootTs: string, now: string): void {
  db.prepare('INSERT INTO deal_threads (crm, deal_id, target, channel, root_ts, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING').run(
    crm,
    dealId,
    target,
    channel,
    rootTs,
    now,
  );
}

export interface RecentEvent {
  id: number;
  dealId: string;
  kind: DealEventKind;
  ownerId: string | null;
  detail: DealEventDetail;
  detectedAt: string;
}

/** The latest events (newest first), optionally only those of some owners. */
export function recentEvents(db: Db, crm: string, opts: { limit?: number; ownerIds?: readonly string[] | null } = {}): RecentEvent[] {
  const owners = opts.ownerIds ?? null;
  const rows = db
    .prepare(
      `SELECT id, deal_id AS dealId, kind, owner_id AS ownerId, detail, detected_at AS detectedAt FROM deal_events
       WHERE crm = ? ${owners ? `AND owner_id IN (SELECT value FROM json_each(?))` : ''} ORDER BY id DESC LIMIT ?`,
    )
    .all(...(owners ? [crm, JSON.stringify(owners), opts.limit ?? 10] : [crm, opts.limit ?? 10])) as (Omit<RecentEvent, 'detail'> & { detail: string })[];
  return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as DealEventDetail }));
}
