import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/db.js';
import { createCsvConnector } from '../../src/connectors/csv.js';
import { runSync } from '../../src/sync/engine.js';
import { computeReport } from '../../src/reports/compute.js';
import { listOwners } from '../../store/owners.js';
import { saveTargets } from '../../store/targets.js';
import { setSetting } from '../../store/settings.js';
import { repLeaderboard } from '../../src/metrics/leaderboard.js';
import { reportSummary } from '../../src/views/report-summary.js';

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

  it('pacing report: the team by default, a rep with an owner filter; /forecast gets the team target only unfiltered', async () => {
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
        { ...m, scopeKind: 'team', scopeId: '', currency: 'USD', amount: 31_000 },
        { ...m, scopeKind: 'rep', scopeId: yamada.id, currency: 'EUR', amount: 8_000 },
      ],
      { source: 'slack', userId: 'U1', now },
    );
    const r = computeReport(t.db, 'csv', 'pacing', { now, timeZone: 'UTC', period: 'month' });
    const p = r.pacing!;
    expect([p.scope, p.name, p.currency, p.target, p.won, p.source]).toEqual(['team', 'Team', 'USD', 31_000, 16_000, 'slack']);
    expect(p.points).toHaveLength(31);
    const at = (d: string) => p.points.find((x) => x.date === d)!;
    // 10,000 USD on Dec 2 (the 4,000 EUR on Dec 3 never counts), 6,000 on Dec 4; today is Dec 11.
    expect([at('2026-12-01').won, at('2026-12-02').won, at('2026-12-03').won, at('2026-12-04').won, at('2026-12-11').won, at('2026-12-12').won]).toEqual([
      0, 10_000, 10_000, 16_000, 16_000, null,
    ]);
    // 31,000 over 31 days: 1,000 a day on the straight line.
    expect(at('2026-12-01').pace_linear).toBeCloseTo(1_000, 9);
    expect(at('2026-12-31').pace_linear).toBeCloseTo(31_000, 9);
    expect(p.band.map((b) => b.date)).toEqual(['2026-12-11', '2026-12-18', '2026-12-25', '2026-12-31']);
    expect(p.band[0]).toMatchObject({ p10: 16_000, p90: 16_000 });
    expect(p.band.at(-1)).toEqual({ date: '2026-12-31', p10: p.projected.p10, p50: p.projected.p50, p90: p.projected.p90 });

    // A rep's pacing: their own target, in euros, and only euro deals.
    const rep = computeReport(t.db, 'csv', 'pacing', { now, timeZone: 'UTC', period: 'month', filters: { owner: '山田 太郎' } }).pacing!;
    expect([rep.scope, rep.name, rep.currency, rep.target, rep.won]).toEqual(['rep', '山田 太郎', 'EUR', 8_000, 4_000]);
    // Noa has no target: nothing to pace.
    expect(computeReport(t.db, 'csv', 'pacing', { now, timeZone: 'UTC', period: 'month', filters: { owner: 'Noa Levi' } }).pacing).toBeNull();

    // /forecast: no quarter target, so the month's; Dec holds all of it; 16,000 of 31,000; 10 days of 31 gone.
    const f = computeReport(t.db, 'csv', 'forecast', { now, timeZone: 'UTC' });
    expect(f.target).toMatchObject({ period: { kind: 'month', label: '2026-12' }, currency: 'USD', amount: 31_000, won: 16_000, pace_basis: 'linear' });
    expect(f.target!.attainment).toBeCloseTo(16 / 31, 12);
    expect(f.target!.expected_by_now).toBeCloseTo(10_000, 6);
    expect(f.target!.pace).toBeCloseTo(1.6, 12);
    expect(f.target!.by_month).toEqual([{ month: '2026-12', amount: 31_000 }]);
    expect(computeReport(t.db, 'csv', 'forecast', { now, timeZone: 'UTC', filters: { owner: '山田 太郎' } }).target).toBeUndefined();
  });

  it('a named team gets its own row over its members\' deals, between the company and the reps; the leaderboard stays per rep', async () => {
    t = tempDb();
    const file = join(t.dir, 'deals.csv');
    // 山田 and محمد are the team; Noa is not. This month: 山田 10,000 USD and 4,000 EUR won, محمد 5,000 USD
    // won, Noa 6,000 USD won; open: 山田 20,000 USD, محمد 7,000 USD, Noa 50,000 USD.
    writeFileSync(
      file,
      `${CSV}5,E,Closed Won,5000,USD,محمد العلي,2026-10-01,2026-12-05,won
6,F,Proposal,7000,USD,محمد العلي,2026-11-01,2026-12-22,open
7,G,Proposal,50000,USD,Noa Levi,2026-11-01,2026-12-22,open
`,
    );
    const now = new Date('2026-12-11T00:00:00Z');
    await runSync(t.db, createCsvConnector({ path: file }), { now });
    const byName = new Map(listOwners(t.db, 'csv').map((o) => [o.name, o.id]));
    const [y, mo, noa] = [byName.get('山田 太郎')!, byName.get('محمد العلي')!, byName.get('Noa Levi')!];
    setSetting(t.db, 'visibility.teams', [{ id: 't1', name: '湾岸・関東', ownerIds: [y, mo] }], now.toISOString());
    const m = { periodKind: 'month' as const, periodStart: '2026-12-01', periodEnd: '2027-01-01' };
    saveTargets(
      t.db,
      'csv',
      [
        { ...m, scopeKind: 'team', scopeId: '', currency: 'USD', amount: 60_000 },
        { ...m, scopeKind: 'sales_team', scopeId: 'slack:t1', currency: 'USD', amount: 30_000 },
        { ...m, scopeKind: 'sales_team', scopeId: 'crm:99', currency: 'USD', amount: 1_000 },
        { ...m, scopeKind: 'rep', scopeId: noa, currency: 'USD', amount: 12_000 },
      ],
      { source: 'csv', userId: 'csv-import', now },
    );
    const r = computeReport(t.db, 'csv', 'quota', { now, timeZone: 'UTC', period: 'month' });
    expect(r.rows.map((x) => [x.scope, x.name])).toEqual([
      ['team', 'Team'],
      ['sales_team', '湾岸・関東'],
      ['rep', 'Noa Levi'],
    ]);
    const team = r.rows[1]!;
    // Won 10,000 + 5,000 USD of 30,000 (the 4,000 EUR never added): half. 10 of 31 days gone.
    expect([team.scope_id, team.members, team.currency, team.won, team.attainment, team.other_currency_deals]).toEqual(['slack:t1', 2, 'USD', 15_000, 0.5, 1]);
    expect(team.expected_linear).toBeCloseTo((30_000 * 10) / 31, 6);
    // Open 20,000 + 7,000 against 15,000 still needed; Noa's 50,000 is not the team's.
    expect([team.open_pipeline, team.still_needed]).toEqual([27_000, 15_000]);
    expect(team.coverage).toBeCloseTo(27_000 / 15_000, 12);
    // A target for a team that no longer exists is said, not silently dropped.
    expect(r.notes?.join(' ')).toMatch(/team crm:99 is left out: that team no longer exists/);
    expect(repLeaderboard(r).rows.map((x) => x.name)).toEqual(['Noa Levi']);
    const summary = reportSummary('quota', r, {
      filterText: '',
      freshness: { now, timeZone: 'UTC', syncedAt: now.toISOString() },
      requestedBy: 'U1',
    });
    expect(JSON.stringify(summary.blocks)).toContain('Teams: 湾岸・関東 50% of $30K');
  });
});
