import { afterEach, describe, expect, it } from 'vitest';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { runSync } from '../../src/sync/engine.js';
import type { DealRow, StageRow } from '../../src/model/rows.js';
import type { Connector } from '../../src/sync/connector.js';
import { getCursor } from '../../store/sync-cursors.js';
import { heldDeletions, lastRun } from '../../store/sync-runs.js';
import { getDeal } from '../../store/deals.js';
import { listStageHistory } from '../../store/stage-history.js';
import { getStageMap, stagesNeedingReview } from '../../store/stage-map.js';
import { dumpData, tempDb } from '../helpers/db.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanups.splice(0)) f();
});
function db() {
  const t = tempDb();
  cleanups.push(t.cleanup);
  return t.db;
}
const demo = (now = NOW) => createDemoConnector({ now, deals: 400, pageSize: 50 });

/** A small in-memory CRM whose deals stream is sorted by modified time and checkpoints. */
function tinyCrm(deals: DealRow[], stages: StageRow[], opts: { history?: boolean } = {}): Connector {
  const page = <T>(rows: T[]) => ({
    async *[Symbol.asyncIterator]() {
      yield { rows };
    },
  });
  return {
    crm: 'hubspot',
    label: 'Tiny',
    capabilities: { stageHistory: opts.history ?? false, activities: false, probabilities: true, wonLostFlags: true },
    streams: {
      pipelines: { incremental: false, read: () => page([{ id: 'p', name: 'Sales', position: 0 }]) },
      stages: { incremental: false, read: () => page(stages) },
      deals: {
        incremental: true,
        async *read({ cursor }) {
          const rows = deals.filter((d) => !cursor || d.modifiedAt! >= cursor).sort((a, b) => a.modifiedAt!.localeCompare(b.modifiedAt!));
          for (let i = 0; i < rows.length; i += 2) {
            const chunk = rows.slice(i, i + 2);
            yield { rows: chunk, checkpoint: chunk[chunk.length - 1]!.modifiedAt };
          }
        },
      },
    },
  };
}
const stage = (id: string, position: number, extra: Partial<StageRow> = {}): StageRow => ({
  id,
  pipelineId: 'p',
  name: id,
  position,
  probability: 0.1 * (position + 1),
  isClosed: false,
  isWon: false,
  ...extra,
});
const deal = (id: string, stageId: string, modifiedAt: string, extra: Partial<DealRow> = {}): DealRow => ({
  id,
  name: `Deal ${id}`,
  amount: 1000,
  currency: 'USD',
  pipelineId: 'p',
  stageId,
  ownerId: null,
  source: null,
  createdAt: '2026-10-01T00:00:00.000Z',
  closeDate: null,
  closedAt: null,
  status: null,
  modifiedAt,
  ...extra,
});

