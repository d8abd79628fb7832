/**
 * The admin settings modal (/dealcast settings), as pure data: the Block Kit view for one
 * pipeline's page of stages plus channels, schedule and alert thresholds; reading a submitted or
 * acted-on view's state back into drafts; and turning problems into `response_action: errors`
 * keyed by block_id.
 *
 * Layout within Slack's limits (100 blocks per modal): each CRM stage takes two blocks — an
 * input (win probability in percent, hint "CRM 60% · history 34% (n=212)") and an actions row
 * (canonical stage select + "included in reports" checkbox) — and a pipeline's stages are shown
 * STAGES_PER_PAGE at a time with previous/next buttons. Edits on other pages and pipelines travel
 * in private_metadata (only what differs from what is stored), so switching loses nothing.
 *
 * Stage rows carry a render revision in their block_id: Slack keeps what a user typed into an
 * input whose block_id is unchanged by views.update and ignores the new initial_value, so
 * "Use calibrated probabilities" and page switches render under fresh block_ids.
 */
import { createHash } from 'node:crypto';
import type { types } from '@slack/bolt';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../ids.js';
import { CANONICAL_STAGES, OPEN_CANONICAL_STAGES, isCanonicalStage, type CanonicalStage } from '../model/canonical-stages.js';
import { SLACK_LIMITS } from '../delivery/slack.js';
import {
  generalDraftOf,
  percentText,
  sameStageDraft,
  stageDraftOf,
  type GeneralDraft,
  type SettingsProblem,
  type SettingsSnapshot,
  type StageDraft,
  type StageSetting,
} from '../settings/change.js';
import { ALERT_THRESHOLDS, ALERT_THRESHOLD_NAMES, type AlertThresholdName } from '../settings/team.js';

type View = types.ModalView;
type KnownBlock = types.KnownBlock;
type PlainTextOption = types.PlainTextOption;

/** Slack's limits on modal elements (docs.slack.dev/reference/block-kit). */
export const MODAL_LIMITS = {
  blocks: SLACK_LIMITS.blocksPerView,
  inputLabelChars: 2000,
  hintChars: 2000,
  placeholderChars: 150,
  optionTextChars: 75,
  optionValueChars: 150,
  selectOptions: 100,
  buttonTextChars: 75,
  actionsElements: 25,
  privateMetadataChars: SLACK_LIMITS.viewPrivateMetadataChars,
  blockIdChars: SLACK_LIMITS.blockIdChars,
} as const;

/** Stages per page: 2 blocks each, leaving room for the ~20 other blocks under the 100 limit. */
export const STAGES_PER_PAGE = 30;

/** Calibration for one open canonical stage of the shown pipeline (admin overrides left out). */
export interface StageCalibration {
  /** Calibrated probability (0..1). */
  probability: number;
  /** Closed deals behind it. */
  sample: number;
  /** Sample large enough to trust (what "Use calibrated probabilities" fills in). */
  enough: boolean;
}
export type CalibrationHints = Partial<Record<CanonicalStage, StageCalibration>>;

/** What the modal carries between renders (private_metadata). */
export interface ModalMeta {
  v: 1;
  crm: string;
  /** Shown pipeline id. */
  p: string;
  /** Page of its stages (0-based). */
  g: number;
  /** Render revision (in stage rows' block_ids). */
  r: number;
  /** Stage drafts that differ from what is stored: [canonical index, probability text, included 0/1]. */
  d: Record<string, [number, string, 0 | 1]>;
  /** The newest settings_audit id when the modal opened (0 = none): a newer one means someone else saved since. */
  a?: number;
}

export function encodeMeta(m: ModalMeta): string {
  return JSON.stringify(m);
}

export function decodeMeta(s: string | undefined): ModalMeta | null {
  if (!s) return null;
  try {
    const m = JSON.parse(s) as ModalMeta;
    if (m?.v !== 1 || typeof m.crm !== 'string' || typeof m.p !== 'string' || typeof m.g !== 'number' || typeof m.r !== 'number' || typeof m.d !== 'object' || m.d === null) {
      return null;
    }
    return m;
  } catch {
    return null;
  }
}

