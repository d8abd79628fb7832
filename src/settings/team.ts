/**
 * Team settings an admin can change in Slack (/dealcast settings) without a restart, stored in
 * the settings table as JSON under the keys below. Environment variables (DIGEST_CHANNEL,
 * ALERT_CHANNEL, DEALCAST_TIMEZONE, DIGEST_CRON) are the defaults; a value saved in Slack wins.
 * `resolveTeamSettings` is the one place that decides, for the digest, the alerts, the
 * scheduler and the settings modal alike.
 *
 * The alert thresholds use the keys, units and ranges the alerts job reads
 * (src/settings/alerts.ts): the drop is stored as a fraction (0.2 = 20%),
 * the quiet period in days.
 */
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Db } from '../../store/db.js';
import { getSetting } from '../../store/settings.js';

/** Settings-table keys for channels and schedule. */
export const TEAM_SETTING_KEYS = {
  /** Channel id (C…/G…) the daily digest goes to; default DIGEST_CHANNEL. */
  digestChannel: 'digest.channel',
  /** Channel id alerts go to; default ALERT_CHANNEL. */
  alertChannel: 'alerts.channel',
  /** IANA time zone for the schedule and "today"; default DEALCAST_TIMEZONE. */
  timeZone: 'schedule.timezone',
  /** 'HH:MM' (24 h): the digest's time of day; replaces the minute and hour of DIGEST_CRON, keeping its days. */
  digestTime: 'digest.time',
} as const;

/** One alert threshold as the modal shows it and the settings table stores it. */
export interface AlertThresholdDef {
  key: string;
  label: string;
  /** What the admin types (percent for the drop). */
  unit: string;
  /** Bounds on what the admin types, inclusive unless `exclusive`. */
  min: number;
  max: number;
  exclusive?: boolean;
  integer: boolean;
  /** Stored value when nothing is saved (the alerts job's default). */
  fallback: number;
  /** Typed value -> stored value, and back. */
  toStored(typed: number): number;
  fromStored(stored: number): number;
  hint: string;
}

const same = (v: number) => v;

/** The four thresholds the modal edits (same keys, units and ranges as the alerts job). */
export const ALERT_THRESHOLDS = {
  dropPercent: {
    key: 'alerts.pipeline_drop.threshold',
    label: 'Pipeline drop alert (%)',
    unit: '%',
    min: 0,
    max: 100,
    exclusive: true,
    integer: false,
    fallback: 0.2,
    toStored: (pct: number) => Math.round(pct * 100) / 10_000,
    fromStored: (f: number) => Math.round(f * 10_000) / 100,
    hint: 'Alert when open pipeline value falls more than this far below its recent daily average.',
  },
  inactivityHours: {
    key: 'alerts.rep_inactive.hours',
    label: 'Rep inactivity alert (hours)',
    unit: 'hours',
    min: 1,
    max: 24 * 30,
    integer: false,
    fallback: 48,
    toStored: same,
    fromStored: same,
    hint: 'Alert when an active rep logs no activity for longer than this (weekends not counted).',
  },
  stuckMultiple: {
    key: 'alerts.stuck.ratio',
    label: 'Stuck deal multiple (×)',
    unit: '×',
    min: 1,
    max: 20,
    integer: false,
    fallback: 2,
    toStored: same,
    fromStored: same,
    hint: "A deal is stuck when its days in stage reach this multiple of the stage's average.",
  },
  quietDays: {
    key: 'alerts.quiet_days',
    label: 'Quiet period (days)',
    unit: 'days',
    min: 0,
    max: 90,
    integer: false,
    fallback: 7,
    toStored: same,
    fromStored: same,
    hint: 'An unchanged alert is not repeated until this many days have passed.',
  },
} as const satisfies Record<string, AlertThresholdDef>;

export type AlertThresholdName = keyof typeof ALERT_THRESHOLDS;
export const ALERT_THRESHOLD_NAMES = Object.keys(ALERT_THRESHOLDS) as AlertThresholdName[];

