/**
 * The visibility scope of a Slack user right now: the admin setting, whether they are an admin
 * (checked on the server, never taken from a payload) and their CRM owner (matched by email).
 */
import { readVisibility, scopeOf, type ViewerScope } from '../src/access/visibility.js';
import type { CommandDeps } from './command-context.js';

export async function viewerScope(userId: string, deps: Pick<CommandDeps, 'db' | 'config' | 'slack' | 'owners' | 'admins'>): Promise<ViewerScope> {
  const setting = readVisibility(deps.db);
  // Everything visible: no Slack lookups needed (and none made, so commands stay as fast as before).
  if (setting.scope === 'all') return { ownerIds: null, label: null, ownerId: null, admin: false };
  const admin = await deps.admins.isAdmin(userId).catch(() => false);
  const owner = await deps.owners.ownerForSlackUser(userId).catch(() => null);
  return scopeOf(setting, { admin, ownerId: owner?.id ?? null });
}
