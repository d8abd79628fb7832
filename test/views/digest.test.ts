import { describe, expect, it } from 'vitest';
import { digestView, type DigestData } from '../../src/views/digest.js';
import type { MovedDeal } from '../../store/digest-queries.js';
import type { Block } from '../../src/delivery/messenger.js';

const deal = (i: number, stage = 'Closed Won', fromStage?: string): MovedDeal => ({
  id: `d${i}`,
  name: `Account number ${i} <with> a very long name that goes on and on & on`,
  amount: 10_000 * i,
  owner: 'Maria Lopez',
  ownerSlackUserId: 'U1',
  stage,
  ...(fromStage ? { fromStage } : {}),
});

function data(over: Partial<DigestData> = {}): DigestData {
  return {
    day: '2026-11-23',
    asOf: '2026-11-23T07:00:00.000Z',
    timeZone: 'Europe/Berlin',
    currency: 'USD',
    late: null,
    stale: null,
    kpis: {
      day: '2026-11-23',
      openPipeline: 4_200_000,
      openDeals: 312,
      weighted: 1_300_000,
      forecastThisMonth: { month: '2026-11', value: 1_100_000, won: 400_000 },
      forecastNextMonth: { month: '2026-12', value: 900_000, won: 0 },
      winRate: 0.27,
      velocity: 12_345,
    },
    prevDay: { day: '2026-11-20', kpis: { openPipeline: 4_000_000, winRate: 0.25, forecastThisMonth: { month: '2026-11', value: 1_000_000, won: 300_000 } } },
    prevWeek: { day: '2026-11-16', kpis: { openPipeline: 4_400_000, winRate: 0.27 } },
    moved: {
      since: '2026-11-20T07:00:00.000Z',
      won: [deal(1), deal(5), deal(3), deal(2)],
      lost: [],
      advanced: [deal(9, 'Proposal', 'Qualified')],
      created: [deal(7, 'Lead')],
    },
    quality: { openDeals: 312, zeroAmount: 12, missingAmount: 0, missingCloseDate: 30, pastCloseDate: 0, needsReview: 2 },
    chartsInThread: ['Conversion funnel', 'forecast'],
    ...over,
  };
}

const allText = (blocks: Block[]) => JSON.stringify(blocks);

function checkLimits(blocks: Block[]) {
  expect(blocks.length).toBeLessThanOrEqual(50);
  for (const b of blocks as unknown as Record<string, unknown>[]) {
    const t = (b.text as { text?: string } | undefined)?.text;
    if (b.type === 'header') expect(t!.length).toBeLessThanOrEqual(150);
    if (b.type === 'section' && t) expect(t.length).toBeLessThanOrEqual(3000);
    const fields = (b.fields as { text: string }[] | undefined) ?? [];
    expect(fields.length).toBeLessThanOrEqual(10);
    for (const f of fields) expect(f.text.length).toBeLessThanOrEqual(2000);
  }
  expect(allText(blocks).length).toBeLessThan(12_000);
}

describe('digest view', () => {
  it('leads with the headline numbers and their changes since the previous business day and week', () => {
    const m = digestView(data());
    checkLimits(m.blocks!);
    expect(m.blocks![0]).toMatchObject({ type: 'header', text: { text: 'Pipeline digest · Mon 23 Nov' } });
    const fields = ((m.blocks![1] as { fields?: unknown }).fields as { text: string }[]).map((f) => f.text);
    expect(fields[0]).toBe('*Open pipeline*\n$4.2M · 312 deals\n▲ 5% vs Fri\n▼ 4.5% vs last wk');
    expect(fields[1]).toBe('*Forecast Nov*\n$1.1M ($400K won)\n▲ 10% vs Fri');
    expect(fields[3]).toBe('*Win rate (closed, 90 days)*\n27%\n▲ 2.0 pts vs Fri\n= vs last wk');
    expect(fields[4]).toBe('*Sales velocity*\n$12.3K per day');
    expect(m.text).toBe('Pipeline digest Mon 23 Nov: open pipeline $4.2M (▲ 5% vs Fri), forecast Nov $1.1M, win rate 27% (closed, 90 days)');
  });

  it('lists the top deals that moved, escaped and shortened, and says how many more', () => {
    const t = allText(digestView(data()).blocks!);
    expect(t).toContain('Since Fri 08:00');
    expect(t).toContain(':trophy: *Won 4 · $110K*\\n• Account number 5 &lt;with&gt; a very long nam… — $50K · Maria Lopez\\n• Account number 3');
    expect(t).toContain('_+1 more_');
    expect(t).toContain(':arrow_forward: *Advanced 1 · $90K*\\n• Account number 9 &lt;with&gt; a very long nam… — $90K · Qualified → Proposal · Maria Lopez');
    expect(t).toContain(':seedling: *New 1 · $70K*\\n• Account number 7');
    expect(t).not.toContain('Lost');
    expect(t).toContain(':broom: Data quality: 12 open deals at $0 or no amount · 30 without a close date · 2 CRM stages to review');
  });

  it('says the data is stale in its first line', () => {
    const m = digestView(data({ stale: { lastSyncAt: '2026-11-22T23:00:00.000Z' } }));
    expect((m.blocks![0] as { text?: { text: string } }).text!.text).toBe(':warning: *Data is stale*: the last successful CRM sync was 8 h ago (Mon 00:00). Check `/dealcast status`.');
    expect(m.text.split('\n')[0]).toBe(':warning: Data is stale: the last successful CRM sync was 8 h ago (Mon 00:00). Check /dealcast status.');
    const never = digestView(data({ stale: { lastSyncAt: null } }));
    expect(never.text.startsWith(':warning: No successful CRM sync yet')).toBe(true);
  });

  it('marks a late digest', () => {
    const t = allText(digestView(data({ late: { slot: '2026-11-23T07:00:00.000Z' }, asOf: '2026-11-23T09:30:00.000Z' })).blocks!);
    expect(t).toContain('Posted late: due at 08:00, when dealcast was not running.');
  });

  it('stays within Slack limits with hundreds of moved deals', () => {
    const many = Array.from({ length: 500 }, (_, i) => deal(i + 1));
    const m = digestView(data({ moved: { since: '2026-11-20T07:00:00.000Z', won: many, lost: many, advanced: many } }));
    checkLimits(m.blocks!);
    expect(allText(m.blocks!)).toContain('+497 more');
  });
});
