/**
 * The visibility scope of a Slack user right now: the admin setting, whether they are an admin
 * (checked on the server, never taken from a payload), their CRM owner (matched by email) and the
 * teams in effect (the CRM's, and those set in Slack).
 */
import { scopeOf, visibilityInEffect, type ViewerScope } from '../src/access/visibility.js';
import type { CommandDeps } from './command-context.js';

export async function viewerScope(userId: string, deps: Pick<CommandDeps, 'db' | 'crm' | 'config' | 'slack' | 'owners' | 'admins'>): Promise<ViewerScope> {
  const setting = visibilityInEffect(deps.db, deps.crm);
  // Everything visible: no Slack lookups needed (and none made, so commands stay as fast as before).
  if (setting.scope === 'all') return { ownerIds: null, label: null, ownerId: null, admin: false };
  const admin = await deps.admins.isAdmin(userId).catch(() => false);
  const owner = await deps.owners.ownerForSlackUser(userId).catch(() => null);
  return scopeOf(setting, { admin, ownerId: owner?.id ?? null });
}
