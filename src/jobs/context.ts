/**
 * Builds the jobs' dependencies from the configuration: the reports (src/reports/compute.ts), the
 * pipeline history (snapshots and their reconstruction), the charts, and a messenger. The app
 * (`dealcast start`), the CLI (`dealcast digest|alerts`) and the demo all wire jobs here, so they
 * run the same code.
 */
import type { Config } from '../config.js';
import type { Db } from '../../store/db.js';
import { computeReport } from '../reports/compute.js';
import { renderReportPng } from '../reports/render.js';
import type { Messenger } from '../delivery/messenger.js';
import { DIGEST_CHART_TITLES, type DigestCharts, type DigestDeps, type ReportProvider } from './digest.js';
import type { AlertDeps } from './alerts.js';
import type { SnapshotDeps } from './snapshot.js';
import { pipelineHistory } from './pipeline-history.js';
import { staleCutoff } from './cron.js';
import { resolveTeamSettings } from '../settings/resolve.js';
import { localDay } from '../time/calendar.js';

/** Reports on one database and CRM, in the team's time zone in effect when each report runs, in the reporting currency. */
export function reportProvider(db: Db, crm: string, timeZone: () => string, currency?: string | null): ReportProvider {
  return (name, opts) => computeReport(db, crm, name, { currency, ...opts, timeZone: timeZone() });
}

/** The digest's thread: the conversion funnel and the forecast, as PNGs. */
export function digestCharts(day: () => string): DigestCharts {
  return async ({ funnel, forecast }) => [
    {
      png: await renderReportPng('funnel', funnel),
      filename: `funnel-${day()}.png`,
      title: DIGEST_CHART_TITLES[0],
      altText: `Conversion funnel: ${funnel.stages.map((s) => `${s.stage} ${s.reached}`).join(', ')}.`,
    },
    {
      png: await renderReportPng('forecast', forecast),
      filename: `forecast-${day()}.png`,
      title: DIGEST_CHART_TITLES[1],
      altText: `Forecast by month: ${forecast.months.map((m) => `${m.month} open deals ${Math.round(m.weighted)}, new deals ${Math.round(m.new_deals ?? 0)}, won ${Math.round(m.won)}${m.p10 !== undefined ? `, range ${Math.round(m.p10)}–${Math.round(m.p90 ?? 0)}` : ''}`).join('; ')}.`,
    },
  ];
}

export interface JobContext {
  snapshot: SnapshotDeps;
  digest: DigestDeps;
  alerts: AlertDeps;
}

export function jobContext(opts: { config: Config; db: Db; messenger: Messenger; log?: (line: string) => void; charts?: boolean; now: () => Date }): JobContext {
  const { config, db, messenger, log } = opts;
  const crm = config.CRM;
  // Channels and time zone saved in Slack (/dealcast settings) win over the environment.
  const team = resolveTeamSettings(db, config);
  const reports = reportProvider(db, crm, () => resolveTeamSettings(db, config).timeZone, config.DEALCAST_CURRENCY ?? null);
  const pipeline = pipelineHistory(db, crm, reports);
  const base = { db, crm, timeZone: team.timeZone, log };
  return {
    snapshot: { ...base, pipeline },
    digest: {
      ...base,
      channel: team.digestChannel ?? undefined,
      messenger,
      reports,
      pipeline,
      charts: opts.charts === false ? undefined : digestCharts(() => localDay(opts.now(), resolveTeamSettings(db, config).timeZone)),
      staleCutoff: (now: Date) => staleCutoff(config.SYNC_CRON, resolveTeamSettings(db, config).timeZone, now),
    },
    alerts: { ...base, channel: team.alertChannel ?? undefined, messenger, reports, pipeline, admins: config.DEALCAST_ADMINS },
  };
}
