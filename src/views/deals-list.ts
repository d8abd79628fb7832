/**
 * The /deals answer: a Block Kit list of the top N deals (already filtered and sorted by the
 * command), an "and N more" line, the filter and freshness, within Slack's message limits
 * (50 blocks, 3000 characters per section, ~12k characters of block text in all).
 */
import type { types } from '@slack/bolt';
import { SLACK_LIMITS } from '../delivery/slack.js';
import { BLOCK_IDS } from '../ids.js';
import type { DealListRow } from '../metrics/report-types.js';
import { freshnessLine, type Freshness } from './freshness.js';
import { clip, escapeMrkdwn, formatCount, formatDays, formatMoney, isolateName, plural } from './numbers.js';

type KnownBlock = types.KnownBlock;

/** Default and largest number of deals listed in one message. */
export const DEALS_LIST_DEFAULT = 15;
export const DEALS_LIST_MAX = 40;
/** A deal is "stuck" when it has been in its stage this many times the stage's historical average. */
export const STUCK_RATIO = 2;

export interface DealsListContext {
  title: string;
  currency: string;
  filterText: string;
  freshness: Freshness;
  /** How many matched in all (the list shows the first `limit`). */
  total: number;
  limit?: number;
  requestedBy?: string;
  /** Said when nothing matched. */
  emptyText?: string;
}

/** A name from the CRM, escaped, in bidi isolates: figures follow names on these lines. */
const nameText = (s: string) => isolateName(escapeMrkdwn(s));

function dealLine(d: DealListRow, currency: string): string {
  const stage = d.crm_stage && d.crm_stage !== d.stage ? `${escapeMrkdwn(d.stage)} (${nameText(d.crm_stage)})` : nameText(d.stage);
  const own = d.currency_original && d.currency_original !== currency ? d.currency_original : null;
  // A deal in another currency shows both; one without a rate shows its own amount only.
  const amount =
    own && d.amount === null && d.amount_original != null
      ? `${formatMoney(d.amount_original, own)} (no rate to ${currency})`
      : own && d.amount_original != null
        ? `${formatMoney(d.amount, currency)} (${formatMoney(d.amount_original, own)})`
        : formatMoney(d.amount, currency);
  const parts = [amount, stage];
  if (d.owner) parts.push(nameText(d.owner));
  if (d.days_in_stage !== null) {
    const avg = d.stage_avg_days !== null ? `, avg ${formatDays(d.stage_avg_days)}` : '';
    const ratio = d.stuck_ratio !== null && d.stuck_ratio >= STUCK_RATIO ? `, ${d.stuck_ratio.toFixed(1)}×` : '';
    parts.push(`${formatDays(d.days_in_stage)} in stage${avg}${ratio}`);
  }
  if (d.close_date) parts.push(`closes ${d.close_date}`);
  const stuck = d.stuck_ratio !== null && d.stuck_ratio >= STUCK_RATIO ? ':hourglass_flowing_sand: ' : '';
  const pipeline = d.pipeline ? ` · _${nameText(d.pipeline)}_` : '';
  return `${stuck}*${nameText(clip(d.name || `Deal ${d.id}`, 120))}*${pipeline}\n${parts.join(' · ')}`;
}

export function dealsList(deals: DealListRow[], ctx: DealsListContext): { text: string; blocks: KnownBlock[] } {
  const limit = Math.min(Math.max(1, ctx.limit ?? DEALS_LIST_DEFAULT), DEALS_LIST_MAX);
  const head: KnownBlock[] = [
    { type: 'header', block_id: BLOCK_IDS.dealsHeader, text: { type: 'plain_text', text: clip(ctx.title, SLACK_LIMITS.headerChars), emoji: true } },
    {
      type: 'context',
      block_id: BLOCK_IDS.reportFilters,
      elements: [
        {
          type: 'mrkdwn',
          text: clip(`${ctx.filterText ? `Filter: ${isolateName(escapeMrkdwn(ctx.filterText))}` : 'Filter: none (all open deals)'} · amounts in ${ctx.currency}`, 3000),
        },
      ],
    },
  ];
  const tail: KnownBlock[] = [
    {
      type: 'context',
      block_id: BLOCK_IDS.reportFreshness,
      elements: [{ type: 'mrkdwn', text: `${freshnessLine(ctx.freshness)}${ctx.requestedBy ? ` · asked by <@${ctx.requestedBy}>` : ''}` }],
    },
  ];
  // Room for rows: the block budget less head, tail and the "more" line; then the text budget.
  const maxRows = Math.min(limit, SLACK_LIMITS.blocksPerMessage - head.length - tail.length - 1);
  const rows: KnownBlock[] = [];
  let chars = JSON.stringify(head).length + JSON.stringify(tail).length;
  for (const d of deals.slice(0, maxRows)) {
    const text = clip(dealLine(d, ctx.currency), SLACK_LIMITS.sectionTextChars);
    if (chars + text.length > SLACK_LIMITS.messageBlocksTextChars - 200) break;
    chars += text.length;
    rows.push({ type: 'section', block_id: `${BLOCK_IDS.dealsRowPrefix}${rows.length}`, text: { type: 'mrkdwn', text } });
  }
  const more = ctx.total - rows.length;
  const blocks = [...head];
  if (!rows.length) {
    blocks.push({ type: 'section', block_id: BLOCK_IDS.dealsMore, text: { type: 'mrkdwn', text: ctx.emptyText ?? 'No open deals match.' } });
  } else {
    blocks.push(...rows);
    if (more > 0) {
      blocks.push({
        type: 'context',
        block_id: BLOCK_IDS.dealsMore,
        elements: [{ type: 'mrkdwn', text: `…and ${formatCount(more)} more. Narrow it down with \`stage:\`, \`owner:\` or \`pipeline:\`.` }],
      });
    }
  }
  blocks.push(...tail);
  const value = deals.slice(0, rows.length).reduce((s, d) => s + (d.amount ?? 0), 0);
  const text = rows.length
    ? `${ctx.title}: ${plural(ctx.total, 'deal', 'deals')}${ctx.filterText ? ` (${isolateName(escapeMrkdwn(ctx.filterText))})` : ''}; top ${rows.length} worth ${formatMoney(value, ctx.currency)} listed.`
    : `${ctx.title}: ${ctx.emptyText ?? 'no open deals match'}.`;
  return { text, blocks };
}
