/**
 * Who may run admin actions (/dealcast sync, settings): the Slack user ids in DEALCAST_ADMINS,
 * and the workspace's admins and owners (users.info: is_admin / is_owner). Checked on every
 * request, never cached and never taken from a payload the client could shape.
 */
import type { Config } from '../config.js';
import type { SlackDelivery } from './slack.js';

export async function isDealcastAdmin(userId: string, config: Pick<Config, 'DEALCAST_ADMINS'>, slack: Pick<SlackDelivery, 'userInfo'>): Promise<boolean> {
  if (config.DEALCAST_ADMINS.includes(userId)) return true;
  const u = await slack.userInfo(userId);
  return !u.deleted && !u.isBot && (u.isAdmin || u.isOwner);
}
