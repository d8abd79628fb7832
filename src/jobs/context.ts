/**
 * Builds the jobs' dependencies from the configuration: the reports (src/reports/compute.ts), the
 * pipeline history (snapshots and their reconstruction), the charts, and a messenger. The app
 * (`dealcast start`), the CLI (`dealcast digest|alerts`) and the demo all wire jobs here, so they
 * run the same code.
 */
import type { Config } from '../config.js';
import type { Db } from '../../store/db.js';
import { InlineReports, type ReportWork } from '../reports/work.js';
import type { Messenger } from '../delivery/messenger.js';
import { DIGEST_CHART_TITLES, type DigestCharts, type DigestDeps, type ReportProvider } from './digest.js';
import type { AlertDeps } from './alerts.js';
import type { SnapshotDeps } from './snapshot.js';
import { pipelineHistory } from './pipeline-history.js';
import { staleCutoff } from './cron.js';
import { resolveTeamSettings } from '../settings/resolve.js';
import { localDay } from '../time/calendar.js';

/**
 * Reports on one CRM, in the team's time zone in effect when each report runs, in the reporting
 * currency, computed by `work` (the app's worker pool; by default on this thread over `db`).
 */
export function reportProvider(db: Db, crm: string, timeZone: () => string, currency?: string | null, work: ReportWork = new InlineReports(db)): ReportProvider {
  return async (name, opts) => (await work.run({ crm, name, opts: { currency, ...opts, timeZone: timeZone() } })).report;
}

/** The digest's thread: the conversion funnel and the forecast, as PNGs drawn by `work`. */
export function digestCharts(day: () => string, work: Pick<ReportWork, 'render'>): DigestCharts {
  return async ({ funnel, forecast }) => {
    const [funnelPng, forecastPng] = await Promise.all([work.render('funnel', funnel), work.render('forecast', forecast)]);
    return [
      {
        png: funnelPng,
        filename: `funnel-${day()}.png`,
        title: DIGEST_CHART_TITLES[0],
        altText: `Conversion funnel: ${funnel.stages.map((s) => `${s.stage} ${s.reached}`).join(', ')}.`,
      },
      {
        png: forecastPng,
        filename: `forecast-${day()}.png`,
        title: DIGEST_CHART_TITLES[1],
        altText: `Forecast by month: ${forecast.months.map((m) => `${m.month} open deals ${Math.round(m.weighted)}, new deals ${Math.round(m.new_deals ?? 0)}, won ${Math.round(m.won)}${m.p10 !== undefined ? `, range ${Math.round(m.p10)}–${Math.round(m.p90 ?? 0)}` : ''}`).join('; ')}.`,
      },
    ];
  };
}

export interface JobContext {
  snapshot: SnapshotDeps;
  digest: DigestDeps;
  alerts: AlertDeps;
}

/**
 * `reports`: where the jobs' reports and charts are computed — the app passes its worker pool
 * (deps.reports), so the digest and alerts never hold the event loop; the CLI computes inline.
 */
export function jobContext(opts: { config: Config; db: Db; messenger: Messenger; log?: (line: string) => void; charts?: boolean; now: () => Date; reports?: ReportWork }): JobContext {
  const { config, db, messenger, log } = opts;
  const crm = config.CRM;
  // Channels and time zone saved in Slack (/dealcast settings) win over the environment.
  const team = resolveTeamSettings(db, config);
  const work = opts.reports ?? new InlineReports(db);
  const reports = reportProvider(db, crm, () => resolveTeamSettings(db, config).timeZone, config.DEALCAST_CURRENCY ?? null, work);
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
      charts: opts.charts === false ? undefined : digestCharts(() => localDay(opts.now(), resolveTeamSettings(db, config).timeZone), work),
      staleCutoff: (now: Date) => staleCutoff(config.SYNC_CRON, resolveTeamSettings(db, config).timeZone, now),
    },
    alerts: { ...base, channel: team.alertChannel ?? undefined, messenger, reports, pipeline, admins: config.DEALCAST_ADMINS },
  };
}
