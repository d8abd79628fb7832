/**
 * The App Home tab, built for one user and published on app_home_opened (and after each sync
 * for users who opened it recently). What it shows obeys the visibility setting: a rep's own
 * deals always, their team's totals when they are in a team and the scope allows it, sync
 * health only for admins. The reps' leaderboard follows the same scope: all reps for admins
 * and when everything is visible, the viewer's team, or only the viewer.
 */
import { teamsOf, visibilityInEffect } from '../src/access/visibility.js';
import { resolveSetting, resolveTeamSettings } from '../src/settings/resolve.js';
import { repLeaderboard, type Leaderboard } from '../src/metrics/leaderboard.js';
import { fiscalPeriodOf } from '../src/time/fiscal.js';
import { todayIn } from '../src/time/calendar.js';
import { effectiveTargets } from '../store/targets.js';
import { staleCutoff } from '../src/jobs/cron.js';
import { dealsAtRisk, forecastRange, openValue } from '../src/metrics/home.js';
import { homeView } from '../src/views/home.js';
import type { HomePublisher } from '../src/delivery/home.js';
import { describeError } from '../src/errors.js';
import { openDealsOf } from '../store/home-queries.js';
import { recentEvents } from '../store/deal-events.js';
import { listSubscriptions } from '../store/subscriptions.js';
import { countDeals } from '../store/deals.js';
import { lastRun, lastSuccessfulRun } from '../store/sync-runs.js';
import { teamReportOptions, type CommandDeps } from './command-context.js';
import type { types } from '@slack/bolt';

export async function buildHome(userId: string, deps: CommandDeps): Promise<types.HomeView> {
  const now = deps.now();
  const admin = await deps.admins.isAdmin(userId).catch(() => false);
  const owner = await deps.owners.ownerForSlackUser(userId).catch(() => null);
  const vis = visibilityInEffect(deps.db, deps.crm);
  const tz = resolveTeamSettings(deps.db, deps.config).timeZone;
  const mine = owner ? openDealsOf(deps.db, deps.crm, [owner.id]) : [];
  let stuckIds = new Set<string>();
  if (owner && mine.length) {
    try {
      const { report: r } = await deps.reports.run({ crm: deps.crm, name: 'deals', opts: { ...teamReportOptions(deps), now, scopeOwnerIds: [owner.id], limit: 1000 } });
      stuckIds = new Set(r.deals.filter((d) => (d.stuck_ratio ?? 0) >= 2).map((d) => d.id));
    } catch (err) {
      deps.log(`home: stuck deals for ${userId}: ${describeError(err).split('\n')[0]}`);
    }
  }
  const activitiesAvailable = deps.crm !== 'attio';
  // A team's totals: only when the viewer is in a team, and the scope lets non-admins see teams.
  const teams = owner ? teamsOf(vis.teams, owner.id) : [];
  const teamAllowed = admin || vis.scope !== 'own';
  const teamIds = [...new Set(teams.flatMap((t) => t.ownerIds))];
  // The leaderboard: everyone for admins and when everything is visible; else the viewer's team, or only the viewer.
  const seeAll = admin || vis.scope === 'all';
  const seeIds = seeAll ? undefined : new Set(vis.scope === 'team' && teamIds.length ? teamIds : owner ? [owner.id] : []);
  let leaderboard: Leaderboard | null = null;
  if (hasQuarterTargets(deps, now, tz)) {
    try {
      const { report: q } = await deps.reports.run({ crm: deps.crm, name: 'quota', opts: { ...teamReportOptions(deps), now, period: 'quarter' } });
      leaderboard = repLeaderboard(q, seeIds ? { onlyOwnerIds: seeIds } : {});
    } catch (err) {
      deps.log(`home: leaderboard for ${userId}: ${describeError(err).split('\n')[0]}`);
    }
  }
  const last = lastRun(deps.db, deps.crm);
  const ok = lastSuccessfulRun(deps.db, deps.crm);
  return homeView({
    userId,
    ownerName: owner?.name ?? null,
    open: openValue(mine),
    atRisk: dealsAtRisk(mine, now, { stuckIds, activitiesAvailable }),
    forecast: forecastRange(mine, now),
    team: teams.length && teamAllowed ? { label: teams.map((t) => t.name).join(', '), open: openValue(openDealsOf(deps.db, deps.crm, teamIds)) } : null,
    leaderboard,
    subscriptions: listSubscriptions(deps.db, { ownerUserId: userId }),
    events: owner ? recentEvents(deps.db, deps.crm, { ownerIds: [owner.id], limit: 6 }) : [],
    admin: admin
      ? {
          lastSync: last?.startedAt ?? null,
          lastStatus: last?.status ?? null,
          lastError: last?.status === 'failed' ? last.error ?? null : null,
          stale: !ok || ok.startedAt < staleCutoff(deps.config.SYNC_CRON, tz, now).toISOString(),
          deals: countDeals(deps.db, deps.crm).total - countDeals(deps.db, deps.crm).deleted,
        }
      : null,
    scopeLabel: admin || vis.scope === 'all' ? null : vis.scope === 'own' ? 'only your own deals' : "your team's deals",
    timeZone: tz,
  });
}

/** Whether any rep has a target for the fiscal quarter holding today (no quota report is computed otherwise). */
function hasQuarterTargets(deps: CommandDeps, now: Date, tz: string): boolean {
  const fsm = resolveSetting(deps.db, { DIGEST_CRON: '', DEALCAST_TIMEZONE: tz }, 'targets.fiscal_year_start_month').value ?? 1;
  const period = fiscalPeriodOf(todayIn(now, tz), 'quarter', fsm);
  return effectiveTargets(deps.db, deps.crm, 'quarter', period.start).some((t) => t.scopeKind === 'rep');
}

export async function publishHome(userId: string, deps: CommandDeps, publisher: HomePublisher, opts: { force?: boolean } = {}): Promise<boolean> {
  return publisher.publish(userId, await buildHome(userId, deps), opts);
}

/** After a sync: refresh the Home of everyone who opened it in the last `withinMs`. */
export async function refreshRecentHomes(deps: CommandDeps, publisher: HomePublisher, withinMs: number): Promise<number> {
  let n = 0;
  for (const u of publisher.recentUsers(Date.now() - withinMs)) {
    try {
      if (await publishHome(u, deps, publisher, { force: true })) n++;
    } catch (err) {
      deps.log(`home: could not refresh ${u}: ${describeError(err).split('\n')[0]}`);
    }
  }
  return n;
}