/** Drafts carried in the metadata, as a map. Malformed entries are dropped. */
export function metaDrafts(m: ModalMeta): Map<string, StageDraft> {
  const out = new Map<string, StageDraft>();
  for (const [id, v] of Object.entries(m.d)) {
    if (!Array.isArray(v) || v.length !== 3) continue;
    const canonical = CANONICAL_STAGES[v[0]];
    if (!canonical) continue;
    out.set(id, { canonical, probability: String(v[1]), included: v[2] === 1 });
  }
  return out;
}

/** Keeps only the drafts that differ from the snapshot, in metadata form. */
export function packDrafts(snapshot: SettingsSnapshot, drafts: ReadonlyMap<string, StageDraft>): ModalMeta['d'] {
  const byId = new Map(snapshot.stages.map((s) => [s.stageId, s]));
  const out: ModalMeta['d'] = {};
  for (const [id, d] of drafts) {
    const s = byId.get(id);
    if (!s || sameStageDraft(d, stageDraftOf(s))) continue;
    out[id] = [CANONICAL_STAGES.indexOf(d.canonical), d.probability.trim(), d.included ? 1 : 0];
  }
  return out;
}

/** A stage id as it goes into a block_id (at most 255 characters): itself, or a digest of a very long one. */
const stageKey = (stageId: string) => (stageId.length <= 200 ? stageId : createHash('sha256').update(stageId).digest('hex').slice(0, 32));
export const stageProbabilityBlockId = (rev: number, stageId: string) => `${BLOCK_IDS.settingsStageProbabilityPrefix}${rev}_${stageKey(stageId)}`;
export const stageMapBlockId = (rev: number, stageId: string) => `${BLOCK_IDS.settingsStageMapPrefix}${rev}_${stageKey(stageId)}`;
export const thresholdBlockId = (name: AlertThresholdName) => `${BLOCK_IDS.settingsThresholdPrefix}${name}`;

const GENERAL_BLOCKS = {
  digestChannel: BLOCK_IDS.settingsDigestChannel,
  alertChannel: BLOCK_IDS.settingsAlertChannel,
  timeZone: BLOCK_IDS.settingsTimeZone,
  digestTime: BLOCK_IDS.settingsDigestTime,
} as const;

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

const plain = (text: string, max = 3000): types.PlainTextElement => ({ type: 'plain_text', text: clip(text, max), emoji: true });
const pct = (p: number) => `${Math.round(p * 1000) / 10}%`;
/** Whole percent, as "Use calibrated probabilities" fills it in. */
const pct0 = (p: number) => `${Math.round(p * 100)}%`;
/** Stage names in labels (a CRM may allow very long ones). */
const STAGE_NAME_CHARS = 150;

export function pipelineStages(snapshot: SettingsSnapshot, pipelineId: string): StageSetting[] {
  return snapshot.stages.filter((s) => s.pipelineId === pipelineId);
}

export function pageCount(stageCount: number): number {
  return Math.max(1, Math.ceil(stageCount / STAGES_PER_PAGE));
}

/** The stages on page `page` of `pipelineId`. */
export function pageStages(snapshot: SettingsSnapshot, pipelineId: string, page: number): StageSetting[] {
  const all = pipelineStages(snapshot, pipelineId);
  const g = Math.min(Math.max(0, page), pageCount(all.length) - 1);
  return all.slice(g * STAGES_PER_PAGE, (g + 1) * STAGES_PER_PAGE);
}

/** "CRM 60% · history 34% (n=212)" for a stage, given its (draft) canonical stage. */
export function stageHint(s: StageSetting, canonical: CanonicalStage, hints: CalibrationHints | null): string {
  const crm = `CRM ${s.crmProbability === null ? 'none' : pct(s.crmProbability)}`;
  if (canonical === 'Closed Won') return `${crm} · won: 100% (leave blank or enter 100)`;
  if (canonical === 'Closed Lost') return `${crm} · lost: 0% (leave blank or enter 0)`;
  const c = hints?.[canonical];
  if (!hints) return `${crm} · history not available`;
  if (!c || c.sample === 0) return `${crm} · history: no closed ${canonical} deals yet (n=0)`;
  // Calibration is per canonical stage: say which, since two CRM stages can share one.
  return c.enough
    ? `${crm} · history ${pct0(c.probability)} (n=${c.sample}) for ${canonical}`
    : `${crm} · history too thin for ${canonical} (n=${c.sample}), CRM value used`;
}

