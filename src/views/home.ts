/**
 * The App Home tab: a rep's own cockpit. My open deals (per currency) and the ones at risk, my
 * 30-day forecast range, my team's pipeline when I am in a team, my subscriptions, recent deal
 * events about my deals, the reps' leaderboard (as far as the viewer may see), and for admins the settings entry and sync health. Pure; stays under
 * the 100-block limit of a Home tab (each list is capped).
 */
import type { types } from '@slack/bolt';
import { BLOCK_IDS } from '../ids.js';
import type { HomeDeal } from '../../store/home-queries.js';
import type { ForecastRange, RiskyDeal, RiskReason } from '../metrics/home.js';
import { NO_ACTIVITY_DAYS } from '../metrics/home.js';
import type { Subscription } from '../../store/subscriptions.js';
import { describeSchedule } from '../jobs/subscription-schedule.js';
import { DEAL_EVENT_LABELS } from '../metrics/deal-events.js';
import type { RecentEvent } from '../../store/deal-events.js';
import { dealEventSentence } from './deal-events.js';
import { clip, escapeMrkdwn, formatMoney, isolateName, plural } from './numbers.js';
import type { Leaderboard } from '../metrics/leaderboard.js';
import { leaderboardBlocks } from './leaderboard.js';

type HomeView = types.HomeView;
type KnownBlock = types.KnownBlock;

export const HOME_LIMITS = { blocks: 100, atRisk: 8, subscriptions: 6, events: 6 } as const;

export interface HomeInput {
  userId: string;
  ownerName: string | null;
  open: { currency: string; count: number; value: number }[];
  atRisk: RiskyDeal[];
  forecast: ForecastRange[];
  team: { label: string; open: { currency: string; count: number; value: number }[] } | null;
  /** The reps' attainment against the quarter's targets, already cut to what the viewer may see; null: none. */
  leaderboard?: Leaderboard | null;
  subscriptions: Subscription[];
  events: RecentEvent[];
  /** Admins only: sync health. */
  admin: { lastSync: string | null; lastStatus: string | null; lastError: string | null; stale: boolean; deals: number } | null;
  scopeLabel: string | null;
  timeZone: string;
}

const REASON_TEXT: Record<RiskReason, string> = {
  past_close: 'past its close date',
  no_activity: `no activity in ${NO_ACTIVITY_DAYS} days`,
  stuck: 'stuck in its stage',
};

const section = (block_id: string, text: string): KnownBlock => ({ type: 'section', block_id, text: { type: 'mrkdwn', text: clip(text, 3000) } });
const header = (block_id: string, text: string): KnownBlock => ({ type: 'header', block_id, text: { type: 'plain_text', text: clip(text, 150), emoji: true } });
const context = (block_id: string, text: string): KnownBlock => ({ type: 'context', block_id, elements: [{ type: 'mrkdwn', text: clip(text, 3000) }] });
const money = (v: number, c: string) => (c === '—' ? `${Math.round(v)}` : formatMoney(v, c));
const values = (xs: { currency: string; count: number; value: number }[]) => xs.map((x) => `${plural(x.count, 'deal', 'deals')}, ${money(x.value, x.currency)}`).join(' · ') || 'none';

/** A name from the CRM, escaped, in bidi isolates: figures follow names on these lines. */
const nameText = (s: string) => isolateName(escapeMrkdwn(s));

function dealLine(d: HomeDeal): string {
  const amt = d.amount !== null && d.currency ? money(d.amount, d.currency.toUpperCase()) : 'no amount';
  return `*${nameText(clip(d.name || `Deal ${d.id}`, 100))}* · ${amt}${d.stage ? ` · ${nameText(d.stage)}` : ''}${d.closeDate ? ` · closes ${d.closeDate.slice(0, 10)}` : ''}`;
}

