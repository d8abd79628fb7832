/**
 * Deal-event messages: one short section per event (a root message the first time a deal is
 * announced, replies in its thread after that), naming the deal, the owner and the numbers
 * that matter: amount and cycle time for a win, from/to stages, by how much and how many times
 * a close date moved.
 */
import type { Block } from '../delivery/messenger.js';
import { BLOCK_IDS } from '../ids.js';
import { DEAL_EVENT_LABELS, type DealEventDetail, type DealEventKind } from '../metrics/deal-events.js';
import { clip, escapeMrkdwn, formatMoney, isolateName } from './numbers.js';


const ICONS: Record<DealEventKind, string> = {
  won: ':tada:',
  big_deal: ':moneybag:',
  regression: ':arrow_backward:',
  close_pushed: ':calendar:',
  reopened: ':recycle:',
};

const ordinal = (n: number) => {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return `${n}${s[(v - 20) % 10] ?? s[v] ?? s[0]}`;
};

export interface DealEventView {
  kind: DealEventKind;
  detail: DealEventDetail;
  /** The owner's name, and their Slack user when known (to @-mention). */
  ownerName: string | null;
  ownerSlackId: string | null;
}

export function dealEventSentence(e: DealEventView): string {
  const d = e.detail;
  const money = d.amount !== null && d.currency ? formatMoney(d.amount, d.currency) : 'no amount';
  switch (e.kind) {
    case 'won':
      return `won, ${money}${d.cycleDays !== undefined ? `, in ${d.cycleDays} day${d.cycleDays === 1 ? '' : 's'} from creation` : ''}`;
    case 'big_deal':
      return `new deal of ${money}${d.stage ? ` in ${escapeMrkdwn(d.stage)}` : ''}`;
    case 'regression':
      return `moved back from ${escapeMrkdwn(d.fromStage ?? '?')} to ${escapeMrkdwn(d.toStage ?? '?')} (${money})`;
    case 'close_pushed':
      return `close date pushed by ${d.pushedDays ?? '?'} day${d.pushedDays === 1 ? '' : 's'}, ${d.fromDate} → ${d.toDate}${
        d.pushCount && d.pushCount > 1 ? `, the ${ordinal(d.pushCount)} time` : ''
      } (${money})`;
    case 'reopened':
      return `reopened after being ${d.wasStatus ?? 'closed'}${d.stage ? `, now in ${escapeMrkdwn(d.stage)}` : ''} (${money})`;
  }
}

export function dealEventMessage(e: DealEventView): { text: string; blocks: Block[] } {
  const who = e.ownerSlackId ? `<@${e.ownerSlackId}>` : e.ownerName ? isolateName(escapeMrkdwn(e.ownerName)) : 'no owner';
  // In bidi isolates: the amount and days follow the deal's name.
  const name = isolateName(escapeMrkdwn(clip(e.detail.dealName || 'Unnamed deal', 200)));
  const sentence = dealEventSentence(e);
  const text = `${ICONS[e.kind]} ${DEAL_EVENT_LABELS[e.kind]}: ${name} ${sentence} (${who})`;
  return {
    text: clip(text, 3000),
    blocks: [
      {
        type: 'section',
        block_id: BLOCK_IDS.dealEvent,
        text: { type: 'mrkdwn', text: clip(`${ICONS[e.kind]} *${DEAL_EVENT_LABELS[e.kind]}*: *${name}* ${sentence}\nOwner: ${who}`, 3000) },
      },
    ],
  };
}
