/**
 * The CRM's own sales targets (HubSpot goals, Pipedrive goals, Salesforce quotas), already read
 * and narrowed by each connector, turned into rows of the targets store. Pure: goals and the
 * team's calendar in, targets and one reason per goal left out.
 *
 * The store keeps a target per month, fiscal quarter or fiscal year of the team's calendar
 * (src/time/fiscal.ts); a goal whose dates make none of these (a week, a calendar quarter when
 * the fiscal year starts in February, half a month) is left out with its dates in the reason.
 * A goal for an owner, team or pipeline the CRM does not list, with no currency, or a second goal
 * for the same period and scope, is left out too. A team goal is stored for scope 'sales_team'
 * with scope id 'crm:<team id>' (src/targets/team-scopes.ts). Nothing is dropped without a reason.
 */
import { Temporal } from 'temporal-polyfill';
import { FISCAL_PERIOD_KINDS, fiscalPeriodStarting } from '../time/fiscal.js';
import { dayToIso } from '../time/calendar.js';
import type { CrmGoal, CrmGoalSkip } from '../sync/connector.js';
import type { TargetInput } from '../../store/targets.js';

export interface CrmGoalsContext {
  fiscalStartMonth: number;
  /** The CRM's company currency, for goals that name none (null: not known yet). */
  baseCurrency: string | null;
  /** The CRM's owner ids and pipeline ids (as the deals use them). */
  ownerIds: ReadonlySet<string>;
  pipelineIds: ReadonlySet<string>;
  /** The CRM's team ids (as read by the connector's `teams`, store/crm-teams.ts). */
  teamIds: ReadonlySet<string>;
}

export interface CrmGoalsResult {
  targets: TargetInput[];
  skipped: CrmGoalSkip[];
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function lastDayOf(end: string): string | null {
  try {
    return Temporal.PlainDate.from(end, { overflow: 'reject' }).subtract({ days: 1 }).toString();
  } catch {
    return null;
  }
}

/** The store's period for [start, end), or why there is none. */
export function periodOfDates(start: string, end: string, fiscalStartMonth: number): { ok: true; kind: TargetInput['periodKind'] } | { ok: false; reason: string } {
  const last = lastDayOf(end);
  if (last === null || !/^\d{4}-\d\d-\d\d$/.test(start) || last < start) return { ok: false, reason: `its dates (${start} to ${end}) are not a period` };
  for (const kind of FISCAL_PERIOD_KINDS) {
    const p = fiscalPeriodStarting(start, kind, fiscalStartMonth);
    if (p.ok && dayToIso(p.period.toDay) === end) return { ok: true, kind };
  }
  return {
    ok: false,
    reason: `it runs from ${start} to ${last}, which is not a month, a fiscal quarter or a fiscal year of the team's calendar (the fiscal year starts in ${MONTH_NAMES[fiscalStartMonth - 1]}); dealcast keeps targets for those periods only`,
  };
}

export function crmGoalsToTargets(goals: CrmGoal[], ctx: CrmGoalsContext): CrmGoalsResult {
  const targets: TargetInput[] = [];
  const skipped: CrmGoalSkip[] = [];
  const seen = new Map<string, CrmGoal>();
  for (const g of goals) {
    const skip = (reason: string) => skipped.push({ id: g.id, name: g.name, reason });
    if (!Number.isFinite(g.amount) || g.amount < 0) {
      skip(`its target (${g.amount}) is not an amount zero or above`);
      continue;
    }
    const currency = (g.currency ?? ctx.baseCurrency ?? '').toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) {
      skip('it names no currency and the CRM’s company currency is not known yet');
      continue;
    }
    const period = periodOfDates(g.start, g.end, ctx.fiscalStartMonth);
    if (!period.ok) {
      skip(period.reason);
      continue;
    }
    let scopeId = '';
    if (g.scope.kind === 'rep') {
      if (!ctx.ownerIds.has(g.scope.ownerId)) {
        skip(`it is assigned to user ${g.scope.ownerId}, who is not among the CRM’s deal owners`);
        continue;
      }
      scopeId = g.scope.ownerId;
    } else if (g.scope.kind === 'sales_team') {
      if (!ctx.teamIds.has(g.scope.teamId)) {
        skip(`it is assigned to team ${g.scope.teamId}, which is not among the CRM’s teams dealcast could read`);
        continue;
      }
      scopeId = `crm:${g.scope.teamId}`;
    } else if (g.scope.kind === 'pipeline') {
      if (!ctx.pipelineIds.has(g.scope.pipelineId)) {
        skip(`it is for pipeline ${g.scope.pipelineId}, which the CRM does not list`);
        continue;
      }
      scopeId = g.scope.pipelineId;
    }
    const key = `${period.kind}|${g.start}|${g.scope.kind}|${scopeId}`;
    const first = seen.get(key);
    if (first) {
      skip(`goal ${first.id} (${first.name}) already sets the target of the same period and ${g.scope.kind}; the first one is kept`);
      continue;
    }
    seen.set(key, g);
    targets.push({ periodKind: period.kind, periodStart: g.start, periodEnd: g.end, scopeKind: g.scope.kind, scopeId, currency, amount: g.amount });
  }
  return { targets, skipped };
}

/**
 * The nearest midnight (UTC) of an instant, as a date: a CRM that stores period bounds as times
 * writes midnight of its own time zone (within ±12 h of UTC), or the last millisecond before
 * it, so rounding to the nearest midnight gives the day the period starts or ends.
 */
export function nearestMidnight(instant: string): string | null {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) return null;
  return new Date(Math.floor((ms + 1 + 12 * 3_600_000) / 86_400_000) * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A CRM goal counted on some pipelines only: the scope it becomes (that pipeline's target), or why
 * it is left out. dealcast keeps a target per pipeline, and a rep's or a team's counts every
 * pipeline, so a goal narrowed further than that has no dealcast equivalent.
 */
export function narrowToPipelines(scope: CrmGoal['scope'], pipelines: string[]): { scope: CrmGoal['scope'] } | { reason: string } {
  if (!pipelines.length) return { scope };
  if (scope.kind === 'rep' || scope.kind === 'sales_team') {
    const whose = scope.kind === 'rep' ? "a rep's" : "a team's";
    return { reason: `it counts only pipeline${pipelines.length > 1 ? 's' : ''} ${pipelines.join(', ')}, and ${whose} target in dealcast counts every pipeline` };
  }
  if (pipelines.length > 1) return { reason: `it counts pipelines ${pipelines.join(', ')} together, and dealcast keeps a target per pipeline` };
  return { scope: { kind: 'pipeline', pipelineId: pipelines[0]! } };
}
