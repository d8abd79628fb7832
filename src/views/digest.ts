/**
 * The weekday digest as Block Kit: pure data in, message out. Written for a phone: a stale-data
 * warning first when there is one, then five headline numbers with their change since the
 * previous business day and the previous week, what moved since the last digest (top few by
 * value), and one data-quality line. Charts go in the thread (see docs/digest.md).
 */
import type { types } from '@slack/bolt';
import type { Block, MessageContent } from '../delivery/messenger.js';

type MrkdwnElement = types.MrkdwnElement;
import type { MovedDeal } from '../../store/digest-queries.js';
import { clip, escapeMrkdwn, formatCount, formatMoney, formatPercent, isolateName, plural } from './numbers.js';
import type { Leaderboard } from '../metrics/leaderboard.js';
import { leaderboardBlocks } from './leaderboard.js';

export interface DigestKpis {
  /** Local day the figures are for. */
  day: string;
  openPipeline: number;
  openDeals: number;
  weighted: number;
  /** won so far + weighted open pipeline expected to close in the month. */
  forecastThisMonth: { month: string; value: number; won: number } | null;
  forecastNextMonth: { month: string; value: number; won: number } | null;
  /** The next days' range (commit, likely, best case) and its split, once the model is past warm-up. */
  next?: { days: number; p10: number; p50: number; p90: number; open: number; newDeals: number };
  winRate: number | null;
  /** The win rate's window in days (deals closed in the last N days). */
  winRateDays?: number | null;
  /** Value per day. */
  velocity: number | null;
}

export interface DigestData {
  day: string;
  asOf: string;
  timeZone: string;
  currency: string;
  /** Set when the digest runs after its slot (the process was down). */
  late: { slot: string } | null;
  /** Set when the last successful sync is older than twice the sync interval (or there is none). */
  stale: { lastSyncAt: string | null } | null;
  /** Fields the CRM stopped sending (schema drift): their last good values are used. Empty when none. */
  drift?: { field: string; since: string; changedType?: string | null }[];
  kpis: DigestKpis;
  prevDay: { day: string; kpis: Partial<DigestKpis> } | null;
  prevWeek: { day: string; kpis: Partial<DigestKpis> } | null;
  /** Won, lost, advanced to a deeper stage, and new (created, still open) since the last digest. */
  moved: { since: string; won: MovedDeal[]; lost: MovedDeal[]; advanced: MovedDeal[]; created?: MovedDeal[] };
  quality: {
    openDeals: number;
    zeroAmount: number;
    missingAmount: number;
    missingCloseDate: number;
    pastCloseDate: number;
    needsReview: number;
    /** Checks beyond the basics (absent in older callers): counted, named in one phrase each. */
    negativeAmount?: number;
    outliers?: number;
    badDates?: number;
    unconverted?: number;
    stageNameMismatches?: number;
  };
  /** Titles of the charts that follow in the thread. */
  chartsInThread: string[];
  /** Once a week: the reps' attainment against the quarter's targets (null or absent otherwise). */
  leaderboard?: Leaderboard | null;
}

/** Deals named per line in "what moved". */
export const MOVED_TOP = 3;
const NAME_CHARS = 40;

const weekdayShort = (day: string) => new Date(`${day}T12:00:00Z`).toLocaleDateString('en-US', { weekday: 'short', timeZone: 'UTC' });
const dayLabel = (day: string) => new Date(`${day}T12:00:00Z`).toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
const monthLabel = (month: string) => new Date(`${month}-15T12:00:00Z`).toLocaleDateString('en-US', { month: 'short', timeZone: 'UTC' });

function localClock(iso: string, tz: string): string {
  return new Date(iso).toLocaleString('en-GB', { weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: tz });
}
function localHm(iso: string, tz: string): string {
  return new Date(iso).toLocaleString('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: tz });
}

function hoursAgo(iso: string, asOf: string): string {
  const h = (Date.parse(asOf) - Date.parse(iso)) / 3_600_000;
  if (h < 48) return `${Math.max(1, Math.round(h))} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

/** "▲ 4% vs Fri" for money/counts (relative change); null when there is nothing to compare. */
function relChange(now: number | null | undefined, then: number | null | undefined, label: string): string | null {
  if (now === null || now === undefined || then === null || then === undefined || !Number.isFinite(then)) return null;
  if (then === 0) return now === 0 ? `= vs ${label}` : null;
  const r = (now - then) / Math.abs(then);
  if (Math.abs(r) < 0.005) return `= vs ${label}`;
  return `${r > 0 ? '▲' : '▼'} ${formatPercent(Math.abs(r))} vs ${label}`;
}

/** "▲ 1.5 pts vs Fri" for rates (percentage-point change). */
function ptsChange(now: number | null | undefined, then: number | null | undefined, label: string): string | null {
  if (now === null || now === undefined || then === null || then === undefined) return null;
  const d = (now - then) * 100;
  if (Math.abs(d) < 0.05) return `= vs ${label}`;
  return `${d > 0 ? '▲' : '▼'} ${Math.abs(d).toFixed(1)} pts vs ${label}`;
}

function field(title: string, value: string, changes: (string | null)[]): MrkdwnElement {
  const lines = [`*${title}*`, value, ...changes.filter((c): c is string => c !== null)];
  return { type: 'mrkdwn', text: lines.join('\n') };
}

function driftLine(d: DigestData): string | null {
  if (!d.drift?.length) return null;
  const fields = d.drift
    .map((x) => `\`${x.field}\`${x.changedType ? ` changed type (${escapeMrkdwn(x.changedType)})` : ''} since ${localClock(x.since, d.timeZone)}`)
    .join(', ');
  const n = d.drift.length === 1 ? 'a field' : `${d.drift.length} fields`;
  const what = d.drift.every((x) => !x.changedType) ? `The CRM stopped sending ${n}` : d.drift.every((x) => x.changedType) ? `The CRM changed the type of ${n}` : `The CRM changed ${n}`;
  return `:warning: *${what}*: ${fields}. These figures use the last good values. Check \`/dealcast status\`.`;
}

