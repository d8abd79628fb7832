/**
 * Which teams a target may be for, and who is in a team a target names. A team target (scope
 * 'sales_team') names its team by an id, never by its name, so renaming the team keeps it:
 * - 'crm:<id>'   a team the CRM keeps (HubSpot team, Pipedrive team, Salesforce role), by the
 *                CRM's own id, read at each sync (store/crm-teams.ts);
 * - 'slack:<id>' a team set in Slack (/dealcast events, setting visibility.teams), by the id
 *                dealcast gave it and keeps when the team is renamed (carryTeamIds).
 * As for visibility, a Slack team replaces the CRM's team of the same name: a target on that CRM
 * team then counts the Slack team's members. A team counts its members' deals (not, for a
 * Salesforce role, the roles below it), as they are now: a rep who changed teams in the period
 * brings their deals to the new team.
 */
import type { Db } from '../../store/db.js';
import type { TeamRow } from '../model/rows.js';
import { listCrmTeams } from '../../store/crm-teams.js';
import { readVisibility, slackTeamId, teamKey, type Team } from '../access/visibility.js';

export interface TargetTeam {
  /** The target's scope id: 'crm:<id>' or 'slack:<id>'. */
  scopeId: string;
  name: string;
  /** CRM owner ids of the people in the team. */
  memberIds: string[];
  source: 'crm' | 'slack';
}

const fromSlack = (t: Team): TargetTeam => ({ scopeId: `slack:${slackTeamId(t)}`, name: t.name, memberIds: [...t.ownerIds], source: 'slack' });

/** Pure: the teams a target may be set for: every Slack team, then each CRM team no Slack team replaces. */
export function targetTeamChoices(slack: Team[], crm: TeamRow[]): TargetTeam[] {
  const replaced = new Set(slack.map((t) => teamKey(t.name)));
  return [
    ...slack.filter((t) => t.ownerIds.length).map(fromSlack),
    ...crm.filter((t) => !replaced.has(teamKey(t.name))).map((t) => ({ scopeId: `crm:${t.id}`, name: t.name, memberIds: [...t.memberIds], source: 'crm' as const })),
  ].sort((a, b) => a.name.localeCompare(b.name) || a.scopeId.localeCompare(b.scopeId));
}

/** Pure: the team a target's scope id names today, or null when it is gone (deleted in the CRM or in Slack). */
export function resolveTargetTeam(scopeId: string, slack: Team[], crm: TeamRow[]): TargetTeam | null {
  if (scopeId.startsWith('slack:')) {
    const t = slack.find((x) => `slack:${slackTeamId(x)}` === scopeId);
    return t ? fromSlack(t) : null;
  }
  if (scopeId.startsWith('crm:')) {
    const t = crm.find((x) => `crm:${x.id}` === scopeId);
    if (!t) return null;
    const over = slack.find((x) => teamKey(x.name) === teamKey(t.name));
    return over ? { scopeId, name: over.name, memberIds: [...over.ownerIds], source: 'slack' } : { scopeId, name: t.name, memberIds: [...t.memberIds], source: 'crm' };
  }
  return null;
}

/** The teams of one CRM's data: the choices for a new target, and the resolver for stored ones. */
export function loadTargetTeams(db: Db, crm: string): { choices: TargetTeam[]; resolve: (scopeId: string) => TargetTeam | null } {
  const slack = readVisibility(db).teams;
  const crmTeams = listCrmTeams(db, crm);
  return { choices: targetTeamChoices(slack, crmTeams), resolve: (id) => resolveTargetTeam(id, slack, crmTeams) };
}
