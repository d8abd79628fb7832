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
import { dayToIso, epochDay, isoToDay, monthStart } from '../metrics/periods.js';

/**
 * `since` as a start day (epoch day, UTC): '90d' = 90 days before today, '12w' = 12 weeks,
 * '6m' = 6 calendar months, '1y' = a year, or a date 'YYYY-MM-DD'. Must not be after today.
 */
export function parseSince(value: string, now: Date): number {
  const today = epochDay(now);
  const v = value.trim().toLowerCase();
  const rel = /^(\d+)\s*([dwmy])$/.exec(v);
  let day: number;
  if (rel) {
    const n = Number(rel[1]);
    const unit = rel[2];
    if (unit === 'd') day = today - n;
    else if (unit === 'w') day = today - 7 * n;
    else {
      const months = unit === 'm' ? n : 12 * n;
      const start = monthStart(today, -months);
      // Same day of the month, clamped to the month's length.
      const dom = today - monthStart(today);
      day = Math.min(start + dom, monthStart(today, -months + 1) - 1);
    }
  } else if (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && dayToIso(isoToDay(v)) === v) {
    day = isoToDay(v);
  } else {
    throw new UsageError(`"${value}" is not a start date.`, 'Use a number of days, weeks or months back (90d, 12w, 6m) or a date (2026-01-31).');
  }
  if (day > today) throw new UsageError(`--since ${value} is after today (${dayToIso(today)}).`, 'Give a date in the past, or 90d for the last 90 days.');
  return day;
}

export interface ResolvedFilters {
  facts: FactFilter;
  /** Start day (epoch day) from `since`, if given. */
  sinceDay?: number;
  /** The filters as they apply, names spelled as the CRM spells them (printed in every report). */
  echo: ReportFilters;
}

const listSome = (xs: string[]) => (xs.length > 12 ? `${xs.slice(0, 12).join(', ')}, …` : xs.join(', ')) || '(none synced yet)';

export function resolveFilters(db: Db, crm: string, filters: ReportFilters, now: Date): ResolvedFilters {
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
    sinceDay = parseSince(filters.since, now);
    echo.since = dayToIso(sinceDay);
  }
  return { facts, sinceDay, echo };
}