export function isTimeZone(tz: string): boolean {
  if (!tz.trim()) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
export const isDigestTime = (s: string): boolean => HHMM.test(s);

/** 'HH:MM' from a cron expression whose minute and hour are single numbers ('0 8 * * 1-5' -> '08:00'), else null. */
export function digestTimeOfCron(cron: string): string | null {
  const f = cron.trim().split(/\s+/);
  // node-cron accepts an optional leading seconds field.
  const [min, hour] = f.length === 6 ? [f[1], f[2]] : [f[0], f[1]];
  if (!min || !hour || !/^\d{1,2}$/.test(min) || !/^\d{1,2}$/.test(hour)) return null;
  const m = Number(min);
  const h = Number(hour);
  if (m > 59 || h > 23) return null;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/** DIGEST_CRON with its minute and hour replaced by `time` ('HH:MM'); days of week/month kept. */
export function cronAtTime(cron: string, time: string): string {
  const m = HHMM.exec(time);
  if (!m) return cron;
  const f = cron.trim().split(/\s+/);
  const rest = f.length === 6 ? f.slice(3) : f.slice(2);
  return [String(Number(m[2])), String(Number(m[1])), ...rest].join(' ');
}

const channelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/);

export interface TeamSettings {
  digestChannel: string | null;
  alertChannel: string | null;
  timeZone: string;
  /** The digest's cron expression (DIGEST_CRON, at the saved time of day if one is saved). */
  digestCron: string;
  /** 'HH:MM' when the digest runs once a day at a fixed time, else null. */
  digestTime: string | null;
  /** Where each value came from. */
  source: { digestChannel: 'slack' | 'env' | 'none'; alertChannel: 'slack' | 'env' | 'none'; timeZone: 'slack' | 'env'; digestTime: 'slack' | 'env' };
}

/**
 * Channels and schedule in effect: a valid value saved in Slack, else the environment's.
 * A stored value that is not valid (hand-edited database) is ignored, never obeyed.
 */
export function resolveTeamSettings(db: Db, config: Pick<Config, 'DIGEST_CHANNEL' | 'ALERT_CHANNEL' | 'DEALCAST_TIMEZONE' | 'DIGEST_CRON'>): TeamSettings {
  const saved = <T>(key: string, ok: (v: unknown) => v is T): T | null => {
    const v = getSetting<unknown>(db, key, null);
    return v !== null && ok(v) ? v : null;
  };
  const isChannel = (v: unknown): v is string => channelId.safeParse(v).success;
  const isTz = (v: unknown): v is string => typeof v === 'string' && isTimeZone(v);
  const isTime = (v: unknown): v is string => typeof v === 'string' && isDigestTime(v);

  const digestChannel = saved(TEAM_SETTING_KEYS.digestChannel, isChannel);
  const alertChannel = saved(TEAM_SETTING_KEYS.alertChannel, isChannel);
  const timeZone = saved(TEAM_SETTING_KEYS.timeZone, isTz);
  const digestTime = saved(TEAM_SETTING_KEYS.digestTime, isTime);
  return {
    digestChannel: digestChannel ?? config.DIGEST_CHANNEL ?? null,
    alertChannel: alertChannel ?? config.ALERT_CHANNEL ?? null,
    timeZone: timeZone ?? config.DEALCAST_TIMEZONE,
    digestCron: digestTime ? cronAtTime(config.DIGEST_CRON, digestTime) : config.DIGEST_CRON,
    digestTime: digestTime ?? digestTimeOfCron(config.DIGEST_CRON),
    source: {
      digestChannel: digestChannel ? 'slack' : config.DIGEST_CHANNEL ? 'env' : 'none',
      alertChannel: alertChannel ? 'slack' : config.ALERT_CHANNEL ? 'env' : 'none',
      timeZone: timeZone ? 'slack' : 'env',
      digestTime: digestTime ? 'slack' : 'env',
    },
  };
}

/** Alert thresholds in the modal's units (percent for the drop), from the settings table or the defaults. */
export function readAlertThresholds(db: Db): Record<AlertThresholdName, number> {
  const out = {} as Record<AlertThresholdName, number>;
  for (const name of ALERT_THRESHOLD_NAMES) {
    const def: AlertThresholdDef = ALERT_THRESHOLDS[name];
    const raw = getSetting<unknown>(db, def.key, def.fallback);
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
    out[name] = def.fromStored(Number.isFinite(n) && checkThreshold(def, def.fromStored(n)) === null ? n : def.fallback);
  }
  return out;
}

/** null when `typed` is acceptable for `def`, else the reason (one sentence). */
export function checkThreshold(def: AlertThresholdDef, typed: number): string | null {
  if (!Number.isFinite(typed)) return 'Enter a number.';
  if (def.integer && !Number.isInteger(typed)) return 'Enter a whole number.';
  const below = def.exclusive ? typed <= def.min : typed < def.min;
  const above = def.exclusive ? typed >= def.max : typed > def.max;
  if (below || above) return def.exclusive ? `Enter a number above ${def.min} and below ${def.max}.` : `Enter a number from ${def.min} to ${def.max}.`;
  return null;
}
