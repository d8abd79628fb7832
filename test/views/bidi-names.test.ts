/**
 * Names from the CRM inside Slack text sit in Unicode bidi isolates: without them a
 * right-to-left name pulls the figure after it to its own side ("73% محمد علي" on screen),
 * and a line that starts with one is laid out right to left as a whole.
 */
import { describe, expect, it } from 'vitest';
import { sampleCommit } from '../../bench/chart-reports.js';
import { mrkdwnToHtml } from '../../scripts/block-kit-html.js';
import { reportSummary } from '../../src/views/report-summary.js';
import { isolateName } from '../../src/views/numbers.js';
import { leaderboardLine } from '../../src/views/leaderboard.js';
import { digestView, type DigestData } from '../../src/views/digest.js';
import { alertReplyView, alertResolvedView, subjectLabel, type RepInactiveFacts, type StuckDealFacts } from '../../src/views/alerts.js';
import { homeView, type HomeInput } from '../../src/views/home.js';
import { dealsList } from '../../src/views/deals-list.js';
import { dealEventMessage } from '../../src/views/deal-events.js';
import type { DealListRow, RepsReport } from '../../src/metrics/report-types.js';
import type { LeaderboardRow } from '../../src/metrics/leaderboard.js';

const base = { currency: 'USD', filters: {}, as_of: '2026-11-24T09:00:00.000Z' };
const ctx = { filterText: '', freshness: { now: new Date(base.as_of), timeZone: 'UTC', syncedAt: base.as_of }, requestedBy: 'U1' };

describe('names in summary sentences', () => {
  it('are wrapped in first-strong isolate … pop directional isolate, nothing else changed', () => {
    expect(isolateName('محمد علي')).toBe('\u2068محمد علي\u2069');
    expect([...isolateName('דנה לוי')].slice(1, -1).join('')).toBe('דנה לוי');
    expect(isolateName('Acme محمد')).toBe('\u2068Acme محمد\u2069'); // any right-to-left letter
  });

  it('leaves names without right-to-left letters as they are: no invisible marks in copies and searches', () => {
    for (const name of ['Maria Lopez', '山田 太郎', '김민준 🚀', 'Léa Martin', 'Ωmega 123', '']) expect(isolateName(name)).toBe(name);
  });

  it("the commit note names each rep above or below the model's range inside isolates", () => {
    const r = sampleCommit(base);
    // محمد علي calls 200,000, above the model's P90 of 190,000, like 山田 太郎 (260,000 over 210,000).
    r.rows = r.rows.map((x) => (x.name === 'محمد علي' ? { ...x, commit: 200_000, commit_vs_model: 'above' as const } : x));
    const text = JSON.stringify(reportSummary('commit', r, ctx).blocks);
    expect(text).toContain("Commit above the model's P90: 山田 太郎, \u2068محمد علي\u2069");
  });
});

const FSI = '\u2068';
const PDI = '\u2069';
const iso = (s: string) => `${FSI}${s}${PDI}`;
/** The blocks as JSON: a line break reads \\n. */
const all = (blocks: unknown) => JSON.stringify(blocks);
const preview = (text: string) => mrkdwnToHtml(text, { appName: 'dealcast', time: '9:00 AM' });

const row = (name: string): LeaderboardRow =>
  ({ rank: 5, owner_id: 'o5', name, currency: 'USD', target: 400_000, won: 40_000, attainment: 0.1, open_pipeline: 400_000, pace: 0.2 }) as LeaderboardRow;

