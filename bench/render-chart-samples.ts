/**
 * Writes every chart, rendered from the representative reports, to a folder (default
 * /tmp/dealcast-charts) so a person can look at them: `npm run build && node
 * dist/bench/render-chart-samples.js [DIR]`. Also writes each chart's "no data" card, a
 * filtered, non-USD variant and charts whose names are in many scripts, and prints a hash of each
 * PNG: the renderer points fontconfig at the fonts it installs, so the hashes do not depend on
 * the host's fonts.
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
  for (const [variant, report] of Object.entries(internationalReports(reports))) {
    const name = variant.split('-')[0] as keyof ChartReports;
    const file = join(dir, `${variant}${variant === name ? '-international' : ''}.png`);
    writeFileSync(file, await renderPng(buildChart(name, report as never)));
    written.push(file);
  }
  return written;
}

/** Rep, source and stage names in Japanese, Chinese, Korean, Arabic, Hebrew, Thai, Devanagari, emoji. */
export const INTERNATIONAL_NAMES = [
  '山田太郎',
  '张伟 (北京)',
  '김민준',
  'محمد العتيبي',
  'דוד כהן',
  'สมชาย ใจดี',
  'अनन्या शर्मा',
  'Zoë 🚀 Growth',
  'Ελένη Παπαδοπούλου',
  'Алексей Смирнов',
  'Alexandra Montgomery-Smith',
  'Alexandra Montgomery-Jones',
];

function internationalReports(reports: ChartReports): Record<string, Partial<ChartReports>[keyof ChartReports]> {
  const repRow = reports.reps.reps[0]!;
  // Names that shorten alike: Salesforce user ids equal in their first 14 characters, one family, one name twice.
  const alike = ['005Hs00000AbCdEIAU', '005Hs00000AbCdFIAU', '005Hs00000AbCdGIAU', 'Alexandra Montgomery-Smith', 'Alexandra Montgomery-Jones', 'Alexandra Montgomery-Brown', 'John Smith', 'John Smith', 'Ana Martínez', 'Ben Okafor', 'Rep 11', 'Rep 12'];
  return {
    reps: {
      ...reports.reps,
      filters: { owner: 'محمد العتيبي', source: '展示会 🎪' },
      reps: INTERNATIONAL_NAMES.slice(0, 10).map((owner, i) => ({ ...repRow, owner, owner_id: `u${i}`, won_value: 900_000 - i * 70_000 })),
    },
    'reps-alike': {
      ...reports.reps,
      reps: alike.map((owner, i) => ({ ...repRow, owner, owner_id: `a${i}`, won_value: 900_000 - i * 70_000 })),
    },
    sources: {
      ...reports.sources,
      currency: 'JPY',
      sources: INTERNATIONAL_NAMES.slice(0, 8).map((source, i) => ({ source, count: 40 - i * 3, value: 90_000_000 - i * 9_000_000, won: 5, lost: 3 + i, win_rate: 5 / (8 + i) })),
    },
    pipeline: {
      ...reports.pipeline,
      currency: 'ILS',
      stages: ['ליד', 'مؤهل', '提案', '협상', 'เจรจา', 'अनुबंध ✍️'].map((stage, i) => ({ stage, count: 30 - i * 4, value: 1_500_000 - i * 200_000, weighted: 200_000 + i * 50_000 })),
    },
    funnel: {
      ...reports.funnel,
      stages: ['リード', '資格確認済み', '提案 📄', 'محادثة', 'משא ומתן', 'ปิดการขาย'].map((stage, i, all) => ({
        stage,
        reached: 400 - i * 60,
        conversion_to_next: i === all.length - 1 ? null : (340 - i * 60) / (400 - i * 60),
      })),
    },
  };
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
    quota: { ...base, period: { kind: 'quarter', label: 'FY2027 Q4', start: '2026-11-01', end: '2027-01-31', days: 92, fiscal_year_start_month: 2 }, rows: [], error_scale: null, relative_error: null },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = await renderChartSamples(process.argv[2] ?? '/tmp/dealcast-charts');
  // The hashes make "same PNG with and without host fonts" checkable: run twice, diff the output.
  for (const f of files) console.log(`${createHash('sha256').update(readFileSync(f)).digest('hex').slice(0, 16)}  ${f}`);
}
