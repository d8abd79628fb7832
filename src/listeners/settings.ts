/**
 * Registers the settings modal's interactions with Bolt, thinly: block actions are acked at once
 * and then handled; a view_submission is acked with the validation result (errors keep the modal
 * open), and the slow follow-ups (report refresh, confirmation DM) run after the ack. Every
 * handler re-checks on the server that the user is an admin (commands/dealcast-settings.ts).
 */
import type { App } from '@slack/bolt';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../ids.js';
import { describeError } from '../errors.js';
import type { ViewStateValues } from '../views/settings-modal.js';
import { onSettingsAction, onSettingsSubmit } from '../../commands/dealcast-settings.js';
import type { CommandDeps } from '../../commands/command-context.js';

interface ActionLike {
  action_id: string;
  value?: string;
  selected_option?: { value: string } | null;
}
interface ViewLike {
  id: string;
  hash?: string;
  callback_id?: string;
  private_metadata?: string;
  state?: { values: ViewStateValues };
}

export function registerSettings(app: App, deps: CommandDeps): void {
  const viewChanging = new RegExp(
    `^(${[ACTION_IDS.settingsPipelineSelect, ACTION_IDS.settingsUseCalibrated, `${ACTION_IDS.settingsStagePage}_(prev|next)`].join('|')})$`,
  );
  app.action({ type: 'block_actions', action_id: viewChanging }, async ({ ack, body, action }) => {
    await ack();
    const a = action as unknown as ActionLike;
    const view = (body as { view?: ViewLike }).view;
    if (!view) return;
    try {
      await onSettingsAction(
        { userId: body.user.id, actionId: a.action_id, value: a.selected_option?.value ?? a.value ?? null, view },
        deps,
      );
    } catch (err) {
      deps.log(`settings: action ${a.action_id} by ${body.user.id} failed: ${describeError(err)}`);
    }
  });
  // Changing a stage's canonical select or checkbox changes nothing until Save: ack only.
  app.action({ type: 'block_actions', action_id: new RegExp(`^(${ACTION_IDS.settingsStageCanonical}|${ACTION_IDS.settingsStageIncluded})$`) }, async ({ ack }) => {
    await ack();
  });

  app.view(CALLBACK_IDS.settingsModal, async ({ ack, body, view }) => {
    let result: Awaited<ReturnType<typeof onSettingsSubmit>>;
    try {
      result = await onSettingsSubmit({ userId: body.user.id, view: view as unknown as ViewLike }, deps);
    } catch (err) {
      deps.log(`settings: submission by ${body.user.id} failed: ${describeError(err)}`);
      await ack({ response_action: 'errors', errors: { [BLOCK_IDS.settingsPipeline]: `Not saved: ${describeError(err).split('\n')[0]}` } });
      return;
    }
    await ack(result.ack);
    if (result.after) {
      try {
        await result.after();
      } catch (err) {
        deps.log(`settings: after saving for ${body.user.id}: ${describeError(err)}`);
      }
    }
  });
}
