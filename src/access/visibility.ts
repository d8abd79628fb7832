/**
 * Scoped visibility: what a non-admin may see, as an admin chose in /dealcast events:
 * - 'all'  — everything (the default, and dealcast's behaviour before this setting existed);
 * - 'team' — the deals of every owner in the caller's team(s); a caller in no team sees their
 *   own deals. Teams come from the CRM (HubSpot and Pipedrive teams, Salesforce roles, read at
 *   each sync) and from the modal (each team a list of CRM owners); a team set in the modal
 *   replaces the CRM's team of the same name (one with no owners hides it);
 * - 'own'  — only the deals the caller owns in the CRM.
 * Admins (DEALCAST_ADMINS, workspace admins/owners) always see everything. A caller whose Slack
 * email matches no CRM owner sees no deals under 'team' or 'own'. Every surface (commands,
 * buttons and menus, App Home, subscriptions, CSV downloads) asks `viewerScope` and applies it.
 */
import type { Db } from '../../store/db.js';
import type { Team, VisibilityScope } from '../settings/registry.js';
import { resolveConstantSetting } from '../settings/resolve.js';
import { listCrmTeams } from '../../store/crm-teams.js';

export type { Team, VisibilityScope };
export const VISIBILITY_SCOPES: readonly VisibilityScope[] = ['all', 'team', 'own'];

export const VISIBILITY_KEYS = {
  scope: 'visibility.scope',
  /** [{ name, ownerIds }] */
  teams: 'visibility.teams',
} as const;

/** The visibility setting in effect (keys, schemas and defaults in src/settings/registry.ts). */
export function readVisibility(db: Db): { scope: VisibilityScope; teams: Team[] } {
  return { scope: resolveConstantSetting(db, VISIBILITY_KEYS.scope) ?? 'all', teams: resolveConstantSetting(db, VISIBILITY_KEYS.teams) ?? [] };
}

/** A team in effect: who is in it (members) and whose deals it sees (ownerIds), and where it was set. */
export interface EffectiveTeam extends Team {
  memberIds: string[];
  source: 'slack' | 'crm';
}

/** How team names compare: NFC, trimmed, case-blind (山田's team and "Sales east" alike). */
export const teamKey = (name: string) => name.normalize('NFC').trim().toLocaleLowerCase('und');

/**
 * The stable id of a team set in Slack: the one dealcast gave it, or, for a team saved before
 * teams had ids, one derived from its name (made explicit at the team's next save, so a later
 * rename keeps it).
 */
export const slackTeamId = (t: Team): string => t.id ?? `n-${encodeURIComponent(teamKey(t.name)).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 90)}`;

/**
 * Pure: the teams an admin just saved, each with the id of the team it continues. A saved team
 * continues the old team of the same name (case-blind); a new name continues an old team no
 * longer listed that had exactly the same owners (a rename: its targets stay with it); any other
 * team is new and gets the next free id 't<n>'.
 */
export function carryTeamIds(before: Team[], after: Team[]): Team[] {
  const left = new Map(before.map((t) => [slackTeamId(t), t]));
  const byName = new Map(before.map((t) => [teamKey(t.name), slackTeamId(t)]));
  const ids: (string | null)[] = after.map((t) => {
    const id = byName.get(teamKey(t.name));
    if (id && left.has(id)) {
      left.delete(id);
      return id;
    }
    return null;
  });
  const sameOwners = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');
  after.forEach((t, i) => {
    if (ids[i] !== null) return;
    const old = [...left].find(([, o]) => sameOwners(o.ownerIds, t.ownerIds));
    if (old) {
      left.delete(old[0]);
      ids[i] = old[0];
    }
  });
  let next = Math.max(0, ...[...before.map(slackTeamId), ...ids].map((id) => Number(/^t(\d+)$/.exec(id ?? '')?.[1] ?? 0))) + 1;
  return after.map((t, i) => ({ id: ids[i] ?? `t${next++}`, name: t.name, ownerIds: t.ownerIds }));
}

/**
 * Pure: the teams in effect. A team set in Slack wins over the CRM's team of the same name
 * (compared without case); the CRM's other teams still apply. A Slack team's members are its owners.
 */
export function mergeTeams(slack: Team[], crm: { name: string; memberIds: string[]; ownerIds: string[] }[]): EffectiveTeam[] {
  const set = new Set(slack.map((t) => teamKey(t.name)));
  return [
    ...slack.map((t) => ({ name: t.name, ownerIds: t.ownerIds, memberIds: t.ownerIds, source: 'slack' as const })),
    ...crm.filter((t) => !set.has(teamKey(t.name))).map((t) => ({ name: t.name, ownerIds: t.ownerIds, memberIds: t.memberIds, source: 'crm' as const })),
  ];
}

/** The visibility in effect for one CRM: the admin setting, with the CRM's teams merged in. */
export function visibilityInEffect(db: Db, crm: string): { scope: VisibilityScope; teams: EffectiveTeam[] } {
  const v = readVisibility(db);
  return { scope: v.scope, teams: mergeTeams(v.teams, listCrmTeams(db, crm)) };
}

/** The teams `ownerId` is in (a team without member ids counts its owners as members). */
export function teamsOf<T extends Team & { memberIds?: string[] }>(teams: T[], ownerId: string): T[] {
  return teams.filter((t) => (t.memberIds ?? t.ownerIds).includes(ownerId));
}

/** What one viewer may see. `ownerIds` null = everything. */
export interface ViewerScope {
  ownerIds: string[] | null;
  /** "your deals", "team Sales East", or null for everything. */
  label: string | null;
  /** The viewer's own CRM owner id, when known. */
  ownerId: string | null;
  admin: boolean;
}

export const EVERYTHING: ViewerScope = { ownerIds: null, label: null, ownerId: null, admin: true };

/** Pure: the scope of a viewer given the setting, whether they are an admin and their CRM owner. */
export function scopeOf(setting: { scope: VisibilityScope; teams: (Team & { memberIds?: string[] })[] }, viewer: { admin: boolean; ownerId: string | null }): ViewerScope {
  if (viewer.admin || setting.scope === 'all') return { ownerIds: null, label: null, ownerId: viewer.ownerId, admin: viewer.admin };
  const own = viewer.ownerId ? [viewer.ownerId] : [];
  if (setting.scope === 'own' || !viewer.ownerId) return { ownerIds: own, label: 'your own deals', ownerId: viewer.ownerId, admin: false };
  const teams = teamsOf(setting.teams, viewer.ownerId);
  if (!teams.length) return { ownerIds: own, label: 'your own deals (you are in no team)', ownerId: viewer.ownerId, admin: false };
  const ids = [...new Set(teams.flatMap((t) => t.ownerIds))];
  return { ownerIds: ids, label: `team ${teams.map((t) => t.name).join(', ')}`, ownerId: viewer.ownerId, admin: false };
}

/** May this viewer see deals of `ownerId`? */
export function canSeeOwner(scope: ViewerScope, ownerId: string | null): boolean {
  return scope.ownerIds === null || (ownerId !== null && scope.ownerIds.includes(ownerId));
}

/**
 * Narrows a requested owner filter to the scope: the ids the report may read, or null for "no
 * narrowing". An owner outside the scope yields an empty list (the report shows nothing).
 */
export function scopedOwnerIds(scope: ViewerScope, requested: string[] | undefined): string[] | undefined {
  if (scope.ownerIds === null) return requested;
  if (!requested) return scope.ownerIds;
  return requested.filter((id) => scope.ownerIds!.includes(id));
}
