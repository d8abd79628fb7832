/**
 * Every team setting, defined once: its settings-table key, the zod schema a stored value must
 * pass, the value used when nothing valid is saved (a constant or the environment's), who may
 * change it, and where it shows in the /dealcast settings modal. Resolution (src/settings/
 * resolve.ts), validation, diff, save and audit (change.ts) and the modal (src/views/
 * settings-modal.ts) all read this table; none of them lists keys of its own.
 *
 * Adding a setting: see docs/settings.md ("Adding a setting").
 */
import { z } from 'zod';
import { isTimeZone } from '../time/calendar.js';
import type { Config } from '../config.js';
import { DEAL_EVENT_KINDS, type DealEventKind } from '../metrics/deal-events.js';
import { MAPPABLE_CATEGORIES, type MappableCategory } from '../metrics/forecast-category.js';

/** The part of the configuration settings fall back to. */
export type SettingsConfig = Pick<Config, 'DIGEST_CHANNEL' | 'ALERT_CHANNEL' | 'DEALCAST_TIMEZONE' | 'DIGEST_CRON'>;

/**
 * Who may change a setting. 'admin': dealcast admins, in the settings modal (every change
 * audited). 'operator': whoever runs dealcast, by writing the settings table (no modal field).
 */
export type ChangedBy = 'admin' | 'operator';

/** Inclusive bounds on a number setting, in stored units; `exclusive` makes both strict. */
export interface Bounds {
  min: number;
  max: number;
  exclusive?: boolean;
  integer?: boolean;
}

/** The general fields the modal draws with their own Slack element. */
export type GeneralFieldName = 'digestChannel' | 'alertChannel' | 'timeZone' | 'digestTime';

/** Where a setting shows in the modal. */
export type ModalPlacement =
  | {
      section: 'channels';
      /** The field's name in the modal's draft and its block id. */
      name: GeneralFieldName;
      input: 'channel' | 'timeZone' | 'time';
      label: string;
      hint: string;
      /** How the confirmation DM shows a value. */
      show: (v: unknown) => string;
    }
  | {
      section: 'thresholds';
      /** The field's name in the modal's draft and its block id (`settings_threshold_<name>`). */
      name: string;
      input: 'number';
      label: string;
      hint: string;
      /** What the admin types next to the number ('%', 'hours'). */
      unit: string;
      /** Stored value -> what the admin types, and back (percent for a fraction); identity when absent. */
      toTyped?: (stored: number) => number;
      fromTyped?: (typed: number) => number;
    }
  | {
      /** Edited in the /dealcast events modal (commands/dealcast-events.ts), which draws its own fields. */
      section: 'events';
      label: string;
    }
  | {
      /** Edited in the /dealcast categories modal (commands/dealcast-categories.ts): the field from the CRM's own, then its options' categories. */
      section: 'categories';
      label: string;
    };

export interface SettingDef<T> {
  key: string;
  schema: z.ZodType<T>;
  /** The value when nothing valid is saved; null = unset (no channel configured). */
  fallback: (config: SettingsConfig) => T | null;
  changedBy: ChangedBy;
  /** null: not in the modal. */
  modal: ModalPlacement | null;
  /** Number settings: the bounds the schema was built from (for messages and number inputs). */
  bounds?: Bounds;
  doc: string;
}

export { isTimeZone };

export const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
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

const channelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/);
const showChannel = (v: unknown) => (v ? `<#${String(v)}>` : 'none');

function define<T>(def: SettingDef<T>): SettingDef<T> {
  return def;
}

/** A number setting whose schema is built from its bounds, so the two cannot disagree. */
function numberSetting(def: Omit<SettingDef<number>, 'schema' | 'bounds'> & { bounds: Bounds }): SettingDef<number> {
  const b = def.bounds;
  let schema = b.exclusive ? z.number().gt(b.min).lt(b.max) : z.number().min(b.min).max(b.max);
  if (b.integer) schema = schema.int();
  return { ...def, schema };
}

const constant =
  <T>(v: T) =>
  (): T =>
    v;

/** A Pipedrive custom field key (40 hex characters) or an Attio attribute slug. */
const forecastField = z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/);
const categoryMap: z.ZodType<Record<string, MappableCategory>> = z.record(z.string().min(1).max(200), z.enum(MAPPABLE_CATEGORIES));

