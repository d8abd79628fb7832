/**
 * Representative report objects (shaped like a ~1,500-deal demo CRM) for the chart benchmark
 * and the preview script. Deterministic: no clock, no randomness beyond a fixed LCG.
 */
import type { QuotaReport, QuotaRow } from '../src/metrics/report-types.js';
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
    stages: names.map((stage, i) => ({ stage, reached: reached[i]!, conversion_to_next: i < names.length - 1 ? reached[i + 1]! / reached[i]! : null })),
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
  return { ...base, granularity: 'week', points, current: { velocity: last!.velocity, open_deals: last!.open_deals, win_rate: last!.win_rate, avg_won: last!.avg_won, cycle_days: last!.cycle_days } };
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
    quota: sampleQuota(base),
  };
}

/**
 * The sample reports, changed the way a CRM changes between two renders: render `i` scales
 * every money figure (by up to ±30%), moves counts, and moves the as-of date by `i` days, so
 * titles, subtitles, axis domains, tick labels and bar labels all differ from render i − 1.
 * The chart benchmark renders a new variant every time, so nothing keyed on the data (a cache
 * of specs or images) can make a render look faster than it is.
 */
export function variedReports(i: number): ChartReports {
  const r = sampleReports();
  const f = 0.7 + ((i * 37) % 61) / 100; // 0.70 … 1.30, a new factor for 61 consecutive renders
  const d = i % 9; // a count shift
  const money = (x: number) => Math.round(x * f * 100) / 100;
  const asOf = new Date(Date.parse(AS_OF) + i * 86_400_000).toISOString();
  const stamp = <T extends { as_of: string }>(x: T): T => ({ ...x, as_of: asOf });

  const stages = r.pipeline.stages.map((s, k) => ({ ...s, count: s.count + d * (4 - k), value: money(s.value), weighted: money(s.weighted) }));
  const total = stages.reduce((t, s) => ({ count: t.count + s.count, value: t.value + s.value, weighted: t.weighted + s.weighted }), { count: 0, value: 0, weighted: 0 });
  const reached = r.funnel.stages.map((s, k, all) => s.reached + d * (all.length - k));
  return {
    pipeline: stamp({ ...r.pipeline, stages, total }),
    forecast: stamp({
      ...r.forecast,
      months: r.forecast.months.map((m) => ({ ...m, pipeline: money(m.pipeline), weighted: money(m.weighted), weighted_crm: money(m.weighted_crm), won: money(m.won) })),
    }),
    funnel: stamp({
      ...r.funnel,
      stages: r.funnel.stages.map((s, k) => ({ ...s, reached: reached[k]!, conversion_to_next: k < reached.length - 1 ? reached[k + 1]! / reached[k]! : null })),
      win_rate: (r.funnel.win_rate ?? 0) * f,
    }),
    velocity: stamp({
      ...r.velocity,
      points: r.velocity.points.map((p) => ({ ...p, velocity: money(p.velocity), avg_won: p.avg_won == null ? null : money(p.avg_won), open_deals: p.open_deals + d })),
      current: { ...r.velocity.current, velocity: money(r.velocity.current.velocity), open_deals: r.velocity.current.open_deals + d },
    }),
    reps: stamp({
      ...r.reps,
      reps: r.reps.reps.map((p) => ({ ...p, calls: p.calls + d, emails: p.emails + 2 * d, open_deals: p.open_deals + d, open_value: money(p.open_value), won_value: money(p.won_value) })),
    }),
    sources: stamp({ ...r.sources, sources: r.sources.sources.map((s) => ({ ...s, count: s.count + d, value: money(s.value) })) }),
    quota: stamp(r.quota),
    backtest: stamp({
      ...r.backtest,
      points: r.backtest.points.map((p) => ({ ...p, forecast: money(p.forecast), forecast_crm: money(p.forecast_crm), actual: money(p.actual) })),
      wape: (r.backtest.wape ?? 0) * f,
      wape_crm: (r.backtest.wape_crm ?? 0) * f,
    }),
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
    relative_error: 0.1,
  };
}
