import { describe, expect, it } from 'vitest';
import { quotaAttainment, type QuotaDeal } from '../../src/metrics/attainment.js';
import { forecastWonRange, probabilityAtLeast, simulateWon, type SimulatedRange } from '../../src/metrics/won-range.js';
import { fiscalPeriodOf } from '../../src/time/fiscal.js';
import { isoToDay } from '../../src/time/calendar.js';

const s = (iso: string) => Date.parse(iso) / 1000;

function deal(p: Partial<Omit<QuotaDeal, 'created' | 'closed'>> & { created: string; closed?: string; won?: boolean; amount: number }): QuotaDeal {
  return {
    pipeline: p.pipeline ?? 'nb',
    amount: p.amount,
    amountKnown: p.amountKnown ?? true,
    created: s(p.created),
    closed: p.closed ? s(p.closed) : null,
    won: p.won ?? false,
    path: [],
    inScope: true,
    ownerId: p.ownerId ?? 'u-1',
    currency: p.currency === undefined ? 'USD' : p.currency,
  };
}

// Fiscal year from February: the quarter holding 2026-12-16 is FY2027 Q4, Nov 1 2026 – Feb 1 2027
// (30 + 31 + 31 = 92 days); the past quarters are Aug–Oct 2026 (92 days), May–Jul 2026 (92 days),
// Feb–Apr 2026 and Nov 2025 – Jan 2026.
const FSM = 2;
const NOW = new Date('2026-12-16T00:00:00Z'); // 45 of 92 days elapsed
const period = fiscalPeriodOf(isoToDay('2026-12-16'), 'quarter', FSM);

const deals: QuotaDeal[] = [
  // This quarter: 100k + 200k + 50k (no currency: the CRM's main, USD) won so far = 350k.
  deal({ created: '2026-09-01T00:00:00Z', closed: '2026-11-10T00:00:00Z', won: true, amount: 100_000 }),
  deal({ created: '2026-09-01T00:00:00Z', closed: '2026-12-01T00:00:00Z', won: true, amount: 200_000, ownerId: 'u-2' }),
  deal({ created: '2026-10-01T00:00:00Z', closed: '2026-12-15T12:00:00Z', won: true, amount: 50_000, currency: null }),
  // In euros: never added to dollars.
  deal({ created: '2026-10-01T00:00:00Z', closed: '2026-12-02T00:00:00Z', won: true, amount: 500_000, currency: 'EUR' }),
  // Last quarter (Aug–Oct): 100k on day 10 (Aug 11, before 45/92 of the way), 300k on day 80 (Oct 20, after).
  deal({ created: '2026-06-01T00:00:00Z', closed: '2026-08-11T00:00:00Z', won: true, amount: 100_000 }),
  deal({ created: '2026-06-01T00:00:00Z', closed: '2026-10-20T00:00:00Z', won: true, amount: 300_000 }),
  // May–Jul: 200k on day 30 (May 31).
  deal({ created: '2026-03-01T00:00:00Z', closed: '2026-05-31T00:00:00Z', won: true, amount: 200_000 }),
  // Lost in the last year: 1,050k, and a lost deal with no value (amount unknown).
  deal({ created: '2026-03-01T00:00:00Z', closed: '2026-09-01T00:00:00Z', amount: 1_050_000 }),
  deal({ created: '2026-03-01T00:00:00Z', closed: '2026-09-02T00:00:00Z', amount: 0, amountKnown: false }),
  // Open now: 300k (u-1) + 200k (u-2).
  deal({ created: '2026-11-20T00:00:00Z', amount: 300_000 }),
  deal({ created: '2026-11-20T00:00:00Z', amount: 200_000, ownerId: 'u-2' }),
];
const opts = { now: NOW, timeZone: 'UTC', fiscalStartMonth: FSM, defaultCurrency: 'USD', runs: 400 };

