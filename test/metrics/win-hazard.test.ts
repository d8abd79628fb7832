/**
 * The time-bound forecast model on hand-built deals: every expected number is worked out in the
 * comments. Weeks run Monday to Monday; 2026-01-05 is a Monday.
 */
import { describe, expect, it } from 'vitest';
import { buildObservations, fitHazards, hazardRows, observationsOf, windowCounts, winCurves, winWithin, type DealHistory } from '../../src/metrics/win-hazard.js';
import { newDealCount, newDealInputs, simulateWon, errorScale, relativeError, scaleForRelativeError, widen, rangeFor, type FittedModel } from '../../src/metrics/won-range.js';
import { backtestForecast } from '../../src/metrics/backtest.js';
import { isoToDay } from '../../src/time/calendar.js';

const DAY = 86_400;
const T0 = isoToDay('2026-01-05'); // a Monday
const at = (day: number, hours = 0) => day * DAY + hours * 3600;

function deal(o: Partial<DealHistory> & { path: DealHistory['path'] }): DealHistory {
  return { pipeline: 'p', amount: 1000, created: o.path[0]?.t ?? at(T0), closed: null, won: false, inScope: true, ...o };
}

describe('hazard table for two stages', () => {
  // Four deals enter Proposal (code 2) on Monday T0:
  //   A won on T0+3, B lost on T0+3, C and D move to Negotiation (3) on T0+2.
  //   In Negotiation: C won on T0+9 (week 2), D still there on T0+14 and won on T0+17 (week 3).
  const deals = [
    deal({ path: [{ code: 2, t: at(T0) }, { code: 4, t: at(T0 + 3) }], closed: at(T0 + 3), won: true }),
    deal({ path: [{ code: 2, t: at(T0) }, { code: 5, t: at(T0 + 3) }], closed: at(T0 + 3) }),
    deal({ path: [{ code: 2, t: at(T0) }, { code: 3, t: at(T0 + 2) }, { code: 4, t: at(T0 + 9) }], closed: at(T0 + 9), won: true }),
    deal({ path: [{ code: 2, t: at(T0) }, { code: 3, t: at(T0 + 2) }, { code: 4, t: at(T0 + 17) }], closed: at(T0 + 17), won: true }),
  ];
  const obs = buildObservations(deals, { fromDay: T0, toDay: T0 + 28 });
  const counts = windowCounts(obs, T0 + 7, T0 + 21);
  // No priors: the table is the raw weekly frequencies.
  const h = fitHazards(counts, 'p', { cell: 0, pipeline: 0 });
  const row = (stage: number, bucket: number) => hazardRows(h).find((r) => r.stage === stage && r.bucket === bucket)!;

  it('counts deal-weeks by stage and whole weeks in stage, and what happened by the next Monday', () => {
    // Proposal, 0 weeks in: 4 deal-weeks (A B C D on T0); won 1 (A), lost 1 (B); C and D moved on.
    expect(row(2, 0)).toEqual({ stage: 2, bucket: 0, exposure: 4, won: 0.25, lost: 0.25 });
    // Negotiation on T0+7 (C and D, 5 days in → bucket 0): C won, D stayed → 1/2.
    expect(row(3, 0)).toEqual({ stage: 3, bucket: 0, exposure: 2, won: 0.5, lost: 0 });
    // Negotiation on T0+14 (D, 12 days in → bucket 1 = [1, 2) weeks): won → 1/1.
    expect(row(3, 1)).toEqual({ stage: 3, bucket: 1, exposure: 1, won: 1, lost: 0 });
  });

  it('chains the weeks into P(won within H)', () => {
    const V = winCurves(h, 4);
    // 1 week: 1/4. 2 weeks: 1/4 + (2/4 moved) × P(Neg, 0 weeks → won within 1) = 1/4 + 1/2 · 1/2 = 1/2.
    // 3 weeks: 1/4 + 1/2 × (1/2 + 1/2 × 1) = 3/4.
    expect(winWithin(V, 2, 0, 7)).toBeCloseTo(0.25, 12);
    expect(winWithin(V, 2, 0, 14)).toBeCloseTo(0.5, 12);
    expect(winWithin(V, 2, 0, 21)).toBeCloseTo(0.75, 12);
    // 10 days = 1 week + 3/7 of the second: 1/4 + 3/7 · (1/2 − 1/4).
    expect(winWithin(V, 2, 0, 10)).toBeCloseTo(0.25 + (3 / 7) * 0.25, 12);
    // A deal 9 days into Negotiation (bucket 1) is won within a week for sure here.
    expect(winWithin(V, 3, 9, 7)).toBeCloseTo(1, 12);
  });

  it('answers a window the same from observations built to a later day (shared by backtest and forecast)', () => {
    const later = observationsOf(deals, T0, T0 + 70);
    expect(observationsOf(deals, T0, T0 + 28)).toBe(later); // reused, not rebuilt
    for (const to of [T0 + 7, T0 + 14, T0 + 21, T0 + 28]) expect(windowCounts(later, T0 + 7, to)).toEqual(windowCounts(obs, T0 + 7, to));
  });

  it('uses only weeks that ended inside the learning window', () => {
    // Learning up to T0+7 sees week 1 only: Negotiation has no data and takes the (empty) global rate: stay.
    const early = fitHazards(windowCounts(obs, T0 + 7, T0 + 7), 'p', { cell: 0, pipeline: 0 });
    expect(hazardRows(early).find((r) => r.stage === 3 && r.bucket === 0)).toMatchObject({ exposure: 0, won: 0 });
    expect(winWithin(winCurves(early, 4), 2, 0, 21)).toBeCloseTo(0.25, 12);
  });
});

