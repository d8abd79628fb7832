import { describe, expect, it } from 'vitest';
import { followTokens, keysetByTime, mapConcurrent, type TimeWindow } from '../../src/sync/paging.js';
import type { CrmHttp, CrmRequest } from '../../src/sync/connector.js';

interface Item {
  id: string;
  t: number;
}

/** An in-memory search API: filters by the window, sorts, returns `limit` items. */
function searchApi(items: Item[], limit: number, onCall?: (n: number) => void): CrmHttp & { calls: TimeWindow[] } {
  const calls: TimeWindow[] = [];
  return {
    calls,
    async request<T>(req: CrmRequest) {
      const w = req.body as TimeWindow;
      calls.push(w);
      onCall?.(calls.length);
      const hits =
        w.kind === 'from'
          ? items.filter((i) => (w.inclusive ? i.t >= w.ts : i.t > w.ts)).sort((a, b) => a.t - b.t || Number(b.id) - Number(a.id)) // ties in no useful order
          : items.filter((i) => i.t === w.ts && (w.afterId === null || Number(i.id) > Number(w.afterId))).sort((a, b) => Number(a.id) - Number(b.id));
      return { status: 200, headers: {}, body: hits.slice(0, limit) as T };
    },
  };
}

const walk = async (http: CrmHttp, limit: number, from = 0) => {
  const seen: string[] = [];
  const checkpoints: number[] = [];
  for await (const page of keysetByTime<Item>(http, { limit, request: (w) => ({ path: '/s', body: w }), parse: (b) => b as Item[], timeOf: (i) => i.t, idOf: (i) => i.id }, from)) {
    seen.push(...page.items.map((i) => i.id));
    checkpoints.push(page.checkpoint);
  }
  return { seen, checkpoints };
};

describe('keyset paging on modified time', () => {
  it('reads every item once, however many share one timestamp, without offsets', async () => {
    const items: Item[] = [];
    for (let i = 0; i < 95; i++) items.push({ id: String(i), t: i < 40 ? 5 : i < 43 ? 6 : 100 + i });
    const http = searchApi(items, 10);
    const { seen, checkpoints } = await walk(http, 10);
    expect(seen.sort()).toEqual(items.map((i) => i.id).sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(checkpoints).toEqual([...checkpoints].sort((a, b) => a - b));
    expect(http.calls.some((c) => c.kind === 'at')).toBe(true);
  });

  it('an item edited mid-walk is read again later instead of being skipped', async () => {
    const items: Item[] = Array.from({ length: 50 }, (_, i) => ({ id: String(i), t: i * 10 }));
    const http = searchApi(items, 10, (n) => {
      if (n === 2) items[3]!.t = 10_000; // edited after the walk passed it
      if (n === 3) items[45]!.t = 10_001; // edited before the walk reached it
    });
    const { seen } = await walk(http, 10);
    expect(new Set(seen)).toEqual(new Set(items.map((i) => i.id)));
    expect(seen.filter((id) => id === '3')).toHaveLength(2);
  });
});

describe('token paging', () => {
  it('follows tokens to the end and refuses a token loop', async () => {
    let n = 0;
    const http: CrmHttp = { request: async <T>() => ({ status: 200, headers: {}, body: { next: ++n < 3 ? `t${n}` : null } as T }) };
    const pages = [];
    for await (const p of followTokens(http, { path: '/x' }, (b) => b as { next: string | null }, (b, r) => (b.next ? { ...r, query: { cursor: b.next } } : null))) pages.push(p);
    expect(pages).toHaveLength(3);
    const loop: CrmHttp = { request: async <T>() => ({ status: 200, headers: {}, body: { next: 'same' } as T }) };
    const walkLoop = async () => {
      for await (const _ of followTokens(loop, { path: '/x' }, (b) => b as { next: string }, (b, r) => ({ ...r, query: { cursor: b.next } })));
    };
    await expect(walkLoop()).rejects.toThrow(/Paging loop/);
  });

  it('mapConcurrent keeps order and the concurrency cap', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapConcurrent([5, 1, 4, 2, 3], 2, async (x) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, x));
      inFlight--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});