function staleLine(d: DigestData): string | null {
  if (!d.stale) return null;
  if (!d.stale.lastSyncAt) return ':warning: *No successful CRM sync yet*, so these figures may be empty or out of date. Check `/dealcast status`.';
  return `:warning: *Data is stale*: the last successful CRM sync was ${hoursAgo(d.stale.lastSyncAt, d.asOf)} (${localClock(d.stale.lastSyncAt, d.timeZone)}). Check \`/dealcast status\`.`;
}

function dealBrief(m: MovedDeal, currency: string, withStage: boolean): string {
  const name = isolateName(escapeMrkdwn(clip(m.name || `Deal ${m.id}`, NAME_CHARS)));
  const owner = m.owner ? ` · ${isolateName(escapeMrkdwn(m.owner))}` : '';
  const stage = withStage && m.fromStage ? ` · ${m.fromStage} → ${m.stage}` : withStage ? ` · → ${m.stage}` : '';
  return `• ${name} — ${formatMoney(m.amount ?? 0, currency)}${stage}${owner}`;
}

/** "Won 4 · $110K" and the largest few, one per line (a phone shows them without wrapping mid-list). */
function movedLines(emoji: string, verb: string, deals: MovedDeal[], currency: string, withStage: boolean): string | null {
  if (!deals.length) return null;
  const total = deals.reduce((a, d) => a + (d.amount ?? 0), 0);
  const ranked = [...deals].sort((a, b) => (b.amount ?? 0) - (a.amount ?? 0));
  const lines = [`${emoji} *${verb} ${formatCount(deals.length)} · ${formatMoney(total, currency)}*`, ...ranked.slice(0, MOVED_TOP).map((d) => dealBrief(d, currency, withStage))];
  if (deals.length > MOVED_TOP) lines.push(`_+${formatCount(deals.length - MOVED_TOP)} more_`);
  return lines.join('\n');
}

function qualityLine(q: DigestData['quality']): string {
  const parts: string[] = [];
  if (q.zeroAmount + q.missingAmount) parts.push(`${plural(q.zeroAmount + q.missingAmount, 'open deal', 'open deals')} at $0 or no amount`);
  if (q.missingCloseDate) parts.push(`${formatCount(q.missingCloseDate)} without a close date`);
  if (q.pastCloseDate) parts.push(`${formatCount(q.pastCloseDate)} past their close date`);
  if (q.negativeAmount) parts.push(`${formatCount(q.negativeAmount)} with a negative amount`);
  if (q.outliers) parts.push(`${formatCount(q.outliers)} with an amount far outside the rest`);
  if (q.badDates) parts.push(`${formatCount(q.badDates)} with impossible dates`);
  if (q.unconverted) parts.push(`${formatCount(q.unconverted)} in a currency with no exchange rate`);
  if (q.stageNameMismatches) parts.push(`${formatCount(q.stageNameMismatches)} stage${q.stageNameMismatches === 1 ? ' whose name looks' : 's whose names look'} mapped wrong`);
  if (q.needsReview) parts.push(`${formatCount(q.needsReview)} CRM stage${q.needsReview === 1 ? '' : 's'} to review (\`/dealcast status\`)`);
  return parts.length ? `:broom: Data quality: ${parts.join(' · ')}` : ':broom: Data quality: no $0 deals, missing close dates or stages to review.';
}

