/**
 * /dealcast settings: the admin settings modal, end to end.
 *
 * - The command: admins only (DEALCAST_ADMINS, workspace admins/owners). The trigger_id lives
 *   3 seconds, so after the admin check a small "Loading…" modal is opened at once; the stage
 *   map and its calibration are computed afterwards and shown with views.update.
 * - Actions in the modal (pipeline select, previous/next page, "Use calibrated probabilities")
 *   re-check the admin on the server, carry every edit over, and update the view.
 * - Submission re-checks the admin, validates everything (errors next to the fields, nothing
 *   saved unless all is valid), saves in one transaction with audit rows, then refreshes the
 *   derived report tables and sends the admin a DM listing what changed.
 * Transport-free: src/listeners/settings.ts hands these functions plain payload pieces.
 */
import type { types } from '@slack/bolt';
import { CALLBACK_IDS, ACTION_IDS, BLOCK_IDS } from '../src/ids.js';
import { describeError } from '../src/errors.js';
import { calibrationHintsFor } from '../src/settings/metrics.js';
import { loadSettingsSnapshot, saveSettings, validateSettings, type SettingsSnapshot, type StageDraft } from '../src/settings/change.js';
import {
  MODAL_LIMITS,
  STAGES_PER_PAGE,
  applyCalibrated,
  errorsForView,
  initialGeneralDraft,
  pageStages,
  pipelineStages,
  readViewState,
  settingsModalView,
  type CalibrationHints,
  type ViewStateValues,
} from '../src/views/settings-modal.js';
import { decodeMeta, encodeMeta, packDrafts, type ModalMeta } from '../src/settings/modal-state.js';
import { settingsSavedMessage } from '../src/views/settings-saved.js';
import { lastAudit } from '../store/settings.js';
import { replyTarget, teamTimeZone, type CommandDeps, type CommandRequest } from './command-context.js';

type View = types.ModalView;

export const NOT_ADMIN_TEXT =
  'Only dealcast admins can change settings: workspace admins and owners, and the people listed in DEALCAST_ADMINS. Ask one of them, or see the current mapping with /dealcast status.';

const simpleView = (text: string): View => ({
  type: 'modal',
  callback_id: CALLBACK_IDS.settingsModal,
  title: { type: 'plain_text', text: 'dealcast settings' },
  close: { type: 'plain_text', text: 'Close' },
  blocks: [{ type: 'section', block_id: BLOCK_IDS.settingsIntro, text: { type: 'mrkdwn', text } }],
});

/** The view's calibration hints; a failure is logged and the modal opens without them. */
function hints(deps: CommandDeps, pipelineId: string): CalibrationHints | null {
  try {
    return calibrationHintsFor(deps.db, deps.crm, pipelineId, deps.now(), teamTimeZone(deps));
  } catch (err) {
    deps.log(`settings: calibration for pipeline ${pipelineId} failed: ${describeError(err)}`);
    return null;
  }
}

/** /dealcast settings */
export async function openSettings(req: CommandRequest, deps: CommandDeps): Promise<void> {
  const target = replyTarget(req);
  if (!(await deps.admins.isAdmin(req.userId))) {
    deps.log(`settings: refused /dealcast settings for ${req.userId} (not an admin)`);
    await deps.slack.replyEphemeral(target, { text: NOT_ADMIN_TEXT });
    return;
  }
  if (!req.triggerId) {
    await deps.slack.replyEphemeral(target, { text: 'Slack sent no trigger for a dialog with this command; run /dealcast settings again.' });
    return;
  }
  // Open first: the trigger expires 3 seconds after the command.
  const opened = await deps.slack.openView(req.triggerId, simpleView(':hourglass_flowing_sand: Loading the stage mapping and calibration…'));
  const snapshot = loadSettingsSnapshot(deps.db, deps.crm, deps.config);
  if (!snapshot.stages.length) {
    await deps.slack.updateView(opened.id, simpleView(`No pipelines or stages from ${deps.crm} yet. Run \`/dealcast sync\` (or wait for the next scheduled sync), then open the settings again.`), opened.hash);
    return;
  }
  // Start where attention is needed: the first stage flagged for review, else the first pipeline.
  const first = snapshot.stages.find((s) => s.needsReview) ?? snapshot.stages[0]!;
  const index = pipelineStages(snapshot, first.pipelineId).findIndex((s) => s.stageId === first.stageId);
  const meta: ModalMeta = { v: 1, crm: deps.crm, p: first.pipelineId, g: Math.floor(index / STAGES_PER_PAGE), r: 1, d: {}, a: lastAudit(deps.db)?.id ?? 0 };
  const view = settingsModalView({ snapshot, meta, drafts: new Map(), general: initialGeneralDraft(snapshot), hints: hints(deps, meta.p) });
  try {
    await deps.slack.updateView(opened.id, view, opened.hash);
  } catch (err) {
    // Most likely closed while loading (not_found); nothing to tell anyone.
    deps.log(`settings: could not show the settings to ${req.userId}: ${describeError(err)}`);
    return;
  }
  deps.log(`settings: opened for ${req.userId} (${snapshot.stages.length} stages in ${snapshot.pipelines.length} pipelines)`);
}

