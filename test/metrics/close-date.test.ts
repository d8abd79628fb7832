/**
 * The expected close date as evidence (src/metrics/close-date.ts), on hand-built deals. Weeks
 * run Monday to Monday; 2026-01-05 is a Monday.
 */
import { describe, expect, it } from 'vitest';
import { closeBucket, closeDateObservations, closeDateOffsets, closeDayAt, fitOffset, withOffset, CLOSE_DATE_PRIOR } from '../../src/metrics/close-date.js';
import { backtestForecast } from '../../src/metrics/backtest.js';
import type { DealHistory } from '../../src/metrics/win-hazard.js';
import { isoToDay } from '../../src/time/calendar.js';

const DAY = 86_400;
const T0 = isoToDay('2026-01-05'); // a Monday
const at = (day: number, hours = 0) => day * DAY + hours * 3600;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('close-date buckets', () => {
  it('places the close date against the window [a, b) after the day', () => {
    // Window [0, 30) from day 100: none · before (overdue) · inside · just after [30, 60) · later.
    expect(closeBucket(null, 100, 0, 30)).toBe(0);
    expect(closeBucket(99, 100, 0, 30)).toBe(1);
    expect(closeBucket(100, 100, 0, 30)).toBe(2);
    expect(closeBucket(129, 100, 0, 30)).toBe(2);
    expect(closeBucket(130, 100, 0, 30)).toBe(3);
    expect(closeBucket(159, 100, 0, 30)).toBe(3);
    expect(closeBucket(160, 100, 0, 30)).toBe(4);
    // A later window [30, 60): before it is anything under 30 days away, just after is [60, 90).
    expect(closeBucket(129, 100, 30, 60)).toBe(1);
    expect(closeBucket(130, 100, 30, 60)).toBe(2);
    expect(closeBucket(189, 100, 30, 60)).toBe(3);
    expect(closeBucket(190, 100, 30, 60)).toBe(4);
  });

  it('reads the close date known at T from the newest snapshot taken in the 14 days before it', () => {
    const d: DealHistory = {
      pipeline: 'p',
      amount: 1,
      created: at(T0),
      closed: null,
      won: false,
      path: [],
      inScope: true,
      closeDay: 999, // today's: never used for a past instant
      snapshots: [
        { t: at(T0 + 1), amount: 1, closeDay: 40 },
        { t: at(T0 + 8), amount: 1, closeDay: null },
        { t: at(T0 + 15), amount: 1, closeDay: 60 },
      ],
    };
    expect(closeDayAt(d, at(T0))).toBeUndefined(); // before the first snapshot: not known
    expect(closeDayAt(d, at(T0 + 7))).toBe(40);
    expect(closeDayAt(d, at(T0 + 14))).toBeNull(); // none set then
    expect(closeDayAt(d, at(T0 + 15))).toBe(60);
    expect(closeDayAt(d, at(T0 + 29))).toBe(60); // 14 days old
    expect(closeDayAt(d, at(T0 + 30))).toBeUndefined(); // too old to say
  });
});

describe('the offset of a bucket', () => {
  it('is the MAP log-odds shift with a normal prior of precision 4', () => {
    // 10 deals at p = 0.5, 8 won. Stationary point: 8 − 10 σ(β) − 4 β = 0.
    // β = 0.45 → 8 − 6.106 − 1.800 = +0.094; β = 0.50 → 8 − 6.225 − 2.000 = −0.225: β ≈ 0.465.
    const beta = fitOffset([{ p: 0.5, n: 10, y: 8 }], CLOSE_DATE_PRIOR);
    expect(CLOSE_DATE_PRIOR).toBe(4);
    expect(8 - 10 * sigmoid(beta) - 4 * beta).toBeCloseTo(0, 9);
    expect(beta).toBeCloseTo(0.4646, 3);
    // Without the prior it is the raw calibration: σ(β) = 0.8, β = ln 4.
    expect(fitOffset([{ p: 0.5, n: 10, y: 8 }], 0)).toBeCloseTo(Math.log(4), 9);
    // No evidence: no shift. Two groups at different p: Σ n σ(logit p + β) = Σ y without a prior.
    expect(fitOffset([], 4)).toBe(0);
    const b2 = fitOffset(
      [
        { p: 0.2, n: 50, y: 5 },
        { p: 0.6, n: 20, y: 6 },
      ],
      0,
    );
    const logit = (p: number) => Math.log(p / (1 - p));
    expect(50 * sigmoid(logit(0.2) + b2) + 20 * sigmoid(logit(0.6) + b2)).toBeCloseTo(11, 9);
    expect(withOffset(0.2, Math.log(2))).toBeCloseTo(1 / 3, 12); // odds 0.25 × 2 = 0.5
    expect(withOffset(0, 3)).toBe(0);
    expect(withOffset(1, -3)).toBe(1);
  });
});

