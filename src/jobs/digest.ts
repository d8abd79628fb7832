/**
 * The digest job: what a sales leader reads with coffee. Gathers the headline KPIs (from the
 * reports — no metric is defined here), their change since the previous business day and the
 * previous week, what moved since the last digest, and the data-quality line; builds the Block
 * Kit message (src/views/digest.ts), posts it, and puts the funnel and forecast charts in its
 * thread. Never silent about stale data: the first line says so.
 */
import type { Db } from '../../store/db.js';
import { lastSuccessfulRun } from '../../store/sync-runs.js';
import { listOpenSchemaDrift } from '../../store/schema-drift.js';
import { recentJobRuns } from '../../store/job-runs.js';
import { dayTotals } from '../../store/snapshots.js';
import { advancedBetween, closedBetween, createdBetween } from '../../store/digest-queries.js';
import type { ReportByName, ReportFilters, ReportName } from '../metrics/report-types.js';
import { DealcastError } from '../errors.js';
import type { ChartPng, MessageContent, Messenger } from '../delivery/messenger.js';
import { digestView, type DigestData, type DigestKpis } from '../views/digest.js';
import { addDays, dayStart, daysBetween, localDay, previousBusinessDay, shiftDays, todayIn, weekStart } from '../time/calendar.js';
import { repLeaderboard, type Leaderboard } from '../metrics/leaderboard.js';
import { resolveSetting } from '../settings/resolve.js';
import { fillSnapshotGaps, type PipelineSource } from './snapshot.js';
import type { Claim } from './ledger.js';

/**
 * The reports the jobs read (computeReport in src/reports/compute.ts, bound to one CRM and the
 * team's time zone), computed where the app computes reports (deps.reports: a worker pool in
 * `dealcast start`), so a digest or an alerts run never holds the event loop.
 */
export type ReportProvider = <N extends ReportName>(
  name: N,
  opts: { now: Date; filters?: ReportFilters; months?: number; threshold?: number; minSample?: number; limit?: number; period?: 'month' | 'quarter' | 'year' },
) => Promise<ReportByName[N]>;

/** The charts in the digest's thread, by title (each uploaded once per slot). */
export const DIGEST_CHART_TITLES = ['Conversion funnel', 'Forecast by month'] as const;

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
  /** The ledger claim (src/jobs/ledger.ts): posts and uploads are recorded, and skipped on resume. */
  claim?: Claim;
}

export interface DigestResult {
  channel: string;
  ts: string;
  content: MessageContent;
  charts: string[];
  kpis: DigestKpis;
  late: boolean;
  stale: boolean;
  /** This run completed one an earlier process had started. */
  resumed: boolean;
  /** The digest carried the week's rep leaderboard. */
  leaderboard: boolean;
}

/** The stored detail of a digest run (job_runs.detail): what it said, to compare with next time. */
export interface DigestRunDetail {
  channel: string;
  ts: string;
  kpis: DigestKpis;
  late: boolean;
  stale: boolean;
  /** Absent in digests from before the leaderboard. */
  leaderboard?: boolean;
}

