/**
 * forecastWonRangeByScope learns the model once for several scopes (the commit view's team and
 * reps), each given as its deals; each scope's range must be exactly what forecastWonRange gives
 * for the deals with that scope's inScope flags, on a warm model (a year of demo deals through the real sync engine).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/db.js';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { runSync } from '../../src/sync/engine.js';
import { refreshDerived } from '../../store/deal-facts.js';
import { commitDeals } from '../../store/commit-queries.js';
import { forecastWonRange, forecastWonRangeByScope, type WonRangeOptions } from '../../src/metrics/won-range.js';
import type { CommitDeal } from '../../src/metrics/commit.js';
import type { DealHistory } from '../../src/metrics/win-hazard.js';

const NOW = new Date('2026-11-24T08:00:00Z');
let t: ReturnType<typeof tempDb>;
let deals: CommitDeal[];

beforeAll(async () => {
  t = tempDb();
  await runSync(t.db, createDemoConnector({ seed: 11, deals: 1500, now: NOW }), { now: NOW });
  refreshDerived(t.db, 'demo');
  deals = commitDeals(t.db, 'demo', NOW.getTime() / 1000);
});
afterAll(() => t.cleanup());

describe('forecastWonRangeByScope', () => {
  it('gives each scope exactly the range forecastWonRange gives it, for the team, each rep, a pipeline and an empty scope', () => {
    const owners = [...new Set(deals.map((d) => d.ownerId))].sort();
    const pipeline = deals[0]!.pipeline;
    const scopes: ((d: DealHistory) => boolean)[] = [
      () => true,
      ...owners.map((o) => (d: DealHistory) => (d as CommitDeal).ownerId === o),
      (d) => d.pipeline === pipeline,
      () => false,
    ];
    expect(owners.length).toBeGreaterThan(3);
    for (const opts of [
      { now: NOW, days: 30, runs: 200, seed: 3 },
      { now: NOW, days: 37, fromDays: 7, scale: 1.3, runs: 200, seed: 5, atLeast: 250_000 },
      { now: NOW, days: 90, relativeError: 0.4, runs: 200, seed: 9 },
    ] satisfies WonRangeOptions[]) {
      const together = forecastWonRangeByScope(
        deals,
        scopes.map((inScope, i) => (i === 0 ? deals : deals.filter(inScope))),
        opts,
      );
      expect(together).toHaveLength(scopes.length);
      scopes.forEach((inScope, i) => {
        const alone = forecastWonRange(
          deals.map((d) => ({ ...d, inScope: inScope(d) })),
          opts,
        );
        expect(together[i], `scope ${i}, ${opts.days} days`).toEqual(alone);
      });
      // A warm model: the team's range is not the warm-up run-rate, and reps' ranges differ.
      expect(together[0]!.warm_up).toBe(false);
      expect(new Set(together.slice(1, 1 + owners.length).map((r) => r.expected)).size).toBeGreaterThan(1);
      expect(together.at(-1)!.open_deals).toBe(0);
    }
  });

  it('gives no range for no scope', () => {
    expect(forecastWonRangeByScope(deals, [], { now: NOW, days: 30 })).toEqual([]);
  });
});