describe('quota attainment', () => {
  it('team: won, linear and historical pace, coverage and pipeline needed, worked by hand', () => {
    const a = quotaAttainment(deals, { scopeKind: 'team', scopeId: '', currency: 'USD', amount: 920_000 }, period, opts);
    expect(period.label).toBe('FY2027 Q4');
    expect(a.won).toBe(350_000);
    expect(a.attainment).toBeCloseTo(350_000 / 920_000, 10);
    expect(a.elapsed).toBeCloseTo(45 / 92, 12);
    // 920k × 45/92 = 450k.
    expect(a.expected_linear).toBeCloseTo(450_000, 6);
    // Past quarters at the same point: (100k + 200k) of (400k + 200k) = 0.5 -> 460k expected.
    expect(a.historical_share).toBeCloseTo(0.5, 12);
    expect(a.expected_historical).toBeCloseTo(460_000, 6);
    expect(a.pace_basis).toBe('historical');
    expect(a.pace).toBeCloseTo(350_000 / 460_000, 10);
    expect(a.still_needed).toBe(570_000);
    expect(a.days_remaining).toBe(47);
    // Open 300k + 200k = 500k against 570k still needed.
    expect([a.open_pipeline, a.open_deals]).toEqual([500_000, 2]);
    expect(a.coverage).toBeCloseTo(500 / 570, 12);
    // Closed in the last 365 days: won 100+200+50+100+300+200 = 950k over 6 deals, lost 1,050k,
    // and one lost deal of unknown amount counted at the mean won amount (950k / 6):
    // 950 / (950 + 1,050 + 950/6) = 5,700 / 12,950.
    expect(a.win_rate).toBeCloseTo(5_700 / 12_950, 12);
    expect(a.pipeline_needed).toBeCloseTo((570_000 * 12_950) / 5_700, 4);
    expect(a.pipeline_gap).toBeCloseTo((570_000 * 12_950) / 5_700 - 500_000, 4);
    expect(a.other_currency_deals).toBe(1);
    // The projection is what is won plus the model's range for the 47 days left.
    expect(a.projected.p10).toBeCloseTo(350_000 + a.rest.p10, 6);
    expect(a.projected.p90).toBeCloseTo(350_000 + a.rest.p90, 6);
    expect(a.rest.p10).toBeLessThanOrEqual(a.rest.p50);
    expect(a.rest.p50).toBeLessThanOrEqual(a.rest.p90);
    expect(a.probability).toBeGreaterThanOrEqual(0);
    expect(a.probability).toBeLessThanOrEqual(1);
  });

  it('pacing: one point per day, won until today, pace lines to the end', () => {
    const a = quotaAttainment(deals, { scopeKind: 'team', scopeId: '', currency: 'USD', amount: 920_000 }, period, opts);
    expect(a.pacing).toHaveLength(92);
    const at = (d: string) => a.pacing.find((p) => p.date === d)!;
    expect(at('2026-11-01').pace_linear).toBeCloseTo(10_000, 6);
    expect(at('2026-11-09').won).toBe(0);
    expect(at('2026-11-10').won).toBe(100_000);
    expect(at('2026-12-15').won).toBe(350_000);
    expect(at('2026-12-16').won).toBe(350_000);
    expect(at('2026-12-17').won).toBeNull();
    // End of Nov 11 = 11/92 of the way: only the Aug 11 deal (10/92) of the 600k history -> 1/6.
    expect(at('2026-11-11').pace_historical).toBeCloseTo(920_000 / 6, 6);
    expect(at('2027-01-31').pace_linear).toBeCloseTo(920_000, 6);
    expect(at('2027-01-31').pace_historical).toBeCloseTo(920_000, 6);
  });

  it('the pacing band: today at won so far, every 7th day, the last day at the projected range', () => {
    const target = { scopeKind: 'team' as const, scopeId: '', currency: 'USD', amount: 920_000 };
    const plain = quotaAttainment(deals, target, period, opts);
    const a = quotaAttainment(deals, target, period, { ...opts, bandEveryDays: 7 });
    expect(plain.band).toBeUndefined();
    // Today is Dec 16; then Dec 23, Dec 30, Jan 6, 13, 20, 27; the period's last day is Jan 31.
    expect(a.band!.map((b) => b.date)).toEqual(['2026-12-16', '2026-12-23', '2026-12-30', '2027-01-06', '2027-01-13', '2027-01-20', '2027-01-27', '2027-01-31']);
    expect(a.band![0]).toEqual({ date: '2026-12-16', p10: 350_000, p50: 350_000, p90: 350_000 });
    // The last point is where the period ends: the same range as without a band.
    expect(a.band!.at(-1)).toEqual({ date: '2027-01-31', ...{ p10: plain.projected.p10, p50: plain.projected.p50, p90: plain.projected.p90 } });
    expect([a.rest, a.probability]).toEqual([plain.rest, plain.probability]);
    // Dec 23 ends 8 days after now: the model's 8-day range on top of the 350k won.
    const eight = forecastWonRange(
      deals.map((d) => ({ ...d, inScope: true })).filter((d) => (d.currency ?? 'USD') === 'USD'),
      { now: NOW, days: 8, runs: 400, scale: null },
    );
    expect(a.band![1]!.p10).toBeCloseTo(350_000 + eight.p10, 6);
    expect(a.band![1]!.p90).toBeCloseTo(350_000 + eight.p90, 6);
    for (const b of a.band!) expect(b.p10).toBeLessThanOrEqual(b.p90);
  });

  it('a rep: only their deals; no history means a linear pace; a EUR target counts only EUR deals', () => {
    const rep = quotaAttainment(deals, { scopeKind: 'rep', scopeId: 'u-2', currency: 'USD', amount: 400_000 }, period, opts);
    expect([rep.won, rep.open_pipeline, rep.still_needed]).toEqual([200_000, 200_000, 200_000]);
    expect(rep.historical_share).toBeNull();
    expect(rep.pace_basis).toBe('linear');
    expect(rep.pace).toBeCloseTo(200_000 / (400_000 * (45 / 92)), 10);
    expect(rep.coverage).toBe(1);
    // u-2 closed only the 200k won deal in the last year: win rate 1, pipeline needed = still needed.
    expect(rep.win_rate).toBe(1);
    expect(rep.pipeline_gap).toBe(0);

    const eur = quotaAttainment(deals, { scopeKind: 'team', scopeId: '', currency: 'EUR', amount: 400_000 }, period, opts);
    expect([eur.won, eur.still_needed, eur.probability, eur.coverage]).toEqual([500_000, 0, 1, null]);
    expect(eur.other_currency_deals).toBe(10);
  });

  it('a pipeline target; a period not started yet expects nothing', () => {
    const ent = [...deals, deal({ created: '2026-11-02T00:00:00Z', closed: '2026-11-03T00:00:00Z', won: true, amount: 70_000, pipeline: 'ent' })];
    const a = quotaAttainment(ent, { scopeKind: 'pipeline', scopeId: 'ent', currency: 'USD', amount: 140_000 }, period, opts);
    expect([a.won, a.attainment]).toEqual([70_000, 0.5]);
    const next = fiscalPeriodOf(period.fromDay, 'quarter', FSM, 1);
    expect(next.label).toBe('FY2028 Q1');
    const b = quotaAttainment(ent, { scopeKind: 'team', scopeId: '', currency: 'USD', amount: 1 }, next, opts);
    expect([b.won, b.elapsed, b.expected_linear, b.pace]).toEqual([0, 0, 0, null]);
    expect(b.days_remaining).toBe(89); // Feb (28) + Mar (31) + Apr (30) 2027
  });
});