const canonicalOption = (c: CanonicalStage): PlainTextOption => ({ text: plain(c, MODAL_LIMITS.optionTextChars), value: c });
const INCLUDED_OPTION: PlainTextOption = { text: plain('Included in reports', MODAL_LIMITS.optionTextChars), value: 'included' };

function pipelineOption(p: { id: string; name: string }): PlainTextOption {
  return { text: plain(p.name, MODAL_LIMITS.optionTextChars), value: p.id };
}

export interface ModalInput {
  snapshot: SettingsSnapshot;
  meta: ModalMeta;
  /** Current drafts for every stage that differs from the snapshot (others show stored values). */
  drafts: ReadonlyMap<string, StageDraft>;
  general: GeneralDraft;
  /** Calibration of the shown pipeline; null when it could not be computed. */
  hints: CalibrationHints | null;
  /** One line shown above the stages (what the last action did). */
  notice?: string;
}

/** The modal for `input.meta.p`, page `input.meta.g`. */
export function settingsModalView(input: ModalInput): View {
  const { snapshot, meta, drafts, general, hints } = input;
  const pipelines = snapshot.pipelines.slice(0, MODAL_LIMITS.selectOptions);
  const shown = pipelines.find((p) => p.id === meta.p) ?? pipelines[0];
  const stages = shown ? pipelineStages(snapshot, shown.id) : [];
  const pages = pageCount(stages.length);
  const page = Math.min(Math.max(0, meta.g), pages - 1);
  const onPage = stages.slice(page * STAGES_PER_PAGE, (page + 1) * STAGES_PER_PAGE);
  const blocks: KnownBlock[] = [];

  blocks.push({
    type: 'section',
    block_id: BLOCK_IDS.settingsIntro,
    text: {
      type: 'mrkdwn',
      text: `*Stage mapping* (${snapshot.crm}): map each CRM stage to a canonical stage, set its win probability, and choose whether it counts in reports. Leave a probability blank to use the calibrated value (from your won/lost history, else the CRM's).`,
    },
  });
  if (shown) {
    const pipelineOpts = pipelines.map(pipelineOption);
    blocks.push({
      type: 'input',
      block_id: BLOCK_IDS.settingsPipeline,
      dispatch_action: true,
      label: plain('Pipeline', MODAL_LIMITS.inputLabelChars),
      element: {
        type: 'static_select',
        action_id: ACTION_IDS.settingsPipelineSelect,
        options: pipelineOpts,
        initial_option: pipelineOpts.find((o) => o.value === shown.id),
      },
      hint: plain(`${stages.length} stage${stages.length === 1 ? '' : 's'} in CRM order${pages > 1 ? ` · page ${page + 1} of ${pages}` : ''}`, MODAL_LIMITS.hintChars),
    });
  }
  const review = snapshot.stages.filter((s) => s.needsReview);
  if (review.length) {
    const here = review.filter((s) => s.pipelineId === shown?.id).length;
    const names = new Map(snapshot.pipelines.map((p) => [p.id, p.name]));
    const elsewhere = [...new Set(review.filter((s) => s.pipelineId !== shown?.id).map((s) => names.get(s.pipelineId) ?? s.pipelineId))];
    blocks.push({
      type: 'context',
      block_id: BLOCK_IDS.settingsReview,
      elements: [
        {
          type: 'mrkdwn',
          text: clip(
            `:warning: *${review.length} stage${review.length === 1 ? '' : 's'} need${review.length === 1 ? 's' : ''} review* (new since the first sync, mapped automatically)${here ? `: ${here} marked :warning: below` : ''}${elsewhere.length ? `; also in ${elsewhere.join(', ')}` : ''}. Saving clears the flag.`,
            SLACK_LIMITS.sectionTextChars,
          ),
        },
      ],
    });
  }
  if (input.notice) {
    blocks.push({ type: 'context', block_id: BLOCK_IDS.settingsNotice, elements: [{ type: 'mrkdwn', text: clip(input.notice, SLACK_LIMITS.sectionTextChars) }] });
  }
  const tools: types.Button[] = [];
  if (stages.some((s) => !s.isClosed)) {
    tools.push({ type: 'button', action_id: ACTION_IDS.settingsUseCalibrated, text: plain('Use calibrated probabilities', MODAL_LIMITS.buttonTextChars), value: shown!.id });
  }
  if (page > 0) {
    const from = (page - 1) * STAGES_PER_PAGE + 1;
    tools.push({ type: 'button', action_id: `${ACTION_IDS.settingsStagePage}_prev`, text: plain(`◀ Stages ${from}–${from + STAGES_PER_PAGE - 1}`, MODAL_LIMITS.buttonTextChars), value: String(page - 1) });
  }
  if (page < pages - 1) {
    const from = (page + 1) * STAGES_PER_PAGE + 1;
    const to = Math.min(stages.length, from + STAGES_PER_PAGE - 1);
    tools.push({ type: 'button', action_id: `${ACTION_IDS.settingsStagePage}_next`, text: plain(`Stages ${from}–${to} ▶`, MODAL_LIMITS.buttonTextChars), value: String(page + 1) });
  }
  if (tools.length) blocks.push({ type: 'actions', block_id: BLOCK_IDS.settingsTools, elements: tools });

  const canonicalOpts = CANONICAL_STAGES.map(canonicalOption);
  for (const [i, s] of onPage.entries()) {
    const d = drafts.get(s.stageId) ?? stageDraftOf(s);
    const n = page * STAGES_PER_PAGE + i + 1;
    const label = `${s.needsReview ? ':warning: Review: ' : ''}${n}. ${clip(s.name, STAGE_NAME_CHARS)}${s.isClosed ? (s.isWon ? ' (won in CRM)' : ' (lost in CRM)') : ''} · win %`;
    const auto = autoProbability(s, d.canonical, hints);
    blocks.push({
      type: 'input',
      block_id: stageProbabilityBlockId(meta.r, s.stageId),
      optional: true,
      label: plain(label, MODAL_LIMITS.inputLabelChars),
      element: {
        type: 'plain_text_input',
        action_id: ACTION_IDS.settingsStageProbability,
        max_length: 6,
        ...(d.probability.trim() ? { initial_value: d.probability.trim() } : {}),
        placeholder: plain(`blank = automatic (${auto})`, MODAL_LIMITS.placeholderChars),
      },
      hint: plain(stageHint(s, d.canonical, hints), MODAL_LIMITS.hintChars),
    });
    blocks.push({
      type: 'actions',
      block_id: stageMapBlockId(meta.r, s.stageId),
      elements: [
        {
          type: 'static_select',
          action_id: ACTION_IDS.settingsStageCanonical,
          placeholder: plain('Canonical stage', MODAL_LIMITS.placeholderChars),
          options: canonicalOpts,
          initial_option: canonicalOpts.find((o) => o.value === d.canonical),
        },
        {
          type: 'checkboxes',
          action_id: ACTION_IDS.settingsStageIncluded,
          options: [INCLUDED_OPTION],
          ...(d.included ? { initial_options: [INCLUDED_OPTION] } : {}),
        },
      ],
    });
  }

  blocks.push({ type: 'header', block_id: BLOCK_IDS.settingsChannelsHeader, text: plain('Channels and schedule', SLACK_LIMITS.headerChars) });
  blocks.push(channelInput(GENERAL_BLOCKS.digestChannel, 'Digest channel', general.digestChannel, 'The daily digest is posted here. Invite @dealcast to the channel.'));
  blocks.push(channelInput(GENERAL_BLOCKS.alertChannel, 'Alert channel', general.alertChannel, 'Pipeline drops, inactive reps and stuck deals are posted here, threaded.'));
  blocks.push({
    type: 'input',
    block_id: GENERAL_BLOCKS.timeZone,
    label: plain('Time zone', MODAL_LIMITS.inputLabelChars),
    element: {
      type: 'plain_text_input',
      action_id: ACTION_IDS.settingsField,
      max_length: 64,
      ...(general.timeZone ? { initial_value: general.timeZone } : {}),
      placeholder: plain('e.g. Europe/Berlin', MODAL_LIMITS.placeholderChars),
    },
    hint: plain('IANA name. The digest time, "today" and the daily snapshots follow it.', MODAL_LIMITS.hintChars),
  });
  blocks.push({
    type: 'input',
    block_id: GENERAL_BLOCKS.digestTime,
    optional: true,
    label: plain('Digest time', MODAL_LIMITS.inputLabelChars),
    element: { type: 'timepicker', action_id: ACTION_IDS.settingsField, ...(general.digestTime ? { initial_time: general.digestTime } : {}) },
    hint: plain('In the time zone above, on the days DIGEST_CRON names (weekdays by default).', MODAL_LIMITS.hintChars),
  });
  blocks.push({ type: 'header', block_id: BLOCK_IDS.settingsThresholdsHeader, text: plain('Alert thresholds', SLACK_LIMITS.headerChars) });
  for (const name of ALERT_THRESHOLD_NAMES) {
    const def = ALERT_THRESHOLDS[name];
    const v = general.thresholds[name];
    blocks.push({
      type: 'input',
      block_id: thresholdBlockId(name),
      label: plain(def.label, MODAL_LIMITS.inputLabelChars),
      element: {
        type: 'number_input',
        action_id: ACTION_IDS.settingsField,
        is_decimal_allowed: !def.integer,
        ...(v.trim() ? { initial_value: v.trim() } : {}),
        min_value: String(def.min),
        max_value: String(def.max),
      },
      hint: plain(def.hint, MODAL_LIMITS.hintChars),
    });
  }
  blocks.push({
    type: 'context',
    block_id: BLOCK_IDS.settingsFooter,
    elements: [{ type: 'mrkdwn', text: 'Saved values win over the .env defaults (DIGEST_CHANNEL, ALERT_CHANNEL, DEALCAST_TIMEZONE, DIGEST_CRON). Every change is audited.' }],
  });

  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.settingsModal,
    title: plain('dealcast settings', SLACK_LIMITS.viewTitleChars),
    submit: plain('Save', SLACK_LIMITS.viewTitleChars),
    close: plain('Cancel', SLACK_LIMITS.viewTitleChars),
    private_metadata: encodeMeta({ ...meta, p: shown?.id ?? meta.p, g: page }),
    blocks,
  };
}

