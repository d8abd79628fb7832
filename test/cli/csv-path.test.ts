/**
 * A CSV user's path: import-csv, then plain `dealcast report …` and `status` (no CRM or CSV_PATH
 * set) show that data; money in several currencies with a rates file; deals with no date at all.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { openDb } from '../../store/db.js';
import { refreshDerived } from '../../store/deal-facts.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dealcast-csvpath-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(env: Record<string, string>, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const MAVEN = new URL('../fixtures/csv/maven-sales-pipeline.csv', import.meta.url).pathname;

describe('after import-csv', () => {
  it('plain report and status read the imported data; old data is called out with the --now to try', async () => {
    const db = join(dir, 'maven.db');
    const imp = await cli({ DEALCAST_DB: db }, 'import-csv', MAVEN, '--now', '2026-12-01T00:00:00Z');
    expect(imp.code).toBe(0);
    expect(imp.out).toMatch(/1 deal has no date at all; their created date is unknown/);
    const status = await cli({ DEALCAST_DB: db }, 'status', '--now', '2026-12-01T00:00:00Z');
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/^CRM: csv/);
    expect(status.out).toMatch(/Newest date in the data: 2017-03-11 \(\d+ days ago\)/);
    expect(status.out).toMatch(/add --now 2017-03-11T23:59:59Z/);
    const pipe = await cli({ DEALCAST_DB: db }, 'report', 'pipeline', '--json', '--now', '2026-12-01T00:00:00Z');
    expect(pipe.code).toBe(0);
    const p = JSON.parse(pipe.out);
    // Open: HAXMC4IX (Engaging) and ZZZZ0001 (Prospecting, no date): both in the pipeline.
    expect(p.total.count).toBe(2);
    expect(p.notes.join(' ')).toMatch(/newest date in the data is 2017-03-11/);
    const reps = await cli({ DEALCAST_DB: db }, 'report', 'reps', '--now', '2017-03-11T23:59:59Z');
    expect(reps.out).toMatch(/Activity data is not available for this CRM\./);
  });

  it('still reads the imported CRM when every one of its deals has been deleted (not the demo)', async () => {
    const db = join(dir, 'emptied.db');
    expect((await cli({ DEALCAST_DB: db }, 'import-csv', MAVEN, '--now', '2026-12-01T00:00:00Z')).code).toBe(0);
    // Every deal gone from the CRM (as a sync's sweep, confirmed, would leave them).
    const h = openDb(db);
    h.prepare("UPDATE deals SET deleted_at = '2026-12-02T00:00:00.000Z' WHERE crm = 'csv'").run();
    refreshDerived(h, 'csv');
    h.close();
    const status = await cli({ DEALCAST_DB: db }, 'status', '--now', '2026-12-02T00:00:00Z');
    expect(status.out).toMatch(/^CRM: csv/);
    const pipe = await cli({ DEALCAST_DB: db }, 'report', 'pipeline', '--json', '--now', '2026-12-02T00:00:00Z');
    expect(pipe.code).toBe(0);
    expect(JSON.parse(pipe.out)).toMatchObject({ total: { count: 0 } });
  });

  it('a deal with no date at all is left out of the funnel cohort, and counted', async () => {
    const db = join(dir, 'maven.db');
    const r = await cli({ DEALCAST_DB: db }, 'report', 'funnel', '--json', '--now', '2017-03-31T00:00:00Z', '--since', '2016-01-01');
    expect(r.code).toBe(0);
    const f = JSON.parse(r.out);
    // Created (earliest known date): 1C1I7A6R 2016-10-20, Z063OYW0 2016-10-25, HAXMC4IX 2016-10-25, UP409DSB 2016-10-30.
    expect(f.cohort).toMatchObject({ deals: 4, won: 2, lost: 1, open: 1 });
    expect(f.win_rate).toBeCloseTo(2 / 3, 4);
    expect(f.notes).toContain('1 deal has no known created date (no date at all in the import) and is left out of this cohort.');
  });

  it('converts a three-currency export with a rates file; without one, the other currencies are left out and named', async () => {
    const deals = join(dir, 'multi.csv');
    writeFileSync(
      deals,
      [
        'Deal ID,Deal Name,Stage,Amount,Currency,Create Date,Close Date',
        'A1,山田 商事,Proposal,1000000,JPY,2026-10-01,2026-12-20',
        'A2,محمد Trading,Proposal,2000,EUR,2026-10-02,2026-12-21',
        'A3,Acme,Proposal,3000,USD,2026-10-03,2026-12-22',
        'A4,Beta,Proposal,4000,USD,2026-10-04,2026-12-23',
      ].join('\n'),
    );
    const rates = join(dir, 'rates.csv');
    // One unit in USD: EUR 1.1, JPY 0.0065.
    writeFileSync(rates, 'currency,rate\nUSD,1\nEUR,1.1\nJPY,0.0065\n');
    const db = join(dir, 'multi.db');
    const without = await cli({ DEALCAST_DB: db }, 'import-csv', deals, '--map', 'currency=Currency', '--now', '2026-11-01T00:00:00Z');
    expect(without.code).toBe(0);
    expect(without.out).toMatch(/Amounts in 3 currencies: USD 2, EUR 1, JPY 1/);
    expect(without.out).toMatch(/No exchange rate for EUR \(1 deal\), JPY \(1 deal\)/);
    expect(without.out).toMatch(/Data quality: 2 deals in a currency with no exchange rate to USD\. Details: dealcast report quality\./);
    const before = JSON.parse((await cli({ DEALCAST_DB: db }, 'report', 'pipeline', '--json', '--now', '2026-11-01T00:00:00Z')).out);
    // USD is the most common: 3,000 + 4,000 summed; EUR and JPY counted, not summed.
    expect(before.currency).toBe('USD');
    expect(before.total.value).toBe(7_000);
    expect(before.unconverted.deals).toBe(2);

    const withRates = await cli({ DEALCAST_DB: db }, 'import-csv', deals, '--map', 'currency=Currency', '--rates', rates, '--now', '2026-11-01T00:00:01Z');
    expect(withRates.code).toBe(0);
    const after = JSON.parse((await cli({ DEALCAST_DB: db }, 'report', 'pipeline', '--json', '--now', '2026-11-01T00:00:02Z')).out);
    // 1,000,000 × 0.0065 = 6,500; 2,000 × 1.1 = 2,200; + 3,000 + 4,000 = 15,700 USD.
    expect(after.total.value).toBeCloseTo(15_700, 6);
    expect(after.unconverted).toBeUndefined();
    const eur = JSON.parse((await cli({ DEALCAST_DB: db, DEALCAST_CURRENCY: 'eur' }, 'report', 'pipeline', '--json', '--now', '2026-11-01T00:00:02Z')).out);
    // 15,700 USD / 1.1 = 14,272.73 EUR.
    expect(eur.currency).toBe('EUR');
    expect(eur.total.value).toBeCloseTo(15_700 / 1.1, 1);
    const deals2 = JSON.parse((await cli({ DEALCAST_DB: db }, 'report', 'deals', '--json', '--now', '2026-11-01T00:00:02Z')).out);
    expect(deals2.currency).toBe('USD');

    const bad = await cli({ DEALCAST_DB: db }, 'import-csv', deals, '--rates', join(dir, 'nope.csv'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--rates: there is no file/);
  });
});

describe('lost deals an export does not date (Olist: leads that never became sellers)', () => {
  it('are counted as lost in the cohort win rate; the win rate by period is not shown rather than read 100%', async () => {
    const file = join(dir, 'olist-like.csv');
    writeFileSync(
      file,
      [
        'mql_id,stage,first_contact_date,won_date',
        'm1,Closed Won,2018-01-10,2018-02-01 10:00:00',
        'm2,Closed Lost,2018-01-12,',
        'm3,Closed Lost,2018-01-15,',
        'm4,Closed Won,2018-01-20,2018-03-05 09:00:00',
        'm5,Closed Lost,2018-02-02,',
      ].join('\n'),
    );
    const db = join(dir, 'olist.db');
    const imp = await cli({ DEALCAST_DB: db }, 'import-csv', file, '--map', 'id=mql_id', '--map', 'createdAt=first_contact_date', '--map', 'wonAt=won_date', '--now', '2018-04-01T00:00:00Z');
    expect(imp.code).toBe(0);
    const v = JSON.parse((await cli({ DEALCAST_DB: db }, 'report', 'velocity', '--json', '--now', '2018-04-01T00:00:00Z')).out);
    expect(v.current.win_rate).toBeNull();
    expect(v.notes.join(' ')).toMatch(/3 closed deals have no close date, so the win rate by period is not shown/);
    const f = JSON.parse((await cli({ DEALCAST_DB: db }, 'report', 'funnel', '--json', '--now', '2018-04-01T00:00:00Z')).out);
    // Cohort: all five created in the 180 days; 2 won, 3 lost → 40%.
    expect(f.cohort).toMatchObject({ deals: 5, won: 2, lost: 3, open: 0 });
    expect(f.win_rate).toBe(0.4);
  });
});

describe('an Olist-shaped funnel (leads joined to the deals won from them; the rest lost, undated) as of past dates', () => {
  const OLIST = new URL('../fixtures/csv/olist-like-funnel.csv', import.meta.url).pathname;
  const mapping = ['--map', 'id=mql_id', '--map', 'createdAt=first_contact_date', '--map', 'wonAt=won_date', '--map', 'source=origin', '--map', 'owner=sr_id', '--map', 'amount=declared_monthly_revenue'];

  it('weights the open pipeline with a win rate that counts the undated losses, as they stood then', async () => {
    const db = join(dir, 'olist-funnel.db');
    expect((await cli({ DEALCAST_DB: db }, 'import-csv', OLIST, ...mapping, '--now', '2018-06-30T00:00:00Z')).code).toBe(0);
    const pipeline = async (now: string) => JSON.parse((await cli({ DEALCAST_DB: db }, 'report', 'pipeline', '--json', '--now', now)).out);

    // 2018-03-31: 30 closed by then (6 won, 24 leads lost on their contact day) → Lead at
    // (6 + 10 × 10%) ÷ (30 + 10) = 17.5%. Open: the two leads won in April and May, BRL 5,000 + 2,000.
    const march = await pipeline('2018-03-31T23:59:59Z');
    expect(march.currency).toBe('BRL');
    expect(march.calibration.stages[0]).toMatchObject({ stage: 'Lead', sample: 30, source: 'history' });
    expect(march.calibration.stages[0].probability).toBeCloseTo(7 / 40, 10);
    expect(march.total).toMatchObject({ count: 2, value: 7_000 });
    expect(march.total.weighted).toBeCloseTo(7_000 * 0.175, 2);

    // 2018-04-25: one more won (20 April) and one more lost (12 April) → (7 + 1) ÷ (32 + 10);
    // open: the lead won in May (2,000) and the one created 10 April, won 30 April (750).
    const april = await pipeline('2018-04-25T00:00:00Z');
    expect(april.calibration.stages[0]).toMatchObject({ sample: 32 });
    expect(april.calibration.stages[0].probability).toBeCloseTo(8 / 42, 10);
    expect(april.total).toMatchObject({ count: 2, value: 2_750 });
    expect(april.total.weighted).toBeCloseTo((2_750 * 8) / 42, 2);
  });
});