/** The parts of a block_actions payload the modal needs. */
export interface SettingsActionInput {
  userId: string;
  actionId: string;
  /** The button's value or the selected option's value. */
  value: string | null;
  view: { id: string; hash?: string; callback_id?: string; private_metadata?: string; state?: { values: ViewStateValues } };
}

/** Which modal actions change the view (the others, canonical select and checkbox, need only an ack). */
export function isViewChangingAction(actionId: string): boolean {
  return actionId === ACTION_IDS.settingsPipelineSelect || actionId === ACTION_IDS.settingsUseCalibrated || actionId.startsWith(`${ACTION_IDS.settingsStagePage}_`);
}

/** A pipeline switch, page switch or "Use calibrated probabilities" in the modal. */
export async function onSettingsAction(input: SettingsActionInput, deps: CommandDeps): Promise<void> {
  const meta = decodeMeta(input.view.private_metadata);
  if (input.view.callback_id !== CALLBACK_IDS.settingsModal || !meta || !isViewChangingAction(input.actionId)) return;
  if (!(await deps.admins.isAdmin(input.userId))) {
    deps.log(`settings: refused action ${input.actionId} by ${input.userId} (not an admin)`);
    await deps.slack.updateView(input.view.id, simpleView(`:no_entry: ${NOT_ADMIN_TEXT}`), input.view.hash);
    return;
  }
  if (meta.crm !== deps.crm) {
    await deps.slack.updateView(input.view.id, simpleView(`This form was for ${meta.crm}; dealcast now reads ${deps.crm}. Close it and run /dealcast settings again.`), input.view.hash);
    return;
  }
  const snapshot = loadSettingsSnapshot(deps.db, deps.crm, deps.config);
  const state = readViewState(snapshot, meta, input.view.state?.values ?? {}, initialGeneralDraft(snapshot));
  let drafts: Map<string, StageDraft> = state.drafts;
  let next: ModalMeta = { ...meta, r: meta.r + 1 };
  let notice: string | undefined;
  let nextHints: CalibrationHints | null;

  if (input.actionId === ACTION_IDS.settingsPipelineSelect) {
    const p = input.value ?? state.selectedPipeline;
    if (p && snapshot.pipelines.some((x) => x.id === p)) next = { ...next, p, g: 0 };
    nextHints = hints(deps, next.p);
  } else if (input.actionId === ACTION_IDS.settingsUseCalibrated) {
    nextHints = hints(deps, meta.p);
    const r = applyCalibrated(snapshot, meta.p, drafts, nextHints);
    drafts = r.drafts;
    notice = !nextHints
      ? ':x: The calibration could not be computed just now; probabilities were left as they were.'
      : r.filled
        ? `:white_check_mark: Filled in calibrated probabilities for ${r.filled} open stage${r.filled === 1 ? '' : 's'}${r.kept ? `; ${r.kept} kept (too few closed deals to trust history)` : ''}. Review, then Save.`
        : `Too few closed deals in this pipeline to calibrate any stage yet; probabilities were left as they were.`;
  } else {
    const g = Number(input.value);
    if (Number.isInteger(g) && g >= 0) next = { ...next, g };
    nextHints = hints(deps, next.p);
  }

  // Edits of stages not shown next travel in private_metadata; the shown page's are rendered as initial values.
  const shownNext = new Set(pageStages(snapshot, next.p, next.g).map((s) => s.stageId));
  const offPage = new Map([...drafts].filter(([id]) => !shownNext.has(id)));
  next.d = packDrafts(snapshot, offPage);
  if (encodeMeta(next).length > MODAL_LIMITS.privateMetadataChars) {
    // Too many unsaved edits to carry: stay where the admin is, keep what is on screen.
    const shownNow = new Set(pageStages(snapshot, meta.p, meta.g).map((s) => s.stageId));
    next = { ...meta, r: meta.r + 1, d: packDrafts(snapshot, new Map([...drafts].filter(([id]) => !shownNow.has(id)))) };
    notice = ':warning: Too many unsaved edits to carry to another page: Save these first, then open the settings again to go on.';
    nextHints = hints(deps, meta.p);
  }
  const view = settingsModalView({ snapshot, meta: next, drafts, general: state.general, hints: nextHints, notice });
  try {
    await deps.slack.updateView(input.view.id, view, input.view.hash);
  } catch (err) {
    // hash_conflict: a newer version of the view is already showing (a second click); that one wins.
    deps.log(`settings: could not update the modal for ${input.userId}: ${describeError(err)}`);
  }
}

