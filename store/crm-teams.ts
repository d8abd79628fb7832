/**
 * The CRM's teams (table teams, team_members): replaced as a whole after each sync that could
 * read them, so a team renamed or removed in the CRM is renamed or gone here too. Each change
 * is audited in settings_audit as user 'crm:<crm>', beside the admins' own changes.
 */
import type { Db } from './db.js';
import { addAudit } from './settings.js';
import type { TeamRow } from '../src/model/rows.js';

/** What settings_audit records a change of the CRM's teams as. */
export const CRM_TEAMS_AUDIT_KEY = 'visibility.crm_teams';

export function listCrmTeams(db: Db, crm: string): TeamRow[] {
  const teams = db.prepare('SELECT id, name FROM teams WHERE crm = ? ORDER BY name, id').all(crm) as { id: string; name: string }[];
  const rows = db.prepare('SELECT team_id AS teamId, owner_id AS ownerId, member FROM team_members WHERE crm = ? ORDER BY owner_id').all(crm) as {
    teamId: string;
    ownerId: string;
    member: number;
  }[];
  const byTeam = new Map(teams.map((t) => [t.id, { id: t.id, name: t.name, memberIds: [] as string[], ownerIds: [] as string[] }]));
  for (const r of rows) {
    const t = byTeam.get(r.teamId);
    if (!t) continue;
    t.ownerIds.push(r.ownerId);
    if (r.member === 1) t.memberIds.push(r.ownerId);
  }
  return [...byTeam.values()];
}

/** A stable form of a team list, to compare and audit (ids sorted, teams by id). */
function canonical(teams: TeamRow[]): TeamRow[] {
  return teams
    .map((t) => ({ id: t.id, name: t.name, memberIds: [...new Set(t.memberIds)].sort(), ownerIds: [...new Set([...t.ownerIds, ...t.memberIds])].sort() }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Replaces the CRM's teams with `teams` in one transaction; audits the change when there is one.
 * Returns what changed, by name, for the sync log.
 */
export function replaceCrmTeams(db: Db, crm: string, teams: TeamRow[], at: string): { changed: boolean; added: string[]; removed: string[]; renamed: [string, string][] } {
  return db.transaction(() => {
    const before = canonical(listCrmTeams(db, crm));
    const after = canonical(teams.filter((t) => t.id && t.name.trim()));
    const same = JSON.stringify(before) === JSON.stringify(after);
    const oldById = new Map(before.map((t) => [t.id, t]));
    const newById = new Map(after.map((t) => [t.id, t]));
    const added = after.filter((t) => !oldById.has(t.id)).map((t) => t.name);
    const removed = before.filter((t) => !newById.has(t.id)).map((t) => t.name);
    const renamed = after.flatMap((t): [string, string][] => {
      const old = oldById.get(t.id);
      return old && old.name !== t.name ? [[old.name, t.name]] : [];
    });
    if (same) {
      db.prepare('UPDATE teams SET synced_at = ? WHERE crm = ?').run(at, crm);
      return { changed: false, added, removed, renamed };
    }
    db.prepare('DELETE FROM team_members WHERE crm = ?').run(crm);
    db.prepare('DELETE FROM teams WHERE crm = ?').run(crm);
    const team = db.prepare(`INSERT INTO teams (crm, id, name, source, synced_at) VALUES (?, ?, ?, 'crm', ?)`);
    const member = db.prepare('INSERT INTO team_members (crm, team_id, owner_id, member) VALUES (?, ?, ?, ?)');
    for (const t of after) {
      team.run(crm, t.id, t.name.trim(), at);
      const members = new Set(t.memberIds);
      for (const id of t.ownerIds) member.run(crm, t.id, id, members.has(id) ? 1 : 0);
    }
    addAudit(db, at, `crm:${crm}`, CRM_TEAMS_AUDIT_KEY, before, after);
    return { changed: true, added, removed, renamed };
  })();
}
