/**
 * The snapshot job: once a day, after the day's first successful sync, record the open pipeline
 * per pipeline and canonical stage (count, value, weighted). Days with no snapshot — the days
 * before install, or days the process was down — are reconstructed from stage history and
 * marked reconstructed, so week-over-week changes and the pipeline-drop alert work from day one.
 * Once a week it also records every open deal (stage, amount, expected close date, owner:
 * store/deal-snapshots.ts), which stage history cannot reconstruct afterwards.
 */
import type { Db } from '../../store/db.js';
import { saveSnapshotDay, snapshotDays } from '../../store/snapshots.js';
import { DEAL_SNAPSHOT_EVERY_DAYS, lastDealSnapshotDay, saveDealSnapshot } from '../../store/deal-snapshots.js';
import { addDays, dayStart, localDay } from '../time/calendar.js';

/** Open pipeline in one pipeline and canonical stage. */
export interface PipelineCell {
  pipelineId: string;
  canonical: string;
  count: number;
  value: number;
  weighted: number;
}

/** Where pipeline figures come from (the metrics; see pipeline-history.ts). */
export interface PipelineSource {
  /** Open pipeline now. */
  current(now: Date): Promise<PipelineCell[]>;
  /** Open pipeline as it stood at each instant, reconstructed from stage history (one list per instant). */
  at(instants: Date[], now: Date): Promise<PipelineCell[][]>;
  /** When the first deal was created (no reconstruction before it), or null without deals. */
  earliest(): Date | null;
}

export interface SnapshotDeps {
  db: Db;
  crm: string;
  /** The team's time zone: snapshots are per team day. */
  timeZone: string;
  pipeline: PipelineSource;
  log?: (line: string) => void;
  /** How many past days to keep filled (default 35: a month of week-over-week). */
  backfillDays?: number;
}

export interface SnapshotResult {
  day: string;
  cells: number;
  reconstructedDays: string[];
  /** Open deals recorded in the weekly deal snapshot, or null when this run was not a snapshot week. */
  dealsSnapshotted: number | null;
}

export const DEFAULT_BACKFILL_DAYS = 35;

/** Takes today's snapshot (replacing a reconstructed one) and fills the gaps before it. */
export async function runSnapshotJob(deps: SnapshotDeps, now: Date): Promise<SnapshotResult> {
  const day = localDay(now, deps.timeZone);
  const at = now.toISOString();
  const cells = await deps.pipeline.current(now);
  saveSnapshotDay(
    deps.db,
    deps.crm,
    day,
    cells.map((c) => ({ ...c, reconstructed: false, takenAt: at })),
  );
  const reconstructedDays = await fillSnapshotGaps(deps, now);
  const lastDeals = lastDealSnapshotDay(deps.db, deps.crm);
  const dealsSnapshotted = lastDeals === null || addDays(lastDeals, DEAL_SNAPSHOT_EVERY_DAYS) <= day ? saveDealSnapshot(deps.db, deps.crm, day, at) : null;
  deps.log?.(
    `snapshot: ${day} recorded (${cells.length} stage rows)${reconstructedDays.length ? `; ${reconstructedDays.length} earlier day(s) reconstructed from stage history` : ''}` +
      (dealsSnapshotted !== null ? `; weekly deal snapshot: ${dealsSnapshotted} open deals` : ''),
  );
  return { day, cells: cells.length, reconstructedDays, dealsSnapshotted };
}

/**
 * Reconstructs the days in the last `backfillDays` (before today) that have no snapshot, as the
 * pipeline stood at the start of each local day. Returns the days written.
 */
export async function fillSnapshotGaps(deps: SnapshotDeps, now: Date): Promise<string[]> {
  const today = localDay(now, deps.timeZone);
  const from = addDays(today, -(deps.backfillDays ?? DEFAULT_BACKFILL_DAYS));
  const yesterday = addDays(today, -1);
  const have = snapshotDays(deps.db, deps.crm, from, yesterday);
  const earliest = deps.pipeline.earliest();
  if (!earliest) return [];
  const firstDay = localDay(earliest, deps.timeZone);
  const missing: string[] = [];
  for (let d = from; d <= yesterday; d = addDays(d, 1)) if (!have.has(d) && d > firstDay) missing.push(d);
  if (!missing.length) return [];
  const instants = missing.map((d) => dayStart(d, deps.timeZone));
  const byDay = await deps.pipeline.at(instants, now);
  const at = now.toISOString();
  const written: string[] = [];
  missing.forEach((d, i) => {
    if (saveSnapshotDay(deps.db, deps.crm, d, (byDay[i] ?? []).map((c) => ({ ...c, reconstructed: true, takenAt: at })))) written.push(d);
  });
  return written;
}
