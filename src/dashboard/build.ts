/**
 * Gathering the dashboard: report objects from computeReport (the one source of report data)
 * and charts from the Slack charts' spec builders and renderer. This is the only dashboard
 * module that touches the database; page.ts stays pure.
 */
import { buildChart } from '../../charts/index.js';
import { renderSvg } from '../../charts/render.js';
import type { Db } from '../../store/db.js';
import { lastSuccessfulRun } from '../../store/sync-runs.js';
import type { Config } from '../config.js';
import type { ReportFilters } from '../metrics/report-types.js';
import { computeReport } from '../reports/compute.js';
import { packDashboard, type DashboardFile } from './dashboard-file.js';
import { DASHBOARD_CHARTS, withoutDealNames, type DashboardChartName, type DashboardPageInput, type DashboardReports } from './page.js';
import { resolveTeamSettings } from '../settings/resolve.js';

/** Deals listed in the page's table (the most overdue first); the page says how many exist. */
export const DASHBOARD_DEAL_LIMIT = 2000;

export interface CollectOptions {
  now: Date;
  filters?: ReportFilters;
  /** false: deal names are replaced by their CRM ids (`--no-deal-names`, DASHBOARD_DEAL_NAMES=false). */
  dealNames?: boolean;
  /** The team's time zone (resolveTeamSettings): the reports' calendar and the times shown. */
  timeZone: string;
  /** The reporting currency (DEALCAST_CURRENCY; null = the CRM's). */
  currency?: string | null;
}

/** Every report and chart the page needs, for one CRM's data in `db`, at `now`. */
export async function collectDashboard(db: Db, crm: string, opts: CollectOptions): Promise<DashboardPageInput> {
  const ro = { filters: opts.filters ?? {}, now: opts.now, timeZone: opts.timeZone, currency: opts.currency };
  const reports: DashboardReports = {
    pipeline: computeReport(db, crm, 'pipeline', ro),
    forecast: computeReport(db, crm, 'forecast', ro),
    funnel: computeReport(db, crm, 'funnel', ro),
    velocity: computeReport(db, crm, 'velocity', ro),
    reps: computeReport(db, crm, 'reps', ro),
    sources: computeReport(db, crm, 'sources', ro),
    // threshold 0: every open deal whose stage has a usable average, most overdue first.
    deals: computeReport(db, crm, 'deals', { ...ro, threshold: 0, limit: DASHBOARD_DEAL_LIMIT }),
  };
  if (opts.dealNames === false) reports.deals = withoutDealNames(reports.deals);
  const charts = {} as Record<DashboardChartName, string>;
  for (const name of DASHBOARD_CHARTS) charts[name] = await renderSvg(buildChart(name, reports[name]));
  return {
    generatedAt: opts.now.toISOString(),
    dataSyncedAt: lastSuccessfulRun(db, crm)?.startedAt ?? null,
    crm,
    timeZone: opts.timeZone,
    reports,
    charts,
  };
}

export interface BuildFileOptions {
  now: Date;
  filters?: ReportFilters;
  /** Overrides DASHBOARD_PASSWORD (undefined: use it when set). */
  password?: string;
  /** Overrides DASHBOARD_DEAL_NAMES. */
  dealNames?: boolean;
}

/**
 * The dashboard as file bytes + a file name, built in memory and never written anywhere: what
 * the `/dealcast dashboard` Slack command uploads to the caller by DM. Encrypted when
 * DASHBOARD_PASSWORD is set (or `opts.password` is given).
 */
export async function buildDashboardFile(db: Db, config: Config, opts: BuildFileOptions): Promise<DashboardFile> {
  const input = await collectDashboard(db, config.CRM, {
    now: opts.now,
    filters: opts.filters,
    dealNames: opts.dealNames ?? config.DASHBOARD_DEAL_NAMES,
    timeZone: resolveTeamSettings(db, config).timeZone,
    currency: config.DEALCAST_CURRENCY ?? null,
  });
  return packDashboard(input, { password: opts.password ?? config.DASHBOARD_PASSWORD });
}