describe('shrinkage of a thin cell', () => {
  // Pipeline "big": 100 deals in Proposal on T0, 10 won that week. Pipeline "thin": 2 deals in
  // Proposal since T0−14 (2 weeks in → bucket 2), 1 won that week.
  const big = Array.from({ length: 100 }, (_, i) =>
    deal({ pipeline: 'big', path: [{ code: 2, t: at(T0) }, ...(i < 10 ? [{ code: 4, t: at(T0 + 1) }] : [])], closed: i < 10 ? at(T0 + 1) : null, won: i < 10 }),
  );
  const thin = [
    deal({ pipeline: 'thin', path: [{ code: 2, t: at(T0 - 14) }, { code: 4, t: at(T0 + 2) }], closed: at(T0 + 2), won: true }),
    deal({ pipeline: 'thin', path: [{ code: 2, t: at(T0 - 14) }] }),
  ];
  const counts = windowCounts(buildObservations([...big, ...thin], { fromDay: T0 - 21, toDay: T0 + 7 }), T0 + 7, T0 + 7);

  it('leans on the pipeline rate (prior 20), which leans on the global rate (prior 50)', () => {
    const h = fitHazards(counts, 'thin');
    // global won rate in Proposal = (10 + 1) / (100 + 2) = 11/102
    // pipeline "thin", Proposal = (1 + 50 · 11/102) / (2 + 50)
    // cell "thin", Proposal, bucket 2 = (1 + 20 · pipe) / (2 + 20)
    const g = 11 / 102;
    const pipe = (1 + 50 * g) / 52;
    const cell = (1 + 20 * pipe) / 22;
    expect(hazardRows(h).find((r) => r.stage === 2 && r.bucket === 2)!.won).toBeCloseTo(cell, 12);
    // An empty cell of the same pipeline and stage is the pipeline rate itself.
    expect(hazardRows(h).find((r) => r.stage === 2 && r.bucket === 0)!.won).toBeCloseTo(pipe, 12);
    // The raw 1/2 is pulled most of the way to the global 11/102.
    expect(cell).toBeGreaterThan(g);
    expect(cell).toBeLessThan(0.2);
  });
});

describe('shrinkage along the ages of a stage', () => {
  // One pipeline, Proposal (stage 2): 10 deal-weeks at 0 weeks in (4 won, 6 stayed), 5 at 1 week
  // in (all stayed), none older. Cells are [n, won, lost, open 0..3] per (stage, bucket).
  const counts = new Float64Array(4 * 7 * 7);
  const cell = (stage: number, bucket: number) => (stage * 7 + bucket) * 7;
  counts.set([10, 4, 0, 0, 0, 6, 0], cell(2, 0));
  counts.set([5, 0, 0, 0, 0, 5, 0], cell(2, 1));
  const h = fitHazards(new Map([['p', counts]]), 'p');
  const won = (b: number) => hazardRows(h).find((r) => r.stage === 2 && r.bucket === b)!.won;

  it('leans an older cell on the one just younger, the youngest on the stage rate', () => {
    // One pipeline: global = pipeline = 4/15 won a week.
    // bucket 0: (4 + 20 · 4/15) / (10 + 20) = 28/90
    // bucket 1: (0 + 20 · 28/90) / (5 + 20) = 0.8 · 28/90
    // bucket 2 (no data): bucket 1's rate, not the stage's 4/15
    expect(won(0)).toBeCloseTo(28 / 90, 12);
    expect(won(1)).toBeCloseTo(0.8 * (28 / 90), 12);
    expect(won(2)).toBeCloseTo(0.8 * (28 / 90), 12);
    expect(won(6)).toBeCloseTo(0.8 * (28 / 90), 12);
    expect(won(2)).toBeLessThan(4 / 15);
  });
});