export async function runDigestJob(deps: DigestDeps, now: Date, opts: DigestRunOptions = {}): Promise<DigestResult> {
  if (!deps.channel) {
    throw new DealcastError('digest_channel', 'DIGEST_CHANNEL is not set, so there is nowhere to post the digest.', 'Choose a digest channel in Slack with /dealcast settings, or set DIGEST_CHANNEL to a channel id (C…) the bot is in.');
  }
  const data = await gatherDigest(deps, now, opts);
  const content = digestView(data);
  const claim = opts.claim;
  const channel = deps.channel;
  // The root message once per slot: a resumed run finds its ts and continues in its thread.
  const post = () => deps.messenger.post(channel, content).then(({ ts }) => ({ channel, ts }));
  const root = claim ? await claim.once<{ channel: string; ts: string }>('root', post) : await post();
  const posted: string[] = [];
  if (deps.charts) {
    try {
      const titles: readonly string[] = DIGEST_CHART_TITLES;
      const pending = !claim || titles.some((t) => !(`chart:${t}` in claim.progress));
      const pngs = pending ? await deps.charts({ funnel: data.reports.funnel, forecast: data.reports.forecast }) : [];
      for (const title of claim ? titles.filter((t) => `chart:${t}` in claim.progress) : []) posted.push(title);
      for (const png of pngs) {
        if (posted.includes(png.title)) continue;
        const upload = () => deps.messenger.upload(root.channel, root.ts, png).then(() => true);
        if (claim) await claim.once(`chart:${png.title}`, upload);
        else await upload();
        posted.push(png.title);
      }
    } catch (err) {
      // The digest itself is out; a chart that fails is logged, not a reason to post twice.
      deps.log?.(`digest: charts not posted (${(err as Error).message})`);
    }
  }
  deps.log?.(`digest: ${claim?.resumed ? 'completed (resumed) in' : 'posted to'} ${root.channel}${data.late ? ' (late)' : ''}${data.stale ? ' (stale data)' : ''}`);
  return {
    channel: root.channel,
    ts: root.ts,
    content,
    charts: posted,
    kpis: data.kpis,
    late: data.late !== null,
    stale: data.stale !== null,
    resumed: claim?.resumed ?? false,
    leaderboard: (data.leaderboard?.rows.length ?? 0) > 0,
  };
}

export function digestDetail(r: DigestResult): DigestRunDetail {
  return { channel: r.channel, ts: r.ts, kpis: r.kpis, late: r.late, stale: r.stale, leaderboard: r.leaderboard };
}

/** Everything the digest says, as data (the view words it). */
export async function gatherDigest(
  deps: Omit<DigestDeps, 'messenger' | 'channel'>,
  now: Date,
  opts: DigestRunOptions = {},
): Promise<DigestData & { reports: { funnel: ReportByName['funnel']; forecast: ReportByName['forecast'] } }> {
  const tz = deps.timeZone;
  const today = localDay(now, tz);
  await fillSnapshotGaps({ db: deps.db, crm: deps.crm, timeZone: tz, pipeline: deps.pipeline, log: deps.log }, now);

  const [pipeline, forecast, velocity, quality, funnel] = await Promise.all([
    deps.reports('pipeline', { now }),
    deps.reports('forecast', { now, months: 2 }),
    deps.reports('velocity', { now }),
    deps.reports('quality', { now }),
    deps.reports('funnel', { now }),
  ]);
  const kpis = kpisFrom(today, pipeline, forecast, velocity);

  // Comparisons: what the digest said that day when there was one; otherwise the pipeline from
  // the daily snapshots (taken or reconstructed) and win rate / velocity recomputed as of then.
  const prevDayDay = previousBusinessDay(today);
  const prevWeekDay = addDays(today, -7);
  const earlier = recentJobRuns(deps.db, 'digest', { status: 'ok', limit: 40, before: now.toISOString() })
    .map((r) => parseDetail(r.detail))
    .filter((d): d is DigestRunDetail => d !== null);
  // "Then" is the same time of day on the earlier team day (23 or 25 hours back across a DST change).
  const sameTimeOn = (days: number) => shiftDays(now, -days, tz);
  const compare = async (day: string, then: Date): Promise<Partial<DigestKpis> | null> => {
    const said = earlier.find((d) => d.kpis.day === day);
    if (said) return said.kpis;
    const snap = dayTotals(deps.db, deps.crm, day, day)[0];
    const v = await deps.reports('velocity', { now: then });
    const out: Partial<DigestKpis> = { day, winRate: v.current.win_rate, velocity: v.current.velocity };
    if (snap) Object.assign(out, { openPipeline: snap.value, openDeals: snap.count });
    return out;
  };
  const daysBack = daysBetween(prevDayDay, today);
  const [prevDay, prevWeek] = await Promise.all([compare(prevDayDay, sameTimeOn(daysBack)), compare(prevWeekDay, sameTimeOn(7))]);

  // "Since the last digest", at most a week back (a digest after a long pause is not a history lesson).
  const lastDigest = recentJobRuns(deps.db, 'digest', { status: 'ok', limit: 1, before: now.toISOString() })[0];
  const weekAgo = sameTimeOn(7).toISOString();
  const fallbackSince = sameTimeOn(daysBack).toISOString();
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
    drift: listOpenSchemaDrift(deps.db, deps.crm).map((x) => ({ field: `${x.stream}.${x.field}`, since: x.detectedAt, changedType: x.kind === 'type_changed' ? (x.detail ?? 'another type') : null })),
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
      negativeAmount: quality.negative_amount ?? 0,
      outliers: quality.amount_outliers?.count ?? 0,
      badDates: (quality.created_before_2000 ?? 0) + (quality.created_in_future ?? 0) + (quality.close_before_created ?? 0),
      unconverted: quality.unconverted?.deals ?? 0,
      stageNameMismatches: quality.stage_name_mismatches?.length ?? 0,
    },
    chartsInThread: deps.charts ? ['Conversion funnel', 'forecast'] : [],
    leaderboard: leaderboardDue(deps, now) ? await weeklyLeaderboard(deps, now) : null,
    reports: { funnel, forecast },
  };
}

