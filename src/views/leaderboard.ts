/**
 * The rep leaderboard as Block Kit (the weekly digest and App Home): one line per rep, highest
 * attainment first, with attainment, won of target, open pipeline and pace. Each line in its
 * rep's own currency. Pure: a Leaderboard (src/metrics/leaderboard.ts) in, blocks out.
 */
import type { types } from '@slack/bolt';
import type { Leaderboard, LeaderboardRow } from '../metrics/leaderboard.js';
import { clip, escapeMrkdwn, formatMoney, formatPercent, isolateName, plural } from './numbers.js';

type KnownBlock = types.KnownBlock;

/** Reps listed by name; the rest are counted. */
export const LEADERBOARD_MAX_ROWS = 15;

const MEDALS = [':first_place_medal:', ':second_place_medal:', ':third_place_medal:'];

/** :large_green_circle: at or ahead of pace, :large_yellow_circle: within 80%, :red_circle: further behind. */
function paceMark(pace: number | null): string {
  if (pace === null) return ':white_circle:';
  return pace >= 1 ? ':large_green_circle:' : pace >= 0.8 ? ':large_yellow_circle:' : ':red_circle:';
}

/** The name sits in bidi isolates inside the bold markers (Slack needs `*` next to a visible character to bold). */
export function leaderboardLine(r: LeaderboardRow): string {
  const c = r.currency;
  const pace = r.pace === null ? 'no pace yet' : `pace ${formatPercent(r.pace)}`;
  return `${MEDALS[r.rank - 1] ?? `${r.rank}.`} *${isolateName(escapeMrkdwn(clip(r.name, 60)))}* · ${formatPercent(r.attainment)} · ${formatMoney(r.won, c)} of ${formatMoney(r.target, c)} · pipeline ${formatMoney(r.open_pipeline, c)} · ${paceMark(r.pace)} ${pace}`;
}

/** The leaderboard's blocks, or [] when no rep has a target for the period. */
export function leaderboardBlocks(b: Leaderboard, opts: { blockId?: string; title?: string } = {}): KnownBlock[] {
  if (b.rows.length === 0) return [];
  const shown = b.rows.slice(0, LEADERBOARD_MAX_ROWS);
  const more = b.rows.length - shown.length;
  const lines = shown.map(leaderboardLine);
  if (more > 0) lines.push(`…and ${plural(more, 'more rep', 'more reps')}.`);
  const title = opts.title ?? `Leaderboard · ${b.period.label}`;
  return [
    { type: 'section', ...(opts.blockId ? { block_id: opts.blockId } : {}), text: { type: 'mrkdwn', text: clip(`*${escapeMrkdwn(title)}*\n${lines.join('\n')}`, 3000) } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Attainment = won ÷ target for ${escapeMrkdwn(b.period.label)} (${b.period.start} – ${b.period.end}); pace = won ÷ what is usually won by now. Each rep in their target's currency.` }],
    },
  ];
}
