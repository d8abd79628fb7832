/**
 * Saving settings: one transaction (stage map, settings, audit rows) or nothing; audit rows say
 * who, when, old → new; "needs review" is cleared; and the resolver lets values saved in Slack
 * win over the environment's defaults.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { diffSettings, loadSettingsSnapshot, saveRegisteredSettings, saveSettings, storedSetting, validateSettings, generalDraftOf } from '../../src/settings/change.js';
import { MODAL_NUMBER_FIELDS, SETTINGS, SETTING_KEYS, digestTimeOfCron, settingDef } from '../../src/settings/registry.js';
import { cronAtTime, readAlertSettings, readModalNumbers, resolveSetting, resolveTeamSettings } from '../../src/settings/resolve.js';
import { getStageMap, stagesNeedingReview } from '../../store/stage-map.js';
import { setSetting } from '../../store/settings.js';
import { tempDb } from '../helpers/db.js';
import { seedTwoPipelines } from './fixtures.js';
import type { Db } from '../../store/db.js';
import { readVisibility } from '../../src/access/visibility.js';
import { readDealEventConfig } from '../../src/jobs/deal-event-settings.js';
import { DEAL_EVENT_KINDS } from '../../src/metrics/deal-events.js';

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
      'digest.channel',
      'schedule.timezone',
      'digest.time',
      'alerts.pipeline_drop.threshold',
      'alerts.quiet_days',
    ]);
    const map = getStageMap(db, 'demo');
    expect(map.get('sales-1')).toMatchObject({ canonical: 'Qualified', winProbability: 0.35, included: true, mappedBy: 'U0BOSS' });
    expect(map.get('sales-2')).toMatchObject({ canonical: 'Qualified', winProbability: null, included: false, needsReview: false });
    expect(map.get('sales-0')!.mappedBy).toBe('auto');
    expect(stagesNeedingReview(db, 'demo')).toEqual([]);
    expect(storedSetting(db, 'alerts.pipeline_drop.threshold')).toBe(0.35);
    expect(storedSetting(db, 'alerts.quiet_days')).toBe(3);
    expect(storedSetting(db, 'alerts.stuck.ratio')).toBeUndefined();
    const rows = audit();
    expect(rows).toHaveLength(8);
    expect(rows.every((a) => a.userId === 'U0BOSS' && a.at === NOW.toISOString())).toBe(true);
    const sales1 = rows.find((a) => a.what === 'stage_map:demo:sales-1')!;
    expect(JSON.parse(sales1.old!)).toEqual({ canonical: 'Qualified', win_probability: null, included: true, needs_review: false });
    expect(JSON.parse(sales1.new!)).toEqual({ canonical: 'Qualified', win_probability: 0.35, included: true, needs_review: false });
    const digest = rows.find((a) => a.what === 'digest.channel')!;
    expect([JSON.parse(digest.old!), JSON.parse(digest.new!)]).toEqual(['C0DIGEST', 'C0NEWDIGEST']);
    expect(lines.find((l) => l.what === 'stage_map:demo:sales-1')!.summary).toBe('win auto → 35%');
    expect(lines.find((l) => l.what === 'stage_map:demo:sales-2')!.summary).toBe('Proposal → Qualified, left out of reports');

    // Saved in Slack wins over the environment.
    const team = resolveTeamSettings(db, config);
    expect(team).toMatchObject({ digestChannel: 'C0NEWDIGEST', alertChannel: 'C0ALERTS', timeZone: 'America/New_York', digestCron: '15 9 * * 1-5', digestTime: '09:15' });
    expect(team.source).toEqual({ digestChannel: 'slack', alertChannel: 'env', timeZone: 'slack', digestTime: 'slack' });
    expect(readModalNumbers(db, config)).toEqual({ dropPercent: 35, inactivityHours: 48, stuckMultiple: 2, quietDays: 3 });
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
    expect(storedSetting(db, 'schedule.timezone')).toBeUndefined();
  });
});

describe('resolveTeamSettings', () => {
  it('uses the environment until something is saved, and ignores a stored value that is not valid', () => {
    expect(resolveTeamSettings(db, config)).toMatchObject({ digestChannel: 'C0DIGEST', alertChannel: 'C0ALERTS', timeZone: 'UTC', digestCron: '0 8 * * 1-5', digestTime: '08:00' });
    setSetting(db, 'schedule.timezone', 'Not/AZone', NOW.toISOString());
    setSetting(db, 'alerts.channel', 'general', NOW.toISOString());
    setSetting(db, 'digest.time', '25:00', NOW.toISOString());
    expect(resolveTeamSettings(db, config)).toMatchObject({ alertChannel: 'C0ALERTS', timeZone: 'UTC', digestCron: '0 8 * * 1-5' });
    setSetting(db, 'alerts.stuck.ratio', 500, NOW.toISOString());
    expect(readModalNumbers(db, config).stuckMultiple).toBe(2);
  });

  it('digest time and cron: replaces minute and hour, keeps the days; complex schedules have no single time', () => {
    expect(cronAtTime('0 8 * * 1-5', '17:05')).toBe('5 17 * * 1-5');
    expect(cronAtTime('0 0 8 * * 1-5', '06:30')).toBe('30 6 * * 1-5');
    expect(digestTimeOfCron('0 8 * * 1-5')).toBe('08:00');
    expect(digestTimeOfCron('0 8,16 * * *')).toBeNull();
    expect(digestTimeOfCron('*/30 * * * *')).toBeNull();
  });
});

