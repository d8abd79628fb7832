/**
 * /dealcast subscriptions: each subscription as a section (report, filters, where, schedule,
 * state, next run) with Send now, Pause/Resume, Edit and Delete buttons. At most
 * LIST_MAX_ROWS rows (2 blocks each, under the 50-block message limit); the rest are counted.
 */
import type { types } from '@slack/bolt';
import { ACTION_IDS, BLOCK_IDS } from '../ids.js';
import type { Subscription } from '../../store/subscriptions.js';
import { describeSchedule } from '../jobs/subscription-schedule.js';
import { clip, escapeMrkdwn } from './numbers.js';

type KnownBlock = types.KnownBlock;

export const LIST_MAX_ROWS = 20;

export interface ListRow {
  sub: Subscription;
  /** 'Mon 8 Dec 08:00' in the subscription's zone, or null (paused, or none soon). */
  next: string | null;
  /** May the viewer change it (its owner, or an admin)? */
  canManage: boolean;
}

const button = (text: string, actionId: string, value: string, style?: 'primary' | 'danger'): types.Button => ({
  type: 'button',
  text: { type: 'plain_text', text, emoji: true },
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});

export function subscriptionLine(sub: Subscription): string {
  const where = sub.target === 'dm' ? `<@${sub.ownerUserId}>'s DM` : `<#${sub.target}>`;
  const filters = sub.filters ? ` · \`${escapeMrkdwn(clip(sub.filters, 200))}\`` : '';
  return `*${escapeMrkdwn(sub.report)}*${sub.isDefault ? ' (team digest)' : ''}${filters} → ${where}\n${escapeMrkdwn(describeSchedule(sub))} · by <@${sub.ownerUserId}>`;
}

export function subscriptionsList(rows: ListRow[], ctx: { title: string; notice?: string }): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [
    { type: 'section', block_id: BLOCK_IDS.subscriptionsHeader, text: { type: 'mrkdwn', text: clip(`*${escapeMrkdwn(ctx.title)}*${ctx.notice ? `\n${ctx.notice}` : ''}`, 3000) } },
  ];
  if (!rows.length) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'None yet. Try `/dealcast subscribe pipeline weekdays at:08:30` or `/dealcast subscribe forecast owner:me weekly mon to:dm`.' }],
    });
  }
  for (const r of rows.slice(0, LIST_MAX_ROWS)) {
    const s = r.sub;
    const state = s.paused ? `:double_vertical_bar: Paused${s.pausedReason ? `: ${escapeMrkdwn(clip(s.pausedReason, 300))}` : ''}` : r.next ? `Next: ${r.next}` : 'No run in the next weeks';
    const failing = !s.paused && s.failures ? ` · :warning: last run failed: ${escapeMrkdwn(clip(s.lastError ?? '', 300))}` : '';
    blocks.push({ type: 'section', block_id: `${BLOCK_IDS.subscriptionRowPrefix}${s.id}`, text: { type: 'mrkdwn', text: clip(`${subscriptionLine(s)}\n${state}${failing}`, 3000) } });
    if (r.canManage) {
      const id = String(s.id);
      blocks.push({
        type: 'actions',
        block_id: `${BLOCK_IDS.subscriptionActionsPrefix}${s.id}`,
        elements: [
          button('Send now', ACTION_IDS.subscriptionSendNow, id, 'primary'),
          s.paused ? button('Resume', ACTION_IDS.subscriptionResume, id) : button('Pause', ACTION_IDS.subscriptionPause, id),
          button('Edit', ACTION_IDS.subscriptionEdit, id),
          {
            ...button('Delete', ACTION_IDS.subscriptionDelete, id, 'danger'),
            confirm: {
              title: { type: 'plain_text', text: 'Delete subscription?' },
              text: { type: 'mrkdwn', text: clip(`Stop sending *${escapeMrkdwn(s.report)}* ${escapeMrkdwn(describeSchedule(s))}?`, 300) },
              confirm: { type: 'plain_text', text: 'Delete' },
              deny: { type: 'plain_text', text: 'Keep it' },
              style: 'danger',
            },
          },
        ],
      });
    }
  }
  if (rows.length > LIST_MAX_ROWS) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${rows.length - LIST_MAX_ROWS} more.` }] });
  return { text: `${ctx.title}: ${rows.length} subscription${rows.length === 1 ? '' : 's'}`, blocks };
}
