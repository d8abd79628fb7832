/**
 * `dealcast report <name> [--json] [--out FILE.png] [--pipeline NAME] [--owner NAME|EMAIL]
 * [--source NAME] [--since 90d|12w|YYYY-MM-DD] [--now ISO] [--months N] [--granularity week|month]
 * [--sort stuck|amount|close] [--limit N]`:
 * one report from the local copy of the CRM, as a compact table, as JSON (stable keys), or as a
 * chart PNG.
 */
import { writeFileSync } from 'node:fs';
import type { Db } from '../../store/db.js';
import { countDeals } from '../../store/deals.js';
import { UsageError } from '../errors.js';
import { computeReport, isReportName, REPORT_NAMES } from '../reports/compute.js';
import { formatReport } from './report-format.js';
import { CHART_NAMES, isChartName, type ChartReports } from '../../charts/index.js';
import { renderReportPng } from '../reports/render.js';
import { cliConfig, crmInDb, openStore, parseFlags, parseIntFlag, parseNowArg, teamTimeZone, type CliIo } from './io.js';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      json: { type: 'boolean' },
      out: { type: 'string' },
      pipeline: { type: 'string' },
      owner: { type: 'string' },
      source: { type: 'string' },
      since: { type: 'string' },
      now: { type: 'string' },
      months: { type: 'string' },
      granularity: { type: 'string' },
      sort: { type: 'string' },
      limit: { type: 'string' },
      period: { type: 'string' },
      db: { type: 'string' },
    },
    'report',
    true,
  );
  const name = positionals[0];
  if (!name || positionals.length > 1 || !isReportName(name)) {
    throw new UsageError(
      name ? `There is no report called "${positionals.join(' ')}".` : 'Name a report.',
      `dealcast report <${REPORT_NAMES.join('|')}> [--json] [--out FILE.png] [--pipeline NAME] [--owner NAME|EMAIL] [--source NAME] [--since 90d|YYYY-MM-DD] [--now ISO] [--period month|quarter|year]`,
    );
  }
  if (values.granularity !== undefined && values.granularity !== 'week' && values.granularity !== 'month') {
    throw new UsageError(`--granularity must be week or month (got "${values.granularity}").`);
  }
  const sort = values.sort;
  if (sort !== undefined && (name !== 'deals' || !['stuck', 'amount', 'close'].includes(sort))) {
    throw new UsageError(
      name !== 'deals' ? '--sort is for the deals report.' : `--sort must be stuck, amount or close (got "${sort}").`,
      'dealcast report deals --sort amount (every open deal, biggest first) | --sort close (soonest expected close first) | --sort stuck (the default: stuck deals, most overdue first)',
    );
  }
  if (values.period !== undefined && !['month', 'quarter', 'year'].includes(values.period)) {
    throw new UsageError(`--period must be month, quarter or year (got "${values.period}").`);
  }
  if (values.out !== undefined && !/\.png$/i.test(values.out)) throw new UsageError(`--out must name a .png file (got "${values.out}").`);
  if (values.out !== undefined && !isChartName(name)) {
    throw new UsageError(`The ${name} report has no chart.`, `Charts exist for: ${CHART_NAMES.join(', ')}. Use --json or the table instead.`);
  }
  const config = cliConfig(io, values.db ? { DEALCAST_DB: values.db } : {});
  const nowIn = parseNowArg(values.now);
  const db = openStore(config, { forReading: true });
  const now = nowIn(teamTimeZone(db, config));
  try {
    const crm = crmInDb(db, config.CRM);
    if (countDeals(db, crm).total === 0) {
      io.stderr(`No ${crm} deals in ${config.DEALCAST_DB} yet: run "dealcast sync" first (or "dealcast demo" to try it on demo data).`);
    }
    const report = computeReport(db, crm, name, {
      now,
      timeZone: teamTimeZone(db, config),
      filters: { pipeline: values.pipeline, owner: values.owner, source: values.source, since: values.since },
      months: parseIntFlag(values.months, 'months', 1, 24),
      currency: config.DEALCAST_CURRENCY ?? null,
      granularity: values.granularity as 'week' | 'month' | undefined,
      ...(sort === 'amount' || sort === 'close' ? { threshold: 0, order: sort } : {}),
      ...(values.limit !== undefined ? { limit: parseIntFlag(values.limit, 'limit', 1, 100_000) } : {}),
      period: values.period as 'month' | 'quarter' | 'year' | undefined,
    });
    if (values.out && isChartName(name)) {
      const png = await renderReportPng(name, report as ChartReports[typeof name]);
      writeFileSync(values.out, png);
      if (!values.json) io.stdout(`Wrote ${values.out} (${png.length.toLocaleString('en-US')} bytes).`);
    }
    if (values.json) io.stdout(JSON.stringify(report, null, 2));
    else if (!values.out) io.stdout(formatReport(name, report));
    return 0;
  } finally {
    closeQuietly(db);
  }
}

function closeQuietly(db: Db): void {
  try {
    db.close();
  } catch {
    // already closed
  }
}
