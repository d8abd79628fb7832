/**
 * Registers the interactions of deal events, targets, subscriptions and visibility with Bolt, thinly:
 * block actions are acked at once and then handled; a view_submission is acked with its
 * validation result. Every handler re-checks permissions on the server (commands/).
 */
import type { App } from '@slack/bolt';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../ids.js';
import { describeError } from '../errors.js';
import type { SubscriptionRunner } from '../jobs/subscriptions.js';
import { onEventsSubmit } from '../../commands/dealcast-events.js';
import { onTargetsSubmit } from '../../commands/dealcast-targets.js';
import { onCategoriesSubmit, type CategoriesViewLike } from '../../commands/dealcast-categories.js';
import { categoriesTextView } from '../views/categories-modal.js';
import { onSubscriptionAction, onSubscriptionEdit, onSubscriptionSubmit, type SubscriptionAction } from '../../commands/subscribe.js';
import { publishHome } from '../../commands/app-home.js';
import { onDealsBehind, onDealsPage, onReportCsv, onReportSelect, type ControlClick } from '../../commands/report-actions.js';
import type { HomePublisher } from '../delivery/home.js';
import type { CommandDeps } from '../../commands/command-context.js';

interface ActionLike {
  action_id: string;
  value?: string;
}

const SUBSCRIPTION_ACTIONS: Record<string, SubscriptionAction['actionId']> = {
  [ACTION_IDS.subscriptionSendNow]: 'send_now',
  [ACTION_IDS.subscriptionPause]: 'pause',
  [ACTION_IDS.subscriptionResume]: 'resume',
  [ACTION_IDS.subscriptionDelete]: 'delete',
};

export function registerSurfaces(app: App, deps: CommandDeps, runner: SubscriptionRunner, home: HomePublisher): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    try {
      await publishHome(event.user, deps, home);
    } catch (err) {
      deps.log(`home: could not publish for ${event.user}: ${describeError(err)}`);
    }
  });

  app.view(CALLBACK_IDS.eventsModal, async ({ ack, body, view }) => {
    try {
      const r = await onEventsSubmit({ userId: body.user.id, callbackId: view.callback_id, values: view.state.values as never }, deps);
      await ack(r);
    } catch (err) {
      deps.log(`events: submission by ${body.user.id} failed: ${describeError(err)}`);
      await ack();
    }
  });

  app.view(CALLBACK_IDS.categoriesModal, async ({ ack, body, view }) => {
    let result: Awaited<ReturnType<typeof onCategoriesSubmit>>;
    try {
      result = await onCategoriesSubmit({ userId: body.user.id, view: view as unknown as CategoriesViewLike }, deps);
    } catch (err) {
      deps.log(`categories: submission by ${body.user.id} failed: ${describeError(err)}`);
      await ack({ response_action: 'update', view: categoriesTextView(`:warning: Not saved: ${describeError(err).split('\n')[0]}`) });
      return;
    }
    await ack(result.ack);
    await result.after?.().catch((err: unknown) => deps.log(`categories: reading the field's options for ${body.user.id} failed: ${describeError(err)}`));
  });

  app.view(CALLBACK_IDS.targetsModal, async ({ ack, body, view }) => {
    try {
      await ack(await onTargetsSubmit({ userId: body.user.id, callbackId: view.callback_id, values: view.state.values as never }, deps));
    } catch (err) {
      deps.log(`targets: submission by ${body.user.id} failed: ${describeError(err)}`);
      await ack({ response_action: 'errors', errors: { [BLOCK_IDS.targetsAmount]: `Not saved: ${describeError(err).split('\n')[0]}` } });
    }
  });

  const controls: [string, (c: ControlClick, d: CommandDeps) => Promise<void>][] = [
    [ACTION_IDS.reportPeriod, onReportSelect],
    [ACTION_IDS.reportPipeline, onReportSelect],
    [ACTION_IDS.reportOwner, onReportSelect],
    [ACTION_IDS.reportSource, onReportSelect],
    [ACTION_IDS.reportDealsBehind, onDealsBehind],
    [ACTION_IDS.reportDealsPage, onDealsPage],
    [ACTION_IDS.reportCsv, onReportCsv],
  ];
  for (const [actionId, handle] of controls) {
    app.action({ type: 'block_actions', action_id: actionId }, async ({ ack, body, action }) => {
      await ack();
      const a = action as unknown as ActionLike & { selected_option?: { value: string } | null };
      const b = body as {
        user: { id: string };
        channel?: { id: string };
        container?: { message_ts?: string; channel_id?: string };
        message?: { ts?: string; thread_ts?: string; blocks?: unknown };
        response_url?: string;
      };
      const channelId = b.channel?.id ?? b.container?.channel_id ?? '';
      const messageTs = b.container?.message_ts ?? b.message?.ts ?? '';
      if (!channelId || !messageTs) return;
      try {
        await handle(
          {
            userId: b.user.id,
            channelId,
            messageTs,
            threadTs: b.message?.thread_ts && b.message.thread_ts !== messageTs ? b.message.thread_ts : undefined,
            actionId: a.action_id,
            value: a.selected_option?.value ?? a.value ?? '',
            blocks: b.message?.blocks,
            responseUrl: b.response_url,
          },
          deps,
        );
      } catch (err) {
        deps.log(`report: ${a.action_id} by ${b.user.id} failed: ${describeError(err)}`);
      }
    });
  }

  app.view(CALLBACK_IDS.subscriptionModal, async ({ ack, body, view }) => {
    try {
      await ack(await onSubscriptionSubmit({ userId: body.user.id, values: view.state.values as never, privateMetadata: view.private_metadata }, deps));
    } catch (err) {
      deps.log(`subscriptions: modal submission by ${body.user.id} failed: ${describeError(err)}`);
      await ack({ response_action: 'errors', errors: { [BLOCK_IDS.subscriptionReport]: `Not saved: ${describeError(err).split('\n')[0]}` } });
    }
  });

  app.action({ type: 'block_actions', action_id: ACTION_IDS.subscriptionEdit }, async ({ ack, body, action }) => {
    await ack();
    const a = action as unknown as ActionLike;
    const b = body as { user: { id: string }; channel?: { id: string }; response_url?: string; trigger_id?: string };
    try {
      await onSubscriptionEdit({ userId: b.user.id, channelId: b.channel?.id ?? '', subscriptionId: Number(a.value), triggerId: b.trigger_id, responseUrl: b.response_url }, deps);
    } catch (err) {
      deps.log(`subscriptions: edit of #${a.value} by ${b.user.id} failed: ${describeError(err)}`);
    }
  });

  app.action({ type: 'block_actions', action_id: new RegExp(`^(${Object.keys(SUBSCRIPTION_ACTIONS).join('|')})$`) }, async ({ ack, body, action }) => {
    await ack();
    const a = action as unknown as ActionLike;
    const b = body as { user: { id: string }; channel?: { id: string }; response_url?: string };
    const id = Number(a.value);
    if (!Number.isInteger(id)) return;
    try {
      await onSubscriptionAction(
        { userId: b.user.id, channelId: b.channel?.id ?? '', actionId: SUBSCRIPTION_ACTIONS[a.action_id]!, subscriptionId: id, responseUrl: b.response_url },
        deps,
        runner,
      );
    } catch (err) {
      deps.log(`subscriptions: ${a.action_id} of #${id} by ${b.user.id} failed: ${describeError(err)}`);
    }
  });
}