const eventsChannel = z.string().regex(/^[CG][A-Z0-9]{2,}$/);
const currencyCode = z.string().regex(/^[A-Z]{3}$/);
export type VisibilityScope = 'all' | 'team' | 'own';
export interface Team {
  /**
   * A team set in Slack: the id dealcast gave it, kept when the team is renamed in the modal
   * (a target names the team by it). Absent on teams saved before ids existed and on CRM teams.
   */
  id?: string;
  name: string;
  ownerIds: string[];
}
const teamsSchema: z.ZodType<Team[]> = z
  .array(z.object({ id: z.string().regex(/^[A-Za-z0-9:_-]{1,100}$/).optional(), name: z.string().min(1).max(80), ownerIds: z.array(z.string()).max(500) }))
  .max(100);

export const SETTINGS = {
  'deal_events.channel': define<string>({
    key: 'deal_events.channel',
    schema: eventsChannel,
    fallback: constant(null),
    changedBy: 'admin',
    modal: { section: 'events', label: 'Deal events channel' },
    doc: 'Channel id (C…/G…) the deal-event feed goes to; unset = no feed (events are still recorded).',
  }),
  'deal_events.dm_owners': define<boolean>({
    key: 'deal_events.dm_owners',
    schema: z.boolean(),
    fallback: constant(false),
    changedBy: 'admin',
    modal: { section: 'events', label: 'Also DM the deal owner' },
    doc: 'true: each deal event also goes to the deal owner’s DM.',
  }),
  'deal_events.kinds': define<DealEventKind[]>({
    key: 'deal_events.kinds',
    schema: z.array(z.enum(DEAL_EVENT_KINDS as [DealEventKind, ...DealEventKind[]])),
    fallback: constant([...DEAL_EVENT_KINDS]),
    changedBy: 'admin',
    modal: { section: 'events', label: 'Events to announce' },
    doc: `The deal-event kinds announced (${DEAL_EVENT_KINDS.join(', ')}); default all.`,
  }),
  'deal_events.big_deal.amount': define<number>({
    key: 'deal_events.big_deal.amount',
    schema: z.number().positive().finite(),
    fallback: constant(null),
    changedBy: 'admin',
    modal: { section: 'events', label: 'Big new deal from' },
    doc: 'A new deal at or above this amount is announced as a big deal; unset = off.',
  }),
  'deal_events.big_deal.currency': define<string>({
    key: 'deal_events.big_deal.currency',
    schema: currencyCode,
    fallback: constant(null),
    changedBy: 'admin',
    modal: { section: 'events', label: 'Big deal currency' },
    doc: 'ISO code of the big-deal amount; unset = the most common currency among live deals.',
  }),
  'visibility.scope': define<VisibilityScope>({
    key: 'visibility.scope',
    schema: z.enum(['all', 'team', 'own']),
    fallback: constant('all' as VisibilityScope),
    changedBy: 'admin',
    modal: { section: 'events', label: 'Who sees which deals' },
    doc: "What a non-admin may see: 'all' deals, their 'team' (teams below), or their 'own'. Admins always see everything.",
  }),
  'visibility.teams': define<Team[]>({
    key: 'visibility.teams',
    schema: teamsSchema,
    fallback: constant([]),
    changedBy: 'admin',
    modal: { section: 'events', label: 'Teams' },
    doc: 'Teams for the visibility scope and team targets: [{ id, name, ownerIds }] (CRM owner ids; id given by dealcast and kept across renames), at most 100 teams of 500 owners.',
  }),
  'digest.channel': define<string>({
    key: 'digest.channel',
    schema: channelId,
    fallback: (c) => c.DIGEST_CHANNEL ?? null,
    changedBy: 'admin',
    modal: {
      section: 'channels',
      name: 'digestChannel',
      input: 'channel',
      label: 'Digest channel',
      hint: 'The daily digest is posted here. Invite @dealcast to the channel.',
      show: showChannel,
    },
    doc: 'Channel id (C…/G…) the daily digest goes to; default DIGEST_CHANNEL.',
  }),
  'alerts.channel': define<string>({
    key: 'alerts.channel',
    schema: channelId,
    fallback: (c) => c.ALERT_CHANNEL ?? null,
    changedBy: 'admin',
    modal: {
      section: 'channels',
      name: 'alertChannel',
      input: 'channel',
      label: 'Alert channel',
      hint: 'Pipeline drops, inactive reps and stuck deals are posted here, threaded.',
      show: showChannel,
    },
    doc: 'Channel id alerts go to; default ALERT_CHANNEL.',
  }),
  'schedule.timezone': define<string>({
    key: 'schedule.timezone',
    schema: z.string().refine(isTimeZone),
    fallback: (c) => c.DEALCAST_TIMEZONE,
    changedBy: 'admin',
    modal: {
      section: 'channels',
      name: 'timeZone',
      input: 'timeZone',
      label: 'Time zone',
      hint: 'IANA name. The digest time, "today" and the daily snapshots follow it.',
      show: String,
    },
    doc: 'IANA time zone for the schedule and "today"; default DEALCAST_TIMEZONE.',
  }),
  'digest.time': define<string>({
    key: 'digest.time',
    schema: z.string().regex(HHMM),
    fallback: (c) => digestTimeOfCron(c.DIGEST_CRON),
    changedBy: 'admin',
    modal: {
      section: 'channels',
      name: 'digestTime',
      input: 'time',
      label: 'Digest time',
      hint: 'In the time zone above, on the days DIGEST_CRON names (weekdays by default).',
      show: (v) => (v ? String(v) : 'as DIGEST_CRON'),
    },
    doc: "'HH:MM' (24 h): the digest's time of day; replaces the minute and hour of DIGEST_CRON, keeping its days.",
  }),
  'alerts.pipeline_drop.threshold': numberSetting({
    key: 'alerts.pipeline_drop.threshold',
    bounds: { min: 0, max: 1, exclusive: true },
    fallback: constant(0.2),
    changedBy: 'admin',
    modal: {
      section: 'thresholds',
      name: 'dropPercent',
      input: 'number',
      label: 'Pipeline drop alert (%)',
      unit: '%',
      hint: 'Alert when open pipeline value falls more than this far below its recent daily average.',
      toTyped: (f) => Math.round(f * 10_000) / 100,
      fromTyped: (pct) => Math.round(pct * 100) / 10_000,
    },
    doc: 'Alert when open pipeline value is more than this fraction below the average of the previous daily snapshots (0.2 = 20%).',
  }),
  'alerts.pipeline_drop.days': numberSetting({
    key: 'alerts.pipeline_drop.days',
    bounds: { min: 2, max: 30, integer: true },
    fallback: constant(7),
    changedBy: 'operator',
    modal: null,
    doc: 'How many previous daily snapshots the average covers.',
  }),
  'alerts.rep_inactive.hours': numberSetting({
    key: 'alerts.rep_inactive.hours',
    bounds: { min: 1, max: 24 * 30 },
    fallback: constant(48),
    changedBy: 'admin',
    modal: {
      section: 'thresholds',
      name: 'inactivityHours',
      input: 'number',
      label: 'Rep inactivity alert (hours)',
      unit: 'hours',
      hint: 'Alert when an active rep logs no activity for longer than this (weekends not counted).',
    },
    doc: 'Alert when an active rep has logged no activity for more than this many hours, not counting weekends.',
  }),
  'alerts.stuck.ratio': numberSetting({
    key: 'alerts.stuck.ratio',
    bounds: { min: 1, max: 20 },
    fallback: constant(2),
    changedBy: 'admin',
    modal: {
      section: 'thresholds',
      name: 'stuckMultiple',
      input: 'number',
      label: 'Stuck deal multiple (×)',
      unit: '×',
      hint: "A deal is stuck when its days in stage reach this multiple of the stage's average.",
    },
    doc: 'A deal is stuck when its days in stage reach this multiple of the stage average.',
  }),
  'alerts.stuck.min_sample': numberSetting({
    key: 'alerts.stuck.min_sample',
    bounds: { min: 1, max: 10_000, integer: true },
    fallback: constant(10),
    changedBy: 'operator',
    modal: null,
    doc: 'A stage average is trusted only when at least this many deals have left the stage.',
  }),
  'alerts.stuck.max_replies': numberSetting({
    key: 'alerts.stuck.max_replies',
    bounds: { min: 0, max: 40, integer: true },
    fallback: constant(10),
    changedBy: 'operator',
    modal: null,
    doc: 'Stuck deals described in the thread per run (largest first); the rest are counted in the summary.',
  }),
  'alerts.quiet_days': numberSetting({
    key: 'alerts.quiet_days',
    bounds: { min: 0, max: 90 },
    fallback: constant(7),
    changedBy: 'admin',
    modal: {
      section: 'thresholds',
      name: 'quietDays',
      input: 'number',
      label: 'Quiet period (days)',
      unit: 'days',
      hint: 'An unchanged alert is not repeated until this many days have passed.',
    },
    doc: 'A subject already alerted and unchanged is not alerted again until this many days have passed.',
  }),
  'digest.leaderboard_weekday': numberSetting({
    key: 'digest.leaderboard_weekday',
    bounds: { min: 0, max: 7, integer: true },
    fallback: constant(1),
    changedBy: 'operator',
    modal: null,
    doc: "The weekday (1 = Monday … 7 = Sunday, in the team's time zone) from which the week's first digest carries the rep leaderboard (attainment against the fiscal quarter's targets); 0 = never.",
  }),
  'targets.fiscal_year_start_month': numberSetting({
    key: 'targets.fiscal_year_start_month',
    bounds: { min: 1, max: 12, integer: true },
    fallback: constant(1),
    changedBy: 'operator',
    modal: null,
    doc: 'The month (1 = January … 12 = December) the fiscal year starts in; fiscal quarters count from it. Targets and the quota report follow it.',
  }),
  'forecast.category_field': define<string>({
    key: 'forecast.category_field',
    schema: forecastField,
    fallback: constant(null),
    changedBy: 'admin',
    modal: { section: 'categories', label: 'Forecast category field' },
    doc: "Pipedrive and Attio: the deal field holding the rep's forecast category (a Pipedrive custom field's 40-character key, an Attio attribute slug). Salesforce (ForecastCategoryName) and HubSpot (hs_manual_forecast_category) need none.",
  }),
  'forecast.category_map': define<Record<string, MappableCategory>>({
    key: 'forecast.category_map',
    schema: categoryMap,
    fallback: constant({}),
    changedBy: 'admin',
    modal: { section: 'categories', label: 'What its options mean' },
    doc: "The forecast category field's values mapped to commit, best_case, pipeline or omitted (e.g. a Pipedrive option id {\"41\": \"commit\"}). Values named Commit, Best case, Pipeline, Omitted are recognised without it; any other value counts as Pipeline.",
  }),
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = (typeof SETTINGS)[K] extends SettingDef<infer T> ? T : never;

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export function settingDef(key: SettingKey): SettingDef<unknown> {
  return SETTINGS[key] as SettingDef<unknown>;
}

/** The settings whose value is a number (every alert threshold). */
export type NumberSettingKey = { [K in SettingKey]: SettingValue<K> extends number ? K : never }[SettingKey];

/** A number setting shown in the modal's thresholds section, with what the modal needs of it. */
export interface ModalNumberField {
  key: NumberSettingKey;
  name: string;
  label: string;
  hint: string;
  unit: string;
  /** Bounds in typed units (percent for the drop). */
  min: number;
  max: number;
  exclusive: boolean;
  integer: boolean;
  toTyped(stored: number): number;
  fromTyped(typed: number): number;
  fallback: number;
}

const same = (v: number) => v;

/** Every number field of the modal, in registry order. */
export const MODAL_NUMBER_FIELDS: ModalNumberField[] = SETTING_KEYS.flatMap((key) => {
  const def = settingDef(key);
  const m = def.modal;
  if (m?.section !== 'thresholds' || !def.bounds) return [];
  const toTyped = m.toTyped ?? same;
  const fallback = def.fallback({ DIGEST_CRON: '', DEALCAST_TIMEZONE: 'UTC' });
  return [
    {
      key: key as NumberSettingKey,
      name: m.name,
      label: m.label,
      hint: m.hint,
      unit: m.unit,
      min: toTyped(def.bounds.min),
      max: toTyped(def.bounds.max),
      exclusive: def.bounds.exclusive === true,
      integer: def.bounds.integer === true,
      toTyped,
      fromTyped: m.fromTyped ?? same,
      fallback: typeof fallback === 'number' ? fallback : Number.NaN,
    },
  ];
});

/** The modal's channel and schedule fields, by draft name, to their settings key. */
export const GENERAL_FIELD_KEYS = Object.fromEntries(
  SETTING_KEYS.flatMap((key) => {
    const m = settingDef(key).modal;
    return m?.section === 'channels' ? [[m.name, key]] : [];
  }),
) as Record<GeneralFieldName, SettingKey>;

/** null when `typed` is acceptable for the field, else the reason (one sentence). */
export function checkTyped(field: ModalNumberField, typed: number): string | null {
  if (!Number.isFinite(typed)) return 'Enter a number.';
  if (field.integer && !Number.isInteger(typed)) return 'Enter a whole number.';
  const below = field.exclusive ? typed <= field.min : typed < field.min;
  const above = field.exclusive ? typed >= field.max : typed > field.max;
  if (below || above) return field.exclusive ? `Enter a number above ${field.min} and below ${field.max}.` : `Enter a number from ${field.min} to ${field.max}.`;
  return null;
}