/** The parts of a view_submission payload the modal needs. */
export interface SettingsSubmission {
  userId: string;
  view: { id: string; callback_id?: string; private_metadata?: string; state?: { values: ViewStateValues } };
}

export type SubmissionAck =
  | { response_action: 'errors'; errors: Record<string, string> }
  | { response_action: 'update'; view: View }
  | undefined;

type Checked = { ok: true; snapshot: SettingsSnapshot; change: Parameters<typeof saveSettings>[2] } | { ok: false; ack: SubmissionAck; message: string };

/** Staleness and validation of a submission: local work only (SQLite), nothing that waits on Slack. */
function checkSubmission(input: SettingsSubmission, meta: ModalMeta, deps: CommandDeps): Checked {
  const fail = (message: string): Checked => ({ ok: false, message, ack: { response_action: 'errors', errors: { [BLOCK_IDS.settingsPipeline]: message } } });
  if (meta.crm !== deps.crm) return fail(`This form was for ${meta.crm}; dealcast now reads ${deps.crm}. Close it and run /dealcast settings again.`);
  // Optimistic concurrency: the form shows values as they were when it opened; do not silently undo a newer save.
  const newer = lastAudit(deps.db);
  if (meta.a !== undefined && newer && newer.id > meta.a) {
    deps.log(`settings: submission by ${input.userId} refused: ${newer.userId} saved settings at ${newer.at}, after this form opened`);
    return fail(
      `Not saved: the settings were saved again at ${newer.at.slice(0, 16).replace('T', ' ')} UTC (by Slack user ${newer.userId}) after you opened this form. Close it and run /dealcast settings again to start from those changes.`,
    );
  }
  const snapshot = loadSettingsSnapshot(deps.db, deps.crm, deps.config);
  const state = readViewState(snapshot, meta, input.view.state?.values ?? {}, initialGeneralDraft(snapshot));
  const checked = validateSettings(snapshot, state.drafts, state.general);
  if (!checked.ok) {
    deps.log(`settings: submission by ${input.userId} has ${checked.problems.length} problem(s); nothing saved`);
    return { ok: false, message: `Not saved: ${checked.problems.length} problem(s) in the form.`, ack: { response_action: 'errors', errors: errorsForView(snapshot, meta, checked.problems) } };
  }
  return { ok: true, snapshot, change: checked.change };
}

/**
 * Checks and saves a submission. Returns what to ack with (errors keep the modal open; undefined
 * closes it; an update shows "Saving…") and the work to do after the ack. Nothing before the ack
 * waits on Slack: validation is local, and the admin check answers from the cache when it can
 * (the admin was checked when the modal opened). When it cannot, the ack shows "Saving…" at
 * once and the check, the save and the outcome follow in the modal (views.update).
 */
