/**
 * Alert thresholds, stored in the settings table so admins can change them without a restart
 * (the admin modal edits these keys). Every key, its meaning and default is listed here and in
 * docs/alerts.md; a stored value that is out of range is ignored with a log line, never obeyed.
 */
import { z } from 'zod';
import type { Db } from '../../store/db.js';
import { getSetting } from '../../store/settings.js';

export const ALERT_SETTINGS = {
  'alerts.pipeline_drop.threshold': {
    schema: z.number().gt(0).lt(1),
    fallback: 0.2,
    doc: 'Alert when open pipeline value is more than this fraction below the average of the previous daily snapshots (0.2 = 20%).',
  },
  'alerts.pipeline_drop.days': { schema: z.number().int().min(2).max(30), fallback: 7, doc: 'How many previous daily snapshots the average covers.' },
  'alerts.rep_inactive.hours': {
    schema: z.number().min(1).max(24 * 30),
    fallback: 48,
    doc: 'Alert when an active rep has logged no activity for more than this many hours, not counting weekends.',
  },
  'alerts.stuck.ratio': { schema: z.number().min(1).max(20), fallback: 2, doc: 'A deal is stuck when its days in stage reach this multiple of the stage average.' },
  'alerts.stuck.min_sample': {
    schema: z.number().int().min(1).max(10_000),
    fallback: 10,
    doc: 'A stage average is trusted only when at least this many deals have left the stage.',
  },
  'alerts.stuck.max_replies': {
    schema: z.number().int().min(0).max(40),
    fallback: 10,
    doc: 'Stuck deals described in the thread per run (largest first); the rest are counted in the summary.',
  },
  'alerts.quiet_days': {
    schema: z.number().min(0).max(90),
    fallback: 7,
    doc: 'A subject already alerted and unchanged is not alerted again until this many days have passed.',
  },
} as const;

export type AlertSettingKey = keyof typeof ALERT_SETTINGS;
export type AlertSettings = { [K in AlertSettingKey]: number };

export function readAlertSettings(db: Db, log: (line: string) => void = () => undefined): AlertSettings {
  const out = {} as AlertSettings;
  for (const [key, def] of Object.entries(ALERT_SETTINGS) as [AlertSettingKey, (typeof ALERT_SETTINGS)[AlertSettingKey]][]) {
    const raw = getSetting<unknown>(db, key, def.fallback);
    const parsed = def.schema.safeParse(typeof raw === 'string' ? Number(raw) : raw);
    if (parsed.success) out[key] = parsed.data;
    else {
      log(`alerts: ignoring setting ${key}=${JSON.stringify(raw)} (${parsed.error.issues[0]?.message ?? 'invalid'}); using ${def.fallback}`);
      out[key] = def.fallback;
    }
  }
  return out;
}
