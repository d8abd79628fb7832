/**
 * `/dealcast sync` tells the admin when a full sync held its deletions back (src/sync/engine.ts,
 * MASS_DELETION_*), instead of a plain "sync done".
 */
import { describe, expect, it } from 'vitest';
import { handleDealcastCommand } from '../../commands/dealcast.js';
import type { CommandDeps } from '../../commands/command-context.js';
import type { SyncResult } from '../../src/sync/engine.js';

const result = (over: Partial<SyncResult>): SyncResult => ({
  runId: 7,
  mode: 'full',
  counts: { deals: 2 },
  deleted: 0,
  deletionsHeld: null,
  keptUnread: 0,
  startedAt: '2026-11-24T09:00:00.000Z',
  finishedAt: '2026-11-24T09:00:05.000Z',
  newStages: 0,
  derived: null,
  degraded: [],
  ...over,
});

async function syncReply(r: SyncResult): Promise<string> {
  const replies: string[] = [];
  // Only what /dealcast sync touches: the admin check, the sync job, the ephemeral replies, the log.
  const deps = {
    crm: 'hubspot',
    admins: { isAdmin: async () => true },
    sync: { running: false, run: async () => r, refreshDerived: async () => undefined },
    slack: { replyEphemeral: async (_t: unknown, m: { text: string }) => void replies.push(m.text) },
    log: () => {},
  } as unknown as CommandDeps;
  await handleDealcastCommand({ command: '/dealcast', text: 'sync', userId: 'U0YAMADA', channelId: 'C0OPS' }, deps);
  return replies.at(-1)!;
}

describe('/dealcast sync', () => {
  it('says which deletions a full sync held back, and how to confirm them', async () => {
    const text = await syncReply(
      result({ deletionsHeld: { kind: 'mass-deletion', missing: 10, live: 12, reason: 'they are 83% of the 12 live deals, which looks more like an incomplete export (a filtered view) or a lost permission than deals really removed' } }),
    );
    expect(text).toBe(
      ':white_check_mark: Full sync done: 2 deals. 10 deals missing from this full read were *not* marked deleted, because they are 83% of the 12 live deals, which looks more like an incomplete export (a filtered view) or a lost permission than deals really removed. If they really are gone, run `dealcast sync --full --confirm-deletions`.',
    );
  });

  it('says nothing of deletions when none were held', async () => {
    expect(await syncReply(result({ deleted: 1 }))).toBe(':white_check_mark: Full sync done: 2 deals. 1 deal gone from the CRM was marked deleted.');
  });
});
