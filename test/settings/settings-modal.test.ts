/**
 * The settings modal as data: Block Kit shapes within Slack's limits (demo-like pipelines and a
 * 40-stage CRM), state read back into drafts, edits carried across pages, calibrated values
 * filled in, and validation problems placed next to the right field.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { ACTION_IDS, BLOCK_IDS } from '../../src/ids.js';
import { loadSettingsSnapshot, validateSettings, type SettingsSnapshot } from '../../src/settings/change.js';
import {
  STAGES_PER_PAGE,
  applyCalibrated,
  decodeMeta,
  errorsForView,
  initialGeneralDraft,
  packDrafts,
  readViewState,
  settingsModalView,
  stageMapBlockId,
  stageProbabilityBlockId,
  type CalibrationHints,
  type ModalMeta,
} from '../../src/views/settings-modal.js';
import { blockKitProblems } from '../helpers/block-kit-check.js';
import { tempDb } from '../helpers/db.js';
import { AT, seedManyStages, seedTwoPipelines } from './fixtures.js';
import { upsertStages } from '../../store/stages.js';
import { mapNewStages } from '../../store/stage-map.js';
import type { Db } from '../../store/db.js';

const HINTS: CalibrationHints = {
  Lead: { probability: 0.121, sample: 212, enough: true },
  Qualified: { probability: 0.34, sample: 150, enough: true },
  Proposal: { probability: 0.52, sample: 60, enough: true },
  Negotiation: { probability: 0.7, sample: 12, enough: false },
};

let db: Db;
let cleanup: () => void;
let config: Config;
beforeEach(() => {
  ({ db, cleanup } = tempDb());
  config = loadConfig({ envFile: null, env: { CRM: 'demo', DIGEST_CHANNEL: 'C0DIGEST', DIGEST_CRON: '30 7 * * 1-5', DEALCAST_TIMEZONE: 'Europe/Berlin' } });
});
afterEach(() => cleanup());

const meta = (p: string, extra: Partial<ModalMeta> = {}): ModalMeta => ({ v: 1, crm: 'demo', p, g: 0, r: 1, d: {}, ...extra });

function render(s: SettingsSnapshot, m: ModalMeta, hints: CalibrationHints | null = HINTS) {
  return settingsModalView({ snapshot: s, meta: m, drafts: new Map(), general: initialGeneralDraft(s), hints });
}

describe('modal shape', () => {
  it('two pipelines: valid Block Kit, one row pair per stage in CRM order, hints with CRM and calibrated values', () => {
    seedTwoPipelines(db);
    const s = loadSettingsSnapshot(db, 'demo', config);
    for (const p of s.pipelines) {
      const view = render(s, meta(p.id));
      expect(blockKitProblems(view)).toEqual([]);
      const rows = view.blocks.filter((b) => b.block_id?.startsWith(BLOCK_IDS.settingsStageProbabilityPrefix));
      expect(rows.map((b) => b.block_id)).toEqual(s.stages.filter((x) => x.pipelineId === p.id).map((x) => stageProbabilityBlockId(1, x.stageId)));
    }
    const view = render(s, meta('sales'));
    const pipelineBlock = view.blocks.find((b) => b.block_id === BLOCK_IDS.settingsPipeline) as any;
    expect(pipelineBlock.type).toBe('input');
    expect(pipelineBlock.dispatch_action).toBe(true);
    expect(pipelineBlock.element.initial_option).toEqual(pipelineBlock.element.options[0]);
    const qualified = view.blocks.find((b) => b.block_id === stageProbabilityBlockId(1, 'sales-1')) as any;
    expect(qualified.label.text).toContain('Qualified to buy');
    expect(qualified.hint.text).toBe('CRM 40% · history 34% (n=150) for Qualified');
    const negotiation = view.blocks.find((b) => b.block_id === stageProbabilityBlockId(1, 'sales-4')) as any;
    expect(negotiation.hint.text).toBe('CRM 90% · history too thin for Negotiation (n=12), CRM value used');
    const won = view.blocks.find((b) => b.block_id === stageMapBlockId(1, 'sales-won')) as any;
    expect(won.elements[0].initial_option.value).toBe('Closed Won');
    // Channels and schedule come from the environment until saved in Slack.
    const digest = view.blocks.find((b) => b.block_id === BLOCK_IDS.settingsDigestChannel) as any;
    expect(digest.element.initial_conversation).toBe('C0DIGEST');
    const time = view.blocks.find((b) => b.block_id === BLOCK_IDS.settingsDigestTime) as any;
    expect(time.element.initial_time).toBe('07:30');
    const tz = view.blocks.find((b) => b.block_id === BLOCK_IDS.settingsTimeZone) as any;
    expect(tz.element.initial_value).toBe('Europe/Berlin');
  });

  it('40 stages: pages of STAGES_PER_PAGE under the 100-block limit, long names clipped, all within limits', () => {
    seedManyStages(db, 40);
    const s = loadSettingsSnapshot(db, 'demo', config);
    expect(s.stages).toHaveLength(42);
    const first = render(s, meta('big'));
    const second = render(s, meta('big', { g: 1 }));
    for (const v of [first, second]) {
      expect(blockKitProblems(v)).toEqual([]);
      expect(v.blocks.length).toBeLessThanOrEqual(100);
    }
    const ids = (v: typeof first) => v.blocks.filter((b) => b.block_id?.startsWith(BLOCK_IDS.settingsStageProbabilityPrefix)).length;
    expect(ids(first)).toBe(STAGES_PER_PAGE);
    expect(ids(second)).toBe(42 - STAGES_PER_PAGE);
    const tools = (v: typeof first) => (v.blocks.find((b) => b.block_id === BLOCK_IDS.settingsTools) as any).elements.map((e: any) => e.text.text);
    expect(tools(first)).toEqual(['Use calibrated probabilities', 'Stages 31–42 ▶']);
    expect(tools(second)).toEqual(['Use calibrated probabilities', '◀ Stages 1–30']);
    // A 2,800-character stage name is clipped in its label.
    const long = first.blocks.find((b) => b.block_id === stageProbabilityBlockId(1, 'big-stage-03')) as any;
    expect(long.label.text.length).toBeLessThan(200);
    expect(long.label.text).toMatch(/^4\. Step 4: .*… · win %$/);
  });

  it('a very long CRM stage id still makes a valid block_id that reads back', () => {
    seedTwoPipelines(db);
    const longId = `sales-${'x'.repeat(300)}`;
    upsertStages(db, 'demo', [{ id: longId, pipelineId: 'sales', name: 'Long id', position: 9, probability: 0.5, isClosed: false, isWon: false }], AT);
    mapNewStages(db, 'demo', AT, false);
    const s = loadSettingsSnapshot(db, 'demo', config);
    const m = meta('sales');
    const v = render(s, m);
    expect(blockKitProblems(v)).toEqual([]);
    const blockId = stageProbabilityBlockId(1, longId);
    expect(blockId.length).toBeLessThanOrEqual(255);
    const st = readViewState(s, m, { [blockId]: { [ACTION_IDS.settingsStageProbability]: { type: 'plain_text_input', value: '42' } } }, initialGeneralDraft(s));
    expect(st.drafts.get(longId)!.probability).toBe('42');
  });

  it('highlights stages that need review and says where the others are', () => {
    seedTwoPipelines(db);
    db.prepare("UPDATE stage_map SET needs_review = 1 WHERE stage_id IN ('sales-2', 'partners-0')").run();
    const s = loadSettingsSnapshot(db, 'demo', config);
    const v = render(s, meta('sales'));
    const review = v.blocks.find((b) => b.block_id === BLOCK_IDS.settingsReview) as any;
    expect(review.elements[0].text).toContain('2 stages need review');
    expect(review.elements[0].text).toContain('also in Partner deals');
    const flagged = v.blocks.find((b) => b.block_id === stageProbabilityBlockId(1, 'sales-2')) as any;
    expect(flagged.label.text.startsWith(':warning: Review:')).toBe(true);
    const plainRow = v.blocks.find((b) => b.block_id === stageProbabilityBlockId(1, 'sales-1')) as any;
    expect(plainRow.label.text).not.toContain('Review');
  });
});

describe('state, drafts and pages', () => {
  it('reads the shown page back, and carries edits of other pages in private_metadata', () => {
    seedManyStages(db, 40);
    const s = loadSettingsSnapshot(db, 'demo', config);
    const m = meta('big');
    const v = render(s, m);
    const values: Record<string, Record<string, any>> = {};
    for (const b of v.blocks as any[]) {
      if (b.type === 'input') values[b.block_id] = { [b.element.action_id]: { type: b.element.type, value: b.element.initial_value ?? null, selected_option: b.element.initial_option ?? null, selected_time: b.element.initial_time ?? null, selected_conversation: b.element.initial_conversation ?? null } };
      if (b.type === 'actions' && b.block_id.startsWith(BLOCK_IDS.settingsStageMapPrefix)) {
        values[b.block_id] = {
          [ACTION_IDS.settingsStageCanonical]: { type: 'static_select', selected_option: b.elements[0].initial_option },
          [ACTION_IDS.settingsStageIncluded]: { type: 'checkboxes', selected_options: b.elements[1].initial_options ?? [] },
        };
      }
    }
    values[stageProbabilityBlockId(1, 'big-stage-05')]![ACTION_IDS.settingsStageProbability].value = '33';
    values[stageMapBlockId(1, 'big-stage-06')]![ACTION_IDS.settingsStageCanonical].selected_option = { text: { type: 'plain_text', text: 'Proposal', emoji: true }, value: 'Proposal' };
    values[stageMapBlockId(1, 'big-stage-07')]![ACTION_IDS.settingsStageIncluded].selected_options = [];
    const st = readViewState(s, m, values, initialGeneralDraft(s));
    expect(st.drafts.get('big-stage-05')).toEqual({ canonical: expect.any(String), probability: '33', included: true });
    expect(st.drafts.get('big-stage-06')!.canonical).toBe('Proposal');
    expect(st.drafts.get('big-stage-07')!.included).toBe(false);
    expect(st.general.timeZone).toBe('Europe/Berlin');
    // Going to page 2: page 1's edits travel in the metadata, only those that differ from the store.
    const packed = packDrafts(s, st.drafts);
    expect(Object.keys(packed).sort()).toEqual(['big-stage-05', 'big-stage-06', 'big-stage-07']);
    const page2 = settingsModalView({ snapshot: s, meta: { ...m, g: 1, r: 2, d: packed }, drafts: st.drafts, general: st.general, hints: HINTS });
    const back = decodeMeta(page2.private_metadata)!;
    expect(back.d['big-stage-05']).toEqual([expect.any(Number), '33', 1]);
    // On page 2 the state holds only page-2 rows; page-1 edits come from the metadata.
    const st2 = readViewState(s, back, {}, st.general);
    expect(st2.drafts.get('big-stage-05')!.probability).toBe('33');
  });

  it('"Use calibrated probabilities" fills open stages whose sample is large enough and keeps the rest', () => {
    seedTwoPipelines(db);
    const s = loadSettingsSnapshot(db, 'demo', config);
    const r = applyCalibrated(s, 'sales', new Map(), HINTS);
    // Lead/Qualified/Proposal have enough history; Negotiation (n=12) does not; won/lost untouched.
    const filled = [...r.drafts].map(([id, d]) => [id, d.probability]);
    expect(r.filled).toBe(r.drafts.size);
    expect(r.kept).toBeGreaterThan(0);
    for (const [id, p] of filled) {
      const stage = s.stages.find((x) => x.stageId === id)!;
      expect(['Lead', 'Qualified', 'Proposal']).toContain(stage.canonical);
      expect(p).toBe(String(Math.round(HINTS[stage.canonical as 'Lead']!.probability * 100)));
    }
    expect(r.drafts.has('sales-won')).toBe(false);
    expect(applyCalibrated(s, 'sales', new Map(), null).filled).toBe(0);
  });
});

describe('validation', () => {
  it('puts each problem next to its field; nothing valid is returned when anything is wrong', () => {
    seedTwoPipelines(db);
    const s = loadSettingsSnapshot(db, 'demo', config);
    const drafts = new Map([
      ['sales-0', { canonical: 'Lead' as const, probability: '150', included: true }],
      ['sales-1', { canonical: 'Qualified' as const, probability: 'abc', included: true }],
      ['sales-won', { canonical: 'Closed Won' as const, probability: '90', included: true }],
      ['sales-lost', { canonical: 'Closed Lost' as const, probability: '5', included: true }],
      ['partners-2', { canonical: 'Proposal' as const, probability: '-1', included: true }],
    ]);
    const general = { ...initialGeneralDraft(s), timeZone: 'Mars/Olympus', thresholds: { ...initialGeneralDraft(s).thresholds, dropPercent: '0', stuckMultiple: '50' } };
    const r = validateSettings(s, drafts, general);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const errors = errorsForView(s, meta('sales'), r.problems);
    expect(errors[stageProbabilityBlockId(1, 'sales-0')]).toMatch(/0 to 100/);
    expect(errors[stageProbabilityBlockId(1, 'sales-1')]).toMatch(/number from 0 to 100/);
    expect(errors[stageProbabilityBlockId(1, 'sales-won')]).toMatch(/Closed Won.*100/);
    expect(errors[stageProbabilityBlockId(1, 'sales-lost')]).toMatch(/Closed Lost.*0/);
    // A stage of the other pipeline is named at the pipeline select.
    expect(errors[BLOCK_IDS.settingsPipeline]).toMatch(/Partner deals › Presentation scheduled: /);
    expect(errors[BLOCK_IDS.settingsTimeZone]).toMatch(/IANA/);
    expect(errors[`${BLOCK_IDS.settingsThresholdPrefix}dropPercent`]).toMatch(/above 0 and below 100/);
    expect(errors[`${BLOCK_IDS.settingsThresholdPrefix}stuckMultiple`]).toMatch(/from 1 to 20/);
  });

  it('every pipeline keeps an open stage in reports; won at 100 and lost at 0 are fine; blank means automatic', () => {
    seedTwoPipelines(db);
    const s = loadSettingsSnapshot(db, 'demo', config);
    const none = new Map(s.stages.filter((x) => x.pipelineId === 'partners').map((x) => [x.stageId, { canonical: x.canonical, probability: '', included: x.isClosed }]));
    const r = validateSettings(s, none, initialGeneralDraft(s));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toEqual([{ field: { kind: 'pipeline', pipelineId: 'partners' }, message: expect.stringContaining('Partner deals: include at least one open stage') }]);
    const good = new Map([
      ['sales-won', { canonical: 'Closed Won' as const, probability: '100', included: true }],
      ['sales-lost', { canonical: 'Closed Lost' as const, probability: '0%', included: true }],
      ['sales-2', { canonical: 'Proposal' as const, probability: ' 45.5 ', included: true }],
      ['sales-3', { canonical: 'Negotiation' as const, probability: '', included: true }],
    ]);
    const ok = validateSettings(s, good, initialGeneralDraft(s));
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    const byId = new Map(ok.change.stages.map((u) => [u.stageId, u]));
    expect(byId.get('sales-won')!.winProbability).toBe(1);
    expect(byId.get('sales-lost')!.winProbability).toBe(0);
    expect(byId.get('sales-2')!.winProbability).toBeCloseTo(0.455, 10);
    expect(byId.get('sales-3')!.winProbability).toBeNull();
    expect(ok.change.general.thresholds['alerts.pipeline_drop.threshold' as never]).toBeUndefined();
    expect(ok.change.general.thresholds.dropPercent).toBe(0.2);
  });
});
