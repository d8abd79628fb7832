import { describe, expect, it } from 'vitest';
import { SLACK_LIMITS } from '../../src/delivery/slack.js';
import type { DealListRow, PipelineReport, RepsReport } from '../../src/metrics/report-types.js';
import { dealsList } from '../../src/views/deals-list.js';
import { freshnessLine } from '../../src/views/freshness.js';
import { helpMessage, usageMessage } from '../../src/views/help.js';
import { formatMoney, formatPercent } from '../../src/views/numbers.js';
import { reportSummary } from '../../src/views/report-summary.js';

const now = new Date('2026-11-24T09:00:00Z');
const freshness = { syncedAt: '2026-11-24T08:45:00.000Z', now, timeZone: 'Europe/Berlin' };
const base = { currency: 'USD', filters: {}, as_of: now.toISOString() };

function deal(i: number, extra: Partial<DealListRow> = {}): DealListRow {
  return {
    id: `d${i}`,
    name: `Acme <${i}> & Co`,
    amount: 1000 * (500 - i),
    stage: 'Proposal',
    crm_stage: 'Contract sent',
    owner: 'Maria Lopez',
    pipeline: 'Enterprise',
    days_in_stage: 40,
    stage_avg_days: 12,
    stuck_ratio: 40 / 12,
    close_date: '2026-12-15',
    ...extra,
  };
}

function blockText(blocks: unknown[]): number {
  return JSON.stringify(blocks).length;
}

describe('numbers and freshness', () => {
  it('formats money compactly in the report currency and percents from fractions', () => {
    expect(formatMoney(1_234_567, 'USD')).toBe('$1.2M');
    expect(formatMoney(340_000, 'EUR')).toBe('€340K');
    expect(formatMoney(5, 'ZZZ')).toContain('ZZZ'); // any currency code still reads
    expect(formatMoney(5, 'not-a-code')).toBe('5 not-a-code');
    // Below a thousand, whole units: a decimal there reads like a misprint ("$213.3").
    expect(formatMoney(213.3, 'USD')).toBe('$213');
    expect(formatMoney(-213.3, 'USD')).toBe('-$213');
    expect(formatMoney(999.96, 'USD')).toBe('$1K');
    expect(formatMoney(12_345, 'USD')).toBe('$12.3K');
    expect(formatMoney(213.3, 'JPY')).toBe('¥213');
    expect(formatPercent(0.34)).toBe('34%');
    expect(formatPercent(0.045)).toBe('4.5%');
    expect(formatPercent(null)).toBe('—');
  });

  it('says when the data is from, in the team zone, and warns when stale or missing', () => {
    expect(freshnessLine(freshness)).toBe('Data as of 24 Nov 2026, 09:45 CET (15 min ago)');
    expect(freshnessLine({ ...freshness, syncedAt: '2026-11-20T08:45:00.000Z' })).toContain(':warning:');
    expect(freshnessLine({ ...freshness, syncedAt: null })).toContain('No sync has succeeded yet');
  });
});

