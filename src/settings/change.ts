/**
 * The admin settings as one editable whole: what is stored now (a snapshot), what the admin
 * typed (a draft: raw text, as typed), the rules a draft must pass, and saving it atomically
 * with one audit row per changed value. Which general fields exist, their bounds, labels and
 * keys come from the registry (registry.ts). Transport-free: the Slack modal (src/views/
 * settings-modal.ts) turns view state into a draft; tests call these directly too.
 */
import { CANONICAL_STAGES, OPEN_CANONICAL_STAGES, isCanonicalStage, type CanonicalStage } from '../model/canonical-stages.js';
import type { Config } from '../config.js';
import { GENERAL_FIELD_KEYS, MODAL_NUMBER_FIELDS, checkTyped, isDigestTime, isTimeZone, settingDef, type GeneralFieldName, type SettingKey } from './registry.js';
import { readModalNumbers, resolveTeamSettings } from './resolve.js';
import type { Db } from '../../store/db.js';
import { listPipelines } from '../../store/pipelines.js';
import { addAudit, getSetting, setSetting } from '../../store/settings.js';
import { getStageMap, saveStageMap, type StageMapUpdate } from '../../store/stage-map.js';
import { listStages } from '../../store/stages.js';

/** One CRM stage as the settings show it. Probabilities are fractions 0..1. */
export interface StageSetting {
  stageId: string;
  pipelineId: string;
  name: string;
  position: number;
  /** The CRM's own probability, or null. */
  crmProbability: number | null;
  isClosed: boolean;
  isWon: boolean;
  canonical: CanonicalStage;
  /** Admin override, or null (automatic: calibrated, else CRM, else default). */
  winProbability: number | null;
  included: boolean;
  needsReview: boolean;
}

export interface GeneralSettings {
  digestChannel: string | null;
  alertChannel: string | null;
  timeZone: string;
  /** 'HH:MM', or null when DIGEST_CRON is not a single daily time. */
  digestTime: string | null;
  /** The modal's number fields (src/settings/registry.ts MODAL_NUMBER_FIELDS) as typed, by field name. */
  thresholds: Record<string, number>;
}

export interface SettingsSnapshot {
  crm: string;
  pipelines: { id: string; name: string }[];
  /** Every live stage, by pipeline (in pipeline order), then in CRM order. */
  stages: StageSetting[];
  general: GeneralSettings;
}

/** What the admin typed for one stage. `probability` is raw text in percent ('' = automatic). */
export interface StageDraft {
  canonical: CanonicalStage;
  probability: string;
  included: boolean;
}

/** What the admin typed for channels, schedule and thresholds (raw text; null/'' = unset). */
export interface GeneralDraft {
  digestChannel: string | null;
  alertChannel: string | null;
  timeZone: string;
  digestTime: string | null;
  /** By field name, as typed. */
  thresholds: Record<string, string>;
}

export function loadSettingsSnapshot(db: Db, crm: string, config: Config): SettingsSnapshot {
  const pipelines = listPipelines(db, crm).map((p) => ({ id: p.id, name: p.name }));
  const order = new Map(pipelines.map((p, i) => [p.id, i]));
  const map = getStageMap(db, crm);
  const stages: StageSetting[] = listStages(db, crm)
    .filter((s) => order.has(s.pipelineId))
    .sort((a, b) => order.get(a.pipelineId)! - order.get(b.pipelineId)! || a.position - b.position || a.name.localeCompare(b.name))
    .map((s) => {
      const m = map.get(s.id);
      return {
        stageId: s.id,
        pipelineId: s.pipelineId,
        name: s.name,
        position: s.position,
        crmProbability: s.probability,
        isClosed: s.isClosed,
        isWon: s.isWon,
        canonical: m?.canonical ?? (s.isClosed ? (s.isWon ? 'Closed Won' : 'Closed Lost') : 'Lead'),
        winProbability: m?.winProbability ?? null,
        included: m?.included ?? true,
        needsReview: m?.needsReview ?? false,
      };
    });
  const team = resolveTeamSettings(db, config);
  return {
    crm,
    pipelines,
    stages,
    general: {
      digestChannel: team.digestChannel,
      alertChannel: team.alertChannel,
      timeZone: team.timeZone,
      digestTime: team.digestTime,
      thresholds: readModalNumbers(db, config),
    },
  };
}

/** A fraction as the percent an admin types: 0.345 -> '34.5', 0.6 -> '60'. */
export function percentText(p: number | null): string {
  if (p === null) return '';
  return String(Math.round(p * 1000) / 10);
}

export function stageDraftOf(s: StageSetting): StageDraft {
  return { canonical: s.canonical, probability: percentText(s.winProbability), included: s.included };
}

export function generalDraftOf(g: GeneralSettings): GeneralDraft {
  const thresholds: Record<string, string> = {};
  for (const f of MODAL_NUMBER_FIELDS) thresholds[f.name] = String(g.thresholds[f.name] ?? f.toTyped(f.fallback));
  return { digestChannel: g.digestChannel, alertChannel: g.alertChannel, timeZone: g.timeZone, digestTime: g.digestTime, thresholds };
}