describe('learning the offsets from snapshots', () => {
  // One deal open in a Monday snapshot, per week w = 0..19 (snapshot at T0 + 7w, 09:00), in Lead since
  // its creation that morning. Even weeks: close date 10 days out, won 12 days after the snapshot.
  // Odd weeks: close date 100 days out, lost 12 days after.
  const deals: DealHistory[] = Array.from({ length: 20 }, (_, w) => {
    const s = at(T0 + 7 * w, 9);
    const wins = w % 2 === 0;
    const end = s + 12 * DAY;
    return {
      pipeline: 'p',
      amount: 100,
      created: s,
      closed: end,
      won: wins,
      path: [
        { code: 0, t: s },
        { code: wins ? 4 : 5, t: end },
      ],
      inScope: true,
      snapshots: [{ t: s, amount: 100, closeDay: T0 + 7 * w + (wins ? 10 : 100) }],
    };
  });
  const flat = () => 0.25; // P(won within any window > 0) of a hazard model that knows nothing else

  it('uses only snapshots whose window had ended by T, and shifts each bucket towards what happened', () => {
    const obs = closeDateObservations(deals, 0, 30)!;
    expect(obs.times).toHaveLength(20);
    // T = T0 + 7·10 + 30 days + 9 h: snapshots of weeks 0..10 have ended windows (week 10's just).
    const T = at(T0 + 70 + 30, 9);
    const offsets = closeDateOffsets(obs, T, 365, (_p, _c, _d, days) => (days > 0 ? flat() : 0))!;
    // Inside the window: weeks 0, 2, …, 10 → 6 deals, 6 won at p = 0.25. Later: weeks 1, …, 9 → 5, none won.
    const inside = fitOffset([{ p: 0.25, n: 6, y: 6 }], CLOSE_DATE_PRIOR);
    const later = fitOffset([{ p: 0.25, n: 5, y: 0 }], CLOSE_DATE_PRIOR);
    expect(offsets[2]).toBeCloseTo(inside, 12);
    expect(offsets[4]).toBeCloseTo(later, 12);
    expect(offsets[2]!).toBeGreaterThan(0);
    expect(offsets[4]!).toBeLessThan(0);
    expect(offsets[0]).toBe(0); // no deal without a close date
    // An hour earlier, week 10's window has not ended: 5 inside.
    const before = closeDateOffsets(obs, T - 3600, 365, (_p, _c, _d, days) => (days > 0 ? flat() : 0))!;
    expect(before[2]).toBeCloseTo(fitOffset([{ p: 0.25, n: 5, y: 5 }], CLOSE_DATE_PRIOR), 12);
    // Nothing old enough: no offsets.
    expect(closeDateOffsets(obs, at(T0 + 29), 365, flat)).toBeNull();
  });
});

describe('backtest point with close dates', () => {
  // 230 deals, one a day from T0, Lead then Proposal after 10 days; every third won 20 days in, the
  // rest lost 25 days in. A weekly snapshot (Tuesdays 08:00) of each open deal records its close
  // date: the winners' the day they will win, the losers' 90 days out.
  const t = T0 + 203; // a Monday
  const build = (after: 'same' | 'changed'): DealHistory[] =>
    Array.from({ length: 230 }, (_, k) => {
      const c = at(T0 + k, 9);
      const wins = k % 3 === 0;
      const end = c + (wins ? 20 : 25) * DAY;
      const snapshots: NonNullable<DealHistory['snapshots']> = [];
      for (let s = at(T0 + 1, 8); s < end; s += 7 * DAY) {
        if (s < c) continue;
        // After t, the changed version records the opposite close dates.
        const flip = after === 'changed' && s > at(t);
        const closeDay = Math.floor(end / DAY) + (wins !== flip ? 0 : 90);
        snapshots.push({ t: s, amount: 1000, closeDay });
      }
      return {
        pipeline: 'p',
        amount: 1000,
        created: c,
        closed: end,
        won: wins,
        path: [
          { code: 0, t: c },
          { code: 2, t: c + 10 * DAY },
          { code: wins ? 4 : 5, t: end },
        ],
        inScope: true,
        // Today's close date of a closed deal is the day it closed: the look-ahead the backtest must not read.
        closeDay: Math.floor(end / DAY),
        snapshots,
      };
    });
  const opts = { days: [t], crmByDepth: [0.1, 0.2, 0.5, 0.8] };

  it('reads close dates only from snapshots taken by t', () => {
    const same = backtestForecast(build('same'), opts).points[0]!;
    const changed = backtestForecast(build('changed'), opts).points[0]!;
    expect(same.warm_up).toBe(false);
    expect(changed).toEqual(same);
  });

  it('moves the open deals toward the close dates the reps set', () => {
    const withDates = build('same');
    const without = withDates.map((d) => ({ ...d, snapshots: d.snapshots!.map((s) => ({ t: s.t, amount: s.amount })) }));
    const a = backtestForecast(withDates, opts).points[0]!;
    const b = backtestForecast(without, opts).points[0]!;
    // What was won in the window is the same; the forecast with close dates is nearer to what the deals open at t won.
    expect(a.actual).toBe(b.actual);
    expect(Math.abs(a.forecast_open! - a.actual_existing!)).toBeLessThan(Math.abs(b.forecast_open! - b.actual_existing!));
  });
});
