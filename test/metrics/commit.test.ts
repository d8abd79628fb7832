/**
 * The commit view on hand-built deals and a hand-built weekly snapshot history: every figure is
 * worked out in the comments next to it. Monthly periods, UTC, now = 2026-12-15.
 */
import { describe, expect, it } from 'vitest';
import { commitForecast, MIN_BIAS_POINTS, type CommitDeal, type CommitSnapshot } from '../../src/metrics/commit.js';
import { forecastWonRange } from '../../src/metrics/won-range.js';
import { normaliseCategoryMap } from '../../src/metrics/forecast-category.js';
import { fiscalPeriodOf } from '../../src/time/fiscal.js';
import { todayIn } from '../../src/time/calendar.js';

const NOW = new Date('2026-12-15T00:00:00Z');
const s = (iso: string) => Date.parse(`${iso}T12:00:00Z`) / 1000;
const YAMADA = '山田';
const MOHAMMED = 'محمد';
const DANA = 'דנה';

let n = 0;
function deal(owner: string, amount: number, o: { won?: string; lost?: string; close?: string; category?: string | null; currency?: string }): CommitDeal {
  const closedAt = o.won ?? o.lost ?? null;
  return {
    id: `d${++n}`,
    pipeline: 'p',
    amount,
    amountKnown: true,
    created: s('2026-06-01'),
    closed: closedAt ? s(closedAt) : null,
    won: o.won !== undefined,
    path: [],
    inScope: true,
    ownerId: owner,
    currency: o.currency ?? 'USD',
    closeDate: o.close ?? closedAt,
    forecastCategory: o.category ?? null,
  };
}
const snap = (day: string, owner: string, amount: number, close: string, category: string, currency = 'USD'): CommitSnapshot => ({
  day,
  ownerId: owner,
  amount,
  currency,
  closeDate: close,
  forecastCategory: category,
});

const DEALS: CommitDeal[] = [
  // 山田, this month (December): won 3,000; Commit 5,000; Best Case 2,000; an unknown 'Upside' 1,000
  // and an unset 700 (both Pipeline); a Commit closing in January is not this period's.
  deal(YAMADA, 3_000, { won: '2026-12-05', category: 'Closed' }),
  deal(YAMADA, 5_000, { close: '2026-12-20', category: 'Commit' }),
  deal(YAMADA, 2_000, { close: '2026-12-28', category: 'Best Case' }),
  deal(YAMADA, 1_000, { close: '2026-12-18', category: 'Upside' }),
  deal(YAMADA, 700, { close: '2026-12-19', category: null }),
  deal(YAMADA, 4_000, { close: '2027-01-10', category: 'Commit' }),
  // 山田's past wins: September 2,000 (3 Sep) + 4,000 (20 Sep); October 1,000; November 3,500.
  deal(YAMADA, 2_000, { won: '2026-09-03' }),
  deal(YAMADA, 4_000, { won: '2026-09-20' }),
  deal(YAMADA, 1_000, { won: '2026-10-20' }),
  deal(YAMADA, 3_500, { won: '2026-11-25' }),
  // محمد: a HubSpot-spelled COMMIT 6,000 this month; a EUR Commit (left out); a November win (last period).
  deal(MOHAMMED, 6_000, { close: '2026-12-30', category: 'COMMIT' }),
  deal(MOHAMMED, 9_000, { close: '2026-12-21', category: 'Commit', currency: 'EUR' }),
  deal(MOHAMMED, 1_500, { won: '2026-11-20' }),
  // דנה: won 500 this month, nothing open, no snapshot history.
  deal(DANA, 500, { won: '2026-12-02' }),
];

const SNAPSHOTS: CommitSnapshot[] = [
  // 7 Sep: 山田 has 5,000 in Commit for September (+ a Best Case and an October Commit, neither counted).
  snap('2026-09-07', YAMADA, 5_000, '2026-09-25', 'Commit'),
  snap('2026-09-07', YAMADA, 3_000, '2026-09-26', 'Best Case'),
  snap('2026-09-07', YAMADA, 1_000, '2026-10-05', 'Commit'),
  // 14 Sep: the same 5,000 still in Commit.
  snap('2026-09-14', YAMADA, 5_000, '2026-09-25', 'Commit'),
  // 5 Oct: 2,000 in Commit for October.
  snap('2026-10-05', YAMADA, 2_000, '2026-10-15', 'Commit'),
  // 9 Nov: 山田 3,000 (HubSpot spelling), محمد 4,000; a EUR Commit of 山田's is another currency.
  snap('2026-11-09', YAMADA, 3_000, '2026-11-28', 'COMMIT'),
  snap('2026-11-09', MOHAMMED, 4_000, '2026-11-28', 'Commit'),
  snap('2026-11-09', YAMADA, 10_000, '2026-11-28', 'Commit', 'EUR'),
  // 7 Dec: December has not ended, so this point is not used yet.
  snap('2026-12-07', YAMADA, 50_000, '2026-12-20', 'Commit'),
];

const period = fiscalPeriodOf(todayIn(NOW, 'UTC'), 'month', 1);
const opts = { now: NOW, timeZone: 'UTC', period, fiscalStartMonth: 1, currency: 'USD', defaultCurrency: 'USD', runs: 200, seed: 7 };

