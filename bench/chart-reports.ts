/**
 * Representative report objects (shaped like a ~1,500-deal demo CRM) for the chart benchmark
 * and the preview script. Deterministic: no clock, no randomness beyond a fixed LCG.
 */
import type {
  BacktestReport,
  ForecastReport,
  FunnelReport,
  PipelineReport,
  RepsReport,
  SourcesReport,
  VelocityReport,
} from '../src/metrics/report-types.js';
import type { ChartReports } from '../charts/index.js';

const AS_OF = '2026-11-24T09:00:00.000Z';
const base = { currency: 'USD', filters: {}, as_of: AS_OF };

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function samplePipeline(): PipelineReport {
  const stages = [
    { stage: 'Lead', count: 182, value: 4_210_000, weighted: 421_000 },
    { stage: 'Qualified', count: 96, value: 2_870_000, weighted: 631_400 },
    { stage: 'Proposal', count: 41, value: 1_640_000, weighted: 688_800 },
    { stage: 'Negotiation', count: 17, value: 905_000, weighted: 597_300 },
  ];
  const total = stages.reduce((t, s) => ({ count: t.count + s.count, value: t.value + s.value, weighted: t.weighted + s.weighted }), { count: 0, value: 0, weighted: 0 });
  return { ...base, stages, total };
}

export function sampleForecast(): ForecastReport {
  return {
    ...base,
    months: [
      { month: '2026-11', pipeline: 1_320_000, weighted: 402_000, weighted_crm: 611_000, won: 512_000 },
      { month: '2026-12', pipeline: 2_450_000, weighted: 731_000, weighted_crm: 1_020_000, won: 0 },
      { month: '2027-01', pipeline: 1_780_000, weighted: 455_000, weighted_crm: 702_000, won: 0 },
    ],
  };
}

export function sampleFunnel(): FunnelReport {
  const reached = [640, 352, 171, 88, 51];
  const names = ['Lead', 'Qualified', 'Proposal', 'Negotiation', 'Closed Won'];
  return {
    ...base,
    filters: { since: '2026-05-28' },
    stages: names.map((stage, i) => ({ stage, reached: reached[i], conversion_to_next: i < names.length - 1 ? reached[i + 1] / reached[i] : null })),
    win_rate: 0.27,
  };
}

export function sampleVelocity(): VelocityReport {
  const rnd = lcg(7);
  const start = Date.UTC(2026, 4, 25);
  const points = Array.from({ length: 26 }, (_, i) => {
    const open = 300 + Math.round(rnd() * 60);
    const win = 0.22 + rnd() * 0.08;
    const avg = 38_000 + rnd() * 12_000;
    const cycle = 34 + rnd() * 14;
    return { period: isoDay(start + i * 7 * 86_400_000), velocity: (open * win * avg) / cycle, open_deals: open, win_rate: win, avg_won: avg, cycle_days: cycle };
  });
  const last = points[points.length - 1];
  return { ...base, granularity: 'week', points, current: { velocity: last.velocity, open_deals: last.open_deals, win_rate: last.win_rate, avg_won: last.avg_won, cycle_days: last.cycle_days } };
}

export function sampleReps(): RepsReport {
  const names = ['Ana Martínez', 'Ben Okafor', 'Chloé Dubois-Lefebvre', 'Dmitri Volkov', 'Emma Thompson', 'Farid Haddad', 'Grace Liu', 'Maximilian Alexander von Hohenberg'];
  const rnd = lcg(11);
  return {
    ...base,
    since: '2026-10-25',
    until: '2026-11-24',
    activities_available: true,
    reps: names.map((owner, i) => ({
      owner,
      owner_id: `u${i + 1}`,
      calls: Math.round(rnd() * 120),
      emails: Math.round(rnd() * 300),
      meetings: Math.round(rnd() * 30),
      tasks: Math.round(rnd() * 40),
      open_deals: 8 + Math.round(rnd() * 40),
      open_value: 200_000 + rnd() * 1_800_000,
      won_value: rnd() * 600_000,
      last_activity_at: AS_OF,
      hours_since_activity: i === 5 ? 260 : rnd() * 60,
    })),
  };
}

export function sampleSources(): SourcesReport {
  const names = ['Inbound – website', 'Outbound SDR', 'Partner referral', 'Events & conferences', 'Paid search', 'Customer referral', 'LinkedIn', 'Webinar', 'Cold email campaign Q3', 'Marketplace listing'];
  const rnd = lcg(5);
  return {
    ...base,
    sources: names.map((source, i) => {
      const won = Math.round(rnd() * 40);
      const lost = Math.round(rnd() * 80);
      return { source, count: 20 + Math.round(rnd() * 200) - i * 10, value: (9 - i) * 250_000 + rnd() * 300_000, won, lost, win_rate: won + lost > 0 ? won / (won + lost) : null };
    }),
  };
}

export function sampleBacktest(): BacktestReport {
  const rnd = lcg(3);
  const start = Date.UTC(2025, 10, 24);
  const points = Array.from({ length: 52 }, (_, i) => {
    const actual = 600_000 + Math.sin(i / 6) * 180_000 + rnd() * 220_000;
    return { date: isoDay(start + i * 7 * 86_400_000), forecast: actual * (0.85 + rnd() * 0.3), forecast_crm: actual * (1.25 + rnd() * 0.35), actual };
  });
  return { ...base, points, wape: 0.14, wape_crm: 0.41 };
}

/** One representative report per chart. */
export function sampleReports(): ChartReports {
  return {
    pipeline: samplePipeline(),
    forecast: sampleForecast(),
    funnel: sampleFunnel(),
    velocity: sampleVelocity(),
    reps: sampleReps(),
    sources: sampleSources(),
    backtest: sampleBacktest(),
  };
}
