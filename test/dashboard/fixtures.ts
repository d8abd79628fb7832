/**
 * Hand-made report objects (the shapes of src/metrics/report-types.ts) and small SVGs for the
 * page builder's tests. The figures are arbitrary but consistent, chosen so every formatting case
 * shows up: fractions, nulls, a name with HTML in it, an owner with no deals listed.
 */
import type { DashboardChartName, DashboardReports } from '../../src/dashboard/page.js';

const base = { currency: 'USD', filters: {}, as_of: '2026-11-24T08:00:00.000Z' };

export function sampleReports(): DashboardReports {
  return {
    pipeline: {
      ...base,
      stages: [
        { stage: 'Lead', count: 40, value: 400_000, weighted: 40_000 },
        { stage: 'Qualified', count: 25, value: 350_000, weighted: 70_000 },
        { stage: 'Proposal', count: 12, value: 240_000, weighted: 96_000 },
        { stage: 'Negotiation', count: 5, value: 150_500.5, weighted: 105_350.35 },
      ],
      total: { count: 82, value: 1_140_500.5, weighted: 311_350.35 },
    },
    forecast: {
      ...base,
      months: [
        { month: '2026-11', pipeline: 300_000, weighted: 90_000.4, weighted_crm: 120_000, won: 55_000 },
        { month: '2026-12', pipeline: 420_000, weighted: 110_000, weighted_crm: 150_000, won: 0 },
        { month: '2027-01', pipeline: 200_000, weighted: 45_000, weighted_crm: 60_000, won: 0 },
      ],
      overdue: { count: 7, value: 81_000 },
    },
    funnel: {
      ...base,
      stages: [
        { stage: 'Lead', reached: 200, conversion_to_next: 0.6 },
        { stage: 'Qualified', reached: 120, conversion_to_next: 0.5 },
        { stage: 'Proposal', reached: 60, conversion_to_next: 0.5 },
        { stage: 'Negotiation', reached: 30, conversion_to_next: 0.6 },
        { stage: 'Closed Won', reached: 18, conversion_to_next: null },
      ],
      win_rate: 0.36,
      cohort: { from: '2026-05-28', to: '2026-11-24', deals: 200, won: 18, lost: 32, open: 150 },
    },
    velocity: {
      ...base,
      granularity: 'week',
      points: [
        { period: '2026-11-09', velocity: 5_100, open_deals: 80, win_rate: 0.33, avg_won: 21_000, cycle_days: 45 },
        { period: '2026-11-16', velocity: 5_350.25, open_deals: 82, win_rate: 0.35, avg_won: 20_500, cycle_days: 44 },
      ],
      current: { velocity: 5_402.78, open_deals: 82, win_rate: 0.3457, avg_won: 20_250, cycle_days: 43, won_deals: 28, lost_deals: 53, window_from: '2026-08-27' },
    },
    reps: {
      ...base,
      since: '2026-10-25',
      until: '2026-11-24',
      activities_available: true,
      reps: [
        { owner: 'Ana Ruiz', owner_id: 'o1', calls: 31, emails: 80, meetings: 9, tasks: 12, open_deals: 20, open_value: 300_000, won_value: 90_000, last_activity_at: '2026-11-24T06:00:00Z', hours_since_activity: 2 },
        { owner: 'Ben Okafor', owner_id: 'o2', calls: 4, emails: 10, meetings: 1, tasks: 0, open_deals: 15, open_value: 180_000, won_value: 0, last_activity_at: null, hours_since_activity: null },
      ],
    },
    sources: {
      ...base,
      sources: [
        { source: 'Inbound', count: 90, value: 900_000, won: 20, lost: 30, win_rate: 0.4 },
        { source: 'Outbound', count: 60, value: 700_000, won: 8, lost: 32, win_rate: 0.2 },
        { source: 'Unknown', count: 5, value: 20_000, won: 0, lost: 0, win_rate: null },
      ],
      from: '2025-11-24',
    },
    deals: {
      ...base,
      total: 80,
      deals: [
        { id: 'd1', name: 'Acme <script>alert(1)</script> & Co', amount: 50_000, stage: 'Proposal', crm_stage: 'Proposal sent', owner: 'Ana Ruiz', pipeline: 'New business', days_in_stage: 61.3, stage_avg_days: 12, stuck_ratio: 5.11, close_date: '2026-12-15' },
        { id: 'd2', name: 'Globex renewal', amount: 12_000, stage: 'Negotiation', crm_stage: 'Contract', owner: 'Ben Okafor', pipeline: 'Renewals', days_in_stage: 30, stage_avg_days: 10, stuck_ratio: 3, close_date: '2026-11-30' },
        { id: 'd3', name: 'Initech expansion', amount: 99_000, stage: 'Lead', crm_stage: 'New', owner: 'Ana Ruiz', pipeline: 'New business', days_in_stage: 20, stage_avg_days: 8, stuck_ratio: 2.5, close_date: null },
        { id: 'd4', name: 'Umbrella pilot', amount: null, stage: 'Qualified', crm_stage: 'Discovery', owner: null, pipeline: 'New business', days_in_stage: 25, stage_avg_days: 11, stuck_ratio: 2.27, close_date: '2027-01-10' },
        { id: 'd5', name: 'Hooli platform', amount: 250_000, stage: 'Proposal', crm_stage: 'Proposal sent', owner: 'Ben Okafor', pipeline: 'New business', days_in_stage: 26, stage_avg_days: 12, stuck_ratio: 2.17, close_date: '2026-12-01' },
      ],
    },
  };
}

/** A small SVG like vega's (with a clip path id every chart would repeat). */
export function sampleSvg(label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="marks" width="480" height="200" viewBox="0 0 480 200"><defs><clipPath id="clip1"><rect width="480" height="200"/></clipPath></defs><rect width="480" height="200" fill="white"/><g clip-path="url(#clip1)"><rect x="16" y="60" width="300" height="40" fill="#4c78a8"/><text x="16" y="30" font-family="Inter" font-size="16" font-weight="600">${label}</text></g></svg>`;
}

export function sampleCharts(): Record<DashboardChartName, string> {
  return {
    pipeline: sampleSvg('Open pipeline by stage'),
    forecast: sampleSvg('Forecast'),
    funnel: sampleSvg('Funnel'),
    velocity: sampleSvg('Velocity'),
    reps: sampleSvg('Reps'),
    sources: sampleSvg('Sources'),
  };
}