function channelInput(blockId: string, label: string, channel: string | null, hint: string): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional: true,
    label: plain(label, MODAL_LIMITS.inputLabelChars),
    element: {
      type: 'conversations_select',
      action_id: ACTION_IDS.settingsField,
      placeholder: plain('Choose a channel', MODAL_LIMITS.placeholderChars),
      filter: { include: ['public', 'private'], exclude_bot_users: true, exclude_external_shared_channels: true },
      // Only an id can be preselected (DIGEST_CHANNEL=#sales cannot).
      ...(channel && /^[CGD][A-Z0-9]+$/.test(channel) ? { initial_conversation: channel } : {}),
    },
    hint: plain(hint, MODAL_LIMITS.hintChars),
  };
}

/** What a blank probability means for this stage right now (for the placeholder). */
function autoProbability(s: StageSetting, canonical: CanonicalStage, hints: CalibrationHints | null): string {
  if (canonical === 'Closed Won') return '100%';
  if (canonical === 'Closed Lost') return '0%';
  const c = hints?.[canonical];
  if (c?.enough) return pct0(c.probability);
  if (s.crmProbability !== null) return pct(s.crmProbability);
  return c ? pct(c.probability) : 'calibrated';
}

/** A view_submission / block_actions view.state.values. */
export type ViewStateValues = Record<string, Record<string, ViewStateValue>>;
export interface ViewStateValue {
  type?: string;
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_options?: { value: string }[];
  selected_conversation?: string | null;
  selected_time?: string | null;
}