describe('credibility of the model against the run-rate', () => {
  // A model that gives every open deal p = 0.5 within the window, learned from 100 closed deals.
  const model = (warmUp: boolean, closed: number): FittedModel => ({
    at: 0,
    warmUp,
    closedInWindow: closed,
    pWon: (_p, _c, _d, days) => (days > 0 ? 0.5 : 0),
    newDeals: new Map(),
    weeklyCloseRate: new Map(),
    value: (d) => d.amount,
    valueThen: (d) => d.amount,
    closeOffsets: () => null,
    pWonWindow: (_o, a, b) => (b > 0 && a <= 0 ? 0.5 : 0),
  });
  const open = [1000, 1000].map((amount) => ({ d: deal({ amount, path: [{ code: 3, t: at(T0) }] }), c: 3, daysInStage: 3 }));

  it('mixes the model and the run-rate by closed ÷ (closed + 100), and moves the range with it', () => {
    // Model: 2 × 1,000 × 0.5 = 1,000. Run-rate 3,000. z = 100 / 200 = 0.5 → 0.5 · 1,000 + 0.5 · 3,000 = 2,000.
    const r = rangeFor(model(false, 100), open, 0, 30, { runRate: 3000, runs: 400, seed: 1 });
    expect(r.open).toBe(1000);
    expect(r.credibility).toBe(0.5);
    expect(r.expected).toBe(2000);
    // The simulated outcomes are 0, 1,000 or 2,000 (median 1,000): moved by +1,000.
    const alone = rangeFor(model(false, 100), open, 0, 30, { runs: 400, seed: 1 });
    expect(alone.expected).toBe(1000);
    expect(alone.credibility).toBe(1);
    expect(r.p50).toBe(alone.p50 + 1000);
    expect(r.p90).toBe(alone.p90 + 1000);
    // 300 closed deals: z = 0.75 → 0.75 · 1,000 + 0.25 · 3,000 = 1,500.
    expect(rangeFor(model(false, 300), open, 0, 30, { runRate: 3000 }).expected).toBe(1500);
  });

  it('is the run-rate alone in warm-up', () => {
    const r = rangeFor(model(true, 10), open, 0, 30, { runRate: 3000 });
    expect(r.credibility).toBe(0);
    expect(r.expected).toBe(3000);
  });
});

