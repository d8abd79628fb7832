import type { Db } from './db.js';
import type { OwnerRow } from '../src/model/rows.js';

export interface Owner {
  id: string;
  name: string;
  email: string | null;
  slackUserId: string | null;
  active: boolean;
}

export function upsertOwners(db: Db, crm: string, rows: OwnerRow[]): void {
  const stmt = db.prepare(
    `INSERT INTO owners (crm, id, name, email, active) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (crm, id) DO UPDATE SET name = excluded.name, email = excluded.email, active = excluded.active`,
  );
  for (const r of rows) stmt.run(crm, r.id, r.name, r.email ? r.email.toLowerCase() : null, r.active ? 1 : 0);
}

export function listOwners(db: Db, crm: string): Owner[] {
  const rows = db
    .prepare(`SELECT id, name, email, slack_user_id AS slackUserId, active FROM owners WHERE crm = ? ORDER BY name`)
    .all(crm) as (Omit<Owner, 'active'> & { active: number })[];
  return rows.map((r) => ({ ...r, active: r.active === 1 }));
}

/** Remembers which Slack user a CRM owner is (matched by email through users.lookupByEmail). */
export function setOwnerSlackUser(db: Db, crm: string, ownerId: string, slackUserId: string | null): void {
  db.prepare('UPDATE owners SET slack_user_id = ? WHERE crm = ? AND id = ?').run(slackUserId, crm, ownerId);
}
