/**
 * The commit view's deal list: close date and forecast category are read of the deals open at
 * the report's moment (those closed later included, for a past --now), and of no other deal.
 * On the hand-built CRM of test/metrics/fixture.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/db.js';
import { CRM, seedFixture } from '../metrics/fixture.js';
import { refreshDerived } from '../../store/deal-facts.js';
import { commitDeals } from '../../store/commit-queries.js';

let t: ReturnType<typeof tempDb>;
beforeAll(() => {
  t = tempDb();
  seedFixture(t.db);
  t.db.prepare("UPDATE deals SET forecast_category = 'Commit' WHERE crm = ? AND id IN ('D2', 'D3', 'D7')").run(CRM);
  refreshDerived(t.db, CRM);
});
afterAll(() => t.cleanup());

const at = (iso: string) => Date.parse(iso) / 1000;
const byId = (nowS: number) => new Map(commitDeals(t.db, CRM, nowS).map((d) => [d.id, d]));

describe('commitDeals', () => {
  it('reads every deal of the facts, with close date and category for the open ones only', () => {
    const deals = byId(at('2026-06-15T12:00:00Z'));
    expect([...deals.keys()].sort()).toEqual(['D1', 'D2', 'D3', 'D4', 'D5', 'D6', 'D7', 'D8']);
    expect(deals.get('D3')).toMatchObject({ closeDate: '2026-07-10', forecastCategory: 'Commit', closed: null, amount: 5000, ownerId: 'o1', currency: 'USD' });
    expect(deals.get('D5')).toMatchObject({ closeDate: '2026-06-30', forecastCategory: null });
    // Won on 2 June and 20 April: counted by their close time, their close date and category not read.
    expect(deals.get('D7')).toMatchObject({ won: true, closeDate: null, forecastCategory: null });
    expect(deals.get('D2')).toMatchObject({ won: true, closeDate: null, forecastCategory: null });
  });

  it('at a past moment, a deal closed later is open then and keeps its close date and category', () => {
    const deals = byId(at('2026-05-25T00:00:00Z'));
    expect(deals.get('D7')).toMatchObject({ won: true, closeDate: '2026-06-02', forecastCategory: 'Commit' });
    expect(deals.get('D2')).toMatchObject({ closeDate: null, forecastCategory: null }); // closed 20 April, before
  });
});
