/**
 * The new surfaces' Block Kit stays within Slack's limits at their extremes: both modals pass
 * the modal checker; the App Home stays under 100 blocks, the subscription list under 50, select
 * menus at 100 options, the deals table at 100 rows; the CSV quotes and defuses formulas.
 */
import { describe, expect, it } from 'vitest';
import { blockKitProblems } from '../helpers/block-kit-check.js';
import { eventsSettingsView } from '../../src/views/events-settings-modal.js';
import { subscriptionModal } from '../../src/views/subscription-modal.js';
import { homeView } from '../../src/views/home.js';
import { subscriptionsList } from '../../src/views/subscriptions.js';
import { dealsTablePage, reportControls, toCsv, DEALS_PAGE_ROWS } from '../../src/views/report-controls.js';
import { DEAL_EVENT_KINDS } from '../../src/metrics/deal-events.js';
import type { Subscription } from '../../store/subscriptions.js';
import type { HomeDeal } from '../../store/home-queries.js';
import type { RiskReason } from '../../src/metrics/home.js';

const sub = (id: number): Subscription => ({
  id,
  ownerUserId: 'U0MARIA',
  target: 'C0REPORTS',
  report: 'pipeline',
  filters: 'owner:"山田 太郎" pipeline:"Enterprise"',
  frequency: 'weekly',
  days: [1, 4],
  time: '08:30',
  timeZone: 'Asia/Tokyo',
  skipDates: ['2026-12-31'],
  paused: id % 2 === 0,
  pausedReason: null,
  failures: 0,
  failureNotified: false,
  lastError: null,
  lastRunAt: null,
  isDefault: false,
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
});
const deal = (i: number): HomeDeal => ({
  id: `d${i}`,
  name: `محمد ${'x'.repeat(200)} ${i}`,
  amount: 1000 * i,
  currency: i % 2 ? 'EUR' : 'JPY',
  stage: 'Proposal',
  closeDate: '2026-11-01',
  stageEnteredAt: null,
  lastActivityAt: null,
  probability: 0.4,
  ownerId: 'o1',
});

describe('surfaces Block Kit', () => {
  it('both modals pass the modal checker', () => {
    const events = eventsSettingsView({
      channel: 'C0FEED',
      kinds: new Set(DEAL_EVENT_KINDS),
      dmOwners: true,
      bigDealAmount: 50_000,
      bigDealCurrency: 'EUR',
      scope: 'team',
      teams: [{ name: 'East', ownerIds: ['o1', 'o2'] }],
      ownerNames: new Map([['o1', '山田 太郎'], ['o2', 'שרה כהן']]),
    });
    expect(blockKitProblems(events as never)).toEqual([]);
    for (const frequency of ['daily', 'weekdays', 'weekly', 'monthly'] as const) {
      const v = subscriptionModal({ id: 3, channel: 'C0REPORTS', report: 'forecast', filters: 'owner:me', toDm: false, frequency, days: frequency === 'monthly' ? [1, 15] : [2], time: '07:45', timeZone: 'Europe/Berlin', skipDates: [] }, ['pipeline', 'forecast']);
      expect(blockKitProblems(v as never)).toEqual([]);
    }
  });

  it('the App Home stays under 100 blocks and 3000 characters per section with many deals and subscriptions', () => {
    const deals = Array.from({ length: 300 }, (_, i) => deal(i + 1));
    const v = homeView({
      userId: 'U0MARIA',
      ownerName: '山田 太郎',
      open: [{ currency: 'EUR', count: 150, value: 1e7 }, { currency: 'JPY', count: 150, value: 1e9 }],
      atRisk: deals.map((d) => ({ deal: d, reasons: ['past_close', 'no_activity', 'stuck'] as RiskReason[] })),
      forecast: [{ currency: 'EUR', deals: 10, expected: 1000, low: 500, high: 1500, unpriced: 2 }],
      team: { label: 'East', open: [{ currency: 'EUR', count: 3, value: 100 }] },
      subscriptions: Array.from({ length: 40 }, (_, i) => sub(i + 1)),
      events: [],
      admin: { lastSync: '2026-11-24T08:00:00.000Z', lastStatus: 'ok', lastError: null, stale: false, deals: 300 },
      scopeLabel: null,
      timeZone: 'Asia/Tokyo',
    });
    expect(v.blocks.length).toBeLessThanOrEqual(100);
    for (const b of v.blocks as { type: string; text?: { text: string } }[]) if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3000);
  });

  it('the subscription list stays under 50 blocks', () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({ sub: sub(i + 1), next: 'Mon 7 Dec, 08:30', canManage: true }));
    const m = subscriptionsList(rows, { title: 'Subscriptions' });
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(m.blocks)).toContain('…and 40 more.');
  });

  it('select menus keep to 100 options and the deals table to one page of rows', () => {
    const owners = Array.from({ length: 300 }, (_, i) => ({ id: `o${i}`, name: `Rep ${i}` }));
    const blocks = reportControls({ r: 'pipeline' }, { pipelines: ['A', 'B'], owners, sources: Array.from({ length: 150 }, (_, i) => `S${i}`) });
    for (const b of blocks as { elements: { options?: unknown[] }[] }[]) for (const e of b.elements) if (e.options) expect(e.options.length).toBeLessThanOrEqual(100);
    const rows = Array.from({ length: 45 }, (_, i) => ({ id: `d${i}`, name: `Deal ${i}`, amount: i, stage: 'Proposal', crm_stage: 'Proposal', owner: 'Rep', pipeline: null, days_in_stage: 3, stage_avg_days: null, stuck_ratio: null, close_date: null }));
    const last = dealsTablePage(rows, 'USD', { r: 'deals' }, 2, null);
    const table = last.blocks.find((b) => b.type === 'table') as unknown as { rows: unknown[][] };
    expect(table.rows.length).toBe(1 + 45 - 2 * DEALS_PAGE_ROWS);
    expect(JSON.stringify(last.blocks)).toContain('page 3 of 3');
    expect(JSON.stringify(last.blocks)).toContain('Previous');
    expect(JSON.stringify(last.blocks)).not.toContain('"Next"');
  });

  it('CSV quotes commas, quotes and newlines, keeps any script, and defuses formulas', () => {
    const csv = toCsv([
      { name: 'Acme, "Big" deal', owner: '山田 太郎', amount: -1200, note: '=HYPERLINK("x")' },
      { name: 'line\nbreak', owner: 'محمد', amount: 5, note: '@cmd' },
    ]);
    expect(csv).toBe('name,owner,amount,note\r\n"Acme, ""Big"" deal",山田 太郎,-1200,"\'=HYPERLINK(""x"")"\r\n"line\nbreak",محمد,5,\'@cmd\r\n');
  });
});