export function sameStageDraft(a: StageDraft, b: StageDraft): boolean {
  return a.canonical === b.canonical && a.probability.trim() === b.probability.trim() && a.included === b.included;
}

/** Where a problem is shown: next to a stage's probability, at a pipeline, or at a general field. */
export type SettingsField =
  | { kind: 'stage'; stageId: string }
  | { kind: 'pipeline'; pipelineId: string }
  | { kind: 'general'; name: GeneralFieldName }
  | { kind: 'number'; name: string };

export interface SettingsProblem {
  field: SettingsField;
  message: string;
}

/** A validated change, in stored units. */
export interface SettingsChange {
  stages: StageMapUpdate[];
  general: {
    digestChannel: string | null;
    alertChannel: string | null;
    timeZone: string;
    digestTime: string | null;
    /** Stored units (the drop as a fraction), by modal field name. */
    thresholds: Record<string, number>;
  };
}

/** '60', '60%', ' 12.5 ' -> a fraction; '' -> null; anything else -> undefined. */
export function parsePercent(text: string): number | null | undefined {
  const t = text.trim().replace(/\s*%$/, '').replace(',', '.');
  if (t === '') return null;
  if (!/^-?\d+(\.\d+)?$/.test(t)) return undefined;
  return Number(t) / 100;
}

const pct = (p: number) => `${Math.round(p * 1000) / 10}%`;

/**
 * Checks a complete draft (every stage of every pipeline, and the general settings). Rules:
 * probabilities are numbers from 0 to 100 (blank = automatic); a stage mapped to Closed Won is at
 * 100% and one mapped to Closed Lost at 0% when a number is given; every pipeline keeps at least
 * one open stage included in reports; channels, time zone, digest time and thresholds are valid.
 */
export function validateSettings(
  snapshot: SettingsSnapshot,
  stageDrafts: ReadonlyMap<string, StageDraft>,
  general: GeneralDraft,
): { ok: true; change: SettingsChange } | { ok: false; problems: SettingsProblem[] } {
  const problems: SettingsProblem[] = [];
  const updates: StageMapUpdate[] = [];
  for (const s of snapshot.stages) {
    const d = stageDrafts.get(s.stageId) ?? stageDraftOf(s);
    const field: SettingsField = { kind: 'stage', stageId: s.stageId };
    if (!isCanonicalStage(d.canonical)) {
      problems.push({ field, message: `Choose one of ${CANONICAL_STAGES.join(', ')}.` });
      continue;
    }
    const p = parsePercent(d.probability);
    if (p === undefined) {
      problems.push({ field, message: 'Enter a number from 0 to 100, or leave it blank for the calibrated value.' });
      continue;
    }
    if (p !== null && (p < 0 || p > 1)) {
      problems.push({ field, message: 'A win probability is from 0 to 100 (percent).' });
      continue;
    }
    if (p !== null && d.canonical === 'Closed Won' && p !== 1) {
      problems.push({ field, message: 'A stage mapped to Closed Won is won: its probability is 100 (or leave it blank).' });
      continue;
    }
    if (p !== null && d.canonical === 'Closed Lost' && p !== 0) {
      problems.push({ field, message: 'A stage mapped to Closed Lost is lost: its probability is 0 (or leave it blank).' });
      continue;
    }
    updates.push({ stageId: s.stageId, canonical: d.canonical, winProbability: p, included: d.included });
  }
  for (const pl of snapshot.pipelines) {
    const mine = snapshot.stages.filter((s) => s.pipelineId === pl.id);
    if (!mine.length) continue;
    const openIncluded = mine.some((s) => {
      const d = stageDrafts.get(s.stageId) ?? stageDraftOf(s);
      return d.included && (OPEN_CANONICAL_STAGES as readonly string[]).includes(d.canonical);
    });
    if (!openIncluded) {
      problems.push({
        field: { kind: 'pipeline', pipelineId: pl.id },
        message: `${pl.name}: include at least one open stage (Lead to Negotiation) in reports, or its open deals vanish from them.`,
      });
    }
  }

  const g = general;
  if (g.timeZone.trim() && !isTimeZone(g.timeZone.trim())) {
    problems.push({ field: { kind: 'general', name: 'timeZone' }, message: 'Enter an IANA time zone such as Europe/Berlin or America/New_York.' });
  } else if (!g.timeZone.trim()) {
    problems.push({ field: { kind: 'general', name: 'timeZone' }, message: 'Enter a time zone such as Europe/Berlin.' });
  }
  if (g.digestTime && !isDigestTime(g.digestTime)) {
    problems.push({ field: { kind: 'general', name: 'digestTime' }, message: 'Pick a time of day (HH:MM).' });
  }
  for (const [name, v] of [['digestChannel', g.digestChannel], ['alertChannel', g.alertChannel]] as const) {
    if (v && !/^[CGD][A-Z0-9]{2,}$/.test(v)) problems.push({ field: { kind: 'general', name }, message: 'Pick a channel.' });
  }
  const thresholds: Record<string, number> = {};
  for (const f of MODAL_NUMBER_FIELDS) {
    const text = (g.thresholds[f.name] ?? '').trim().replace(',', '.');
    const n = text === '' ? NaN : Number(text);
    const why = checkTyped(f, n);
    if (why) problems.push({ field: { kind: 'number', name: f.name }, message: why });
    else thresholds[f.name] = f.fromTyped(n);
  }
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    change: {
      stages: updates,
      general: { digestChannel: g.digestChannel, alertChannel: g.alertChannel, timeZone: g.timeZone.trim(), digestTime: g.digestTime, thresholds },
    },
  };
}

