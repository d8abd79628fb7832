import { describe, expect, it } from 'vitest';
import { repLeaderboard } from '../../src/metrics/leaderboard.js';
import { leaderboardBlocks } from '../../src/views/leaderboard.js';
import { homeView } from '../../src/views/home.js';
import type { QuotaRow } from '../../src/metrics/report-types.js';
import { sampleQuota } from '../../bench/chart-reports.js';

const base = { currency: 'USD', filters: {}, as_of: '2026-11-24T09:00:00.000Z' };

function quota() {
  const q = sampleQuota(base);
  // 김민준 🚀 ties 山田 at 70%, with less won (280k of 400k): ranked after him.
  const kim: QuotaRow = { ...q.rows[1]!, scope_id: 'kim', name: '김민준 🚀', target: 400_000, won: 280_000, attainment: 0.7, open_pipeline: 90_000, pace: 0.85 };
  return { ...q, rows: [...q.rows, kim] };
}

describe('rep leaderboard', () => {
  it('ranks reps by attainment, then won; the team row is not a rep; each rep in their own currency', () => {
    const b = repLeaderboard(quota());
    // 山田 420k / 600k = 70%; 김민준 280k / 400k = 70%; Léa 150k / 300k EUR = 50%; Noa 180k / 500k = 36%; محمد 40k / 400k = 10%.
    expect(b.rows.map((r) => [r.rank, r.name, r.attainment, r.won, r.currency])).toEqual([
      [1, '山田 太郎', 0.7, 420_000, 'USD'],
      [2, '김민준 🚀', 0.7, 280_000, 'USD'],
      [3, 'Léa Martin', 0.5, 150_000, 'EUR'],
      [4, 'Noa Levi', 0.36, 180_000, 'USD'],
      [5, 'محمد علي', 0.1, 40_000, 'USD'],
    ]);
    // Pace = won ÷ expected by now: 420k / 300k, 180k / 250k, 40k / 200k.
    expect(b.rows[0]!.pace).toBeCloseTo(1.4, 12);
    expect(b.rows[3]!.pace).toBeCloseTo(0.72, 12);
    expect(b.rows[4]!.pace).toBeCloseTo(0.2, 12);
    expect(b.period).toEqual({ kind: 'quarter', label: 'FY2027 Q4', start: '2026-11-01', end: '2027-01-31' });
    // Only some owners (a scoped viewer): the ranks restart.
    expect(repLeaderboard(quota(), { onlyOwnerIds: new Set(['Noa Levi']) }).rows.map((r) => [r.rank, r.name])).toEqual([[1, 'Noa Levi']]);
  });

  it('reads as one line per rep, with medals, won of target, pipeline and a pace mark', () => {
    const blocks = leaderboardBlocks(repLeaderboard(quota()), { blockId: 'lb' });
    const text = (blocks[0] as { text: { text: string } }).text.text;
    const lines = text.split('\n');
    // Each name in bidi isolates inside the bold markers, so محمد علي cannot pull 10% to its side.
    expect(lines[0]).toBe('*Leaderboard · FY2027 Q4*');
    expect(lines[1]).toBe(':first_place_medal: *山田 太郎* · 70% · $420K of $600K · pipeline $600K · :large_green_circle: pace 140%');
    expect(lines[2]).toBe(':second_place_medal: *김민준 🚀* · 70% · $280K of $400K · pipeline $90K · :large_yellow_circle: pace 85%');
    expect(lines[3]).toBe(':third_place_medal: *Léa Martin* · 50% · €150K of €300K · pipeline €300K · :large_green_circle: pace 107%');
    expect(lines[4]).toBe('4. *Noa Levi* · 36% · $180K of $500K · pipeline $500K · :red_circle: pace 72%');
    expect(lines[5]).toBe('5. *\u2068محمد علي\u2069* · 10% · $40K of $400K · pipeline $400K · :red_circle: pace 20%');
    expect(leaderboardBlocks({ ...repLeaderboard(quota()), rows: [] })).toEqual([]);
  });

  it('shows in App Home when there is one, and not otherwise', () => {
    const input = {
      userId: 'U1',
      ownerName: 'Noa Levi',
      open: [],
      atRisk: [],
      forecast: [],
      team: null,
      subscriptions: [],
      events: [],
      admin: null,
      scopeLabel: null,
      timeZone: 'Asia/Tokyo',
    };
    const withBoard = JSON.stringify(homeView({ ...input, leaderboard: repLeaderboard(quota()) }).blocks);
    expect(withBoard).toContain('"block_id":"home_leaderboard"');
    expect(withBoard).toContain('*山田 太郎* · 70%');
    expect(JSON.stringify(homeView(input).blocks)).not.toContain('Leaderboard');
  });
});

describe('/forecast message with a target', () => {
  it('adds the target, attainment, pace and chance; without a target the message is as before', async () => {
    const { reportSummary } = await import('../../src/views/report-summary.js');
    const { chartReports } = await import('../charts/chart-fixtures.js');
    const f = chartReports().forecast;
    const ctx = { filterText: '', freshness: { now: new Date('2026-11-24T09:00:00Z'), timeZone: 'Asia/Tokyo', syncedAt: '2026-11-24T08:45:00.000Z' } };
    const target = {
      period: { kind: 'quarter' as const, label: 'FY2027 Q4', start: '2026-11-01', end: '2027-01-31' },
      currency: 'USD',
      amount: 920_000,
      won: 230_000,
      attainment: 0.25,
      expected_by_now: 250_000,
      pace: 0.92,
      pace_basis: 'historical' as const,
      probability: 0.35,
      projected: { expected: 800_000, p10: 600_000, p50: 790_000, p90: 1_000_000 },
      by_month: [],
    };
    const without = reportSummary('forecast', f, ctx);
    const withTarget = reportSummary('forecast', { ...f, target }, ctx);
    const fields = JSON.stringify(withTarget.blocks);
    expect(fields).toContain('*Target FY2027 Q4*\\n$920K · $230K won (25%)');
    expect(fields).toContain('*Pace · chance of target*\\n92% of historical pace ($250K expected by now) · 35%');
    expect(withTarget.text).toBe(`${without.text} Target FY2027 Q4: $230K of $920K won (25%), 92% of pace, 35% chance of reaching it.`);
    expect(JSON.stringify(without.blocks)).not.toContain('Target');
  });
});
