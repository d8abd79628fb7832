/**
 * Money in three currencies (plus one with no rate): every figure below is worked out by hand.
 *
 * Rates as Salesforce keeps them, relative to the corporate currency USD: 1 USD = 0.8 EUR, 1 USD = 150 JPY.
 * So 1 EUR = 1.25 USD and 1 JPY = 1/150 USD. GBP has no rate.
 *
 * deal  stage        amount            close date   in USD                       in EUR
 * M1    Lead         10,000 USD        2026-07-01   10,000                       10,000 × 0.8 = 8,000
 * M2    Qualified    20,000 EUR        2026-07-15   20,000 / 0.8 = 25,000        20,000
 * M3    Proposal  1,500,000 JPY        2026-07-20   1,500,000 / 150 = 10,000     10,000 × 0.8 = 8,000
 * M4    Lead          5,000 GBP        2026-07-25   no rate: left out            no rate: left out
 * M5    won           4,000 EUR        2026-06-02   4,000 / 0.8 = 5,000          4,000
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/db.js';
import { computeReport } from '../../src/reports/compute.js';
import { saveCurrencySettings } from '../../store/currency-rates.js';
import { CRM, NOW, seedFixture, type FixtureDeal } from './fixture.js';
import { currencyConverter, parseRatesFile } from '../../src/metrics/money.js';
import { formatReport } from '../../src/cli/report-format.js';
import { reportSummary } from '../../src/views/report-summary.js';
import { buildChart } from '../../charts/index.js';
import { dealSnapshotAmounts } from '../../store/report-queries.js';
import type { Db } from '../../store/db.js';

const DEALS: FixtureDeal[] = [
  { id: 'M1', amount: 10_000, currency: 'USD', created: '2026-05-01', closeDate: '2026-07-01', path: [['s-lead', '2026-05-01']] },
  { id: 'M2', amount: 20_000, currency: 'EUR', created: '2026-05-02', closeDate: '2026-07-15', path: [['s-lead', '2026-05-02'], ['s-qual', '2026-05-10']] },
  { id: 'M3', amount: 1_500_000, currency: 'JPY', created: '2026-05-03', closeDate: '2026-07-20', path: [['s-lead', '2026-05-03'], ['s-prop', '2026-05-12']] },
  { id: 'M4', amount: 5_000, currency: 'GBP', created: '2026-05-04', closeDate: '2026-07-25', path: [['s-lead', '2026-05-04']] },
  { id: 'M5', amount: 4_000, currency: 'EUR', created: '2026-05-05', closeDate: '2026-06-02', path: [['s-lead', '2026-05-05'], ['s-won', '2026-06-02']] },
];
const RATES = {
  base: 'USD',
  rates: [
    { currency: 'EUR', startDate: null, endDate: null, perBase: 0.8 },
    { currency: 'JPY', startDate: null, endDate: null, perBase: 150 },
  ],
};

let t: ReturnType<typeof tempDb>;
let db: Db;
beforeEach(() => {
  t = tempDb();
  db = t.db;
  seedFixture(db, DEALS);
  saveCurrencySettings(db, CRM, RATES, 'test rates', NOW.toISOString());
});
afterEach(() => t.cleanup());

describe('reports in one currency', () => {
  it('converts every amount into the company currency and leaves the deal without a rate out of totals, visibly', () => {
    const r = computeReport(db, CRM, 'pipeline', { timeZone: 'UTC', now: NOW, currency: null });
    expect(r.currency).toBe('USD');
    // Lead: M1 10,000 (+ M4 counted, not summed); Qualified: M2 25,000; Proposal: M3 10,000.
    expect(r.stages.map((s) => [s.stage, s.count, s.value])).toEqual([
      ['Lead', 2, 10_000],
      ['Qualified', 1, 25_000],
      ['Proposal', 1, 10_000],
      ['Negotiation', 0, 0],
    ]);
    expect(r.total.value).toBe(45_000);
    expect(r.unconverted).toEqual({ deals: 1, currencies: [{ currency: 'GBP', deals: 1, amount: 5_000 }] });
    const text = formatReport('pipeline', r);
    expect(text).toMatch(/amounts in USD/);
    expect(text).toMatch(/1 deal in currencies with no exchange rate to USD left out of money totals: GBP 1 \(£5,000\)/);
  });

  it('reports in the currency asked for (DEALCAST_CURRENCY), through the base currency', () => {
    const r = computeReport(db, CRM, 'pipeline', { timeZone: 'UTC', now: NOW, currency: 'EUR' });
    expect(r.currency).toBe('EUR');
    // 8,000 + 20,000 + 8,000.
    expect(r.total.value).toBeCloseTo(36_000, 6);
    const won = computeReport(db, CRM, 'forecast', { timeZone: 'UTC', now: NOW, currency: 'EUR', months: 1 });
    // M5 won on 2026-06-02, in June: 4,000 EUR as it is.
    expect(won.months[0]).toMatchObject({ month: '2026-06', won: 4_000 });
    // Back to the company currency: M5 is 5,000 USD.
    const usd = computeReport(db, CRM, 'forecast', { timeZone: 'UTC', now: NOW, currency: null, months: 1 });
    expect(usd.months[0]?.won).toBe(5_000);
  });

  it('lists each deal with its own amount and currency beside the converted one', () => {
    const r = computeReport(db, CRM, 'deals', { timeZone: 'UTC', now: NOW, currency: null, threshold: 0, minSample: 0 });
    const m3 = r.deals.find((d) => d.id === 'M3');
    const m4 = r.deals.find((d) => d.id === 'M4');
    if (m3) expect(m3).toMatchObject({ amount: 10_000, amount_original: 1_500_000, currency_original: 'JPY' });
    if (m4) expect(m4).toMatchObject({ amount: null, amount_original: 5_000, currency_original: 'GBP' });
    expect(JSON.parse(JSON.stringify(r)).currency).toBe('USD');
  });

  it('names the currency and the left-out deal in the Slack summary and the chart', () => {
    const r = computeReport(db, CRM, 'pipeline', { timeZone: 'UTC', now: NOW, currency: null });
    const s = reportSummary('pipeline', r, { filterText: '', freshness: { now: NOW, syncedAt: NOW.toISOString(), timeZone: "UTC" } });
    expect(JSON.stringify(s.blocks)).toMatch(/Amounts in USD\. 1 deal in currencies with no exchange rate to USD left out of money totals: GBP 1/);
    expect(s.text).toMatch(/GBP/);
    const spec = JSON.stringify(buildChart('pipeline', r));
    expect(spec).toMatch(/amounts in USD/);
    expect(spec).toMatch(/1 deal in GBP left out: no rate to USD/);
  });

  it('never sums currencies when there are no rates at all: the most common currency, others left out', () => {
    saveCurrencySettings(db, CRM, { base: null, rates: [] }, 'none', NOW.toISOString());
    const r = computeReport(db, CRM, 'pipeline', { timeZone: 'UTC', now: NOW, currency: null });
    // Most common: EUR (M2, M5). Open EUR: M2 20,000; USD, JPY, GBP left out.
    expect(r.currency).toBe('EUR');
    expect(r.total.value).toBe(20_000);
    expect(r.unconverted?.deals).toBe(3);
  });
});

describe('rates', () => {
  it('uses the dated rate that covers the close day, else the current one', () => {
    const convert = currencyConverter('USD', {
      base: 'USD',
      rates: [
        { currency: 'EUR', startDate: null, endDate: null, perBase: 0.8 },
        { currency: 'EUR', startDate: '2026-01-01', endDate: '2026-07-01', perBase: 0.5 },
      ],
    });
    expect(convert({ amount: 100, currency: 'EUR', day: '2026-03-01' }).amount).toBe(200);
    expect(convert({ amount: 100, currency: 'EUR', day: '2026-07-01' }).amount).toBe(125);
    expect(convert({ amount: 100, currency: null, day: null })).toMatchObject({ amount: 100, currency: 'USD' });
    expect(convert({ amount: 100, currency: 'CHF', day: null })).toMatchObject({ amount: null, converted: false });
    // The CRM's own conversion into the company currency wins (HubSpot amount_in_home_currency).
    expect(convert({ amount: 100, currency: 'EUR', amountHome: 111, day: null }).amount).toBe(111);
  });

  it('reads a rates file: one unit in the base currency, the base at 1, optional dates', () => {
    const m = parseRatesFile('currency,rate,date\nUSD,1,\nEUR,1.25,\nEUR,2,2026-01-01\nJPY,0.0066667,\n');
    expect(m.base).toBe('USD');
    const convert = currencyConverter('USD', m);
    expect(convert({ amount: 100, currency: 'EUR', day: '2025-06-01' }).amount).toBeCloseTo(125, 6);
    expect(convert({ amount: 100, currency: 'EUR', day: '2026-06-01' }).amount).toBeCloseTo(200, 6);
    expect(() => parseRatesFile('currency,rate\nEUR,1.1\n')).toThrow(/base currency with rate 1/);
    expect(() => parseRatesFile('code,value\n')).toThrow(/"currency" and "rate"/);
    expect(() => parseRatesFile('currency,rate\nUSD,1\nEURO,1\n')).toThrow(/three-letter/);
  });
});

describe('weekly snapshot amounts for the forecast model', () => {
  it('are converted into the reporting currency like the deals (EUR, JPY at the rates; USD in any case as it is; no rate: left out)', () => {
    const snap = db.prepare(
      `INSERT INTO deal_snapshots (crm, day, deal_id, pipeline_id, stage_id, canonical, amount, currency, close_date, owner_id, taken_at)
       VALUES (?, ?, ?, NULL, NULL, 0, ?, ?, ?, NULL, ?)`,
    );
    snap.run(CRM, '2026-05-11', 'M1', 9_000, 'usd', '2026-07-01', '2026-05-11T06:00:00.000Z');
    snap.run(CRM, '2026-05-11', 'M2', 16_000, 'EUR', '2026-07-15', '2026-05-11T06:00:00.000Z');
    snap.run(CRM, '2026-05-11', 'M3', 1_200_000, 'JPY', null, '2026-05-11T06:00:00.000Z');
    snap.run(CRM, '2026-05-11', 'M4', 5_000, 'GBP', '2026-07-25', '2026-05-11T06:00:00.000Z');
    snap.run(CRM, '2026-05-18', 'M2', null, 'EUR', '2026-07-15', '2026-05-18T06:00:00.000Z');
    const got = dealSnapshotAmounts(db, CRM);
    const t = (iso: string) => Date.parse(iso) / 1000;
    const day = (iso: string) => Date.parse(iso) / 86_400_000;
    expect(got.get('M1')).toEqual([{ t: t('2026-05-11T06:00:00Z'), amount: 9_000, closeDay: day('2026-07-01') }]);
    // 16,000 EUR at 0.8 EUR per USD = 20,000 USD; then a snapshot with no amount.
    expect(got.get('M2')).toEqual([
      { t: t('2026-05-11T06:00:00Z'), amount: 20_000, closeDay: day('2026-07-15') },
      { t: t('2026-05-18T06:00:00Z'), amount: null, closeDay: day('2026-07-15') },
    ]);
    // 1,200,000 JPY at 150 per USD = 8,000 USD; no close date set.
    expect(got.get('M3')).toEqual([{ t: t('2026-05-11T06:00:00Z'), amount: 8_000, closeDay: null }]);
    // GBP has no rate: not summed as if it were USD.
    expect(got.has('M4')).toBe(false);
  });
});
