/**
 * Saving settings: one transaction (stage map, settings, audit rows) or nothing; audit rows say
 * who, when, old → new; "needs review" is cleared; and the resolver lets values saved in Slack
 * win over the environment's defaults.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { diffSettings, loadSettingsSnapshot, saveSettings, storedSetting, validateSettings, generalDraftOf } from '../../src/settings/change.js';
import { ALERT_THRESHOLDS, TEAM_SETTING_KEYS, cronAtTime, digestTimeOfCron, readAlertThresholds, resolveTeamSettings, type AlertThresholdDef } from '../../src/settings/team.js';
import { getStageMap, stagesNeedingReview } from '../../store/stage-map.js';
import { setSetting } from '../../store/settings.js';
import { tempDb } from '../helpers/db.js';
import { ALERT_SETTINGS, readAlertSettings } from '../../src/settings/alerts.js';
import { seedTwoPipelines } from './fixtures.js';
import type { Db } from '../../store/db.js';

const NOW = new Date('2026-11-24T09:00:00Z');
let db: Db;
let cleanup: () => void;
let config: Config;
beforeEach(() => {
  ({ db, cleanup } = tempDb());
  config = loadConfig({ envFile: null, env: { CRM: 'demo', DIGEST_CHANNEL: 'C0DIGEST', ALERT_CHANNEL: 'C0ALERTS', DIGEST_CRON: '0 8 * * 1-5' } });
  seedTwoPipelines(db);
});
afterEach(() => cleanup());

function audit() {
  return db.prepare('SELECT at, user_id AS userId, what, old, new FROM settings_audit ORDER BY id').all() as { at: string; userId: string; what: string; old: string | null; new: string | null }[];
}

describe('saveSettings', () => {
  it('saves stage edits and settings with one audit row each, clears needs-review, leaves the rest alone', () => {
    db.prepare("UPDATE stage_map SET needs_review = 1 WHERE stage_id IN ('sales-2', 'sales-3')").run();
    const s = loadSettingsSnapshot(db, 'demo', config);
    const general = { ...generalDraftOf(s.general), digestChannel: 'C0NEWDIGEST', timeZone: 'America/New_York', digestTime: '09:15', thresholds: { ...generalDraftOf(s.general).thresholds, dropPercent: '35', quietDays: '3' } };
    const drafts = new Map([
      ['sales-1', { canonical: 'Qualified' as const, probability: '35', included: true }],
      ['sales-2', { canonical: 'Qualified' as const, probability: '', included: false }],
    ]);
    const r = validateSettings(s, drafts, general);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const lines = saveSettings(db, s, r.change, 'U0BOSS', NOW);
    expect(lines.map((l) => l.what)).toEqual([
      'stage_map:demo:sales-1',
      'stage_map:demo:sales-2',
      'stage_map:demo:sales-3', // needed review, saved unchanged: the review is a decision too
      TEAM_SETTING_KEYS.digestChannel,
      TEAM_SETTING_KEYS.timeZone,
      TEAM_SETTING_KEYS.digestTime,
      ALERT_THRESHOLDS.dropPercent.key,
      ALERT_THRESHOLDS.quietDays.key,
    ]);
    const map = getStageMap(db, 'demo');
    expect(map.get('sales-1')).toMatchObject({ canonical: 'Qualified', winProbability: 0.35, included: true, mappedBy: 'U0BOSS' });
    expect(map.get('sales-2')).toMatchObject({ canonical: 'Qualified', winProbability: null, included: false, needsReview: false });
    expect(map.get('sales-0')!.mappedBy).toBe('auto');
    expect(stagesNeedingReview(db, 'demo')).toEqual([]);
    expect(storedSetting(db, ALERT_THRESHOLDS.dropPercent.key)).toBe(0.35);
    expect(storedSetting(db, ALERT_THRESHOLDS.quietDays.key)).toBe(3);
    expect(storedSetting(db, ALERT_THRESHOLDS.stuckMultiple.key)).toBeUndefined();
    const rows = audit();
    expect(rows).toHaveLength(8);
    expect(rows.every((a) => a.userId === 'U0BOSS' && a.at === NOW.toISOString())).toBe(true);
    const sales1 = rows.find((a) => a.what === 'stage_map:demo:sales-1')!;
    expect(JSON.parse(sales1.old!)).toEqual({ canonical: 'Qualified', win_probability: null, included: true, needs_review: false });
    expect(JSON.parse(sales1.new!)).toEqual({ canonical: 'Qualified', win_probability: 0.35, included: true, needs_review: false });
    const digest = rows.find((a) => a.what === TEAM_SETTING_KEYS.digestChannel)!;
    expect([JSON.parse(digest.old!), JSON.parse(digest.new!)]).toEqual(['C0DIGEST', 'C0NEWDIGEST']);
    expect(lines.find((l) => l.what === 'stage_map:demo:sales-1')!.summary).toBe('win auto → 35%');
    expect(lines.find((l) => l.what === 'stage_map:demo:sales-2')!.summary).toBe('Proposal → Qualified, left out of reports');

    // Saved in Slack wins over the environment.
    const team = resolveTeamSettings(db, config);
    expect(team).toMatchObject({ digestChannel: 'C0NEWDIGEST', alertChannel: 'C0ALERTS', timeZone: 'America/New_York', digestCron: '15 9 * * 1-5', digestTime: '09:15' });
    expect(team.source).toEqual({ digestChannel: 'slack', alertChannel: 'env', timeZone: 'slack', digestTime: 'slack' });
    expect(readAlertThresholds(db)).toEqual({ dropPercent: 35, inactivityHours: 48, stuckMultiple: 2, quietDays: 3 });
  });

  it('saving nothing changed writes nothing', () => {
    const s = loadSettingsSnapshot(db, 'demo', config);
    const r = validateSettings(s, new Map(), generalDraftOf(s.general));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(diffSettings(s, r.change)).toEqual([]);
    expect(saveSettings(db, s, r.change, 'U0BOSS', NOW)).toEqual([]);
    expect(audit()).toEqual([]);
  });

  it('is all or nothing: when the audit row cannot be written, no setting and no stage changes', () => {
    const s = loadSettingsSnapshot(db, 'demo', config);
    const before = JSON.stringify([...getStageMap(db, 'demo')]);
    const r = validateSettings(s, new Map([['sales-1', { canonical: 'Proposal' as const, probability: '50', included: true }]]), { ...generalDraftOf(s.general), timeZone: 'Asia/Tokyo' });
    if (!r.ok) throw new Error('expected valid');
    db.exec('DROP TABLE settings_audit');
    expect(() => saveSettings(db, s, r.change, 'U0BOSS', NOW)).toThrow(/settings_audit/);
    expect(JSON.stringify([...getStageMap(db, 'demo')])).toBe(before);
    expect(storedSetting(db, TEAM_SETTING_KEYS.timeZone)).toBeUndefined();
  });
});

describe('resolveTeamSettings', () => {
  it('uses the environment until something is saved, and ignores a stored value that is not valid', () => {
    expect(resolveTeamSettings(db, config)).toMatchObject({ digestChannel: 'C0DIGEST', alertChannel: 'C0ALERTS', timeZone: 'UTC', digestCron: '0 8 * * 1-5', digestTime: '08:00' });
    setSetting(db, TEAM_SETTING_KEYS.timeZone, 'Not/AZone', NOW.toISOString());
    setSetting(db, TEAM_SETTING_KEYS.alertChannel, 'general', NOW.toISOString());
    setSetting(db, TEAM_SETTING_KEYS.digestTime, '25:00', NOW.toISOString());
    expect(resolveTeamSettings(db, config)).toMatchObject({ alertChannel: 'C0ALERTS', timeZone: 'UTC', digestCron: '0 8 * * 1-5' });
    setSetting(db, ALERT_THRESHOLDS.stuckMultiple.key, 500, NOW.toISOString());
    expect(readAlertThresholds(db).stuckMultiple).toBe(2);
  });

  it('digest time and cron: replaces minute and hour, keeps the days; complex schedules have no single time', () => {
    expect(cronAtTime('0 8 * * 1-5', '17:05')).toBe('5 17 * * 1-5');
    expect(cronAtTime('0 0 8 * * 1-5', '06:30')).toBe('30 6 * * 1-5');
    expect(digestTimeOfCron('0 8 * * 1-5')).toBe('08:00');
    expect(digestTimeOfCron('0 8,16 * * *')).toBeNull();
    expect(digestTimeOfCron('*/30 * * * *')).toBeNull();
  });
});