export function digestView(d: DigestData): MessageContent {
  const c = d.currency;
  const k = d.kpis;
  const pd = d.prevDay ? { k: d.prevDay.kpis, label: weekdayShort(d.prevDay.day) } : null;
  const pw = d.prevWeek ? { k: d.prevWeek.kpis, label: 'last wk' } : null;
  const sameMonth = (a: DigestKpis['forecastThisMonth'] | undefined, b: DigestKpis['forecastThisMonth']) => (a && b && a.month === b.month ? a.value : null);
  /** A forecast compares with what was said for the same month. */
  const fc = (which: 'forecastThisMonth' | 'forecastNextMonth') => {
    const now = k[which];
    const otherNow = (p: Partial<DigestKpis>) => sameMonth(p.forecastThisMonth, now) ?? sameMonth(p.forecastNextMonth, now);
    return [pd ? relChange(now?.value, otherNow(pd.k), pd.label) : null, pw ? relChange(now?.value, otherNow(pw.k), pw.label) : null];
  };

  const blocks: Block[] = [];
  // Never silent: the first line says when the data is stale or degraded.
  const stale = [staleLine(d), driftLine(d)].filter((l): l is string => l !== null).join('\n') || null;
  if (stale) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: stale } });
  blocks.push({ type: 'header', text: { type: 'plain_text', text: `Pipeline digest · ${dayLabel(d.day)}`, emoji: true } });
  if (d.late) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `:alarm_clock: Posted late: due at ${localHm(d.late.slot, d.timeZone)}, when dealcast was not running.` }],
    });
  }

  const fields: MrkdwnElement[] = [
    field('Open pipeline', `${formatMoney(k.openPipeline, c)} · ${plural(k.openDeals, 'deal', 'deals')}`, [
      pd ? relChange(k.openPipeline, pd.k.openPipeline, pd.label) : null,
      pw ? relChange(k.openPipeline, pw.k.openPipeline, pw.label) : null,
    ]),
    field(
      `Forecast ${k.forecastThisMonth ? monthLabel(k.forecastThisMonth.month) : 'this month'}`,
      k.forecastThisMonth ? `${formatMoney(k.forecastThisMonth.value, c)}${k.forecastThisMonth.won ? ` (${formatMoney(k.forecastThisMonth.won, c)} won)` : ''}` : '—',
      fc('forecastThisMonth'),
    ),
    field(`Forecast ${k.forecastNextMonth ? monthLabel(k.forecastNextMonth.month) : 'next month'}`, k.forecastNextMonth ? formatMoney(k.forecastNextMonth.value, c) : '—', fc('forecastNextMonth')),
    ...(k.next
      ? [
          field(`Next ${k.next.days} days (P10–P90)`, `${formatMoney(k.next.p10, c)} – ${formatMoney(k.next.p90, c)}, likely ${formatMoney(k.next.p50, c)}`, [
            `open deals ${formatMoney(k.next.open, c)} + not yet created ${formatMoney(k.next.newDeals, c)}`,
          ]),
        ]
      : []),
    field(`Win rate (closed, ${plural(k.winRateDays ?? 90, 'day', 'days')})`, formatPercent(k.winRate), [pd ? ptsChange(k.winRate, pd.k.winRate, pd.label) : null, pw ? ptsChange(k.winRate, pw.k.winRate, pw.label) : null]),
    field('Sales velocity', k.velocity === null ? '—' : `${formatMoney(k.velocity, c)} per day`, [
      pd ? relChange(k.velocity, pd.k.velocity, pd.label) : null,
      pw ? relChange(k.velocity, pw.k.velocity, pw.label) : null,
    ]),
  ];
  blocks.push({ type: 'section', fields });
  blocks.push({ type: 'divider' });

  const moved = [
    movedLines(':trophy:', 'Won', d.moved.won, c, false),
    movedLines(':x:', 'Lost', d.moved.lost, c, false),
    movedLines(':arrow_forward:', 'Advanced', d.moved.advanced, c, true),
    movedLines(':seedling:', 'New', d.moved.created ?? [], c, false),
  ].filter((l): l is string => l !== null);
  const sinceLabel = `Since ${localClock(d.moved.since, d.timeZone)}`;
  blocks.push({
    type: 'section',
    text: { type: 'mrkdwn', text: clip(`*${sinceLabel}*\n${moved.length ? moved.join('\n\n') : '_No deals won, lost, advanced or created._'}`, 2900) },
  });
  if (d.leaderboard?.rows.length) {
    blocks.push({ type: 'divider' });
    blocks.push(...(leaderboardBlocks(d.leaderboard, { title: `Leaderboard this week · ${d.leaderboard.period.label}` }) as Block[]));
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: qualityLine(d.quality) }] });
  const foot = [
    d.chartsInThread.length ? `:bar_chart: ${d.chartsInThread.join(' and ')} chart${d.chartsInThread.length === 1 ? '' : 's'} in the thread` : null,
    `data as of ${localHm(d.asOf, d.timeZone)} ${d.timeZone}`,
  ].filter(Boolean);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: foot.join(' · ') }] });

  const pipeChange = pd ? relChange(k.openPipeline, pd.k.openPipeline, pd.label) : null;
  const headline = [
    `Pipeline digest ${dayLabel(d.day)}: open pipeline ${formatMoney(k.openPipeline, c)}${pipeChange ? ` (${pipeChange})` : ''}`,
    k.forecastThisMonth ? `forecast ${monthLabel(k.forecastThisMonth.month)} ${formatMoney(k.forecastThisMonth.value, c)}` : null,
    `win rate ${formatPercent(k.winRate)} (closed, ${plural(k.winRateDays ?? 90, 'day', 'days')})`,
  ]
    .filter(Boolean)
    .join(', ');
  const text = stale ? `${stale.replace(/[*`]/g, '')}\n${headline}` : headline;
  return { text, blocks };
}