export async function onSettingsSubmit(input: SettingsSubmission, deps: CommandDeps): Promise<{ ack: SubmissionAck; after?: () => Promise<void> }> {
  const meta = decodeMeta(input.view.private_metadata);
  const fail = (msg: string): { ack: SubmissionAck } => ({ ack: { response_action: 'errors', errors: { [BLOCK_IDS.settingsPipeline]: msg } } });
  if (!meta) return fail('This form is out of date. Close it and run /dealcast settings again.');
  const admin = deps.admins.cached(input.userId);
  if (admin === false) {
    deps.log(`settings: refused a settings submission by ${input.userId} (not an admin); nothing saved`);
    return fail(`Not saved. ${NOT_ADMIN_TEXT}`);
  }
  const checked = checkSubmission(input, meta, deps);
  if (!checked.ok) return { ack: checked.ack };
  if (admin === true) {
    const lines = save(input.userId, checked, deps);
    return { ack: undefined, after: async () => void (await afterSave(deps, input.userId, lines, checked.snapshot)) };
  }
  return {
    ack: { response_action: 'update', view: simpleView(':hourglass_flowing_sand: Saving your settings…') },
    after: async () => {
      const show = (text: string) => deps.slack.updateView(input.view.id, simpleView(text)).catch((err: unknown) => deps.log(`settings: could not update the modal for ${input.userId}: ${describeError(err)}`));
      if (!(await deps.admins.isAdmin(input.userId))) {
        deps.log(`settings: refused a settings submission by ${input.userId} (not an admin); nothing saved`);
        await show(`:no_entry: Not saved. ${NOT_ADMIN_TEXT}`);
        return;
      }
      // Checked again: another save may have landed while Slack was asked.
      const again = checkSubmission(input, meta, deps);
      if (!again.ok) {
        await show(`:x: ${again.message}`);
        return;
      }
      const lines = save(input.userId, again, deps);
      const dmSent = await afterSave(deps, input.userId, lines, again.snapshot);
      await show(`:white_check_mark: Saved ${lines.length} change${lines.length === 1 ? '' : 's'}.${dmSent ? ' I sent you the list by direct message.' : ''}`);
    },
  };
}

function save(userId: string, checked: Extract<Checked, { ok: true }>, deps: CommandDeps) {
  const lines = saveSettings(deps.db, checked.snapshot, checked.change, userId, deps.now());
  deps.log(`settings: ${userId} saved ${lines.length} change(s): ${lines.map((l) => l.what).join(', ') || 'none'}`);
  return lines;
}

/**
 * Refreshes derived tables (off the event loop, through the sync job's refresher) and DMs the
 * list of changes; true when the DM went out. The DM does not wait for the refresh.
 */
async function afterSave(deps: CommandDeps, userId: string, lines: ReturnType<typeof saveSettings>, snapshot: SettingsSnapshot): Promise<boolean> {
  const refreshing = lines.some((l) => l.what.startsWith('stage_map:')) ? refreshAfterSave(deps) : Promise.resolve();
  const sent = await confirm(deps, userId, lines, snapshot);
  await refreshing;
  return sent;
}

async function refreshAfterSave(deps: CommandDeps): Promise<void> {
  try {
    await deps.sync.refreshDerived();
  } catch (err) {
    // Reports read the last complete refresh meanwhile (and say so); the next sync refreshes again.
    deps.log(`settings: refreshing the report tables after the save failed: ${describeError(err)}`);
  }
}

async function confirm(deps: CommandDeps, userId: string, lines: Parameters<typeof settingsSavedMessage>[0], snapshot: SettingsSnapshot): Promise<boolean> {
  try {
    const dm = await deps.slack.openDm(userId);
    await deps.slack.postMessage(dm, settingsSavedMessage(lines, snapshot.crm));
    return true;
  } catch (err) {
    deps.log(`settings: could not send the confirmation to ${userId}: ${describeError(err)}`);
    return false;
  }
}