describe('new-deal term', () => {
  it('rate × Σ conversion curve × typical size', () => {
    const T = at(T0);
    // Cohort (created in [T − 365 d, T − 30 d)): 10 deals created at T − 100 d; won within
    // 5 days: two (4.5 days → counted from day 5), won on day 20.5: one (from day 21). Amounts 1,000, 2,000, 6,000.
    const c = T - 100 * DAY;
    const cohort = Array.from({ length: 10 }, (_, i) => {
      const wonAfter = [4.5, 4.5, 20.5][i];
      return deal({
        amount: [1000, 2000, 6000][i] ?? 500,
        created: c,
        path: [{ code: 0, t: c }],
        closed: wonAfter === undefined ? c + 60 * DAY : c + wonAfter * DAY,
        won: wonAfter !== undefined,
      });
    });
    // Created in the last 45 days (and not in the cohort: less than 30 days old): 9 → 9 / 45 = 0.2 a day.
    const recent = Array.from({ length: 9 }, () => deal({ created: T - 20 * DAY, path: [{ code: 0, t: T - 20 * DAY }] }));
    const inp = newDealInputs([...cohort, ...recent], T, 30, 365).get('p')!;
    expect(inp.ratePerDay).toBeCloseTo(0.2, 12);
    // No deal in the recent cohort ([T − 75 d, T − 30 d)): the curve is the year's.
    // F(d) = 0 for d < 5, 2/10 for 5 ≤ d < 21, 3/10 from 21 (one pipeline: its curve is the all-pipeline curve).
    expect(inp.conversion[4]).toBe(0);
    expect(inp.conversion[5]).toBeCloseTo(0.2, 12);
    expect(inp.conversion[30]).toBeCloseTo(0.3, 12);
    // Deals created on day j have 30 − j days: Σ_{d=1}^{30} F(d) = 16 × 0.2 + 10 × 0.3 = 6.2 → 0.2 × 6.2 = 1.24 deals.
    expect(newDealCount(inp, 0, 30)).toBeCloseTo(1.24, 12);
    // Typical size = mean of the cohort's deals won within 30 days = 3,000 → 3,720 expected.
    expect(inp.meanSize).toBe(3000);
    // Days [10, 30): Σ_{j<30} F(30 − j) − F(10 − j) = 6.2 − Σ_{d=1}^{10} F(d) = 6.2 − 6 × 0.2 = 5.0 → 1.0.
    expect(newDealCount(inp, 10, 30)).toBeCloseTo(1.0, 12);
  });

  it('the recent cohort moves the curve, leaning on the year with 20 pseudo-deals', () => {
    const T = at(T0);
    // The year's cohort as above (10 deals created at T − 100 d: two won on day 4.5, one on 20.5) plus
    // 10 deals created at T − 50 d, inside the recent cohort [T − 75 d, T − 30 d): five won on day 2.5 (from d = 3).
    const old = T - 100 * DAY;
    const young = T - 50 * DAY;
    const deals = [
      ...Array.from({ length: 10 }, (_, i) => {
        const wonAfter = [4.5, 4.5, 20.5][i];
        return deal({ amount: [1000, 2000, 6000][i] ?? 500, created: old, path: [{ code: 0, t: old }], closed: old + (wonAfter ?? 60) * DAY, won: wonAfter !== undefined });
      }),
      ...Array.from({ length: 10 }, (_, i) => deal({ amount: 500, created: young, path: [{ code: 0, t: young }], closed: young + (i < 5 ? 2.5 : 60) * DAY, won: i < 5 })),
      ...Array.from({ length: 9 }, () => deal({ created: T - 20 * DAY, path: [{ code: 0, t: T - 20 * DAY }] })),
    ];
    const inp = newDealInputs(deals, T, 30, 365).get('p')!;
    // Rate: the 9 deals of the last 45 days (the T − 50 d ones are older) → 0.2 a day.
    expect(inp.ratePerDay).toBeCloseTo(0.2, 12);
    // Year: 20 deals; won within d: 5 from d = 3, 7 from d = 5, 8 from d = 21. One pipeline, so
    // year(d) = (w + 20 · w/20) / (20 + 20) = w / 20: 0.25, 0.35, 0.4.
    // Recent: 10 deals, 5 won from d = 3: F(d) = (recent(d) + 20 · year(d)) / (10 + 20).
    expect(inp.conversion[2]).toBe(0);
    expect(inp.conversion[3]).toBeCloseTo((5 + 20 * 0.25) / 30, 12); // 1/3
    expect(inp.conversion[5]).toBeCloseTo((5 + 20 * 0.35) / 30, 12); // 0.4
    expect(inp.conversion[30]).toBeCloseTo((5 + 20 * 0.4) / 30, 12); // 13/30
    // Σ_{d=1}^{30} F(d) = 2 × 1/3 + 16 × 0.4 + 10 × 13/30 = 11.4 → 0.2 × 11.4 = 2.28 deals.
    expect(newDealCount(inp, 0, 30)).toBeCloseTo(2.28, 12);
    // Sizes are the year's wins within 30 days: (1,000 + 2,000 + 6,000 + 5 × 500) / 8.
    expect(inp.meanSize).toBeCloseTo(1437.5, 12);
  });
});

