/**
 * Which value of a setting is in effect: a valid value saved by an admin wins, else the
 * registry's fallback (a constant or the environment's). A stored value that fails the
 * setting's schema (a hand-edited database) is ignored, never obeyed, with a log line when a
 * logger is given (the caller prefixes its own name). The digest, the alerts, the scheduler, the reports and the modal all ask here.
 */
import type { Db } from '../../store/db.js';
import { getSetting } from '../../store/settings.js';
import {
  HHMM,
  MODAL_NUMBER_FIELDS,
  SETTINGS,
  settingDef,
  type NumberSettingKey,
  type SettingKey,
  type SettingValue,
  type SettingsConfig,
} from './registry.js';

export type Log = (line: string) => void;

export interface Resolved<T> {
  value: T | null;
  source: 'slack' | 'env';
}

/** One setting's value in effect and where it came from ('slack' = saved by an admin). */
export function resolveSetting<K extends SettingKey>(db: Db, config: SettingsConfig, key: K, log?: Log): Resolved<SettingValue<K>> {
  const def = settingDef(key);
  const raw = getSetting<unknown>(db, key, undefined);
  if (raw !== undefined && raw !== null) {
    // A number typed into the table by hand may be stored as text.
    const parsed = def.schema.safeParse(def.bounds && typeof raw === 'string' ? Number(raw) : raw);
    if (parsed.success) return { value: parsed.data as SettingValue<K>, source: 'slack' };
    const fallback = def.fallback(config);
    log?.(`ignoring setting ${key}=${JSON.stringify(raw)} (${parsed.error.issues[0]?.message ?? 'invalid'}); using ${JSON.stringify(fallback)}`);
  }
  return { value: def.fallback(config) as SettingValue<K> | null, source: 'env' };
}

/** Settings whose fallback is a constant, not the environment: readable without the configuration. */
export type ConstantSettingKey = `deal_events.${string}` | `visibility.${string}` | `forecast.${string}`;
const NO_ENV: SettingsConfig = { DIGEST_CRON: '', DEALCAST_TIMEZONE: 'UTC' };

/** A constant-fallback setting's value in effect (a stored value that is not valid is ignored, never obeyed). */
export function resolveConstantSetting<K extends Extract<SettingKey, ConstantSettingKey>>(db: Db, key: K, log?: Log): SettingValue<K> | null {
  return resolveSetting(db, NO_ENV, key, log).value;
}

/** DIGEST_CRON with its minute and hour replaced by `time` ('HH:MM'); days of week/month kept. */
export function cronAtTime(cron: string, time: string): string {
  const m = HHMM.exec(time);
  if (!m) return cron;
  const f = cron.trim().split(/\s+/);
  const rest = f.length === 6 ? f.slice(3) : f.slice(2);
  return [String(Number(m[2])), String(Number(m[1])), ...rest].join(' ');
}

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

/** Channels and schedule in effect. */
export function resolveTeamSettings(db: Db, config: SettingsConfig, log?: Log): TeamSettings {
  const digestChannel = resolveSetting(db, config, 'digest.channel', log);
  const alertChannel = resolveSetting(db, config, 'alerts.channel', log);
  const timeZone = resolveSetting(db, config, 'schedule.timezone', log);
  const digestTime = resolveSetting(db, config, 'digest.time', log);
  const channelSource = (r: Resolved<string>) => (r.source === 'slack' ? 'slack' : r.value ? 'env' : 'none');
  return {
    digestChannel: digestChannel.value,
    alertChannel: alertChannel.value,
    timeZone: timeZone.value ?? config.DEALCAST_TIMEZONE,
    digestCron: digestTime.source === 'slack' && digestTime.value ? cronAtTime(config.DIGEST_CRON, digestTime.value) : config.DIGEST_CRON,
    digestTime: digestTime.value,
    source: {
      digestChannel: channelSource(digestChannel),
      alertChannel: channelSource(alertChannel),
      timeZone: timeZone.source,
      digestTime: digestTime.source,
    },
  };
}

/** Every number setting under 'alerts.' (what the alerts job reads), in stored units. */
export type AlertSettingKey = Extract<NumberSettingKey, `alerts.${string}`>;
export type AlertSettings = { [K in AlertSettingKey]: number };

const ALERT_KEYS = (Object.keys(SETTINGS) as SettingKey[]).filter((k): k is AlertSettingKey => k.startsWith('alerts.') && settingDef(k).bounds !== undefined);

/** The alert thresholds in effect (none of them comes from the environment). */
export function readAlertSettings(db: Db, log?: Log): AlertSettings {
  const out = {} as AlertSettings;
  const noEnv: SettingsConfig = { DIGEST_CRON: '', DEALCAST_TIMEZONE: 'UTC' };
  const prefixed = log && ((line: string) => log(`alerts: ${line}`));
  for (const key of ALERT_KEYS) out[key] = resolveSetting(db, noEnv, key, prefixed).value as number;
  return out;
}

/** The modal's number fields in effect, in what the admin types (percent for the drop), by field name. */
export function readModalNumbers(db: Db, config: SettingsConfig): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of MODAL_NUMBER_FIELDS) {
    const v = resolveSetting(db, config, f.key).value;
    out[f.name] = f.toTyped(typeof v === 'number' ? v : f.fallback);
  }
  return out;
}