/** The reps' attainment against the fiscal quarter's targets; a failure is logged and the digest goes out without it. */
async function weeklyLeaderboard(deps: Pick<DigestDeps, 'reports' | 'log'>, now: Date): Promise<Leaderboard | null> {
  try {
    return repLeaderboard(await deps.reports('quota', { now, period: 'quarter' }));
  } catch (err) {
    deps.log?.(`digest: leaderboard left out (${(err as Error).message})`);
    return null;
  }
}

/**
 * The leaderboard goes in the week's first digest on or after the leaderboard weekday
 * (digest.leaderboard_weekday, in the team's zone): due when today is that day or later in the
 * week (Monday to Sunday) and no digest since that day's start carried it.
 */
export function leaderboardDue(deps: Pick<DigestDeps, 'db' | 'timeZone'>, now: Date): boolean {
  const weekday = resolveSetting(deps.db, { DIGEST_CRON: '', DEALCAST_TIMEZONE: deps.timeZone }, 'digest.leaderboard_weekday').value ?? 1;
  if (weekday < 1) return false;
  const today = todayIn(now, deps.timeZone);
  const from = weekStart(today) + weekday - 1;
  if (today < from) return false;
  const since = dayStart(from, deps.timeZone).toISOString();
  return !recentJobRuns(deps.db, 'digest', { status: 'ok', limit: 20, before: now.toISOString() }).some((r) => r.startedAt >= since && parseDetail(r.detail)?.leaderboard === true);
}

function kpisFrom(day: string, p: ReportByName['pipeline'], f: ReportByName['forecast'], v: ReportByName['velocity']): DigestKpis {
  const [m0, m1] = f.months;
  return {
    day,
    openPipeline: p.total.value,
    openDeals: p.total.count,
    weighted: p.total.weighted,
    forecastThisMonth: m0 ? { month: m0.month, value: m0.won + m0.weighted + (m0.new_deals ?? 0), won: m0.won } : null,
    forecastNextMonth: m1 ? { month: m1.month, value: m1.won + m1.weighted + (m1.new_deals ?? 0), won: m1.won } : null,
    ...(f.next && !f.next.warm_up
      ? { next: { days: f.next.horizon_days, p10: f.next.p10, p50: f.next.p50, p90: f.next.p90, open: f.next.open, newDeals: f.next.new_deals } }
      : {}),
    winRate: v.current.win_rate,
    winRateDays: v.current.window_from ? daysBetween(v.current.window_from, day) + 1 : null,
    velocity: v.current.velocity,
  };
}

function parseDetail(detail: string | null): DigestRunDetail | null {
  if (!detail) return null;
  try {
    const d = JSON.parse(detail) as Partial<DigestRunDetail>;
    return d?.kpis && typeof d.kpis.day === 'string' ? (d as DigestRunDetail) : null;
  } catch {
    return null;
  }
}