describe('range', () => {
  it('is deterministic for a seed; P10 ≤ P50 ≤ P90; the mean matches Σ amount × p', () => {
    const open = Array.from({ length: 50 }, (_, i) => ({ amount: 1000 + i * 10, p: 0.3 }));
    const a = simulateWon(open, [], { runs: 2000, seed: 7 });
    expect(simulateWon(open, [], { runs: 2000, seed: 7 })).toEqual(a);
    expect(a.p10).toBeLessThanOrEqual(a.p50);
    expect(a.p50).toBeLessThanOrEqual(a.p90);
    const mean = open.reduce((s, d) => s + d.amount * d.p, 0);
    expect(Math.abs(a.mean - mean) / mean).toBeLessThan(0.03);
  });

  it('widens by the root mean square of past z-scores, never narrows', () => {
    // z = (130 − 100)/10 = 3 and (70 − 100)/10 = −3, six times: s = 3.
    const past = Array.from({ length: 6 }, (_, i) => ({ actual: i % 2 ? 70 : 130, mean: 100, sd: 10 }));
    expect(errorScale(past)).toBeCloseTo(3, 12);
    expect(errorScale(past.slice(0, 5))).toBeNull();
    expect(widen({ mean: 100, sd: 10, p10: 90, p50: 100, p90: 112 }, 3)).toEqual({ p10: 70, p50: 100, p90: 136 });
    expect(widen({ mean: 100, sd: 10, p10: 90, p50: 100, p90: 112 }, 0.5)).toEqual({ p10: 90, p50: 100, p90: 112 });
  });

  it('the relative error carries the misses to a smaller scope for its own size', () => {
    // Six team points: misses of ±30 around 100 with a simulated sd of 10.
    // c² = Σ(30² − 10²) / Σ 100² = 6·800 / 6·10000 = 0.08, c = 0.2828…
    const past = Array.from({ length: 6 }, (_, i) => ({ actual: i % 2 ? 70 : 130, mean: 100, sd: 10 }));
    expect(relativeError(past)).toBeCloseTo(Math.sqrt(0.08), 12);
    expect(relativeError(past.slice(0, 5))).toBeNull();
    // Misses no bigger than the simulation explains: nothing systematic.
    expect(relativeError(past.map((p) => ({ ...p, sd: 40 })))).toBe(0);
    // The team itself (expected 100, sd 10): √(1 + (0.2828·100/10)²) = √9 = 3, the same as errorScale.
    expect(scaleForRelativeError(Math.sqrt(0.08), 100, 10)).toBeCloseTo(3, 12);
    // A rep with a tenth of the value and a relatively wider simulation (expected 10, sd 5):
    // √(1 + (0.2828·10/5)²) = √1.32 = 1.1489, not the team's 3.
    expect(scaleForRelativeError(Math.sqrt(0.08), 10, 5)).toBeCloseTo(Math.sqrt(1.32), 12);
    expect(scaleForRelativeError(0.3, 10, 0)).toBe(1);
  });
});

