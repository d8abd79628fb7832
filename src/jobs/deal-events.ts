/**
 * The deal-events job, run after each successful sync: compare the deals with how they looked
 * last time (src/metrics/deal-events.ts), record the events and the new look in one immediate
 * transaction (two runs at once cannot both find the same change), then post what is pending.
 *
 * Exactly once: an event is found once (the watch rows move with it), recorded once (its key
 * is unique), and each post is claimed before it is sent and confirmed after. A post a crash
 * left half-done is never sent again. A post Slack refused goes back to pending and is tried on
 * the next run, up to MAX_POST_ATTEMPTS. The first run after install records and posts nothing.
 */
import type { Db } from '../../store/db.js';
import {
  abandonStalePosts,
  claimPost,
  confirmPost,
  currentDeals,
  failPost,
  insertEvents,
  pendingPosts,
  readWatch,
  saveThread,
  threadOf,
  writeWatch,
} from '../../store/deal-events.js';
import { listOwners } from '../../store/owners.js';
import { listStages } from '../../store/stages.js';
import { describeError } from '../errors.js';
import { detectDealEvents, type StageInfo } from '../metrics/deal-events.js';
import { dealEventMessage } from '../views/deal-events.js';
import type { MessageContent } from '../delivery/messenger.js';
import { readDealEventConfig } from './deal-event-settings.js';

export const MAX_POST_ATTEMPTS = 3;
/** A post still 'posting' after this long belongs to a run that stopped. */
export const POSTING_LEASE_MS = 10 * 60_000;

export interface DealEventPoster {
  post(channel: string, content: MessageContent): Promise<{ ts: string }>;
  reply(channel: string, threadTs: string, content: MessageContent): Promise<{ ts: string }>;
  /** The DM channel with a user (conversations.open). */
  openDm(userId: string): Promise<string>;
}

export interface DealEventDeps {
  db: Db;
  crm: string;
  poster: DealEventPoster;
  /** Slack user of a CRM owner (to @-mention and DM them), or null. */
  slackUserForOwner?: (ownerId: string) => Promise<string | null>;
  log?: (line: string) => void;
}

export interface DealEventRunResult {
  baseline: boolean;
  found: number;
  posted: number;
  failed: number;
}

export function detectAndRecord(db: Db, crm: string, now: Date): { baseline: boolean; found: number } {
  const cfg = readDealEventConfig(db, crm);
  return db.transaction(() => {
    const stages = new Map<string, StageInfo>(
      listStages(db, crm, { includeDeleted: true }).map((s) => [s.id, { name: s.name, position: s.position, pipelineId: s.pipelineId, isClosed: s.isClosed }]),
    );
    const r = detectDealEvents(readWatch(db, crm), currentDeals(db, crm), stages, cfg, now);
    writeWatch(db, crm, r.watch);
    const targets = (e: { ownerId: string | null }) => [...(cfg.channel ? [cfg.channel] : []), ...(cfg.dmOwners && e.ownerId ? [`owner:${e.ownerId}`] : [])];
    const found = insertEvents(db, crm, r.events, targets, now.toISOString());
    return { baseline: r.baseline, found };
  }).immediate();
}

export async function runDealEventsJob(deps: DealEventDeps, now: Date): Promise<DealEventRunResult> {
  const { db, crm } = deps;
  const log = deps.log ?? (() => undefined);
  const stale = abandonStalePosts(db, new Date(now.getTime() - POSTING_LEASE_MS).toISOString());
  if (stale) log(`deal events: ${stale} post(s) interrupted mid-send were not sent again`);
  const { baseline, found } = detectAndRecord(db, crm, now);
  if (baseline) log('deal events: first look at the deals recorded; events start with the next sync');
  const owners = new Map(listOwners(db, crm).map((o) => [o.id, o]));
  const slackOf = async (ownerId: string | null) => {
    if (!ownerId || !deps.slackUserForOwner) return null;
    try {
      return await deps.slackUserForOwner(ownerId);
    } catch {
      return null;
    }
  };
  let posted = 0;
  let failed = 0;
  for (const p of pendingPosts(db, crm)) {
    const at = now.toISOString();
    if (!claimPost(db, p.eventId, p.target, at)) continue;
    try {
      const ownerSlackId = await slackOf(p.ownerId);
      const content = dealEventMessage({ kind: p.kind, detail: p.detail, ownerName: p.ownerId ? owners.get(p.ownerId)?.name ?? null : null, ownerSlackId });
      const thread = threadOf(db, crm, p.dealId, p.target);
      let channel: string;
      let ts: string;
      if (thread) {
        channel = thread.channel;
        ts = (await deps.poster.reply(channel, thread.rootTs, content)).ts;
      } else {
        if (p.target.startsWith('owner:')) {
          if (!ownerSlackId) throw new Error(`owner ${p.target.slice(6)} has no Slack user with the same email`);
          channel = await deps.poster.openDm(ownerSlackId);
        } else channel = p.target;
        ts = (await deps.poster.post(channel, content)).ts;
        saveThread(db, crm, p.dealId, p.target, channel, ts, at);
      }
      confirmPost(db, p.eventId, p.target, channel, ts, at);
      posted++;
    } catch (err) {
      failed++;
      const why = describeError(err).split('\n')[0] ?? 'unknown error';
      failPost(db, p.eventId, p.target, why, MAX_POST_ATTEMPTS);
      log(`deal events: could not post ${p.kind} of deal ${p.dealId} to ${p.target}: ${why}`);
    }
  }
  return { baseline, found, posted, failed };
}
