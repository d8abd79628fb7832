/**
 * The alert log: one row per episode of an alert subject (a deal stuck, a rep inactive, the
 * pipeline dropping), from first alert to resolution. It remembers the thread the subject was
 * announced in (root_ts) so resolutions reply there and the root's count can be updated.
 */
import type { Db } from './db.js';

export type AlertKind = 'pipeline_drop' | 'rep_inactive' | 'stuck_deal';
/** Everything the log keeps episodes of: the alert kinds, and CRM fields that stopped arriving (for admins). */
export type LoggedKind = AlertKind | 'schema_drift';

export interface AlertEntry {
  id: number;
  kind: LoggedKind;
  subject: string;
  fingerprint: string;
  state: 'open' | 'resolved';
  channel: string | null;
  rootTs: string | null;
  replyTs: string | null;
  firstAlertedAt: string;
  lastAlertedAt: string;
  resolvedAt: string | null;
  details: Record<string, unknown>;
}

interface AlertSql extends Omit<AlertEntry, 'details'> {
  details: string;
}
const COLS = `id, kind, subject, fingerprint, state, channel, root_ts AS rootTs, reply_ts AS replyTs, first_alerted_at AS firstAlertedAt,
  last_alerted_at AS lastAlertedAt, resolved_at AS resolvedAt, details`;
const toEntry = (r: AlertSql): AlertEntry => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> });

/** Open episodes of one kind (at most one per subject). */
export function openAlerts(db: Db, kind: LoggedKind): AlertEntry[] {
  return (db.prepare(`SELECT ${COLS} FROM alert_log WHERE kind = ? AND state = 'open' ORDER BY id`).all(kind) as AlertSql[]).map(toEntry);
}

export interface NewAlert {
  kind: LoggedKind;
  subject: string;
  fingerprint: string;
  channel: string;
  rootTs: string;
  /** The subject's reply in the thread; null when it is only counted in the root's summary. */
  replyTs: string | null;
  at: string;
  details: Record<string, unknown>;
}

/**
 * Opens an episode for a subject. At most one episode per subject is open (a unique partial
 * index): if one already is, it is brought up to date instead. Returns the episode's id.
 */
export function insertAlert(db: Db, a: NewAlert): number {
  return db
    .transaction(() => {
      const r = db
        .prepare(
          `INSERT INTO alert_log (kind, subject, fingerprint, state, channel, root_ts, reply_ts, first_alerted_at, last_alerted_at, details)
           VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, subject) WHERE state = 'open' DO NOTHING`,
        )
        .run(a.kind, a.subject, a.fingerprint, a.channel, a.rootTs, a.replyTs, a.at, a.at, JSON.stringify(a.details));
      if (r.changes === 1) return Number(r.lastInsertRowid);
      const id = db.prepare(`SELECT id FROM alert_log WHERE kind = ? AND subject = ? AND state = 'open'`).pluck().get(a.kind, a.subject) as number;
      realert(db, id, a);
      return id;
    })
    .immediate();
}

/** The subject was alerted again (changed, or the quiet period passed): it now lives in a new thread. */
export function realert(db: Db, id: number, a: Pick<NewAlert, 'fingerprint' | 'channel' | 'rootTs' | 'replyTs' | 'at' | 'details'>): void {
  db.prepare('UPDATE alert_log SET fingerprint = ?, channel = ?, root_ts = ?, reply_ts = ?, last_alerted_at = ?, details = ? WHERE id = ?').run(
    a.fingerprint,
    a.channel,
    a.rootTs,
    a.replyTs,
    a.at,
    JSON.stringify(a.details),
    id,
  );
}

export function resolveAlert(db: Db, id: number, at: string, details?: Record<string, unknown>): void {
  db.prepare(`UPDATE alert_log SET state = 'resolved', resolved_at = ?, details = COALESCE(?, details) WHERE id = ?`).run(
    at,
    details ? JSON.stringify(details) : null,
    id,
  );
}

/** Everything announced under one root message: how many are still open and how many resolved. */
export function rootCounts(db: Db, channel: string, rootTs: string): { open: number; resolved: number; total: number } {
  const r = db
    .prepare(
      `SELECT COALESCE(SUM(state = 'open'), 0) AS open, COALESCE(SUM(state = 'resolved'), 0) AS resolved, COUNT(*) AS total
       FROM alert_log WHERE channel = ? AND root_ts = ?`,
    )
    .get(channel, rootTs) as { open: number; resolved: number; total: number };
  return r;
}

export function listAlerts(db: Db, opts: { kind?: AlertKind } = {}): AlertEntry[] {
  return (db.prepare(`SELECT ${COLS} FROM alert_log WHERE (? IS NULL OR kind = ?) ORDER BY id`).all(opts.kind ?? null, opts.kind ?? null) as AlertSql[]).map(toEntry);
}