describe('names in Slack lines with figures', () => {
  it('leaderboard: the name is isolated inside the bold markers, and the preview still draws it bold', () => {
    const line = leaderboardLine(row('ليلى حداد'));
    expect(line).toBe(`5. *${iso('ليلى حداد')}* · 10% · $40K of $400K · pipeline $400K · :red_circle: pace 20%`);
    expect(preview(line)).toContain(`<b>${iso('ليلى حداد')}</b> · 10%`);
    // Markers inside a name are still neutralised inside the isolates; the bold around it still holds.
    const odd = leaderboardLine(row('*דוד* <!channel> @here'));
    expect(odd).toContain(`*${FSI}\u200B*\u200Bדוד\u200B*\u200B &lt;!channel&gt; @\u2060here${PDI}*`);
    expect(preview(odd)).not.toContain('<b>דוד</b>');
    expect(preview(odd)).not.toContain('broadcast');
  });

  it('digest: each deal and owner that moved', () => {
    const moved = { id: 'd1', name: 'شركة الخليج', amount: 50_000, owner: 'דנה לוי', ownerSlackUserId: null, stage: 'Closed Won' };
    const d: DigestData = {
      day: '2026-11-23',
      asOf: '2026-11-23T07:00:00.000Z',
      timeZone: 'Asia/Riyadh',
      currency: 'SAR',
      late: null,
      stale: null,
      kpis: { day: '2026-11-23', openPipeline: 1, openDeals: 1, weighted: 1, forecastThisMonth: null, forecastNextMonth: null, winRate: null, velocity: null },
      prevDay: null,
      prevWeek: null,
      moved: { since: '2026-11-20T07:00:00.000Z', won: [moved], lost: [], advanced: [{ ...moved, owner: '김민준', stage: 'Proposal', fromStage: 'Qualified' }] },
      quality: { openDeals: 1, zeroAmount: 0, missingAmount: 0, missingCloseDate: 0, pastCloseDate: 0, needsReview: 0 },
      chartsInThread: [],
    };
    const text = all(digestView(d).blocks);
    expect(text).toMatch(new RegExp(`• ${iso('شركة الخليج')} — SAR\\s?50K · ${iso('דנה לוי')}`));
    expect(text).toContain('· Qualified → Proposal · 김민준');
  });

  it('alerts: the inactive rep, the stuck deal, its CRM stage and owner, and the resolution', () => {
    const rep: RepInactiveFacts = {
      kind: 'rep_inactive', currency: 'ILS', ownerId: 'o1', name: 'דוד לוי', slackUserId: 'U1', lastActivityAt: '2026-11-19T08:00:00.000Z', businessHours: 80, thresholdHours: 48, openDeals: 3, openValue: 90_000,
    };
    expect(alertReplyView(rep, 'Asia/Jerusalem').blocks![0]).toMatchObject({ text: { text: expect.stringContaining(`<@U1> (${iso('דוד לוי')}): last logged activity`) } });
    const noSlack = alertReplyView({ ...rep, slackUserId: null }, 'Asia/Jerusalem');
    expect(noSlack.text.startsWith(`${iso('דוד לוי')}: last logged activity`)).toBe(true);
    const stuck: StuckDealFacts = {
      kind: 'stuck_deal', currency: 'AED', dealId: 'd9', name: 'مشروع 🚀 دبي', amount: 120_000, stage: 'Proposal', crmStage: 'عرض سعر', stageId: 's1', daysInStage: 40, stageAvgDays: 10, ratio: 4, owner: 'ليلى حداد', ownerId: 'o2', slackUserId: null, closeDate: '2026-12-31',
    };
    const t = alertReplyView(stuck, 'Asia/Dubai').text;
    expect(t.startsWith(`${iso('مشروع 🚀 دبي')} · AED`)).toBe(true);
    expect(t).toContain(`Proposal (${iso('عرض سعر')}) for 40 days, usually 10 days (4.0×) · owner ${iso('ليلى حداد')} · close date 2026-12-31`);
    expect(alertResolvedView(subjectLabel(stuck), 'moved to Negotiation.').text).toBe(`Resolved: ${iso('مشروع 🚀 دبي')} moved to Negotiation.`);
  });

  it('App Home: my deals at risk, my team, and recent events', () => {
    const deal = { id: 'd1', name: 'صفقة الرياض', amount: 75_000, currency: 'sar', stage: 'عرض', closeDate: '2026-12-01', stageEnteredAt: null, lastActivityAt: null, probability: null, ownerId: 'o1' };
    const h: HomeInput = {
      userId: 'U1', ownerName: 'ليلى حداد', open: [], atRisk: [{ deal, reasons: ['past_close'] }], forecast: [],
      team: { label: 'צוות צפון', open: [{ currency: 'ILS', count: 4, value: 10_000 }] },
      subscriptions: [],
      events: [{ kind: 'won', detail: { dealName: 'صفقة جدة', amount: 5_000, currency: 'SAR', cycleDays: 12 }, detectedAt: '2026-11-20T00:00:00.000Z' }] as HomeInput['events'],
      admin: null, scopeLabel: null, timeZone: 'Asia/Riyadh',
    };
    const text = all(homeView(h).blocks);
    expect(text).toMatch(new RegExp(`\\*${iso('صفقة الرياض')}\\* · SAR\\s?75K · ${iso('عرض')} · closes 2026-12-01`));
    expect(text).toContain(`*My team (${iso('צוות צפון')}):* 4 deals`);
    expect(text).toContain(`*${iso('صفقة جدة')}* won,`);
  });

  it('/deals: deal name, pipeline, CRM stage and owner', () => {
    const d: DealListRow = {
      id: 'd1', name: 'עסקת תל אביב', amount: 12_000, stage: 'Proposal', crm_stage: 'הצעת מחיר', owner: 'دانة', pipeline: 'ארגונים', days_in_stage: 30, stage_avg_days: 10, stuck_ratio: 3, close_date: '2026-12-24',
    };
    const ctx = { title: 'Open deals', currency: 'USD', filterText: '', total: 1, freshness: { now: new Date('2026-11-24T09:00:00Z'), timeZone: 'UTC', syncedAt: '2026-11-24T09:00:00Z' } };
    const text = all(dealsList([d], ctx).blocks);
    expect(text).toContain(`*${iso('עסקת תל אביב')}* · _${iso('ארגונים')}_`);
    expect(text).toContain(`$12K · Proposal (${iso('הצעת מחיר')}) · ${iso('دانة')} · 30 d in stage`);
    expect(preview(`*${iso('עסקת תל אביב')}* · _${iso('ארגונים')}_`)).toBe(`<b>${iso('עסקת תל אביב')}</b> · <i>${iso('ארגונים')}</i>`);
  });

  it('deal events: the deal named before its amount, the owner after', () => {
    const m = dealEventMessage({ kind: 'won', detail: { dealName: 'صفقة جدة', amount: 5_000, currency: 'SAR', cycleDays: 1 }, ownerName: 'דנה לוי', ownerSlackId: null });
    expect(m.text).toContain(`: ${iso('صفقة جدة')} won,`);
    expect(m.text).toContain(`(${iso('דנה לוי')})`);
  });

  it('/reps: the top closer and the most active rep, each followed by a figure', () => {
    const rep = (owner: string, won: number, calls: number) => ({ owner, owner_id: owner, calls, emails: 0, meetings: 0, tasks: 0, open_deals: 1, open_value: 1, won_value: won, hours_since_activity: 1 });
    const r = { ...base, since: '2026-11-01', until: '2026-11-24', activities_available: true, reps: [rep('محمد علي', 90_000, 3), rep('דוד לוי', 10_000, 40)] } as unknown as RepsReport;
    const fields = all(reportSummary('reps', r, ctx).blocks);
    expect(fields).toContain(`*Top closer*\\n${iso('محمد علي')}: $90K`);
    expect(fields).toContain(`*Most active*\\n${iso('דוד לוי')}: 40`);
  });
});

