/**
 * /dealcast status: last sync and whether it worked, data freshness, what is in the store, and
 * the CRM stages that need an admin's review. Pure Block Kit from plain facts.
 */
import type { types } from '@slack/bolt';
import { BLOCK_IDS } from '../ids.js';
import { describeAgo, formatInstant, freshnessLine } from './freshness.js';
import { clip, escapeEntities, escapeMrkdwn, formatCount, isolateName, plural } from './numbers.js';

type KnownBlock = types.KnownBlock;

export interface StatusFacts {
  crmLabel: string;
  now: Date;
  timeZone: string;
  lastRun: { startedAt: string; finishedAt: string | null; status: 'running' | 'ok' | 'failed'; mode: string; error: string | null } | null;
  lastSuccess: { startedAt: string; finishedAt: string | null; mode: string } | null;
  deals: { open: number; won: number; lost: number; total: number; deleted: number };
  needsReview: { name: string; pipeline: string; canonical: string }[];
  /** Human description of the sync schedule ("every 15 minutes (*\/15 * * * *)"). */
  schedule: string;
  /** Fields the CRM stopped sending or changed the type of (schema drift), kept at their last good values. */
  drift?: { field: string; since: string; changedType?: string | null }[];
}

const MAX_REVIEW_LISTED = 15;

export function statusMessage(f: StatusFacts): { text: string; blocks: KnownBlock[] } {
  const lines: string[] = [];
  if (!f.lastRun) {
    lines.push(':hourglass: Never synced yet. An admin can run `/dealcast sync`.');
  } else if (f.lastRun.status === 'ok' && f.drift?.length) {
    lines.push(
      `:warning: Last sync ${f.lastRun.mode}, ${formatInstant(f.lastRun.startedAt, f.timeZone)} (${describeAgo(f.lastRun.startedAt, f.now)}), *degraded*: ${f.drift
        .map((x) =>
          x.changedType
            ? `\`${escapeEntities(x.field)}\` changed type in the CRM: ${escapeMrkdwn(x.changedType)} (since ${formatInstant(x.since, f.timeZone)})`
            : `the CRM stopped sending \`${escapeEntities(x.field)}\` (since ${formatInstant(x.since, f.timeZone)})`,
        )
        .join(', ')}. Those values are kept as last synced; check the CRM field was not renamed or retyped and the token still has its scopes.`,
    );
  } else if (f.lastRun.status === 'ok') {
    lines.push(`:white_check_mark: Last sync ${f.lastRun.mode}, ${formatInstant(f.lastRun.startedAt, f.timeZone)} (${describeAgo(f.lastRun.startedAt, f.now)}), succeeded.`);
  } else if (f.lastRun.status === 'running') {
    lines.push(`:arrows_counterclockwise: A ${f.lastRun.mode} sync started ${describeAgo(f.lastRun.startedAt, f.now)} and is still running.`);
  } else {
    lines.push(`:x: Last sync failed ${describeAgo(f.lastRun.startedAt, f.now)}: ${escapeMrkdwn(clip(f.lastRun.error ?? 'unknown error', 500))}`);
    if (f.lastSuccess) lines.push('Reports keep using the last good data.');
  }
  lines.push(`Schedule: ${escapeEntities(f.schedule)}`);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `dealcast status · ${clip(f.crmLabel, 100)}` } },
    { type: 'section', block_id: BLOCK_IDS.statusSync, text: { type: 'mrkdwn', text: lines.join('\n') } },
    {
      type: 'section',
      block_id: BLOCK_IDS.statusData,
      fields: [
        { type: 'mrkdwn', text: `*Freshness*\n${freshnessLine({ syncedAt: f.lastSuccess?.startedAt ?? null, now: f.now, timeZone: f.timeZone })}` },
        {
          type: 'mrkdwn',
          text: `*Deals*\n${formatCount(f.deals.open)} open · ${formatCount(f.deals.won)} won · ${formatCount(f.deals.lost)} lost${f.deals.deleted ? ` · ${formatCount(f.deals.deleted)} deleted in the CRM` : ''}`,
        },
      ],
    },
  ];
  if (f.needsReview.length) {
    const listed = f.needsReview.slice(0, MAX_REVIEW_LISTED).map((s) => `• ${isolateName(escapeMrkdwn(s.name))} (${isolateName(escapeMrkdwn(s.pipeline))}) → mapped to ${s.canonical}`);
    if (f.needsReview.length > MAX_REVIEW_LISTED) listed.push(`…and ${f.needsReview.length - MAX_REVIEW_LISTED} more`);
    blocks.push({
      type: 'section',
      block_id: BLOCK_IDS.statusReview,
      text: {
        type: 'mrkdwn',
        text: clip(`:mag: *${plural(f.needsReview.length, 'stage needs', 'stages need')} review* (new since the first sync, mapped automatically):\n${listed.join('\n')}`, 3000),
      },
    });
  } else {
    blocks.push({ type: 'context', block_id: BLOCK_IDS.statusReview, elements: [{ type: 'mrkdwn', text: 'All CRM stages are mapped; none need review.' }] });
  }
  const text = `dealcast status: ${(lines[0] ?? '').replace(/^:[a-z_]+: /, '')} ${plural(f.needsReview.length, 'stage needs', 'stages need')} review.`;
  return { text, blocks };
}