describe('commitForecast', () => {
  const result = commitForecast(DEALS, SNAPSHOTS, opts);
  const row = (id: string) => result.rows.find((r) => r.owner_id === id)!;

  it("sums each rep's Commit and Best case for the period on top of what is won", () => {
    const y = row(YAMADA);
    expect(y.won).toBe(3_000);
    expect(y.open).toEqual({ commit: 5_000, best_case: 2_000, pipeline: 1_700, omitted: 0 });
    expect(y.deals).toEqual({ commit: 1, best_case: 1, pipeline: 2, omitted: 0 });
    expect(y.commit).toBe(8_000); // 3,000 won + 5,000 Commit
    expect(y.best_case).toBe(10_000); // + 2,000 Best Case
    expect(y.pipeline).toBe(1_700); // 1,000 'Upside' + 700 unset
    const m = row(MOHAMMED);
    expect([m.won, m.commit, m.best_case, m.pipeline]).toEqual([0, 6_000, 6_000, 0]);
    const d = row(DANA);
    expect([d.won, d.commit, d.best_case]).toEqual([500, 500, 500]);
    const team = result.rows[0]!;
    expect(team.scope).toBe('team');
    expect([team.won, team.commit, team.best_case, team.pipeline]).toEqual([3_500, 14_500, 16_500, 1_700]);
  });

  it('keeps other currencies apart and counts the categories it did not know', () => {
    expect(result.other_currency_deals).toBe(1); // محمد's EUR deal: not in any sum above
    expect(result.categories).toEqual({ mapped: 3, unset: 1, unknown: 1, unknown_values: [{ value: 'Upside', deals: 1 }] });
    // Measured in euros, only the EUR deal and the EUR snapshot count.
    const eur = commitForecast(DEALS, SNAPSHOTS, { ...opts, currency: 'EUR' });
    expect(eur.rows.map((r) => [r.owner_id, r.commit, r.bias.called])).toEqual([
      ['', 9_000, 10_000],
      [MOHAMMED, 9_000, 0],
      [YAMADA, 0, 10_000],
    ]);
    expect(eur.other_currency_deals).toBe(DEALS.length - 1);
  });

  it("learns each rep's commit bias from the ended periods of the snapshot history", () => {
    // 山田: 7 Sep called 2,000 won before + 5,000 Commit = 7,000, September closed 6,000;
    // 14 Sep the same 7,000 / 6,000; 5 Oct 2,000 / 1,000; 9 Nov 3,000 / 3,500.
    expect(row(YAMADA).bias).toEqual({ status: 'ok', ratio: 16_500 / 19_000, points: 4, called: 19_000, actual: 16_500 });
    // محمد: one point (9 Nov: 4,000 called; November closed his 1,500 of 20 Nov).
    expect(row(MOHAMMED).bias).toEqual({ status: 'not_enough_history', ratio: null, points: 1, called: 4_000, actual: 1_500 });
    expect(MIN_BIAS_POINTS).toBe(4);
    // דנה: no point at all.
    expect(row(DANA).bias).toEqual({ status: 'not_enough_history', ratio: null, points: 0, called: 0, actual: 0 });
    // The team: 7,000/6,000 twice, 2,000/1,000, and 9 Nov 3,000 + 4,000 = 7,000 called, 3,500 + 1,500 = 5,000 won.
    expect(result.rows[0]!.bias).toEqual({ status: 'ok', ratio: 18_000 / 23_000, points: 4, called: 23_000, actual: 18_000 });
  });

  it("a value mapped by the admin changes past calls too (the snapshots keep the CRM's raw value)", () => {
    const mapped = commitForecast(DEALS, SNAPSHOTS, { ...opts, categoryMap: normaliseCategoryMap({ 'Best Case': 'commit', Upside: 'best_case' }) });
    const y = mapped.rows.find((r) => r.owner_id === YAMADA)!;
    expect(y.commit).toBe(10_000); // 3,000 won + 5,000 + the 2,000 Best Case now Commit
    expect(y.best_case).toBe(11_000); // + 'Upside' 1,000
    expect(mapped.categories.unknown).toBe(0);
    // 7 Sep now also calls the 3,000 Best Case: 10,000 called for that point.
    expect(y.bias.called).toBe(22_000);
  });

  it("puts the model's range for the same scope and period beside the commit", () => {
    const y = row(YAMADA);
    // The same call the quota report makes: every USD deal teaches the model, 山田's are forecast.
    const mine = DEALS.filter((d) => d.currency === 'USD').map((d) => ({ ...d, inScope: d.ownerId === YAMADA }));
    const rest = forecastWonRange(mine, { now: NOW, days: 17, scale: null, runs: 200, seed: 7 });
    expect(y.model.p10).toBeCloseTo(3_000 + rest.p10, 6);
    expect(y.model.p50).toBeCloseTo(3_000 + rest.p50, 6);
    expect(y.model.p90).toBeCloseTo(3_000 + rest.p90, 6);
    expect(y.commit_vs_model).toBe(y.commit < y.model.p10 ? 'below' : y.commit > y.model.p90 ? 'above' : 'within');
    expect(result.days_remaining).toBe(17); // 15 Dec 00:00 to 1 Jan 00:00
  });

  it('gives rows only to the reps asked for, the team still counting everyone', () => {
    const only = commitForecast(DEALS, SNAPSHOTS, { ...opts, ownerIds: [DANA] });
    expect(only.rows.map((r) => r.owner_id)).toEqual(['', DANA]);
    expect(only.rows[0]!.commit).toBe(14_500);
  });
});