describe('a filter naming someone in a right-to-left script', () => {
  const filterText = 'owner:"محمد العتيبي"';
  const freshness = { now: new Date('2026-11-24T09:00:00Z'), timeZone: 'UTC', syncedAt: '2026-11-24T09:00:00Z' };

  it('report messages: the filter is isolated in the notification text, the file title, the alt text and the Filter line', () => {
    const s = reportSummary('commit', sampleCommit(base), { ...ctx, filterText });
    // Without the isolate, the sentence's first figure after "): " would be drawn on the name's side.
    expect(s.text).toMatch(new RegExp(`^Commit[^(]*\\(${iso('owner:"محمد العتيبي"')}\\): `));
    expect(s.title).toContain(`(${iso(filterText)})`);
    expect(s.altText).toContain(`(${iso(filterText)}).`);
    expect(all(s.blocks)).toContain(`Filter: ${iso('owner:\\"محمد العتيبي\\"')}`);
  });

  it('a left-to-right filter gets no invisible marks', () => {
    const s = reportSummary('commit', sampleCommit(base), { ...ctx, filterText: 'owner:"山田 太郎" since:90d' });
    expect(s.text).toContain('(owner:"山田 太郎" since:90d): ');
    expect(s.text).not.toMatch(/[\u2068\u2069]/);
  });

  it('/deals: the filter in the context line and in the notification text', () => {
    const d: DealListRow = {
      id: 'd1', name: 'Acme', amount: 12_000, stage: 'Proposal', crm_stage: 'Proposal', owner: 'محمد العتيبي', pipeline: null, days_in_stage: 3, stage_avg_days: 10, stuck_ratio: 0.3, close_date: null,
    };
    const out = dealsList([d], { title: 'Open deals', currency: 'USD', filterText, total: 1, freshness });
    expect(out.text).toContain(`(${iso(filterText)}); top 1 worth $12K listed.`);
    expect(all(out.blocks)).toContain(`Filter: ${iso('owner:\\"محمد العتيبي\\"')} · amounts in USD`);
  });
});
