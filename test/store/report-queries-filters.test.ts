/**
 * The report queries under owner and pipeline filters, empty lists included: an empty list
 * matches no deal (not every deal, and not an SQLite "no query solution" error in the queries
 * that name their index), on the hand-built CRM of test/metrics/fixture.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/db.js';
import { CRM, NOW, seedFixture } from '../metrics/fixture.js';
import { refreshDerived } from '../../store/deal-facts.js';
import * as q from '../../store/report-queries.js';
import type { Db } from '../../store/db.js';

let t: ReturnType<typeof tempDb>;
let db: Db;
beforeAll(() => {
  t = tempDb();
  db = t.db;
  seedFixture(db);
  refreshDerived(db, CRM);
});
afterAll(() => t.cleanup());

const nowS = NOW.getTime() / 1000;

describe('report queries with filters', () => {
  it('count and list the open deals of an owner and of a pipeline', () => {
    // Open: D3 (p1, o1, 5,000), D5 (p1, o2, 20,000), D8 (p2, o2, 7,000).
    expect(q.countOpen(db, CRM, {})).toBe(3);
    expect(q.countOpen(db, CRM, { ownerIds: ['o2'] })).toBe(2);
    expect(q.countOpen(db, CRM, { pipelineIds: ['p2'] })).toBe(1);
    expect(q.openAmounts(db, CRM, { ownerIds: ['o2'] }).map((r) => [r.id, r.amount])).toEqual([
      ['D5', 20_000],
      ['D8', 7_000],
    ]);
    expect(q.dealsByCurrency(db, CRM, { pipelineIds: ['p1'] })).toEqual([{ currency: 'USD', deals: 7 }]);
  });

  it('match nothing for an empty owner or pipeline list, in every query that names its index and in those that read the table through', () => {
    for (const f of [{ ownerIds: [] }, { pipelineIds: [] }, { ownerIds: [], pipelineIds: ['p1'] }]) {
      expect(q.countOpen(db, CRM, f)).toBe(0);
      expect(q.openAmounts(db, CRM, f)).toEqual([]);
      expect(q.closedWithoutDateCount(db, CRM, f)).toBe(0);
      expect(q.dateAndAmountChecks(db, CRM, f, nowS)).toMatchObject({ negative_amount: 0, created_before_2000: 0, close_before_created: 0 });
      expect(q.dealsByCurrency(db, CRM, f)).toEqual([]);
      expect(q.unconvertedDeals(db, CRM, f)).toEqual([]);
    }
  });
});