/** What the view's state says: the shown page's stage drafts (merged over `drafts`) and the general draft. */
export function readViewState(
  snapshot: SettingsSnapshot,
  meta: ModalMeta,
  values: ViewStateValues,
  fallbackGeneral: GeneralDraft,
): { drafts: Map<string, StageDraft>; general: GeneralDraft; selectedPipeline: string | null } {
  const drafts = metaDrafts(meta);
  for (const s of pageStages(snapshot, meta.p, meta.g)) {
    const p = values[stageProbabilityBlockId(meta.r, s.stageId)]?.[ACTION_IDS.settingsStageProbability];
    const m = values[stageMapBlockId(meta.r, s.stageId)];
    if (!p && !m) continue; // not rendered in this view (the stage arrived after it opened)
    const before = drafts.get(s.stageId) ?? stageDraftOf(s);
    const sel = m?.[ACTION_IDS.settingsStageCanonical]?.selected_option?.value;
    const inc = m?.[ACTION_IDS.settingsStageIncluded];
    drafts.set(s.stageId, {
      canonical: sel && isCanonicalStage(sel) ? sel : before.canonical,
      probability: p ? (p.value ?? '') : before.probability,
      // Slack omits an untouched checkbox group's selection only when it has no initial options; trust what is there.
      included: inc ? (inc.selected_options ?? []).some((o) => o.value === INCLUDED_OPTION.value) : before.included,
    });
  }
  const field = (blockId: string) => values[blockId]?.[ACTION_IDS.settingsField];
  const thresholds = { ...fallbackGeneral.thresholds };
  for (const name of ALERT_THRESHOLD_NAMES) {
    const v = field(thresholdBlockId(name));
    if (v) thresholds[name] = v.value ?? '';
  }
  const dc = field(GENERAL_BLOCKS.digestChannel);
  const ac = field(GENERAL_BLOCKS.alertChannel);
  const tz = field(GENERAL_BLOCKS.timeZone);
  const dt = field(GENERAL_BLOCKS.digestTime);
  return {
    drafts,
    general: {
      digestChannel: dc ? (dc.selected_conversation ?? null) : fallbackGeneral.digestChannel,
      alertChannel: ac ? (ac.selected_conversation ?? null) : fallbackGeneral.alertChannel,
      timeZone: tz ? (tz.value ?? '') : fallbackGeneral.timeZone,
      digestTime: dt ? (dt.selected_time ?? null) : fallbackGeneral.digestTime,
      thresholds,
    },
    selectedPipeline: values[BLOCK_IDS.settingsPipeline]?.[ACTION_IDS.settingsPipelineSelect]?.selected_option?.value ?? null,
  };
}

