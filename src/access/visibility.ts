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

const teamKey = (name: string) => name.normalize('NFC').trim().toLocaleLowerCase('und');

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