export function homeView(h: HomeInput): HomeView {
  const blocks: KnownBlock[] = [header(BLOCK_IDS.homeHeader, h.ownerName ? `dealcast · ${h.ownerName}` : 'dealcast')];
  if (!h.ownerName) {
    blocks.push(section(BLOCK_IDS.homeMine, 'Your Slack email matches no CRM owner, so there are no deals of yours to show. Ask an admin to use the same work email in Slack and the CRM.'));
  } else {
    blocks.push(section(BLOCK_IDS.homeMine, `*My open deals:* ${values(h.open)}`));
    const range = h.forecast.length
      ? h.forecast
          .map((f) => `${money(f.expected, f.currency)} expected, likely ${money(f.low, f.currency)}–${money(f.high, f.currency)} (${plural(f.deals, 'deal', 'deals')}${f.unpriced ? `, ${f.unpriced} without amount or probability` : ''})`)
          .join('\n')
      : 'No deals of yours are expected to close in the next 30 days.';
    blocks.push(section(BLOCK_IDS.homeForecast, `*My next 30 days:* ${range}`));
    blocks.push({ type: 'divider' });
    blocks.push(section(BLOCK_IDS.homeAtRisk, `*At risk* (${h.atRisk.length})${h.atRisk.length ? '' : ': nothing, well done.'}`));
    for (const r of h.atRisk.slice(0, HOME_LIMITS.atRisk)) {
      blocks.push(section(`${BLOCK_IDS.homeRiskPrefix}${blocks.length}`, `${dealLine(r.deal)}\n:warning: ${r.reasons.map((x) => REASON_TEXT[x]).join(', ')}`));
    }
    if (h.atRisk.length > HOME_LIMITS.atRisk) blocks.push(context(`${BLOCK_IDS.homeRiskPrefix}more`, `…and ${h.atRisk.length - HOME_LIMITS.atRisk} more: /deals owner:me stuck`));
  }
  if (h.team) {
    blocks.push({ type: 'divider' });
    blocks.push(section(BLOCK_IDS.homeTeam, `*My team (${nameText(h.team.label)}):* ${values(h.team.open)}`));
  }
  if (h.leaderboard?.rows.length) {
    blocks.push({ type: 'divider' });
    blocks.push(...leaderboardBlocks(h.leaderboard, { blockId: BLOCK_IDS.homeLeaderboard }));
  }
  blocks.push({ type: 'divider' });
  blocks.push(
    section(
      BLOCK_IDS.homeSubscriptions,
      `*My subscriptions* (${h.subscriptions.length})\n${
        h.subscriptions
          .slice(0, HOME_LIMITS.subscriptions)
          .map((s) => `• *${escapeMrkdwn(s.report)}*${s.filters ? ` \`${escapeMrkdwn(clip(s.filters, 80))}\`` : ''} → ${s.target === 'dm' ? 'DM' : `<#${s.target}>`}, ${escapeMrkdwn(describeSchedule(s))}${s.paused ? ' (paused)' : ''}`)
          .join('\n') || 'None. Try `/dealcast subscribe forecast owner:me weekly mon to:dm`.'
      }\nManage them with /dealcast subscriptions.`,
    ),
  );
  blocks.push(
    section(
      BLOCK_IDS.homeEvents,
      `*Recent events on my deals*\n${
        h.events
          .slice(0, HOME_LIMITS.events)
          .map((e) => `• ${DEAL_EVENT_LABELS[e.kind]}: *${nameText(clip(e.detail.dealName, 80))}* ${dealEventSentence({ kind: e.kind, detail: e.detail, ownerName: null, ownerSlackId: null })} (${e.detectedAt.slice(0, 10)})`)
          .join('\n') || 'None yet.'
      }`,
    ),
  );
  if (h.admin) {
    const a = h.admin;
    blocks.push({ type: 'divider' });
    blocks.push(
      section(
        BLOCK_IDS.homeAdmin,
        `*Admin* · ${plural(a.deals, 'deal', 'deals')} synced · last sync ${a.lastSync ? `${a.lastSync.slice(0, 16).replace('T', ' ')} UTC (${a.lastStatus})` : 'never'}${a.stale ? ' · :warning: data is stale' : ''}${
          a.lastError ? `\nLast error: ${escapeMrkdwn(clip(a.lastError, 300))}` : ''
        }\nSettings: \`/dealcast settings\` (stages, channels, thresholds) · \`/dealcast events\` (deal events, who sees what) · \`/dealcast targets\` (quotas) · \`/dealcast status\``,
      ),
    );
  }
  blocks.push(context(BLOCK_IDS.homeFooter, `${h.scopeLabel ? `You see ${escapeMrkdwn(h.scopeLabel)} (an admin setting). ` : ''}Times in ${escapeMrkdwn(h.timeZone)}.`));
  return { type: 'home', blocks: blocks.slice(0, HOME_LIMITS.blocks) };
}
