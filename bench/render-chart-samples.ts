/**
 * Writes every chart, rendered from the representative reports, to a folder (default
 * /tmp/dealcast-charts) so a person can look at them: `npm run build && node
 * dist/bench/render-chart-samples.js [DIR]`. Also writes each chart's "no data" card and a
 * filtered, non-USD variant, and prints a hash of each PNG: running it once as is and once with
 * FONTCONFIG_FILE pointing at a config with no font directories must print the same hashes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART_NAMES, type ChartReports, buildChart } from '../charts/index.js';
import { renderPng } from '../charts/render.js';
import { sampleReports } from './chart-reports.js';

export async function renderChartSamples(dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const reports = sampleReports();
  for (const name of CHART_NAMES) {
    const file = join(dir, `${name}.png`);
    writeFileSync(file, await renderPng(buildChart(name, reports[name] as never)));
    written.push(file);
  }
  const empty = emptyReports();
  for (const name of CHART_NAMES) {
    const file = join(dir, `${name}-no-data.png`);
    writeFileSync(file, await renderPng(buildChart(name, empty[name] as never)));
    written.push(file);
  }
  const eur = { ...reports.pipeline, currency: 'EUR', filters: { pipeline: 'Enterprise renewals EMEA', owner: 'Chloé Dubois-Lefebvre' } };
  writeFileSync(join(dir, 'pipeline-eur-filtered.png'), await renderPng(buildChart('pipeline', eur)));
  written.push(join(dir, 'pipeline-eur-filtered.png'));
  const months = Array.from({ length: 12 }, (_, i) => {
    const d = new Date(Date.UTC(2026, 10 + i, 1));
    return { month: d.toISOString().slice(0, 7), pipeline: 900_000 + i * 90_000, weighted: 300_000 + i * 20_000, weighted_crm: 420_000 + i * 25_000, won: i === 0 ? 250_000 : 0 };
  });
  for (const [label, n] of [['6', 6], ['12', 12]] as const) {
    const file = join(dir, `forecast-${label}-months.png`);
    writeFileSync(file, await renderPng(buildChart('forecast', { ...reports.forecast, months: months.slice(0, n) })));
    written.push(file);
  }
  const monthly = { ...reports.velocity, granularity: 'month' as const, points: reports.velocity.points.filter((_, i) => i % 4 === 0) };
  writeFileSync(join(dir, 'velocity-monthly.png'), await renderPng(buildChart('velocity', monthly)));
  written.push(join(dir, 'velocity-monthly.png'));
  const noActivities = { ...reports.reps, activities_available: false };
  writeFileSync(join(dir, 'reps-no-activities.png'), await renderPng(buildChart('reps', noActivities)));
  written.push(join(dir, 'reps-no-activities.png'));
  return written;
}

function emptyReports(): ChartReports {
  const base = { currency: 'USD', filters: { owner: 'Grace Liu', source: 'Webinar' }, as_of: '2026-11-24T09:00:00.000Z' };
  return {
    pipeline: { ...base, stages: [], total: { count: 0, value: 0, weighted: 0 } },
    forecast: { ...base, months: [] },
    funnel: { ...base, stages: [], win_rate: null },
    velocity: { ...base, granularity: 'week', points: [], current: { velocity: 0, open_deals: 0, win_rate: null, avg_won: null, cycle_days: null } },
    reps: { ...base, since: '2026-10-25', until: '2026-11-24', activities_available: true, reps: [] },
    sources: { ...base, sources: [] },
    backtest: { ...base, points: [], wape: null, wape_crm: null },
    quota: { ...base, period: { kind: 'quarter', label: 'FY2027 Q4', start: '2026-11-01', end: '2027-01-31', days: 92, fiscal_year_start_month: 2 }, rows: [], error_scale: null },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = await renderChartSamples(process.argv[2] ?? '/tmp/dealcast-charts');
  // The hashes make "same PNG with and without host fonts" checkable: run twice, diff the output.
  for (const f of files) console.log(`${createHash('sha256').update(readFileSync(f)).digest('hex').slice(0, 16)}  ${f}`);
}
