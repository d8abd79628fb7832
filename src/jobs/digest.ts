/**
 * The digest job: what a sales leader reads with coffee. Gathers the headline KPIs (from the
 * reports — no metric is defined here), their change since the previous business day and the
 * previous week, what moved since the last digest, and the data-quality line; builds the Block
 * Kit message (src/views/digest.ts), posts it, and puts the funnel and forecast charts in its
 * thread. Never silent about stale data: the first line says so.
 */
import type { Db } from '../../store/db.js';
import { lastSuccessfulRun } from '../../store/sync-runs.js';
import { recentJobRuns } from '../../store/job-runs.js';
import { dayTotals } from '../../store/snapshots.js';
import { advancedBetween, closedBetween, createdBetween } from '../../store/digest-queries.js';
import type { ReportByName, ReportFilters, ReportName } from '../metrics/report-types.js';
import { DealcastError } from '../errors.js';
import type { ChartPng, MessageContent, Messenger } from '../delivery/messenger.js';
import { digestView, type DigestData, type DigestKpis } from '../views/digest.js';
import { addDays, localDay, previousBusinessDay } from './local-time.js';
import { fillSnapshotGaps, type PipelineSource } from './snapshot.js';

/** The reports the jobs read (computeReport in src/reports/compute.ts, bound to one database and CRM). */
export type ReportProvider = <N extends ReportName>(
  name: N,
  opts: { now: Date; filters?: ReportFilters; months?: number; threshold?: number; minSample?: number; limit?: number },
) => ReportByName[N];

/** Renders the digest's charts (charts/ spec builders + renderer). */
export type DigestCharts = (reports: { funnel: ReportByName['funnel']; forecast: ReportByName['forecast'] }) => Promise<ChartPng[]>;

export interface DigestDeps {
  db: Db;
  crm: string;
  timeZone: string;
  /** DIGEST_CHANNEL. */
  channel: string | undefined;
  messenger: Messenger;
  reports: ReportProvider;
  pipeline: PipelineSource;
  charts?: DigestCharts;
  /**
   * Data synced before this instant is stale: the second most recent SYNC_CRON slot, i.e. older
   * than twice the sync interval (cron.ts staleCutoff).
   */
  staleCutoff: (now: Date) => Date;
  log?: (line: string) => void;
}

export interface DigestRunOptions {
  /** The scheduled slot this run is for, when it runs late (catch-up after downtime). */
  lateFor?: Date;
}

export interface DigestResult {
  channel: string;
  ts: string;
  content: MessageContent;
  charts: string[];
  kpis: DigestKpis;
  late: boolean;
  stale: boolean;
}

/** The stored detail of a digest run (job_runs.detail): what it said, to compare with next time. */
export interface DigestRunDetail {
  channel: string;
  ts: string;
  kpis: DigestKpis;
  late: boolean;
  stale: boolean;
}

export async function runDigestJob(deps: DigestDeps, now: Date, opts: DigestRunOptions = {}): Promise<DigestResult> {
  if (!deps.channel) {
    throw new DealcastError('digest_channel', 'DIGEST_CHANNEL is not set, so there is nowhere to post the digest.', 'Choose a digest channel in Slack with /dealcast settings, or set DIGEST_CHANNEL to a channel id (C…) the bot is in.');
  }
  const data = gatherDigest(deps, now, opts);
  const content = digestView(data);
  const { ts } = await deps.messenger.post(deps.channel, content);
  const posted: string[] = [];
  if (deps.charts) {
    try {
      const pngs = await deps.charts({ funnel: data.reports.funnel, forecast: data.reports.forecast });
      for (const png of pngs) {
        await deps.messenger.upload(deps.channel, ts, png);
        posted.push(png.title);
      }
    } catch (err) {
      // The digest itself is out; a chart that fails is logged, not a reason to post twice.
      deps.log?.(`digest: charts not posted (${(err as Error).message})`);
    }
  }
  deps.log?.(`digest: posted to ${deps.channel}${data.late ? ' (late)' : ''}${data.stale ? ' (stale data)' : ''}`);
  return { channel: deps.channel, ts, content, charts: posted, kpis: data.kpis, late: data.late !== null, stale: data.stale !== null };
}

export function digestDetail(r: DigestResult): DigestRunDetail {
  return { channel: r.channel, ts: r.ts, kpis: r.kpis, late: r.late, stale: r.stale };
}