describe('report summary', () => {
  const pipeline: PipelineReport = {
    ...base,
    filters: { pipeline: 'Enterprise' },
    stages: [
      { stage: 'Lead', count: 40, value: 200_000, weighted: 20_000 },
      { stage: 'Proposal', count: 12, value: 900_000, weighted: 450_000 },
    ],
    total: { count: 52, value: 1_100_000, weighted: 470_000 },
  };

  it('shows headline numbers, the filter and freshness', () => {
    const s = reportSummary('pipeline', pipeline, { filterText: 'pipeline Enterprise', freshness, requestedBy: 'U1' });
    expect(s.text).toBe('Open pipeline (pipeline Enterprise): Open pipeline $1.1M in 52 deals, $470K weighted.');
    const json = JSON.stringify(s.blocks);
    expect(json).toContain('*Open pipeline*\\n$1.1M');
    expect(json).toContain('Proposal: $900K');
    expect(json).toContain('Filter: pipeline Enterprise');
    expect(json).toContain('Data as of 24 Nov 2026');
    expect(json).toContain('<@U1>');
    expect(s.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
  });

  it('says activity data is not available instead of showing zeros', () => {
    const reps: RepsReport = { ...base, since: '2026-11-17', until: '2026-11-24', activities_available: false, reps: [] };
    const s = reportSummary('reps', reps, { filterText: '', freshness });
    expect(JSON.stringify(s.blocks)).toContain('not available from this CRM');
    expect(JSON.stringify(s.blocks)).not.toContain('Activities');
    expect(JSON.stringify(s.blocks)).toContain('Filter: none');
  });
});

describe('/deals list', () => {
  it('lists the top N with an "and N more" line, escaping deal names', () => {
    const deals = Array.from({ length: 120 }, (_, i) => deal(i));
    const m = dealsList(deals, { title: 'Open deals', currency: 'USD', filterText: 'stage Proposal · stuck', freshness, total: 120 });
    const rows = m.blocks.filter((b) => 'block_id' in b && String(b.block_id).startsWith('deals_row_'));
    expect(rows).toHaveLength(15);
    const json = JSON.stringify(m.blocks);
    expect(json).toContain('…and 105 more');
    expect(json).toContain('Acme &lt;0&gt; &amp; Co');
    expect(json).toContain(':hourglass_flowing_sand:');
    expect(json).toContain('3.3×');
    // the value in the notification is that of the 15 listed (500k…486k), not of all 120
    const listed = deals.slice(0, 15).reduce((s, d) => s + (d.amount ?? 0), 0);
    expect(listed).toBe(7_395_000);
    expect(m.text).toBe('Open deals: 120 deals (stage Proposal · stuck); top 15 worth $7.4M listed.');
  });

  it('stays within the block and text limits whatever the limit asked', () => {
    const long = 'x'.repeat(400);
    const deals = Array.from({ length: 300 }, (_, i) => deal(i, { name: long, owner: long, pipeline: long }));
    const m = dealsList(deals, { title: 'Open deals', currency: 'USD', filterText: '', freshness, total: 300, limit: 1000 });
    expect(m.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
    expect(blockText(m.blocks)).toBeLessThan(SLACK_LIMITS.messageBlocksTextChars + 2000);
    for (const b of m.blocks) if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionTextChars);
    expect(JSON.stringify(m.blocks)).toMatch(/and \d+ more/);
  });

  it('says so when nothing matches', () => {
    const m = dealsList([], { title: 'Stuck deals', currency: 'USD', filterText: 'stuck', freshness, total: 0, emptyText: 'No deals are stuck.' });
    expect(JSON.stringify(m.blocks)).toContain('No deals are stuck.');
  });
});

describe('help', () => {
  it('usage puts what was wrong first', () => {
    const u = usageMessage('pipeline', ['Unknown filter `colour:`.']);
    expect(u.blocks[0]).toMatchObject({ block_id: 'usage_problems' });
    expect(u.text).toContain('Unknown filter `colour:`. Usage: /pipeline');
  });
  it('help stays within a message', () => {
    expect(helpMessage().blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
  });
});

describe('CRM text in Slack', () => {
  it('cannot format, mention or link: *bold* _italic_ ~strike~ `code`, <!channel>, <@U…>', async () => {
    const { escapeMrkdwn } = await import('../../src/views/numbers.js');
    const out = escapeMrkdwn('*Big* _deal_ ~gone~ `x` <!channel> <@U123> محمد 🎉');
    expect(out).not.toMatch(/(^|\s)[*_~`][^\s\u200B]/);
    expect(out).not.toContain('<!channel>');
    expect(out).toContain('&lt;!channel&gt;');
    expect(out.replace(/\u200B/g, '')).toBe('*Big* _deal_ ~gone~ `x` &lt;!channel&gt; &lt;@U123&gt; محمد 🎉');
  });

  it('cannot broadcast with the plain words either: @here, @channel, @everyone (any case)', async () => {
    const { escapeMrkdwn } = await import('../../src/views/numbers.js');
    const out = escapeMrkdwn('Ping @here and @Channel, @everyone — mail me at a@heresy.example');
    expect(out).not.toMatch(/@(here|channel|everyone)\b/i);
    expect(out.replace(/\u2060/g, '')).toBe('Ping @here and @Channel, @everyone — mail me at a@heresy.example');
    expect(out).toContain('a@heresy.example');
  });
});