describe('the settings registry', () => {
  it('defines every setting once: unique keys, and every modal field names a setting of the table', () => {
    expect(new Set(SETTING_KEYS).size).toBe(SETTING_KEYS.length);
    for (const key of SETTING_KEYS) expect(settingDef(key).key).toBe(key);
    const names = MODAL_NUMBER_FIELDS.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    expect(MODAL_NUMBER_FIELDS.map((f) => f.key)).toEqual(['alerts.pipeline_drop.threshold', 'alerts.rep_inactive.hours', 'alerts.stuck.ratio', 'alerts.quiet_days']);
    // Operator-only settings have no modal field; every modal field can be changed by an admin.
    for (const key of SETTING_KEYS) expect(settingDef(key).modal === null).toBe(settingDef(key).changedBy === 'operator');
  });

  it("a modal field's typed bounds are its schema's bounds, converted (percent for the drop)", () => {
    const drop = MODAL_NUMBER_FIELDS.find((f) => f.name === 'dropPercent')!;
    expect([drop.min, drop.max, drop.exclusive]).toEqual([0, 100, true]);
    expect(SETTINGS['alerts.pipeline_drop.threshold'].schema.safeParse(drop.fromTyped(99.5)).success).toBe(true);
    expect(SETTINGS['alerts.pipeline_drop.threshold'].schema.safeParse(drop.fromTyped(100)).success).toBe(false);
  });

  it('resolves a saved value, ignores and logs an invalid one, and reads numbers stored as text', () => {
    expect(resolveSetting(db, config, 'alerts.stuck.min_sample')).toEqual({ value: 10, source: 'env' });
    setSetting(db, 'alerts.stuck.min_sample', '25', NOW.toISOString());
    expect(resolveSetting(db, config, 'alerts.stuck.min_sample')).toEqual({ value: 25, source: 'slack' });
    setSetting(db, 'alerts.stuck.min_sample', 2.5, NOW.toISOString());
    const lines: string[] = [];
    expect(resolveSetting(db, config, 'alerts.stuck.min_sample', (l) => lines.push(l))).toEqual({ value: 10, source: 'env' });
    expect(lines).toEqual([expect.stringMatching(/^ignoring setting alerts\.stuck\.min_sample=2\.5/)]);
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

describe('deal-event and visibility settings live in the registry', () => {
  const KEYS = ['deal_events.channel', 'deal_events.dm_owners', 'deal_events.kinds', 'deal_events.big_deal.amount', 'deal_events.big_deal.currency', 'visibility.scope', 'visibility.teams'] as const;

  it('are registered, admin-changed in the events modal, with their defaults', () => {
    for (const key of KEYS) {
      expect(SETTING_KEYS).toContain(key);
      expect(settingDef(key).changedBy).toBe('admin');
      expect(settingDef(key).modal?.section).toBe('events');
    }
    expect(readVisibility(db)).toEqual({ scope: 'all', teams: [] });
    const ev = readDealEventConfig(db, 'demo');
    expect([ev.channel, ev.dmOwners, [...ev.kinds], ev.bigDealAmount]).toEqual([null, false, [...DEAL_EVENT_KINDS], null]);
  });

  it('reads go through the resolver: a stored value that fails its schema is ignored, a valid one obeyed', () => {
    setSetting(db, 'visibility.scope', 'everyone', NOW.toISOString());
    setSetting(db, 'visibility.teams', [{ name: '', ownerIds: ['o1'] }], NOW.toISOString());
    setSetting(db, 'deal_events.big_deal.amount', -5, NOW.toISOString());
    setSetting(db, 'deal_events.kinds', ['won', 'nonsense'], NOW.toISOString());
    expect(readVisibility(db)).toEqual({ scope: 'all', teams: [] });
    expect(readDealEventConfig(db, 'demo').bigDealAmount).toBeNull();
    expect([...readDealEventConfig(db, 'demo').kinds]).toEqual([...DEAL_EVENT_KINDS]);
    setSetting(db, 'visibility.scope', 'own', NOW.toISOString());
    setSetting(db, 'visibility.teams', [{ name: '山田チーム', ownerIds: ['o1'] }], NOW.toISOString());
    expect(readVisibility(db)).toEqual({ scope: 'own', teams: [{ name: '山田チーム', ownerIds: ['o1'] }] });
  });

  it('writes are validated against the registry and audited; an invalid value saves nothing', () => {
    expect(() => saveRegisteredSettings(db, [['visibility.scope', 'team'], ['deal_events.big_deal.currency', 'euro']], 'U0ADMIN', NOW)).toThrow(/deal_events.big_deal.currency/);
    expect(storedSetting(db, 'visibility.scope')).toBeUndefined();
    expect(audit()).toEqual([]);
    const changed = saveRegisteredSettings(db, [['visibility.scope', 'team'], ['deal_events.channel', null], ['deal_events.big_deal.currency', 'JPY']], 'U0ADMIN', NOW);
    expect(changed).toEqual(['visibility.scope', 'deal_events.channel', 'deal_events.big_deal.currency']);
    expect(audit().map((a) => [a.userId, a.what, a.new])).toEqual([
      ['U0ADMIN', 'visibility.scope', '"team"'],
      ['U0ADMIN', 'deal_events.channel', 'null'],
      ['U0ADMIN', 'deal_events.big_deal.currency', '"JPY"'],
    ]);
    // Saving the same values again changes nothing and adds no audit row.
    expect(saveRegisteredSettings(db, [['visibility.scope', 'team'], ['deal_events.big_deal.currency', 'JPY']], 'U0ADMIN', NOW)).toEqual([]);
    expect(audit()).toHaveLength(3);
  });
});
