/**
 * Who may run admin actions (/dealcast sync, settings): the Slack user ids in DEALCAST_ADMINS,
 * and the workspace's admins and owners (users.info: is_admin / is_owner). Never taken from a
 * payload the client could shape.
 *
 * users.info answers are kept for `ttlMs` (5 minutes by default), so a modal's every click and
 * its Save do not each wait on Slack (and on users.info's rate limit). `cached()` answers from
 * memory only, for listeners that must ack before anything can block; a demotion takes effect
 * within `ttlMs`.
 */
import type { Config } from '../config.js';
import type { SlackDelivery } from './slack.js';

export const ADMIN_CACHE_TTL_MS = 5 * 60 * 1000;

export class AdminCheck {
  private readonly known = new Map<string, { admin: boolean; at: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly config: Pick<Config, 'DEALCAST_ADMINS'>,
    private readonly slack: Pick<SlackDelivery, 'userInfo'>,
    opts: { ttlMs?: number; now?: () => number } = {},
  ) {
    this.ttlMs = opts.ttlMs ?? ADMIN_CACHE_TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  /** From memory only: true/false when known and fresh, undefined when Slack must be asked. */
  cached(userId: string): boolean | undefined {
    if (this.config.DEALCAST_ADMINS.includes(userId)) return true;
    const k = this.known.get(userId);
    if (!k) return undefined;
    if (this.now() - k.at >= this.ttlMs) {
      this.known.delete(userId);
      return undefined;
    }
    return k.admin;
  }

  async isAdmin(userId: string): Promise<boolean> {
    const hit = this.cached(userId);
    if (hit !== undefined) return hit;
    const u = await this.slack.userInfo(userId);
    const admin = !u.deleted && !u.isBot && (u.isAdmin || u.isOwner);
    this.known.set(userId, { admin, at: this.now() });
    return admin;
  }
}
