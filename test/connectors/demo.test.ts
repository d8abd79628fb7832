import { describe, expect, it } from 'vitest';
import { createDemoConnector, DemoCrm } from '../../src/connectors/demo.js';
import type { DealRow, StreamRows } from '../../src/model/rows.js';
import type { Stream } from '../../src/sync/connector.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const DAY = 86_400_000;

async function collect<K extends keyof StreamRows>(stream: Stream<StreamRows[K]> | undefined, cursor: string | null = null): Promise<StreamRows[K][]> {
  const out: StreamRows[K][] = [];
  const ctx = { cursor, full: cursor === null, startedAt: NOW, http: { request: () => Promise.reject(new Error('no http')) }, log: () => {} };
  for await (const p of stream!.read(ctx)) out.push(...p.rows);
  return out;
}

describe('demo CRM', () => {
  it('is deterministic for a seed and now, and differs by seed', async () => {
    const a = await collect<'deals'>(createDemoConnector({ seed: 7, now: NOW }).streams.deals);
    const b = await collect<'deals'>(createDemoConnector({ seed: 7, now: NOW }).streams.deals);
    const c = await collect<'deals'>(createDemoConnector({ seed: 8, now: NOW }).streams.deals);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('has the default shape: ~1,500 deals over 15 months, 8 reps, 2 pipelines', async () => {
    const conn = createDemoConnector({ now: NOW });
    const deals = await collect<'deals'>(conn.streams.deals);
    expect(deals.length).toBeGreaterThanOrEqual(1490);
    expect(deals.length).toBeLessThanOrEqual(1510);
    expect(await collect<'owners'>(conn.streams.owners)).toHaveLength(8);
    expect(await collect<'pipelines'>(conn.streams.pipelines)).toHaveLength(2);
    const oldest = Math.min(...deals.map((d) => Date.parse(d.createdAt)));
    expect((NOW.getTime() - oldest) / DAY).toBeGreaterThan(440);
    expect((NOW.getTime() - oldest) / DAY).toBeLessThan(460);
  });

  it('shows deals move, close and appear as now advances', async () => {
    const later = new Date(NOW.getTime() + 10 * DAY);
    const before = new Map((await collect<'deals'>(createDemoConnector({ now: NOW }).streams.deals)).map((d) => [d.id, d]));
    const after = await collect<'deals'>(createDemoConnector({ now: later }).streams.deals);
    const appeared = after.filter((d) => !before.has(d.id));
    const moved = after.filter((d) => before.has(d.id) && before.get(d.id)!.stageId !== d.stageId);
    const closed = after.filter((d) => before.get(d.id)?.status === 'open' && d.status !== 'open');
    expect(appeared.length).toBeGreaterThan(20);
    expect(moved.length).toBeGreaterThan(10);
    expect(closed.length).toBeGreaterThan(5);
    // A deal's past does not change when now moves on (outside the drop window).
    const old = after.find((d) => before.get(d.id)?.status === 'won')!;
    expect(old).toEqual(before.get(old.id));
  });

  it('exercises every report and alert: $0 deals, missing close dates, sources, stuck deals, a quiet rep, a drop', async () => {
    const conn = createDemoConnector({ now: NOW });
    const deals = await collect<'deals'>(conn.streams.deals);
    expect(deals.filter((d) => d.amount === 0).length).toBeGreaterThan(5);
    expect(deals.filter((d) => d.status === 'open' && d.closeDate === null).length).toBeGreaterThanOrEqual(3);
    expect(deals.filter((d) => d.status === 'open' && d.closeDate !== null && d.closeDate < NOW.toISOString().slice(0, 10)).length).toBeGreaterThan(5);
    for (const d of deals.filter((x) => x.status !== 'open')) expect(d.closeDate).toBe(d.closedAt!.slice(0, 10));
    expect(new Set(deals.map((d) => d.source)).size).toBeGreaterThanOrEqual(5);
    const open = deals.filter((d) => d.status === 'open');
    const longest = Math.max(...open.map((d) => (NOW.getTime() - Date.parse(d.stageEnteredAt!)) / DAY));
    expect(longest).toBeGreaterThan(60);
    // The quiet rep logged nothing in the last 5 days; everyone else did.
    const acts = await collect<'activities'>(conn.streams.activities);
    const lastByRep = new Map<string, number>();
    for (const a of acts) lastByRep.set(a.ownerId!, Math.max(lastByRep.get(a.ownerId!) ?? 0, Date.parse(a.occurredAt)));
    const quiet = [...lastByRep].filter(([, t]) => NOW.getTime() - t > 5 * DAY);
    expect(quiet).toHaveLength(1);
    // Open pipeline value two days ago, before the freeze, is > 20% above today's.
    const crm = new DemoCrm({ now: NOW });
    const openValueAt = (at: number) => {
      let v = 0;
      for (let k = crm.kMin; k <= crm.kMax; k++) {
        const life = crm.life(k);
        if (life.createdAt > at) continue;
        // The deal's natural life (no freeze): open at `at` if its last transition by then is an open stage.
        const seen = life.transitions.filter((tr) => tr.at <= at);
        const last = seen[seen.length - 1]!.stageId;
        if (!last.endsWith('-won') && !last.endsWith('-lost')) v += life.amount ?? 0;
      }
      return v;
    };
    const today = open.reduce((s, d: DealRow) => s + (d.amount ?? 0), 0);
    expect(openValueAt(crm.dropAt - 3_600_000)).toBeGreaterThan(today * 1.2);
  });

  it('never emits contact data: rows carry only the documented fields', async () => {
    const conn = createDemoConnector({ now: NOW });
    const [deal] = await collect<'deals'>(conn.streams.deals);
    expect(Object.keys(deal!).sort()).toEqual(
      ['amount', 'closeDate', 'closedAt', 'createdAt', 'currency', 'forecastCategory', 'id', 'modifiedAt', 'name', 'ownerId', 'pipelineId', 'source', 'stageEnteredAt', 'stageId', 'status'].sort(),
    );
    const [act] = await collect<'activities'>(conn.streams.activities);
    expect(Object.keys(act!).sort()).toEqual(['dealId', 'id', 'occurredAt', 'ownerId', 'type']);
  });

  it('reads only changes after a cursor (with overlap)', async () => {
    const conn = createDemoConnector({ now: NOW });
    const all = await collect<'deals'>(conn.streams.deals);
    const cursor = new Date(NOW.getTime() - 3 * DAY).toISOString();
    const recent = await collect<'deals'>(conn.streams.deals, cursor);
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.length).toBeLessThan(all.length / 5);
    for (const d of recent) expect(Date.parse(d.modifiedAt!)).toBeGreaterThanOrEqual(Date.parse(cursor) - 3_600_000);
  });
});
