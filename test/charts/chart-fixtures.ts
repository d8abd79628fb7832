/** Small hand-built report objects whose chart labels are worked out by hand in the tests. */
import type { CommitReport, CommitReportRow, QuotaReport, QuotaRow } from '../../src/metrics/report-types.js';
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
    commit: sampleCommit(base),
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
    commit: { ...sampleCommit(b), filters: b.filters, rows: [] },
  };
}

/** A quota report: the team and three reps (one ahead, one behind, one far behind, one in euros). */
export function sampleQuota<B extends { currency: string; filters: object; as_of: string }>(b: B): QuotaReport {
  const row = (name: string, scope: QuotaRow['scope'], target: number, won: number, expected: number, p10: number, p90: number, probability: number, currency = 'USD'): QuotaRow => ({
    scope,
    scope_id: scope === 'team' ? '' : name,
    name,
    source: 'csv',
    currency,
    target,
    won,
    attainment: won / target,
    elapsed: 0.5,
    expected_linear: target / 2,
    historical_share: expected / target,
    expected_historical: expected,
    pace: won / expected,
    pace_basis: 'historical',
    still_needed: Math.max(0, target - won),
    days_remaining: 46,
    rest: { expected: (p10 + p90) / 2, p10, p50: (p10 + p90) / 2, p90, warm_up: false },
    projected: { expected: won + (p10 + p90) / 2, p10: won + p10, p50: won + (p10 + p90) / 2, p90: won + p90 },
    probability,
    open_pipeline: target,
    open_deals: 12,
    coverage: target / Math.max(1, target - won),
    win_rate: 0.3,
    pipeline_needed: Math.max(0, target - won) / 0.3,
    pipeline_gap: 0,
    other_currency_deals: 0,
    pacing: [],
  });
  return {
    ...b,
    filters: {},
    period: { kind: 'quarter', label: 'FY2027 Q4', start: '2026-11-01', end: '2027-01-31', days: 92, fiscal_year_start_month: 2 },
    rows: [
      row('Team', 'team', 2_000_000, 900_000, 800_000, 500_000, 1_100_000, 0.55),
      row('山田 太郎', 'rep', 600_000, 420_000, 300_000, 150_000, 400_000, 0.8),
      row('Noa Levi', 'rep', 500_000, 180_000, 250_000, 100_000, 300_000, 0.3),
      row('محمد علي', 'rep', 400_000, 40_000, 200_000, 20_000, 120_000, 0.02),
      row('Léa Martin', 'rep', 300_000, 150_000, 140_000, 60_000, 200_000, 0.5, 'EUR'),
    ],
    error_scale: 1.2,
  };
}

/**
 * A commit report: the team and three reps. 山田 太郎 commits above the model's P90 and past
 * periods closed 62% of his commit; محمد علي sits inside the range; דנה לוי has no history yet.
 */
export function sampleCommit<B extends { currency: string; filters: object; as_of: string }>(b: B): CommitReport {
  const row = (name: string, won: number, commit: number, bestCase: number, p10: number, p50: number, p90: number, bias: CommitReportRow['bias']): CommitReportRow => ({
    scope: name === 'Team' ? 'team' : 'rep',
    owner_id: name === 'Team' ? '' : name,
    name,
    currency: 'USD',
    won,
    open: { commit: commit - won, best_case: bestCase - commit, pipeline: 50_000, omitted: 0 },
    deals: { commit: 2, best_case: 1, pipeline: 3, omitted: 0 },
    commit,
    best_case: bestCase,
    pipeline: 50_000,
    model: { p10, p50, p90, expected: p50, warm_up: false },
    commit_vs_model: commit < p10 ? 'below' : commit > p90 ? 'above' : 'within',
    bias,
  });
  const ok = (ratio: number, points: number) => ({ status: 'ok' as const, ratio, points, called: 100, actual: 100 * ratio });
  return {
    currency: b.currency,
    filters: b.filters,
    as_of: b.as_of,
    period: { kind: 'quarter', label: 'FY2026 Q4', start: '2026-10-01', end: '2026-12-31', days: 92, fiscal_year_start_month: 1 },
    rows: [
      row('Team', 300_000, 520_000, 640_000, 380_000, 450_000, 530_000, ok(0.91, 12)),
      row('山田 太郎', 120_000, 260_000, 300_000, 150_000, 180_000, 210_000, ok(0.62, 10)),
      row('محمد علي', 100_000, 160_000, 200_000, 130_000, 160_000, 190_000, ok(1.18, 9)),
      row('דנה לוי', 80_000, 100_000, 140_000, 90_000, 110_000, 140_000, { status: 'not_enough_history', ratio: null, points: 2, called: 40_000, actual: 30_000 }),
    ],
    categories: { mapped: 12, unset: 2, unknown: 1, unknown_values: [{ value: 'Upside', deals: 1 }] },
    other_currency_deals: 0,
    days_remaining: 27,
    min_bias_points: 4,
    error_scale: null,
  };
}
