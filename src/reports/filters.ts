/**
 * Report filters as people type them (--pipeline NAME, --owner NAME|EMAIL, --source NAME,
 * --since 90d|12w|6m|YYYY-MM-DD) resolved to ids and dates, with a clear message when one
 * matches nothing.
 */
import type { Db } from '../../store/db.js';
import { listOwners } from '../../store/owners.js';
import { listPipelines } from '../../store/pipelines.js';
import { listSources, type FactFilter } from '../../store/report-queries.js';
import { UsageError } from '../errors.js';
import type { ReportFilters } from '../metrics/report-types.js';
import { dayToIso, todayIn } from '../time/calendar.js';
import { parseSinceText, sinceStartDay } from '../time/parse.js';

/**
 * `since` as the first day of the window (the team's calendar day number): '90d' = 90 days
 * before the team's today, '12w' = 12 weeks, '6m' = 6 calendar months, '1y' = a year, or a date
 * 'YYYY-MM-DD'. Must not be after today; an impossible date is refused.
 */
export function parseSince(value: string, now: Date, timeZone: string): number {
  const since = parseSinceText(value.trim().toLowerCase());
  if (!since.ok) throw new UsageError(`"${value}" is not a start date: it ${since.message}`, 'Use a number of days, weeks or months back (90d, 12w, 6m) or a date (2026-01-31).');
  const day = sinceStartDay(since.value, now, timeZone);
  const today = todayIn(now, timeZone);
  if (day > today) throw new UsageError(`--since ${value} is after today (${dayToIso(today)}).`, 'Give a date in the past, or 90d for the last 90 days.');
  return day;
}

export interface ResolvedFilters {
  facts: FactFilter;
  /** Start day (the team's calendar day number) from `since`, if given. */
  sinceDay?: number;
  /** The filters as they apply, names spelled as the CRM spells them (printed in every report). */
  echo: ReportFilters;
}

const listSome = (xs: string[]) => (xs.length > 12 ? `${xs.slice(0, 12).join(', ')}, …` : xs.join(', ')) || '(none synced yet)';

export function resolveFilters(db: Db, crm: string, filters: ReportFilters, now: Date, timeZone: string): ResolvedFilters {
  const facts: FactFilter = {};
  const echo: ReportFilters = {};
  if (filters.pipeline !== undefined && filters.pipeline.trim() !== '') {
    const want = filters.pipeline.trim().toLowerCase();
    const pipelines = listPipelines(db, crm);
    const hit = pipelines.filter((p) => p.id.toLowerCase() === want || p.name.toLowerCase() === want);
    const first = hit[0];
    if (!first) throw new UsageError(`No pipeline is called "${filters.pipeline}".`, `Pipelines: ${listSome(pipelines.map((p) => p.name))}.`);
    facts.pipelineIds = hit.map((p) => p.id);
    echo.pipeline = first.name;
  }
  if (filters.owner !== undefined && filters.owner.trim() !== '') {
    const want = filters.owner.trim().toLowerCase();
    const owners = listOwners(db, crm);
    const hit = owners.filter((o) => o.id.toLowerCase() === want || o.name.toLowerCase() === want || (o.email ?? '').toLowerCase() === want);
    const first = hit[0];
    if (!first) throw new UsageError(`No deal owner matches "${filters.owner}".`, `Give a name or email; owners: ${listSome(owners.map((o) => o.name))}.`);
    facts.ownerIds = hit.map((o) => o.id);
    echo.owner = first.name;
  }
  if (filters.source !== undefined && filters.source.trim() !== '') {
    const want = filters.source.trim().toLowerCase();
    const sources = listSources(db, crm).sort();
    const hit = sources.find((s) => s.toLowerCase() === want);
    if (hit === undefined) throw new UsageError(`No deal has the source "${filters.source}".`, `Sources: ${listSome(sources)}.`);
    facts.source = hit;
    echo.source = hit;
  }
  let sinceDay: number | undefined;
  if (filters.since !== undefined && filters.since.trim() !== '') {
    sinceDay = parseSince(filters.since, now, timeZone);
    echo.since = dayToIso(sinceDay);
  }
  return { facts, sinceDay, echo };
}
