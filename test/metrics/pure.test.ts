/** The pure metric functions on hand-made rows. */
import { describe, expect, it } from 'vitest';
import { deriveDealFact, type StageInfo } from '../../src/metrics/deal-facts.js';
import { calibrate, type StageProbabilityInput } from '../../src/metrics/probabilities.js';
import { backtest, wape } from '../../src/metrics/backtest.js';
import { forecastByMonth } from '../../src/metrics/forecast.js';
import { cumulativeFunnel } from '../../src/metrics/funnel.js';
import { medianOfCounts, isoToDay, weekStart, dayToIso } from '../../src/metrics/periods.js';
import { parseSince } from '../../src/reports/filters.js';

const stages = new Map<string, StageInfo>([
  ['lead', { canonical: 'Lead', included: true }],
  ['qual', { canonical: 'Qualified', included: true }],
  ['prop', { canonical: 'Proposal', included: true }],
  ['neg', { canonical: 'Negotiation', included: true }],
  ['won', { canonical: 'Closed Won', included: true }],
  ['lost', { canonical: 'Closed Lost', included: true }],
  ['hidden', { canonical: 'Qualified', included: false }],
]);
const deal = (o: Partial<Parameters<typeof deriveDealFact>[0]>) => ({
  id: 'd',
  pipelineId: 'p',
  stageId: 'lead',
  ownerId: 'o',
  source: 's',
  amount: 100,
  status: 'open' as const,
  createdAt: '2026-01-01T00:00:00Z',
  closedAt: null,
  closeDate: null,
  stageEnteredAt: null,
  ...o,
});
const S = (iso: string) => Date.parse(iso) / 1000;

describe('deriveDealFact', () => {
  it('a deal lost from Proposal reached Lead, Qualified and Proposal, with its days in each', () => {
    const f = deriveDealFact(
      deal({ stageId: 'lost', status: 'lost', closedAt: '2026-01-31T00:00:00Z' }),
      [
        { stageId: 'lead', enteredAt: '2026-01-01T00:00:00Z' },
        { stageId: 'qual', enteredAt: '2026-01-05T00:00:00Z' },
        { stageId: 'prop', enteredAt: '2026-01-15T00:00:00Z' },
        { stageId: 'lost', enteredAt: '2026-01-31T00:00:00Z' },
      ],
      stages,
    )!;
    expect(f).toMatchObject({ status: 2, canonical: 5, deepest: 2, at1: S('2026-01-05T00:00:00Z'), at2: S('2026-01-15T00:00:00Z'), at3: null });
    expect([f.days0, f.days1, f.days2, f.days3]).toEqual([4, 10, 16, null]);
    expect(f.stageSince).toBeNull();
  });

  it('a won deal with no history counts as having reached every stage when it was won', () => {
    const f = deriveDealFact(deal({ stageId: 'won', status: 'won', closedAt: '2026-03-01T00:00:00Z' }), [], stages)!;
    expect(f).toMatchObject({ deepest: 4, at1: S('2026-03-01T00:00:00Z'), at3: S('2026-03-01T00:00:00Z'), closed: S('2026-03-01T00:00:00Z') });
  });

  it('moving back does not undo the deepest stage; repeated visits add up; the open visit is not counted', () => {
    const f = deriveDealFact(
      deal({ stageId: 'qual', stageEnteredAt: '2026-01-20T00:00:00Z' }),
      [
        { stageId: 'lead', enteredAt: '2026-01-01T00:00:00Z' },
        { stageId: 'qual', enteredAt: '2026-01-03T00:00:00Z' },
        { stageId: 'prop', enteredAt: '2026-01-10T00:00:00Z' },
        { stageId: 'qual', enteredAt: '2026-01-20T00:00:00Z' },
      ],
      stages,
    )!;
    expect(f).toMatchObject({ canonical: 1, deepest: 2, days0: 2, days1: 7, days2: 10, stageSince: S('2026-01-20T00:00:00Z') });
  });

  it('a deal in an excluded stage is left out; visits to excluded stages are ignored', () => {
    expect(deriveDealFact(deal({ stageId: 'hidden' }), [], stages)).toBeNull();
    const f = deriveDealFact(deal({ stageId: 'lead' }), [{ stageId: 'hidden', enteredAt: '2026-01-02T00:00:00Z' }], stages)!;
    expect(f.deepest).toBe(0);
  });
});

const inputs = (admin: number | null = null): StageProbabilityInput[] => [
  { stageId: 'lead', canonical: 'Lead', included: true, crmProbability: 0.1, adminProbability: null },
  { stageId: 'qual', canonical: 'Qualified', included: true, crmProbability: null, adminProbability: null },
  { stageId: 'prop', canonical: 'Proposal', included: true, crmProbability: 0.5, adminProbability: admin },
  { stageId: 'neg', canonical: 'Negotiation', included: true, crmProbability: 0.8, adminProbability: null },
];