/** Fills in calibrated probabilities (where the sample is large enough) for every open stage of `pipelineId`. */
export function applyCalibrated(
  snapshot: SettingsSnapshot,
  pipelineId: string,
  drafts: ReadonlyMap<string, StageDraft>,
  hints: CalibrationHints | null,
): { drafts: Map<string, StageDraft>; filled: number; kept: number } {
  const out = new Map(drafts);
  let filled = 0;
  let kept = 0;
  for (const s of pipelineStages(snapshot, pipelineId)) {
    const d = out.get(s.stageId) ?? stageDraftOf(s);
    if (!(OPEN_CANONICAL_STAGES as readonly string[]).includes(d.canonical)) continue;
    const c = hints?.[d.canonical];
    if (!c?.enough) {
      kept++;
      continue;
    }
    out.set(s.stageId, { ...d, probability: percentText(Math.round(c.probability * 100) / 100) });
    filled++;
  }
  return { drafts: out, filled, kept };
}

/** `response_action: errors` for problems: keyed by block_id of an input in the shown view. */
export function errorsForView(snapshot: SettingsSnapshot, meta: ModalMeta, problems: SettingsProblem[]): Record<string, string> {
  const errors: Record<string, string> = {};
  const add = (blockId: string, msg: string) => {
    errors[blockId] = clip(errors[blockId] ? `${errors[blockId]} ${msg}` : msg, 2000);
  };
  const onPage = new Set(pageStages(snapshot, meta.p, meta.g).map((s) => s.stageId));
  const byId = new Map(snapshot.stages.map((s) => [s.stageId, s]));
  const names = new Map(snapshot.pipelines.map((p) => [p.id, p.name]));
  for (const pr of problems) {
    const f = pr.field;
    if (f.kind === 'stage') {
      if (onPage.has(f.stageId)) add(stageProbabilityBlockId(meta.r, f.stageId), pr.message);
      else {
        const s = byId.get(f.stageId);
        const where = s ? `${names.get(s.pipelineId) ?? s.pipelineId} › ${s.name}` : f.stageId;
        add(BLOCK_IDS.settingsPipeline, `${where}: ${pr.message}`);
      }
    } else if (f.kind === 'pipeline') add(BLOCK_IDS.settingsPipeline, pr.message);
    else if (f.name in GENERAL_BLOCKS) add(GENERAL_BLOCKS[f.name as keyof typeof GENERAL_BLOCKS], pr.message);
    else add(thresholdBlockId(f.name as AlertThresholdName), pr.message);
  }
  return errors;
}

/** The draft shown first: what is stored. */
export function initialGeneralDraft(snapshot: SettingsSnapshot): GeneralDraft {
  return generalDraftOf(snapshot.general);
}
