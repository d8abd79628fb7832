/**
 * The deleted-deal sweep after a full sync, a slice at a time: every stored live deal the sync
 * did not see is marked deleted once, whatever the slice size, and the slices end.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DealRow } from '../../src/model/rows.js';
import { dealUpserter, getDeal, markMissingDealsDeletedSlice } from '../../store/deals.js';
import { tempDb } from '../helpers/db.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
const NOW = '2026-11-24T09:00:00.000Z';
const deal = (id: string): DealRow => ({
  id,
  name: `Deal ${id}`,
  amount: 100,
  currency: 'USD',
  pipelineId: 'p',
  stageId: 's',
  ownerId: null,
  source: null,
  createdAt: '2026-10-01T00:00:00.000Z',
  closeDate: null,
  closedAt: null,
  status: 'open',
  modifiedAt: '2026-11-01T00:00:00.000Z',
});

function sweep(db: ReturnType<typeof tempDb>['db'], seen: Set<string>, limit: number): { marked: number; slices: number } {
  let marked = 0;
  let slices = 0;
  for (let after: string | null = null; ; ) {
    const s = markMissingDealsDeletedSlice(db, 'demo', seen, NOW, after, limit);
    slices++;
    marked += s.marked;
    if (s.lastId === null) return { marked, slices };
    after = s.lastId;
  }
}

describe('markMissingDealsDeletedSlice', () => {
  it.each([1, 2, 3, 100])('marks every unseen live deal deleted once, in slices of %i', (limit) => {
    const t = tempDb();
    cleanups.push(t.cleanup);
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    dealUpserter(t.db, 'demo')(ids.map(deal), { now: NOW, stageFlags: new Map(), observeHistory: false });
    const seen = new Set(['a', 'c', 'f']);
    const r = sweep(t.db, seen, limit);
    expect(r.marked).toBe(4);
    expect(r.slices).toBe(Math.ceil(ids.length / limit) + 1); // the last slice finds nothing left
    for (const id of ids) expect(getDeal(t.db, 'demo', id)!.deletedAt).toBe(seen.has(id) ? null : NOW);
    // Deleted deals are no longer live: a second sweep marks nothing.
    expect(sweep(t.db, seen, limit).marked).toBe(0);
  });
});