describe('calibrate', () => {
  // 40 closed deals: 10 won (deepest 4), 20 lost from Lead (0), 10 lost from Proposal (2).
  const closed = [
    { deepest: 4, won: true, count: 10 },
    { deepest: 0, won: false, count: 20 },
    { deepest: 2, won: false, count: 10 },
  ];
  it('smooths history toward the CRM probability (10 pseudo-deals) once 20 closed deals reached the stage', () => {
    const p = calibrate(inputs(), closed);
    // Lead: 40 reached, 10 won → (10 + 1)/50 = 0.22. Qualified: 20 reached, 10 won, no CRM % → default 20%: (10 + 2)/30 = 0.4.
    // Proposal: 20 reached, 10 won → (10 + 5)/30 = 0.5. Negotiation: 10 reached (< 20) → CRM 80%.
    expect(p.calibration.stages.map((s) => [s.source, s.sample, Number(s.probability.toFixed(4))])).toEqual([
      ['history', 40, 0.22],
      ['history', 20, 0.4],
      ['history', 20, 0.5],
      ['crm', 10, 0.8],
    ]);
    expect(p.calibration.stages[1]!.crm_probability).toBeNull();
    expect(p.calibration.stages[3]!.history_probability).toBe(1);
  });

  it('falls back below the sample minimum: to the CRM probability, else the default', () => {
    const p = calibrate(inputs(), [{ deepest: 4, won: true, count: 19 }]);
    expect(p.calibration.stages.map((s) => [s.source, s.probability])).toEqual([
      ['crm', 0.1],
      ['default', 0.2],
      ['crm', 0.5],
      ['crm', 0.8],
    ]);
    expect(p.forStage('prop', 2)).toBe(0.5);
  });

  it('an admin override wins over history and the CRM', () => {
    const p = calibrate(inputs(0.35), closed);
    expect(p.calibration.stages[2]).toMatchObject({ source: 'admin', probability: 0.35 });
    expect(p.forStage('prop', 2)).toBe(0.35);
    expect(p.crmForStage('prop', 2)).toBe(0.5);
  });
});

describe('backtest (pure)', () => {
  const t = isoToDay('2026-03-02');
  it('learns calibration at each date only from deals closed before it', () => {
    const closed = [
      // Before t: 30 reached Lead, 6 won → (6 + 1)/40 = 0.175.
      { day: t - 10, deepest: 4, won: true, count: 6 },
      { day: t - 10, deepest: 0, won: false, count: 24 },
      // On and after t: 100 won. Must not affect the forecast made at t.
      { day: t, deepest: 4, won: true, count: 50 },
      { day: t + 5, deepest: 4, won: true, count: 50 },
    ];
    const r = backtest(inputs(), closed, [{ point: 0, depth: 0, value: 1000 }, { point: 1, depth: 0, value: 1000 }], [{ point: 0, value: 200 }], { days: [t, t + 7] });
    expect(r.points[0]).toEqual({ date: '2026-03-02', forecast: 175, forecast_crm: 100, actual: 200 });
    // A week later all 130 are known: (106 + 1)/140.
    expect(r.points[1]!.forecast).toBeCloseTo((1000 * 107) / 140, 2);
  });

  it('WAPE is Σ|forecast − actual| ÷ Σ actual, null without actuals', () => {
    expect(wape([{ forecast: 90, actual: 100 }, { forecast: 130, actual: 100 }])).toBe(0.2);
    expect(wape([{ forecast: 90, actual: 0 }])).toBeNull();
  });
});

describe('small pieces', () => {
  it('forecast months start with the current month', () => {
    const today = isoToDay('2026-12-20');
    const probs = { forStage: () => 0.5, crmForStage: () => 0.25 };
    const r = forecastByMonth(
      [{ stageId: 'x', depth: 1, closeDay: isoToDay('2027-01-31'), value: 100 }],
      [{ day: isoToDay('2026-12-01'), value: 40 }],
      { count: 0, value: 0 },
      probs,
      { today, months: 2 },
    );
    expect(r.months).toEqual([
      { month: '2026-12', pipeline: 0, weighted: 0, weighted_crm: 0, won: 40 },
      { month: '2027-01', pipeline: 100, weighted: 50, weighted_crm: 25, won: 0 },
    ]);
  });

  it('funnel conversions are null where nothing reached the stage', () => {
    expect(cumulativeFunnel([], { from: 'a', to: 'b' }).stages.every((s) => s.reached === 0 && s.conversion_to_next === null)).toBe(true);
  });

  it('median of counted values; weeks start on Monday', () => {
    expect(medianOfCounts([{ value: 1, count: 2 }, { value: 10, count: 1 }])).toBe(1);
    expect(medianOfCounts([{ value: 1, count: 1 }, { value: 3, count: 1 }])).toBe(2);
    expect(dayToIso(weekStart(isoToDay('2026-06-21')))).toBe('2026-06-15');
  });

  it('parses since as days, weeks, months or a date', () => {
    const now = new Date('2026-06-15T12:00:00Z');
    expect(dayToIso(parseSince('90d', now))).toBe('2026-03-17');
    expect(dayToIso(parseSince('12w', now))).toBe('2026-03-23');
    expect(dayToIso(parseSince('6m', now))).toBe('2025-12-15');
    expect(dayToIso(parseSince('2026-01-31', now))).toBe('2026-01-31');
    expect(() => parseSince('2026-02-30', now)).toThrow(/not a start date/);
    expect(() => parseSince('2026-07-01', now)).toThrow(/after today/);
  });
});
