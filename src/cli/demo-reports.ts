/**
 * The reports part of `dealcast demo`: computes every report, writes each chart as PNG and a
 * summary.json (headline KPIs plus every report object) into the output folder, and prints the
 * headline KPIs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../store/db.js';
import { computeReport, REPORT_NAMES } from '../reports/compute.js';
import type { ReportByName } from '../metrics/report-types.js';
import { CHART_NAMES } from '../../charts/index.js';
import { renderReportPng } from '../reports/render.js';
import { money, pct } from './report-format.js';
import type { CliIo } from './io.js';

export interface HeadlineKpis {
  currency: string;
  open_pipeline: { deals: number; value: number; weighted: number };
  weighted_forecast: { months: string[]; weighted: number; weighted_crm: number; pipeline: number };
  /** Won ÷ (won + lost) among deals closed since win_rate_window_from (the digest's win rate). */
  win_rate: number | null;
  win_rate_window_from: string | null;
  /** The funnel's: won ÷ (won + lost) among deals created since cohort_from that have closed. */
  cohort_win_rate: number | null;
  cohort_from: string | null;
  velocity_per_day: number;
  stuck_deals: number;
  /** `calibrated` is the model's WAPE (the key predates the time-bound model; kept for readers of summary.json). */
  backtest_wape: { calibrated: number | null; run_rate: number | null; crm: number | null };
}

export function headlineKpis(r: ReportByName): HeadlineKpis {
  const months = r.forecast.months;
  return {
    currency: r.pipeline.currency,
    open_pipeline: { deals: r.pipeline.total.count, value: r.pipeline.total.value, weighted: r.pipeline.total.weighted },
    weighted_forecast: {
      months: months.map((m) => m.month),
      weighted: Math.round(months.reduce((a, m) => a + m.weighted, 0) * 100) / 100,
      weighted_crm: Math.round(months.reduce((a, m) => a + m.weighted_crm, 0) * 100) / 100,
      pipeline: Math.round(months.reduce((a, m) => a + m.pipeline, 0) * 100) / 100,
    },
    win_rate: r.velocity.current.win_rate,
    win_rate_window_from: r.velocity.current.window_from ?? null,
    cohort_win_rate: r.funnel.win_rate,
    cohort_from: r.funnel.cohort?.from ?? null,
    velocity_per_day: r.velocity.current.velocity,
    stuck_deals: r.deals.total,
    backtest_wape: { calibrated: r.backtest.wape, run_rate: r.backtest.wape_run_rate ?? null, crm: r.backtest.wape_crm },
  };
}

export async function writeDemoReports(ctx: { io: CliIo; db: Db; crm: string; now: Date; timeZone: string; outDir: string }): Promise<void> {
  const { io, db, now, timeZone, outDir } = ctx;
  const reports = {} as ReportByName;
  for (const name of REPORT_NAMES) (reports as unknown as Record<string, unknown>)[name] = computeReport(db, ctx.crm, name, { now, timeZone });
  const kpis = headlineKpis(reports);
  const c = kpis.currency;
  io.stdout('');
  io.stdout(`Open pipeline:      ${money(kpis.open_pipeline.value, c)} in ${kpis.open_pipeline.deals.toLocaleString('en-US')} deals (weighted ${money(kpis.open_pipeline.weighted, c)})`);
  io.stdout(
    `Weighted forecast:  ${money(kpis.weighted_forecast.weighted, c)} closing ${kpis.weighted_forecast.months[0]} … ${kpis.weighted_forecast.months.at(-1)} (CRM probabilities say ${money(kpis.weighted_forecast.weighted_crm, c)})`,
  );
  io.stdout(`Win rate:           ${pct(kpis.win_rate)} of deals closed since ${kpis.win_rate_window_from} (the digest's)`);
  io.stdout(`Cohort win rate:    ${pct(kpis.cohort_win_rate)} of deals created since ${kpis.cohort_from} that have closed (the funnel's)`);
  io.stdout(`Sales velocity:     ${money(kpis.velocity_per_day, c)} per day`);
  io.stdout(`Stuck deals:        ${kpis.stuck_deals.toLocaleString('en-US')}   Backtest WAPE (30 days): model ${pct(kpis.backtest_wape.calibrated)}, run-rate ${pct(kpis.backtest_wape.run_rate)}, CRM probabilities ${pct(kpis.backtest_wape.crm)}`);

  const team = reports.quota.rows.find((x) => x.scope === 'team');
  if (team) {
    const reps = reports.quota.rows.filter((x) => x.scope === 'rep');
    const behind = reps.filter((x) => x.pace !== null && x.pace < 0.9).length;
    io.stdout(
      `Quota ${reports.quota.period.label}: team ${money(team.won, team.currency)} of ${money(team.target, team.currency)} (${pct(team.attainment)}), ` +
        `chance of target ${pct(team.probability)}, ${reps.length - behind} of ${reps.length} reps on pace`,
    );
  }

  const commitTeam = reports.commit.rows.find((x) => x.scope === 'team');
  if (commitTeam) {
    const cur = commitTeam.currency;
    const bias = commitTeam.bias.ratio === null ? 'not enough history for the bias' : `past periods closed ${pct(commitTeam.bias.ratio)} of commit`;
    io.stdout(
      `Commit ${reports.commit.period.label}: team ${money(commitTeam.commit, cur)} (best case ${money(commitTeam.best_case, cur)}) vs model ${money(commitTeam.model.p10, cur)}–${money(commitTeam.model.p90, cur)}, ${bias}`,
    );
  }

  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const name of CHART_NAMES) {
    const file = join(outDir, `${name}.png`);
    writeFileSync(file, await renderReportPng(name, reports[name]));
    written.push(file);
  }
  const summary = join(outDir, 'summary.json');
  writeFileSync(summary, `${JSON.stringify({ as_of: now.toISOString(), kpis, reports }, null, 2)}\n`);
  io.stdout('');
  io.stdout(`Charts: ${written.join(', ')}`);
  io.stdout(`Summary: ${summary}`);
}
