/**
 * Who is who between Slack and the CRM. A CRM owner and a Slack user are the same person when
 * their work emails match:
 * - Slack user -> CRM owner (`owner:me`, `owner:@maria`): the stored link, else users.info's
 *   email (users:read.email) matched against the owners' emails; the link is then stored.
 * - CRM owner -> Slack user (to @-mention a rep in alerts): the stored link, else
 *   users.lookupByEmail; found links are stored with setOwnerSlackUser, misses are cached for
 *   an hour so a rep without Slack does not cost a call every time.
 */
import type { Db } from '../../store/db.js';
import { listOwners, setOwnerSlackUser, type Owner } from '../../store/owners.js';
import type { SlackDelivery } from './slack.js';
import { UsageError } from '../errors.js';

const MISS_TTL_MS = 60 * 60 * 1000;

/** Who `owner:` names in a slash command. */
export type OwnerArg =
  | { kind: 'me' }
  /** A Slack user, from an escaped mention `<@U123|maria>`. */
  | { kind: 'slack'; userId: string; label: string | null }
  /** A name typed as text (`owner:maria`, `owner:"Maria Lopez"`, unescaped `@maria`). */
  | { kind: 'name'; name: string };

export interface ResolvedOwner {
  id: string;
  name: string;
}

type OwnerSlackApi = Pick<SlackDelivery, 'userInfo' | 'lookupUserByEmail'>;

export class OwnerDirectory {
  private readonly missesByEmail = new Map<string, number>();
  private readonly userEmail = new Map<string, { email: string | null; at: number }>();

  constructor(
    private readonly db: Db,
    private readonly crm: string,
    private readonly slack: OwnerSlackApi,
    private readonly clock: () => number = Date.now,
  ) {}

  private owners(): Owner[] {
    return listOwners(this.db, this.crm);
  }

  /** The CRM owner for a Slack user, or null when their email matches no owner. */
  async ownerForSlackUser(userId: string): Promise<Owner | null> {
    const owners = this.owners();
    const linked = owners.find((o) => o.slackUserId === userId);
    if (linked) return linked;
    const email = await this.emailOf(userId);
    if (!email) return null;
    const owner = owners.find((o) => o.email === email);
    if (owner) setOwnerSlackUser(this.db, this.crm, owner.id, userId);
    return owner ?? null;
  }

  /** The Slack user id for a CRM owner (users.lookupByEmail), or null. */
  async slackUserForOwner(ownerId: string): Promise<string | null> {
    const owner = this.owners().find((o) => o.id === ownerId);
    if (!owner) return null;
    if (owner.slackUserId) return owner.slackUserId;
    if (!owner.email) return null;
    const missAt = this.missesByEmail.get(owner.email);
    if (missAt !== undefined && this.clock() - missAt < MISS_TTL_MS) return null;
    const userId = await this.slack.lookupUserByEmail(owner.email);
    if (userId) setOwnerSlackUser(this.db, this.crm, owner.id, userId);
    else this.missesByEmail.set(owner.email, this.clock());
    return userId;
  }

  /** Owners whose name matches: exact (case-insensitive) first, then word prefix, then substring. */
  findByName(name: string): Owner[] {
    const q = name.trim().toLowerCase();
    const owners = this.owners();
    const exact = owners.filter((o) => o.name.toLowerCase() === q);
    if (exact.length) return exact;
    const words = owners.filter((o) => o.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q)));
    if (words.length) return words;
    return owners.filter((o) => o.name.toLowerCase().includes(q));
  }

  /** Resolves `owner:` to one CRM owner, or throws a UsageError saying what to type instead. */
  async resolve(arg: OwnerArg, callerId: string): Promise<ResolvedOwner> {
    if (arg.kind === 'me') {
      const o = await this.ownerForSlackUser(callerId);
      if (!o) {
        throw new UsageError(
          '`owner:me` found no CRM owner with your Slack email address.',
          'Ask an admin to use the same work email in Slack and the CRM, or name the owner: owner:"Maria Lopez".',
        );
      }
      return { id: o.id, name: o.name };
    }
    if (arg.kind === 'slack') {
      const o = await this.ownerForSlackUser(arg.userId);
      if (o) return { id: o.id, name: o.name };
      if (arg.label) {
        const [only, ...more] = this.findByName(arg.label);
        if (only && !more.length) return { id: only.id, name: only.name };
      }
      throw new UsageError(
        `<@${arg.userId}> has no CRM owner with the same email address.`,
        'Name the owner as the CRM spells it instead: owner:"Maria Lopez".',
      );
    }
    const matches = this.findByName(arg.name);
    const only = matches.length === 1 ? matches[0] : undefined;
    if (only) return { id: only.id, name: only.name };
    if (matches.length > 1) {
      throw new UsageError(
        `\`owner:${arg.name}\` matches ${matches.length} owners: ${matches.slice(0, 5).map((o) => o.name).join(', ')}${matches.length > 5 ? ', …' : ''}.`,
        'Give the full name in quotes, e.g. owner:"Maria Lopez".',
      );
    }
    const some = this.owners().filter((o) => o.active).slice(0, 8).map((o) => o.name);
    throw new UsageError(`No CRM owner is called "${arg.name}".`, some.length ? `Owners include: ${some.join(', ')}.` : 'No owners have been synced yet.');
  }

  private async emailOf(userId: string): Promise<string | null> {
    const hit = this.userEmail.get(userId);
    if (hit && this.clock() - hit.at < MISS_TTL_MS) return hit.email;
    const u = await this.slack.userInfo(userId);
    this.userEmail.set(userId, { email: u.email, at: this.clock() });
    return u.email;
  }
}
