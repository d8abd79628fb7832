/** Counts read as English: "1 deal", "2 deals", "1,204 deals", the count formatted as everywhere else. */
import { describe, expect, it } from 'vitest';
import { plural } from '../../src/views/numbers.js';
import { describeSyncCounts } from '../../src/views/sync-counts.js';
import { leaderboardBlocks } from '../../src/views/leaderboard.js';
import { qualityHighlights } from '../../src/cli/report-format.js';
import type { Leaderboard, LeaderboardRow } from '../../src/metrics/leaderboard.js';
import type { QualityReport } from '../../src/metrics/report-types.js';

describe('plural', () => {
  it('takes the singular for exactly one as shown, the plural otherwise', () => {
    expect(plural(1, 'deal', 'deals')).toBe('1 deal');
    expect(plural(0, 'deal', 'deals')).toBe('0 deals');
    expect(plural(2, 'deal', 'deals')).toBe('2 deals');
    expect(plural(1204, 'deal', 'deals')).toBe('1,204 deals');
    // What the reader sees decides: 0.6 days shows as "1".
    expect(plural(0.6, 'day', 'days')).toBe('1 day');
    expect(plural(1.4, 'day', 'days')).toBe('1 day');
    expect(plural(1.5, 'day', 'days')).toBe('2 days');
    expect(plural(1, 'stage needs', 'stages need')).toBe('1 stage needs');
  });

  it('sync counts name each stream in the singular for one row', () => {
    expect(describeSyncCounts({ pipelines: 1, stages: 10, owners: 1, deals: 1, stage_history: 1, activities: 2 })).toBe(
      '1 pipeline, 10 stages, 1 owner, 1 deal, 1 stage history entry, 2 activities',
    );
    expect(describeSyncCounts({ deals: 1200, other_stream: 3 })).toBe('1,200 deals, 3 other stream');
  });

  it('the leaderboard counts one rep left out as one', () => {
    const row = (rank: number): LeaderboardRow => ({ rank, owner_id: `o${rank}`, name: `Rep ${rank}`, currency: 'JPY', target: 1e6, won: 1e5, attainment: 0.1, open_pipeline: 0, pace: null }) as LeaderboardRow;
    const board = { period: { kind: 'quarter', label: 'FY2027 Q4', start: '2026-11-01', end: '2027-01-31' }, rows: Array.from({ length: 16 }, (_, i) => row(i + 1)) } as Leaderboard;
    expect(JSON.stringify(leaderboardBlocks(board))).toContain('…and 1 more rep.');
  });

  it('the import summary says "1 deal created before 2000", not "1 deals"', () => {
    const q = { currency: 'EUR', created_before_2000: 1, created_in_future: 2, close_before_created: 1, stage_name_mismatches: [{}] } as unknown as QualityReport;
    expect(qualityHighlights(q)).toBe(
      'Data quality: 1 deal created before 2000; 2 deals created after today; 1 deal that closes before it was created; 1 stage whose name looks like another stage than the one it is mapped to. Details: dealcast report quality.',
    );
  });
});