describe('backtest point', () => {
  // 200 days of history before the date t: a deal created every day in Lead, moving to Proposal
  // after 10 days; every third won 20 days in, the rest lost 25 days in. Then, for the future:
  // two versions that agree on everything up to t and differ after it.
  const t = T0 + 203; // a Monday (203 = 29 weeks)
  const history = (future: 'good' | 'bad'): DealHistory[] =>
    Array.from({ length: 230 }, (_, k) => {
      const c = at(T0 + k, 9);
      const p2 = c + 10 * DAY;
      const wins = k % 3 === 0;
      let end = c + (wins ? 20 : 25) * DAY;
      let won = wins;
      const path = [{ code: 0, t: c }, { code: 2, t: p2 }];
      // After t the two futures differ: stage moves, outcomes and close times.
      if (end > at(t)) {
        won = future === 'good';
        end = Math.max(end, at(t)) + (future === 'good' ? 2 * DAY : 40 * DAY);
        if (future === 'good' && p2 > at(t)) path[1] = { code: 3, t: p2 };
      }
      if (path[1]!.t > end) path.pop();
      return deal({ amount: 1000 + (k % 5) * 100, created: c, path: [...path, { code: won ? 4 : 5, t: end }], closed: end, won });
    });

  it('changes nothing in the forecast made at t when everything after t changes', () => {
    const opts = { days: [t], crmByDepth: [0.1, 0.2, 0.5, 0.8] };
    const good = backtestForecast(history('good'), opts).points[0]!;
    const bad = backtestForecast(history('bad'), opts).points[0]!;
    expect(good.warm_up).toBe(false);
    const { actual: ag, actual_existing: eg, ...forecastGood } = good;
    const { actual: ab, actual_existing: eb, ...forecastBad } = bad;
    expect(forecastGood).toEqual(forecastBad);
    // …while what actually happened differs: the good future wins every open deal within days.
    expect(ag).toBeGreaterThan(ab);
    expect(eg).toBeGreaterThan(0);
    expect(good.forecast).toBeGreaterThan(0);
    expect(good.forecast_p10!).toBeLessThanOrEqual(good.forecast);
    expect(good.forecast_p90!).toBeGreaterThanOrEqual(good.forecast_p10!);
  });

  it('values a deal open at t by its newest weekly snapshot taken by t, not by a later one', () => {
    const base = history('bad');
    const opts = { days: [t], crmByDepth: [0.1, 0.2, 0.5, 0.8] };
    const plain = backtestForecast(base, opts).points[0]!;
    const openAtT = (d: DealHistory) => d.created <= at(t) && (d.closed === null || d.closed > at(t));
    // Snapshotted 3 days before t at twice the current amount (and a day after t at 100×): the open part and the
    // CRM-probability forecast double; the new-deal term, the run-rate and what was won do not move.
    const snapped = base.map((d) => (openAtT(d) ? { ...d, snapshots: [{ t: at(t - 3), amount: 2 * d.amount }, { t: at(t + 1), amount: 100 * d.amount }] } : d));
    const r = backtestForecast(snapped, opts).points[0]!;
    expect(plain.forecast_open!).toBeGreaterThan(0);
    expect(r.forecast_open).toBeCloseTo(2 * plain.forecast_open!, 1);
    expect(r.forecast_crm).toBeCloseTo(2 * plain.forecast_crm, 1);
    expect(r.forecast_new).toBe(plain.forecast_new);
    expect(r.forecast_run_rate).toBe(plain.forecast_run_rate);
    expect(r.actual).toBe(plain.actual);
    // Only a snapshot after t: nothing was known of the amount then but today's, as without snapshots.
    const later = base.map((d) => (openAtT(d) ? { ...d, snapshots: [{ t: at(t + 1), amount: 100 * d.amount }] } : d));
    expect(backtestForecast(later, opts).points[0]).toEqual(plain);
  });

  it('values a snapshot without an amount at the typical won size of the learning window', () => {
    const base = history('bad');
    const opts = { days: [t], crmByDepth: [0.1, 0.2, 0.5, 0.8] };
    const openAtT = (d: DealHistory) => d.created <= at(t) && (d.closed === null || d.closed > at(t));
    // Typical size: mean amount of the deals won in the 365 days before t (all history here).
    const won = base.filter((d) => d.won && d.closed! < at(t));
    const typical = won.reduce((s, d) => s + d.amount, 0) / won.length;
    const flat = base.map((d) => (openAtT(d) ? { ...d, amount: typical } : d));
    const none = base.map((d) => (openAtT(d) ? { ...d, snapshots: [{ t: at(t - 3), amount: null }] } : d));
    const a = backtestForecast(flat, opts).points[0]!;
    const b = backtestForecast(none, opts).points[0]!;
    expect(b.forecast_open).toBeCloseTo(a.forecast_open!, 1);
    expect(b.forecast_crm).toBeCloseTo(a.forecast_crm, 1);
  });

  it('counts all value won in the window as actual, the part from deals that existed at t separately', () => {
    const deals = history('bad');
    const r = backtestForecast(deals, { days: [t], crmByDepth: [0.1, 0.2, 0.5, 0.8] }).points[0]!;
    const from = at(t);
    const to = at(t + 30);
    const won = deals.filter((d) => d.won && d.closed! >= from && d.closed! < to);
    expect(r.actual).toBe(won.reduce((s, d) => s + d.amount, 0));
    expect(r.actual_existing).toBe(won.filter((d) => d.created <= from).reduce((s, d) => s + d.amount, 0));
  });

  it('marks warm-up dates and falls back to the run-rate there', () => {
    // At T0 + 56 only 56 days of history exist (< 120): warm-up.
    const deals = history('bad');
    const p = backtestForecast(deals, { days: [T0 + 56], crmByDepth: [0.1, 0.2, 0.5, 0.8] }).points[0]!;
    expect(p.warm_up).toBe(true);
    // Run-rate: won in the 56 days before, scaled to 30 days.
    const won = deals.filter((d) => d.won && d.closed! < at(T0 + 56)).reduce((s, d) => s + d.amount, 0);
    expect(p.forecast).toBeCloseTo((won * 30) / (56 - 9 / 24), 1);
  });
});