describe('a named team\'s target', () => {
  // Team "湾岸・関東" is 山田 and محمد; u-1 is not in it. Same quarter and now as above (45 of 92 days).
  const Y = '山田';
  const M = 'محمد';
  const teamDeals: QuotaDeal[] = [
    // This quarter: 山田 120k, محمد 60k won = 180k. u-1's 500k is not the team's; محمد's 40k EUR is another currency.
    deal({ ownerId: Y, created: '2026-09-01T00:00:00Z', closed: '2026-11-20T00:00:00Z', won: true, amount: 120_000 }),
    deal({ ownerId: M, created: '2026-09-01T00:00:00Z', closed: '2026-12-10T00:00:00Z', won: true, amount: 60_000 }),
    deal({ ownerId: 'u-1', created: '2026-09-01T00:00:00Z', closed: '2026-12-01T00:00:00Z', won: true, amount: 500_000 }),
    deal({ ownerId: M, created: '2026-09-01T00:00:00Z', closed: '2026-12-05T00:00:00Z', won: true, amount: 40_000, currency: 'EUR' }),
    // Last quarter (Aug–Oct, 92 days): 山田 80k on day 20 (before 45/92 of the way), محمد 120k on day 85 (after).
    deal({ ownerId: Y, created: '2026-06-01T00:00:00Z', closed: '2026-08-21T00:00:00Z', won: true, amount: 80_000 }),
    deal({ ownerId: M, created: '2026-06-01T00:00:00Z', closed: '2026-10-25T00:00:00Z', won: true, amount: 120_000 }),
    // Lost in the last year: محمد 100k.
    deal({ ownerId: M, created: '2026-06-01T00:00:00Z', closed: '2026-09-15T00:00:00Z', amount: 100_000 }),
    // Open now: 山田 150k, محمد 90k; u-1's 400k is not the team's.
    deal({ ownerId: Y, created: '2026-11-20T00:00:00Z', amount: 150_000 }),
    deal({ ownerId: M, created: '2026-11-20T00:00:00Z', amount: 90_000 }),
    deal({ ownerId: 'u-1', created: '2026-11-20T00:00:00Z', amount: 400_000 }),
  ];
  const target = { scopeKind: 'sales_team' as const, scopeId: 'crm:42', memberIds: [Y, M], currency: 'USD', amount: 400_000 };

  it("counts its members' deals only, in the target's currency: attainment, pace, coverage, pipeline needed by hand", () => {
    const a = quotaAttainment(teamDeals, target, period, opts);
    expect([a.scope, a.scope_id, a.currency, a.target]).toEqual(['sales_team', 'crm:42', 'USD', 400_000]);
    expect(a.won).toBe(180_000);
    expect(a.attainment).toBeCloseTo(0.45, 12);
    // 400k × 45/92.
    expect(a.expected_linear).toBeCloseTo((400_000 * 45) / 92, 6);
    // The team's past quarters at the same point: 80k of 200k = 0.4 -> 160k expected; 180k won is 112.5% of pace.
    expect(a.historical_share).toBeCloseTo(0.4, 12);
    expect(a.expected_historical).toBeCloseTo(160_000, 6);
    expect(a.pace).toBeCloseTo(1.125, 12);
    expect(a.still_needed).toBe(220_000);
    // Open 150k + 90k = 240k against 220k still needed: coverage 240/220.
    expect([a.open_pipeline, a.open_deals]).toEqual([240_000, 2]);
    expect(a.coverage).toBeCloseTo(240 / 220, 12);
    // Closed in the last year: won 120 + 60 + 80 + 120 = 380k, lost 100k -> 380/480.
    expect(a.win_rate).toBeCloseTo(380 / 480, 12);
    expect(a.pipeline_needed).toBeCloseTo((220_000 * 480) / 380, 6);
    expect(a.pipeline_gap).toBeCloseTo((220_000 * 480) / 380 - 240_000, 6);
    expect(a.other_currency_deals).toBe(1);
    // The range is for the members' open deals only, from what is won so far.
    expect(a.projected.p10).toBeCloseTo(180_000 + a.rest.p10, 6);
    // The company's rest of the period also holds u-1's 400k open deal: more is expected there.
    const company = quotaAttainment(teamDeals, { scopeKind: 'team', scopeId: '', currency: 'USD', amount: 400_000 }, period, opts);
    expect(company.won).toBe(680_000);
    expect(a.rest.expected).toBeLessThan(company.rest.expected);
  });

  it('equals the sum of its members as reps, and a team with nobody in it wins nothing', () => {
    const team = quotaAttainment(teamDeals, target, period, opts);
    const reps = [Y, M].map((id) => quotaAttainment(teamDeals, { scopeKind: 'rep', scopeId: id, currency: 'USD', amount: 1 }, period, opts));
    expect(team.won).toBe(reps[0]!.won + reps[1]!.won);
    expect(team.open_pipeline).toBe(reps[0]!.open_pipeline + reps[1]!.open_pipeline);
    const empty = quotaAttainment(teamDeals, { ...target, memberIds: [] }, period, opts);
    expect([empty.won, empty.open_pipeline, empty.other_currency_deals]).toEqual([0, 0, 0]);
  });
});