/** One changed value, for the audit table and the confirmation. */
export interface ChangeLine {
  /** Audit `what`: 'stage_map:<crm>:<stage id>' or the settings key. */
  what: string;
  /** Human label: 'New Business › Demo Done' or 'Digest channel'. */
  label: string;
  old: unknown;
  new: unknown;
  /** 'Lead → Qualified, win 40% → 35%'. */
  summary: string;
}

const stageSummary = (s: { canonical: string; winProbability: number | null; included: boolean }) => ({
  canonical: s.canonical,
  win_probability: s.winProbability,
  included: s.included,
});

/** What a validated change alters, compared with the snapshot; unchanged values are left out. */
export function diffSettings(snapshot: SettingsSnapshot, change: SettingsChange): ChangeLine[] {
  const lines: ChangeLine[] = [];
  const pipelineName = new Map(snapshot.pipelines.map((p) => [p.id, p.name]));
  const byId = new Map(snapshot.stages.map((s) => [s.stageId, s]));
  for (const u of change.stages) {
    const s = byId.get(u.stageId)!;
    const parts: string[] = [];
    if (s.canonical !== u.canonical) parts.push(`${s.canonical} → ${u.canonical}`);
    if (s.winProbability !== u.winProbability) {
      parts.push(`win ${s.winProbability === null ? 'auto' : pct(s.winProbability)} → ${u.winProbability === null ? 'auto' : pct(u.winProbability)}`);
    }
    if (s.included !== u.included) parts.push(u.included ? 'included in reports' : 'left out of reports');
    // A stage that needed review and is saved unchanged is still a decision: record it.
    if (!parts.length && !s.needsReview) continue;
    lines.push({
      what: `stage_map:${snapshot.crm}:${u.stageId}`,
      label: `${pipelineName.get(s.pipelineId) ?? s.pipelineId} › ${s.name}`,
      old: { ...stageSummary(s), needs_review: s.needsReview },
      new: { ...stageSummary(u), needs_review: false },
      summary: parts.length ? parts.join(', ') : `reviewed, kept as ${u.canonical}`,
    });
  }
  const g = snapshot.general;
  const n = change.general;
  const general: [string, string, unknown, unknown, (v: unknown) => string][] = [];
  for (const [name, key] of Object.entries(GENERAL_FIELD_KEYS) as [GeneralFieldName, SettingKey][]) {
    const m = settingDef(key).modal;
    if (m?.section !== 'channels') continue;
    general.push([key, m.label, g[name], n[name], m.show]);
  }
  for (const f of MODAL_NUMBER_FIELDS) {
    const oldStored = f.fromTyped(g.thresholds[f.name] ?? f.toTyped(f.fallback));
    general.push([f.key, f.label, oldStored, n.thresholds[f.name], (v) => `${f.toTyped(Number(v))} ${f.unit}`.replace(' %', '%')]);
  }
  for (const [key, label, oldV, newV, show] of general) {
    if (oldV === newV || newV === null) continue;
    lines.push({ what: key, label, old: oldV, new: newV, summary: `${show(oldV)} → ${show(newV)}` });
  }
  return lines;
}

/**
 * Saves a validated change in one transaction: the stage map (which clears "needs review" on
 * every stage saved), the general settings, and one audit row per changed value. Everything or
 * nothing. Returns the lines that changed.
 */
export function saveSettings(db: Db, snapshot: SettingsSnapshot, change: SettingsChange, userId: string, now: Date): ChangeLine[] {
  const at = now.toISOString();
  const lines = diffSettings(snapshot, change);
  const stageIds = new Set(lines.filter((l) => l.what.startsWith('stage_map:')).map((l) => l.what.slice(`stage_map:${snapshot.crm}:`.length)));
  db.transaction(() => {
    saveStageMap(
      db,
      snapshot.crm,
      change.stages.filter((u) => stageIds.has(u.stageId)),
      userId,
      at,
    );
    for (const l of lines) {
      if (l.what.startsWith('stage_map:')) continue;
      // The audit's old value is what was in effect (possibly the environment's default).
      setSetting(db, l.what, l.new, at, userId);
    }
    for (const l of lines) addAudit(db, at, userId, l.what, l.old, l.new);
  }).immediate();
  return lines;
}

/** The settings table's stored value for a key (undefined when unset); for tests and the CLI. */
export function storedSetting(db: Db, key: string): unknown {
  return getSetting<unknown>(db, key, undefined);
}
