import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/db.js';
import { createCsvConnector } from '../../src/connectors/csv.js';
import { runSync } from '../../src/sync/engine.js';
import { computeReport } from '../../src/reports/compute.js';
import { listOwners } from '../../store/owners.js';
import { saveTargets } from '../../store/targets.js';

let t: ReturnType<typeof tempDb> | undefined;
afterEach(() => t?.cleanup());

// Won this month: 山田 10,000 USD and 4,000 EUR; Noa 6,000 USD. Open: 山田 20,000 USD.
const CSV = `id,name,stage,amount,currency,owner,createdAt,closeDate,status
1,A,Closed Won,10000,USD,山田 太郎,2026-10-01,2026-12-02,won
2,B,Closed Won,4000,EUR,山田 太郎,2026-10-01,2026-12-03,won
3,C,Closed Won,6000,USD,Noa Levi,2026-10-01,2026-12-04,won
4,D,Proposal,20000,USD,山田 太郎,2026-11-01,2026-12-20,open
`;

describe('quota report on synced deals', () => {
  it('counts each deal at its own amount in the target currency only; the team target in USD never adds the euros', async () => {
    t = tempDb();
    const file = join(t.dir, 'deals.csv');
    writeFileSync(file, CSV);
    const now = new Date('2026-12-11T00:00:00Z');
    await runSync(t.db, createCsvConnector({ path: file }), { now });
    const yamada = listOwners(t.db, 'csv').find((o) => o.name === '山田 太郎')!;
    const m = { periodKind: 'month' as const, periodStart: '2026-12-01', periodEnd: '2027-01-01' };
    saveTargets(
      t.db,
      'csv',
      [
        { ...m, scopeKind: 'team', scopeId: '', currency: 'USD', amount: 32_000 },
        { ...m, scopeKind: 'rep', scopeId: yamada.id, currency: 'EUR', amount: 8_000 },
      ],
      { source: 'csv', userId: 'csv-import', now },
    );
    const r = computeReport(t.db, 'csv', 'quota', { now, timeZone: 'UTC', period: 'month' });
    expect(r.period).toMatchObject({ label: '2026-12', days: 31 });
    const team = r.rows.find((x) => x.scope === 'team')!;
    // 10,000 + 6,000 USD won of 32,000: half; 10 of 31 days gone; open 20,000 against 16,000 needed.
    expect([team.won, team.attainment, team.other_currency_deals]).toEqual([16_000, 0.5, 1]);
    expect(team.expected_linear).toBeCloseTo((32_000 * 10) / 31, 6);
    expect(team.coverage).toBeCloseTo(20_000 / 16_000, 12);
    const rep = r.rows.find((x) => x.scope === 'rep')!;
    expect([rep.name, rep.currency, rep.won, rep.attainment, rep.open_pipeline]).toEqual(['山田 太郎', 'EUR', 4_000, 0.5, 0]);
  });
});
