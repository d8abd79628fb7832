import { afterEach, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/db.js';
import { CRM, seedFixture } from '../metrics/fixture.js';
import { advancedBetween, createdBetween } from '../../store/digest-queries.js';

let t: ReturnType<typeof tempDb>;
afterEach(() => t.cleanup());

describe('what moved since the last digest', () => {
  it('lists a deal created yesterday once, as new, not also as advanced', () => {
    t = tempDb();
    seedFixture(t.db, [
      // Older deal that advanced yesterday: advanced.
      { id: 'OLD', amount: 1000, created: '2026-06-01', path: [['s-lead', '2026-06-01'], ['s-qual', '2026-06-14T10:00:00.000Z']] },
      // Created yesterday and moved on the same day: new only.
      { id: 'NEW', amount: 2000, created: '2026-06-14T08:00:00.000Z', path: [['s-lead', '2026-06-14T08:00:00.000Z'], ['s-prop', '2026-06-14T15:00:00.000Z']] },
    ]);
    const since = '2026-06-14T00:00:00.000Z';
    const until = '2026-06-15T00:00:00.000Z';
    expect(createdBetween(t.db, CRM, since, until).map((d) => d.id)).toEqual(['NEW']);
    expect(advancedBetween(t.db, CRM, since, until).map((d) => [d.id, d.fromStage, d.stage])).toEqual([['OLD', 'Lead', 'Qualified']]);
  });
});