describe('probability of reaching an amount', () => {
  it('two coin-flip deals of 60 and 50: P(≥ 40) = 3/4, P(≥ 55) = 1/2, P(≥ 100) = 1/4', () => {
    const r = simulateWon(
      [
        { amount: 60, p: 0.5 },
        { amount: 50, p: 0.5 },
      ],
      [],
      { runs: 20_000, seed: 3 },
    );
    expect(probabilityAtLeast(r, 40, null)).toBeCloseTo(0.75, 1);
    expect(probabilityAtLeast(r, 55, null)).toBeCloseTo(0.5, 1);
    expect(probabilityAtLeast(r, 100, null)).toBeCloseTo(0.25, 1);
    expect(probabilityAtLeast(r, 111, null)).toBe(0);
    expect(probabilityAtLeast(r, 0, null)).toBe(1);
  });

  it('widened as the range is: totals 0, 10 … 100 with median 50, widened ×2, reach 70 when the raw total reaches 60', () => {
    const totals = Float64Array.from({ length: 11 }, (_, i) => i * 10);
    const r: SimulatedRange = { mean: 50, sd: 33, p10: 10, p50: 50, p90: 90, totals };
    expect(probabilityAtLeast(r, 70, null)).toBeCloseTo(4 / 11, 12);
    expect(probabilityAtLeast(r, 70, 2)).toBeCloseTo(5 / 11, 12);
    // Never narrowed: a scale below 1 counts as 1.
    expect(probabilityAtLeast(r, 70, 0.5)).toBeCloseTo(4 / 11, 12);
  });
});