describe('alert thresholds agree with the alerts job', () => {
  // The alerts job (src/settings/alerts.ts) reads the same keys; keys, defaults and ranges must agree.
  it('same keys, defaults and ranges', () => {
    for (const def of Object.values(ALERT_THRESHOLDS) as AlertThresholdDef[]) {
      const theirs = (ALERT_SETTINGS as Record<string, { fallback: number; schema: { safeParse(v: unknown): { success: boolean } } }>)[def.key];
      expect(theirs, def.key).toBeDefined();
      expect(theirs!.fallback).toBe(def.fallback);
      const inside = [def.exclusive ? def.min + 0.5 : def.min, def.exclusive ? def.max - 0.5 : def.max];
      for (const v of inside) expect(theirs!.schema.safeParse(def.toStored(v)).success, `${def.key}=${v}`).toBe(true);
      const outside = [def.min - 1, def.max + 1, ...(def.exclusive ? [def.min, def.max] : [])];
      for (const v of outside) expect(theirs!.schema.safeParse(def.toStored(v)).success, `${def.key}=${v}`).toBe(false);
    }
  });

  it('what the modal saves is what the alerts job reads', () => {
    const s = loadSettingsSnapshot(db, 'demo', config);
    const g = generalDraftOf(s.general);
    const r = validateSettings(s, new Map(), { ...g, thresholds: { dropPercent: '12.5', inactivityHours: '36', stuckMultiple: '3', quietDays: '2' } });
    if (!r.ok) throw new Error('expected valid');
    saveSettings(db, s, r.change, 'U0BOSS', NOW);
    expect(readAlertSettings(db)).toMatchObject({
      'alerts.pipeline_drop.threshold': 0.125,
      'alerts.rep_inactive.hours': 36,
      'alerts.stuck.ratio': 3,
      'alerts.quiet_days': 2,
    });
  });
});
