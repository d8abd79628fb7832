/** Small hand-built report objects whose chart labels are worked out by hand in the tests (the quota one is the bench's, `sampleQuota`). */
import { sampleQuota } from '../../bench/chart-reports.js';
import type { ChartReports } from '../../charts/index.js';

const base = { currency: 'USD', filters: {}, as_of: '2026-11-24T09:00:00.000Z' };

export function chartReports(): ChartReports {
  return {
    pipeline: {
      ...base,
      stages: [
        { stage: 'Lead', count: 30, value: 1_200_000, weighted: 120_000 },
        { stage: 'Qualified', count: 20, value: 700_000, weighted: 200_000 },
        { stage: 'Proposal', count: 10, value: 410_000, weighted: 200_000 },
        { stage: 'Negotiation', count: 1, value: 90_000, weighted: 100_000 },
      ],
      total: { count: 61, value: 2_400_000, weighted: 620_000 },
    },
    forecast: {
      ...base,
      months: [
        { month: '2026-11', pipeline: 1_000_000, weighted: 300_000, weighted_crm: 400_000, won: 200_000, new_deals: 20_000, p10: 200_000, p50: 310_000, p90: 450_000 },
        { month: '2026-12', pipeline: 1_500_000, weighted: 400_000, weighted_crm: 450_000, won: 0 },
      ],
    },
    funnel: {
      ...base,
      stages: [
        { stage: 'Lead', reached: 100, conversion_to_next: 0.5 },
        { stage: 'Qualified', reached: 50, conversion_to_next: 0.4 },
        { stage: 'Proposal', reached: 20, conversion_to_next: 0.5 },
        { stage: 'Closed Won', reached: 10, conversion_to_next: null },
      ],
      win_rate: 0.4,
    },
    velocity: {
      ...base,
      granularity: 'week',
      points: [
        { period: '2026-11-09', velocity: 1_500, open_deals: 38, win_rate: 0.2, avg_won: 9_000, cycle_days: 45 },
        { period: '2026-11-16', velocity: 2_000, open_deals: 40, win_rate: 0.25, avg_won: 10_000, cycle_days: 50 },
      ],
      current: { velocity: 2_000, open_deals: 40, win_rate: 0.25, avg_won: 10_000, cycle_days: 50 },
    },
    reps: {
      ...base,
      since: '2026-10-25',
      until: '2026-11-24',
      activities_available: true,
      reps: [
        rep('Ana Martínez', 0, 24 * 14),
        rep('Maximilian Alexander von Hohenberg', 100_000, 50),
        rep('Ben Okafor', 300_000, 72),
      ],
    },
    sources: {
      ...base,
      sources: Array.from({ length: 10 }, (_, i) => ({
        source: `Source ${i}`,
        count: 10,
        value: (10 - i) * 100_000,
        won: i === 0 ? 5 : 1,
        lost: i === 0 ? 5 : 3,
        win_rate: i === 0 ? 0.5 : 0.25,
      })),
    },
    quota: sampleQuota(base),
    backtest: {
      ...base,
      points: [
        { date: '2026-09-28', forecast: 60_000, forecast_crm: 150_000, actual: 90_000, warm_up: true },
        { date: '2026-10-05', forecast: 110_000, forecast_crm: 150_000, actual: 100_000, forecast_p10: 80_000, forecast_p90: 140_000, forecast_new: 5_000, warm_up: false },
        { date: '2026-10-12', forecast: 90_000, forecast_crm: 140_000, actual: 100_000, forecast_p10: 70_000, forecast_p90: 120_000, forecast_new: 5_000, warm_up: false },
      ],
      wape: 0.12,
      wape_crm: 0.35,
      wape_run_rate: 0.3,
      bias: 1.0,
      coverage: 1,
      warm_points: 2,
      reliability: [
        { from: 0, to: 0.05, deals: 100, predicted: 0.02, observed: 0.03 },
        { from: 0.5, to: 1, deals: 10, predicted: 0.6, observed: 0.55 },
      ],
    },
  };
}

function rep(owner: string, won: number, hours: number) {
  return {
    owner,
    owner_id: owner.toLowerCase().replace(/\W+/g, '-'),
    calls: 1,
    emails: 2,
    meetings: 3,
    tasks: 1,
    open_deals: 2,
    open_value: 50_000,
    won_value: won,
    last_activity_at: '2026-11-21T09:00:00.000Z',
    hours_since_activity: hours,
  };
}

export function emptyReports(): ChartReports {
  const b = { ...base, filters: { owner: 'Grace Liu' } };
  return {
    pipeline: { ...b, stages: [], total: { count: 0, value: 0, weighted: 0 } },
    forecast: { ...b, months: [] },
    funnel: { ...b, stages: [], win_rate: null },
    velocity: { ...b, granularity: 'month', points: [], current: { velocity: 0, open_deals: 0, win_rate: null, avg_won: null, cycle_days: null } },
    reps: { ...b, since: '2026-10-25', until: '2026-11-24', activities_available: true, reps: [] },
    sources: { ...b, sources: [] },
    backtest: { ...b, points: [], wape: null, wape_crm: null },
    quota: { ...sampleQuota(b), filters: b.filters, rows: [] },
  };
}
