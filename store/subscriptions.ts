/**
 * Subscriptions: scheduled reports, one row each. Plain objects out; deletion is soft (the
 * ledger keeps the runs' history under job 'subscription:<id>').
 */
import type { Db } from './db.js';

export type Frequency = 'daily' | 'weekdays' | 'weekly' | 'monthly';

export interface Subscription {
  id: number;
  ownerUserId: string;
  /** A channel id, or 'dm' for the owner's DM. */
  target: string;
  report: string;
  filters: string;
  frequency: Frequency;
  /** weekly: ISO weekdays 1 (Mon) … 7 (Sun); monthly: days of the month 1 … 31. */
  days: number[];
  /** 'HH:MM' */
  time: string;
  timeZone: string;
  /** 'YYYY-MM-DD' in the subscription's time zone. */
  skipDates: string[];
  paused: boolean;
  pausedReason: string | null;
  failures: number;
  failureNotified: boolean;
  lastError: string | null;
  lastRunAt: string | null;
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
}

export type NewSubscription = Pick<Subscription, 'ownerUserId' | 'target' | 'report' | 'filters' | 'frequency' | 'days' | 'time' | 'timeZone' | 'skipDates'> & {
  isDefault?: boolean;
};

interface Row {
  id: number;
  ownerUserId: string;
  target: string;
  report: string;
  filters: string;
  frequency: Frequency;
  days: string;
  time: string;
  timeZone: string;
  skipDates: string;
  paused: number;
  pausedReason: string | null;
  failures: number;
  failureNotified: number;
  lastError: string | null;
  lastRunAt: string | null;
  isDefault: number;
  createdAt: string;
  updatedAt: string;
}

const COLS = `id, owner_user_id AS ownerUserId, target, report, filters, frequency, days, time, time_zone AS timeZone, skip_dates AS skipDates,
  paused, paused_reason AS pausedReason, failures, failure_notified AS failureNotified, last_error AS lastError, last_run_at AS lastRunAt,
  is_default AS isDefault, created_at AS createdAt, updated_at AS updatedAt`;

const toSub = (r: Row): Subscription => ({
  ...r,
  days: JSON.parse(r.days) as number[],
  skipDates: JSON.parse(r.skipDates) as string[],
  paused: r.paused === 1,
  failureNotified: r.failureNotified === 1,
  isDefault: r.isDefault === 1,
});

export function createSubscription(db: Db, s: NewSubscription, now: string): Subscription {
  const r = db
    .prepare(
      `INSERT INTO subscriptions (owner_user_id, target, report, filters, frequency, days, time, time_zone, skip_dates, is_default, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(s.ownerUserId, s.target, s.report, s.filters, s.frequency, JSON.stringify(s.days), s.time, s.timeZone, JSON.stringify(s.skipDates), s.isDefault ? 1 : 0, now, now);
  return getSubscription(db, Number(r.lastInsertRowid))!;
}

export function updateSubscription(db: Db, id: number, s: Omit<NewSubscription, 'ownerUserId' | 'isDefault'>, now: string): void {
  db.prepare(
    `UPDATE subscriptions SET target = ?, report = ?, filters = ?, frequency = ?, days = ?, time = ?, time_zone = ?, skip_dates = ?, updated_at = ?
     WHERE id = ? AND deleted_at IS NULL`,
  ).run(s.target, s.report, s.filters, s.frequency, JSON.stringify(s.days), s.time, s.timeZone, JSON.stringify(s.skipDates), now, id);
}

export function getSubscription(db: Db, id: number): Subscription | null {
  const r = db.prepare(`SELECT ${COLS} FROM subscriptions WHERE id = ? AND deleted_at IS NULL`).get(id) as Row | undefined;
  return r ? toSub(r) : null;
}

/** Live subscriptions, oldest first; optionally only one channel's or one owner's. */
export function listSubscriptions(db: Db, opts: { target?: string; ownerUserId?: string; activeOnly?: boolean } = {}): Subscription[] {
  const rows = db
    .prepare(
      `SELECT ${COLS} FROM subscriptions WHERE deleted_at IS NULL
         AND (? IS NULL OR target = ?) AND (? IS NULL OR owner_user_id = ?) AND (? = 0 OR paused = 0) ORDER BY id`,
    )
    .all(opts.target ?? null, opts.target ?? null, opts.ownerUserId ?? null, opts.ownerUserId ?? null, opts.activeOnly ? 1 : 0) as Row[];
  return rows.map(toSub);
}

export function setPaused(db: Db, id: number, paused: boolean, reason: string | null, now: string): void {
  db.prepare(
    `UPDATE subscriptions SET paused = ?, paused_reason = ?, updated_at = ?, failures = CASE WHEN ? = 0 THEN 0 ELSE failures END,
       failure_notified = CASE WHEN ? = 0 THEN 0 ELSE failure_notified END WHERE id = ?`,
  ).run(paused ? 1 : 0, reason, now, paused ? 1 : 0, paused ? 1 : 0, id);
}

export function deleteSubscription(db: Db, id: number, now: string): void {
  db.prepare('UPDATE subscriptions SET deleted_at = ?, updated_at = ? WHERE id = ?').run(now, now, id);
}

export function recordSuccess(db: Db, id: number, now: string): void {
  db.prepare('UPDATE subscriptions SET failures = 0, failure_notified = 0, last_error = NULL, last_run_at = ? WHERE id = ?').run(now, id);
}

/** Counts a failed run; returns the consecutive failure count and whether the owner was already told. */
export function recordFailure(db: Db, id: number, error: string, now: string): { failures: number; notified: boolean } {
  db.prepare('UPDATE subscriptions SET failures = failures + 1, last_error = ?, last_run_at = ? WHERE id = ?').run(error, now, id);
  const r = db.prepare('SELECT failures, failure_notified AS n FROM subscriptions WHERE id = ?').get(id) as { failures: number; n: number };
  return { failures: r.failures, notified: r.n === 1 };
}

export function markFailureNotified(db: Db, id: number): void {
  db.prepare('UPDATE subscriptions SET failure_notified = 1 WHERE id = ?').run(id);
}

/** The team digest's subscription row, live or deleted (a deleted one is not recreated). */
export function defaultSubscription(db: Db): (Subscription & { deleted: boolean }) | null {
  const r = db.prepare(`SELECT ${COLS}, deleted_at AS deletedAt FROM subscriptions WHERE is_default = 1 ORDER BY id LIMIT 1`).get() as (Row & { deletedAt: string | null }) | undefined;
  return r ? { ...toSub(r), deleted: r.deletedAt !== null } : null;
}
