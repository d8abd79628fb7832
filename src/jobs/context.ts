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
import type { DigestCharts, DigestDeps, ReportProvider } from './digest.js';
import type { AlertDeps } from './alerts.js';
import type { SnapshotDeps } from './snapshot.js';
import { pipelineHistory } from './pipeline-history.js';
import { staleCutoff } from './cron.js';
import { resolveTeamSettings } from '../settings/team.js';

export function reportProvider(db: Db, crm: string): ReportProvider {
  return (name, opts) => computeReport(db, crm, name, opts);
}

/** The digest's thread: the conversion funnel and the forecast, as PNGs. */
export function digestCharts(day: () => string): DigestCharts {
  return async ({ funnel, forecast }) => [
    {
      png: await renderReportPng('funnel', funnel),
      filename: `funnel-${day()}.png`,
      title: 'Conversion funnel',
      altText: `Conversion funnel: ${funnel.stages.map((s) => `${s.stage} ${s.reached}`).join(', ')}.`,
    },
    {
      png: await renderReportPng('forecast', forecast),
      filename: `forecast-${day()}.png`,
      title: 'Forecast by close month',
      altText: `Forecast by close month: ${forecast.months.map((m) => `${m.month} weighted ${Math.round(m.weighted)}, won ${Math.round(m.won)}`).join('; ')}.`,
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
  const reports = reportProvider(db, crm);
  const pipeline = pipelineHistory(db, crm, reports);
  // Channels and time zone saved in Slack (/dealcast settings) win over the environment.
  const team = resolveTeamSettings(db, config);
  const base = { db, crm, timeZone: team.timeZone, log };
  return {
    snapshot: { ...base, pipeline },
    digest: {
      ...base,
      channel: team.digestChannel ?? undefined,
      messenger,
      reports,
      pipeline,
      charts: opts.charts === false ? undefined : digestCharts(() => opts.now().toISOString().slice(0, 10)),
      staleCutoff: (now: Date) => staleCutoff(config.SYNC_CRON, resolveTeamSettings(db, config).timeZone, now),
    },
    alerts: { ...base, channel: team.alertChannel ?? undefined, messenger, reports, pipeline },
  };
}