/** Everything the digest says, as data (the view words it). */
export function gatherDigest(deps: Omit<DigestDeps, 'messenger' | 'channel'>, now: Date, opts: DigestRunOptions = {}): DigestData & { reports: { funnel: ReportByName['funnel']; forecast: ReportByName['forecast'] } } {
  const tz = deps.timeZone;
  const today = localDay(now, tz);
  fillSnapshotGaps({ db: deps.db, crm: deps.crm, timeZone: tz, pipeline: deps.pipeline, log: deps.log }, now);

  const pipeline = deps.reports('pipeline', { now });
  const forecast = deps.reports('forecast', { now, months: 2 });
  const velocity = deps.reports('velocity', { now });
  const quality = deps.reports('quality', { now });
  const funnel = deps.reports('funnel', { now });
  const kpis = kpisFrom(today, pipeline, forecast, velocity);

  // Comparisons: what the digest said that day when there was one; otherwise the pipeline from
  // the daily snapshots (taken or reconstructed) and win rate / velocity recomputed as of then.
  const prevDayDay = previousBusinessDay(today);
  const prevWeekDay = addDays(today, -7);
  const earlier = recentJobRuns(deps.db, 'digest', { status: 'ok', limit: 40, before: now.toISOString() })
    .map((r) => parseDetail(r.detail))
    .filter((d): d is DigestRunDetail => d !== null);
  const compare = (day: string, shiftMs: number): Partial<DigestKpis> | null => {
    const said = earlier.find((d) => d.kpis.day === day);
    if (said) return said.kpis;
    const snap = dayTotals(deps.db, deps.crm, day, day)[0];
    const then = new Date(now.getTime() - shiftMs);
    const v = deps.reports('velocity', { now: then });
    const out: Partial<DigestKpis> = { day, winRate: v.current.win_rate, velocity: v.current.velocity };
    if (snap) Object.assign(out, { openPipeline: snap.value, openDeals: snap.count });
    return out;
  };
  const dayMs = 86_400_000;
  const daysBack = Math.round((Date.parse(today) - Date.parse(prevDayDay)) / dayMs);
  const prevDay = compare(prevDayDay, daysBack * dayMs);
  const prevWeek = compare(prevWeekDay, 7 * dayMs);

  // "Since the last digest", at most a week back (a digest after a long pause is not a history lesson).
  const lastDigest = recentJobRuns(deps.db, 'digest', { status: 'ok', limit: 1, before: now.toISOString() })[0];
  const weekAgo = new Date(now.getTime() - 7 * dayMs).toISOString();
  const fallbackSince = new Date(now.getTime() - daysBack * dayMs).toISOString();
  const since = lastDigest ? (lastDigest.startedAt > weekAgo ? lastDigest.startedAt : weekAgo) : fallbackSince;
  const until = now.toISOString();

  const last = lastSuccessfulRun(deps.db, deps.crm);
  // "Data as of" is when the last good sync started reading, as everywhere else.
  const lastAt = last ? last.startedAt : null;
  // A sync stamps the instant it started; one that started at the cutoff slot is fresh enough.
  const cutoff = deps.staleCutoff(now).getTime() - 60_000;
  const stale = lastAt === null || Date.parse(last!.startedAt) < cutoff ? { lastSyncAt: lastAt } : null;

  return {
    day: today,
    asOf: now.toISOString(),
    timeZone: tz,
    currency: pipeline.currency,
    late: opts.lateFor ? { slot: opts.lateFor.toISOString() } : null,
    stale,
    kpis,
    prevDay: prevDay ? { day: prevDayDay, kpis: prevDay } : null,
    prevWeek: prevWeek ? { day: prevWeekDay, kpis: prevWeek } : null,
    moved: {
      since,
      won: closedBetween(deps.db, deps.crm, 'won', since, until),
      lost: closedBetween(deps.db, deps.crm, 'lost', since, until),
      advanced: advancedBetween(deps.db, deps.crm, since, until),
      created: createdBetween(deps.db, deps.crm, since, until),
    },
    quality: {
      openDeals: quality.open_deals,
      zeroAmount: quality.zero_amount,
      missingAmount: quality.missing_amount,
      missingCloseDate: quality.missing_close_date,
      pastCloseDate: quality.past_close_date,
      needsReview: quality.needs_review_stages.length,
    },
    chartsInThread: deps.charts ? ['Conversion funnel', 'forecast'] : [],
    reports: { funnel, forecast },
  };
}

function kpisFrom(day: string, p: ReportByName['pipeline'], f: ReportByName['forecast'], v: ReportByName['velocity']): DigestKpis {
  const [m0, m1] = f.months;
  return {
    day,
    openPipeline: p.total.value,
    openDeals: p.total.count,
    weighted: p.total.weighted,
    forecastThisMonth: m0 ? { month: m0.month, value: m0.won + m0.weighted, won: m0.won } : null,
    forecastNextMonth: m1 ? { month: m1.month, value: m1.won + m1.weighted, won: m1.won } : null,
    winRate: v.current.win_rate,
    winRateDays: v.current.window_from ? Math.floor((Date.parse(v.as_of) - Date.parse(v.current.window_from)) / 86_400_000) + 1 : null,
    velocity: v.current.velocity,
  };
}

function parseDetail(detail: string | null): DigestRunDetail | null {
  if (!detail) return null;
  try {
    const d = JSON.parse(detail) as Partial<DigestRunDetail>;
    return d && d.kpis && typeof d.kpis.day === 'string' ? (d as DigestRunDetail) : null;
  } catch {
    return null;
  }
}