describe('sync engine', () => {
  it('running the same sync twice leaves the data identical', async () => {
    const d = db();
    await runSync(d, demo(), { now: NOW });
    const first = dumpData(d);
    const again = await runSync(d, demo(), { now: NOW });
    expect(again.mode).toBe('incremental');
    expect(dumpData(d)).toEqual(first);
    await runSync(d, demo(), { now: NOW, full: true });
    expect(dumpData(d)).toEqual(first);
  });

  it('an incremental sync later converges to what a fresh full sync at that time gives', async () => {
    const later = new Date(NOW.getTime() + 5 * 86_400_000);
    const inc = db();
    await runSync(inc, demo(), { now: NOW });
    const r = await runSync(inc, demo(later), { now: later });
    expect(r.mode).toBe('incremental');
    expect(r.counts.deals).toBeLessThan(100);
    const fresh = db();
    await runSync(fresh, demo(later), { now: later });
    const a = dumpData(inc);
    const b = dumpData(fresh);
    // Deals that left the 15-month window are still here (only a full sync marks them deleted).
    const live = (rows: unknown[]) => (rows as { id: string; deleted_at: string | null }[]).filter((x) => b.deals!.some((y) => (y as { id: string }).id === x.id));
    expect(live(a.deals!)).toEqual(b.deals);
    await runSync(inc, demo(later), { now: later, full: true });
    const afterFull = dumpData(inc);
    expect((afterFull.deals as { deleted_at: string | null }[]).filter((x) => !x.deleted_at)).toEqual(b.deals);
  });

  it('a failure in the middle of a page rolls the page back, keeps the cursor, and a rerun converges', async () => {
    const clean = db();
    await runSync(clean, demo(), { now: NOW });

    const d = db();
    await expect(
      runSync(d, demo(), {
        now: NOW,
        afterPageWrite: (stream, i) => {
          if (stream === 'deals' && i === 3) throw new Error('disk on fire');
        },
      }),
    ).rejects.toThrow('disk on fire');
    expect(d.prepare('SELECT COUNT(*) FROM deals').pluck().get()).toBe(150); // pages 0–2 only
    expect(getCursor(d, 'demo', 'deals')).toBeNull();
    expect(lastRun(d, 'demo')).toMatchObject({ status: 'failed', error: 'disk on fire' });

    const rerun = await runSync(d, demo(), { now: NOW });
    expect(rerun.mode).toBe('full');
    expect(dumpData(d)).toEqual(dumpData(clean));
  });

  it('writes a page in chunks: a failure in its last chunk keeps the chunks before it but not the page’s cursor, and a rerun converges', async () => {
    const clean = db();
    await runSync(clean, demo(), { now: NOW });

    const d = db();
    await expect(
      runSync(d, demo(), {
        now: NOW,
        writeChunkRows: 20, // 50-row pages: chunks of 20, 20 and 10
        afterPageWrite: (stream, i) => {
          if (stream === 'deals' && i === 3) throw new Error('disk on fire');
        },
      }),
    ).rejects.toThrow('disk on fire');
    expect(d.prepare('SELECT COUNT(*) FROM deals').pluck().get()).toBe(190); // pages 0–2, and page 3's first two chunks
    expect(lastRun(d, 'demo')).toMatchObject({ status: 'failed', error: 'disk on fire' });

    // Rerun in chunks of another size: the same data as the unchunked clean sync.
    const rerun = await runSync(d, demo(), { now: NOW, writeChunkRows: 7 });
    expect(rerun.mode).toBe('full');
    expect(dumpData(d)).toEqual(dumpData(clean));
  });

  it('saves a chunked page’s checkpoint only with its last rows', async () => {
    const d = db();
    const stages = [stage('s1', 0), stage('s2', 1)];
    const deals = [deal('a', 's1', '2026-11-20T00:00:00.000Z'), deal('b', 's1', '2026-11-21T00:00:00.000Z'), deal('c', 's2', '2026-11-22T00:00:00.000Z'), deal('d', 's2', '2026-11-23T00:00:00.000Z')];
    await expect(
      runSync(d, tinyCrm(deals, stages), {
        now: NOW,
        writeChunkRows: 1, // pages of two deals: two transactions each
        afterPageWrite: (s, i) => {
          if (s === 'deals' && i === 1) throw new Error('crash');
        },
      }),
    ).rejects.toThrow('crash');
    expect(getDeal(d, 'hubspot', 'c')).not.toBeNull(); // page 1's first chunk is in
    expect(getDeal(d, 'hubspot', 'd')).toBeNull(); // its last is not
    expect(getCursor(d, 'hubspot', 'deals')).toBe('2026-11-21T00:00:00.000Z'); // page 0's checkpoint, not page 1's
    await runSync(d, tinyCrm(deals, stages), { now: NOW, writeChunkRows: 1 });
    expect(getDeal(d, 'hubspot', 'd')).toMatchObject({ stageId: 's2' });
    expect(getCursor(d, 'hubspot', 'deals')).toBe(NOW.toISOString());
  });

  it('saves a sorted stream’s checkpoint with its page, never later than the sync started', async () => {
    const d = db();
    const stages = [stage('s1', 0), stage('s2', 1), stage('won', 2, { isClosed: true, isWon: true, probability: 1 })];
    const deals = [
      deal('a', 's1', '2026-11-20T00:00:00.000Z'),
      deal('b', 's1', '2026-11-21T00:00:00.000Z'),
      deal('c', 's2', '2026-11-22T00:00:00.000Z'),
      deal('d', 'won', '2026-11-30T00:00:00.000Z'), // modified "after" the sync started (clock skew)
    ];
    await expect(
      runSync(d, tinyCrm(deals, stages), {
        now: NOW,
        afterPageWrite: (s, i) => {
          if (s === 'deals' && i === 1) throw new Error('crash');
        },
      }),
    ).rejects.toThrow('crash');
    expect(getCursor(d, 'hubspot', 'deals')).toBe('2026-11-21T00:00:00.000Z');
    await runSync(d, tinyCrm(deals, stages), { now: NOW });
    expect(getCursor(d, 'hubspot', 'deals')).toBe(NOW.toISOString());
    expect(getDeal(d, 'hubspot', 'd')).toMatchObject({ status: 'won', stageId: 'won' });
  });

  it('records observed stage changes for CRMs without history, and flags stages new since the first sync', async () => {
    const d = db();
    const stages = [stage('s1', 0), stage('s2', 1)];
    await runSync(d, tinyCrm([deal('a', 's1', '2026-11-20T00:00:00.000Z')], stages), { now: NOW });
    expect(stagesNeedingReview(d, 'hubspot')).toEqual([]);
    const later = new Date('2026-11-25T09:00:00Z');
    const moreStages = [...stages, stage('s3-new', 2)];
    await runSync(d, tinyCrm([deal('a', 's2', '2026-11-25T08:00:00.000Z')], moreStages), { now: later });
    expect(listStageHistory(d, 'hubspot').map((h) => [h.stageId, h.enteredAt, h.source])).toEqual([
      ['s1', '2026-10-01T00:00:00.000Z', 'observed'],
      ['s2', '2026-11-25T08:00:00.000Z', 'observed'],
    ]);
    expect(getDeal(d, 'hubspot', 'a')!.stageEnteredAt).toBe('2026-11-25T08:00:00.000Z');
    expect(stagesNeedingReview(d, 'hubspot').map((s) => s.stageId)).toEqual(['s3-new']);
    expect(getStageMap(d, 'hubspot').get('s3-new')?.needsReview).toBe(true);
  });

  it('a full sync marks deals that vanished from the CRM as deleted, keeping them', async () => {
    const d = db();
    const stages = [stage('s1', 0)];
    await runSync(d, tinyCrm([deal('a', 's1', '2026-11-20T00:00:00.000Z'), deal('b', 's1', '2026-11-20T00:00:00.000Z')], stages), { now: NOW });
    const r = await runSync(d, tinyCrm([deal('a', 's1', '2026-11-20T00:00:00.000Z')], stages), { now: NOW, full: true });
    expect(r.deleted).toBe(1);
    expect(getDeal(d, 'hubspot', 'b')!.deletedAt).toBe(NOW.toISOString());
    expect(getDeal(d, 'hubspot', 'a')!.deletedAt).toBeNull();
  });

  it('a full sync that would mark most live deals deleted holds them back until confirmed', async () => {
    const d = db();
    const stages = [stage('s1', 0)];
    const at = '2026-11-20T00:00:00.000Z';
    const twelve = Array.from({ length: 12 }, (_, i) => deal(`d${i + 1}`, 's1', at));
    await runSync(d, tinyCrm(twelve, stages), { now: NOW });
    // A token that lost access to a pipeline: 2 of 12 deals come back, 10 missing (83% > 50%, 10 ≥ MASS_DELETION_MIN_DEALS).
    const lines: string[] = [];
    const held = await runSync(d, tinyCrm(twelve.slice(0, 2), stages), { now: NOW, full: true, log: (l) => lines.push(l) });
    expect(held.deleted).toBe(0);
    expect(held.deletionsHeld).toMatchObject({ kind: 'mass-deletion', missing: 10, live: 12 });
    expect(lines.join('\n')).toContain('10 deals missing from this full read were not marked deleted, because they are 83% of the 12 live deals');
    expect(getDeal(d, 'hubspot', 'd3')!.deletedAt).toBeNull();
    // Remembered for `dealcast status` until a full read settles it.
    expect(heldDeletions(d, 'hubspot')).toMatchObject({ at: held.startedAt, kind: 'mass-deletion', missing: 10, live: 12 });
    await runSync(d, tinyCrm(twelve.slice(0, 2), stages), { now: NOW });
    expect(heldDeletions(d, 'hubspot')).toMatchObject({ missing: 10 }); // an incremental read says nothing about deletions
    const confirmed = await runSync(d, tinyCrm(twelve.slice(0, 2), stages), { now: NOW, full: true, confirmDeletions: true });
    expect([confirmed.deleted, confirmed.deletionsHeld]).toEqual([10, null]);
    expect(getDeal(d, 'hubspot', 'd3')!.deletedAt).toBe(NOW.toISOString());
    expect(heldDeletions(d, 'hubspot')).toBeNull();
  });
});
