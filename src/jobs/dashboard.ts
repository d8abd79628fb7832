/**
 * The scheduled dashboard job (DASHBOARD_CRON → scheduler.ts): rebuilds the dashboard and
 * rewrites DASHBOARD_PATH only when what a reader would see changed. A plain function of
 * (deps, now), callable from tests, the CLI and the scheduler.
 *
 * "Changed" = the page's content fingerprint differs (SHA-256 of the page with generated_at and
 * the sync time left blank; see src/dashboard/page.ts), or encryption was switched on/off or
 * the password changed. A new timestamp alone does not rewrite the file, so the file's mtime
 * says when the figures last changed and file-sync tools are not woken every run. The page's
 * own "Data as of" then shows the sync that produced those figures.
 */
import type { Db } from '../../store/db.js';
import type { Config } from '../config.js';
import { collectDashboard } from '../dashboard/build.js';
import { writeDashboardFileIfChanged, type WriteResult } from '../dashboard/dashboard-file.js';
import { resolveTeamSettings } from '../settings/resolve.js';

export interface DashboardJobDeps {
  db: Db;
  config: Config;
  log?: (line: string) => void;
}

export async function writeDashboardIfChanged(deps: DashboardJobDeps, now: Date): Promise<WriteResult> {
  const { db, config } = deps;
  const input = await collectDashboard(db, config.CRM, { now, dealNames: config.DASHBOARD_DEAL_NAMES, timeZone: resolveTeamSettings(db, config).timeZone, currency: config.DEALCAST_CURRENCY ?? null });
  const result = await writeDashboardFileIfChanged(config.DASHBOARD_PATH, input, { password: config.DASHBOARD_PASSWORD });
  deps.log?.(
    result.written
      ? `dashboard: wrote ${result.path} (${result.reason}${config.DASHBOARD_PASSWORD ? ', encrypted' : ''})`
      : `dashboard: ${result.path} unchanged, not rewritten`,
  );
  return result;
}
