/**
 * Each CRM's company currency and exchange rates, read from its fake in the CRM's wire format,
 * saved by the sync and used to convert amounts for reports.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCrmModel, type CrmModel } from '../fakes/crm-model.js';
import { SALESFORCE_API_VERSION, SALESFORCE_TOKEN, startSalesforceFake } from '../fakes/salesforce.js';
import { HUBSPOT_TOKEN, startHubspotFake } from '../fakes/hubspot.js';
import { PIPEDRIVE_TOKEN, startPipedriveFake } from '../fakes/pipedrive.js';
import { createSalesforceConnector } from '../../src/connectors/salesforce.js';
import { createHubspotConnector, hubspotRates } from '../../src/connectors/hubspot.js';
import { createPipedriveConnector } from '../../src/connectors/pipedrive.js';
import { runSync } from '../../src/sync/engine.js';
import { loadCurrencySettings } from '../../store/currency-rates.js';
import { computeReport } from '../../src/reports/compute.js';
import { withFactsAsOf } from '../../store/point-in-time.js';
import { fetchHttp } from '../helpers/fetch-http.js';
import { tempDb } from '../helpers/db.js';
import type { FakeServer } from '../fakes/fake-server.js';

const NOW = new Date('2026-11-24T09:00:00Z');
let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Every fourth deal in EUR, every fourth in JPY; 1 USD = 0.8 EUR = 150 JPY. */
function multiCurrencyModel(dated = false): CrmModel {
  const model = createCrmModel({ now: NOW, deals: 40 });
  model.deals.forEach((d, i) => {
    d.currency = i % 4 === 1 ? 'EUR' : i % 4 === 2 ? 'JPY' : 'USD';
  });
  model.currencies = {
    base: 'USD',
    rates: [
      { currency: 'EUR', perBase: 0.8 },
      { currency: 'JPY', perBase: 150 },
      ...(dated ? [{ currency: 'EUR', perBase: 0.5, startDate: '2000-01-01', endDate: null }] : []),
    ],
  };
  return model;
}

/** Σ amount of open deals in USD at the given rates (what the pipeline total must be). */
function expectedOpenUsd(model: CrmModel, eur: number): number {
  const rate: Record<string, number> = { USD: 1, EUR: eur, JPY: 150 };
  return model.deals.filter((d) => d.status === 'open' && d.archivedAt === null).reduce((a, d) => a + (d.amount ?? 0) / (rate[d.currency] ?? NaN), 0);
}

describe('CRM currencies', () => {
  it('Salesforce: corporate currency and CurrencyType rates, then dated rates (advanced currency management)', async () => {
    const model = multiCurrencyModel();
    const sf = await startSalesforceFake(model);
    fake = sf;
    const t = tempDb();
    try {
      const http = fetchHttp(sf.url, { authorization: `Bearer ${SALESFORCE_TOKEN}` });
      await runSync(t.db, createSalesforceConnector({ apiVersion: SALESFORCE_API_VERSION }), { http, now: NOW });
      const saved = loadCurrencySettings(t.db, 'salesforce');
      expect(saved.base).toBe('USD');
      expect(saved.rates.filter((r) => r.startDate === null).map((r) => [r.currency, r.perBase])).toEqual([
        ['EUR', 0.8],
        ['JPY', 150],
      ]);
      const r = computeReport(t.db, 'salesforce', 'pipeline', { timeZone: 'UTC', now: NOW, currency: null });
      expect(r.currency).toBe('USD');
      expect(r.total.value).toBeCloseTo(expectedOpenUsd(model, 0.8), 4);
      expect(r.unconverted).toBeUndefined();

      // The org turns on dated rates: EUR at 0.5 from 2000 on; every close date falls in it.
      model.currencies = multiCurrencyModel(true).currencies;
      await runSync(t.db, createSalesforceConnector({ apiVersion: SALESFORCE_API_VERSION }), { http, now: new Date(NOW.getTime() + 3_600_000) });
      expect(loadCurrencySettings(t.db, 'salesforce').source).toBe('Salesforce DatedConversionRate');
      const dated = computeReport(t.db, 'salesforce', 'pipeline', { timeZone: 'UTC', now: NOW, currency: null });
      expect(dated.total.value).toBeCloseTo(expectedOpenUsd(model, 0.5), 4);
    } finally {
      t.cleanup();
    }
  });

  it('Salesforce single-currency org: the organization currency, no rate queries refused as errors', async () => {
    const model = createCrmModel({ now: NOW, deals: 10 });
    model.currencies = { base: 'EUR', rates: [] };
    const sf = await startSalesforceFake(model, {}, { multiCurrency: false, recordTypes: false });
    fake = sf;
    const t = tempDb();
    try {
      const http = fetchHttp(sf.url, { authorization: `Bearer ${SALESFORCE_TOKEN}` });
      await runSync(t.db, createSalesforceConnector({ apiVersion: SALESFORCE_API_VERSION }), { http, now: NOW });
      expect(loadCurrencySettings(t.db, 'salesforce')).toMatchObject({ base: 'EUR', rates: [] });
      // Deals carry no currency in a single-currency org: they are in the org's currency.
      expect(computeReport(t.db, 'salesforce', 'pipeline', { timeZone: 'UTC', now: NOW, currency: null }).currency).toBe('EUR');
    } finally {
      t.cleanup();
    }
  });

  it("HubSpot: the company currency and each deal's amount_in_home_currency", async () => {
    const model = multiCurrencyModel();
    const hs = await startHubspotFake(model);
    fake = hs;
    const t = tempDb();
    try {
      const http = fetchHttp(hs.url, { authorization: `Bearer ${HUBSPOT_TOKEN}` });
      await runSync(t.db, createHubspotConnector(), { http, now: NOW });
      expect(loadCurrencySettings(t.db, 'hubspot')).toMatchObject({ base: 'USD', source: 'HubSpot exchange rates' });
      const home = t.db.prepare("SELECT amount, currency, amount_home AS home FROM deals WHERE crm = 'hubspot' AND currency = 'JPY' AND amount > 0 LIMIT 1").get() as {
        amount: number;
        home: number;
      };
      expect(home.home).toBeCloseTo(home.amount / 150, 1);
      const r = computeReport(t.db, 'hubspot', 'pipeline', { timeZone: 'UTC', now: NOW, currency: null });
      expect(r.currency).toBe('USD');
      expect(r.total.value).toBeCloseTo(expectedOpenUsd(model, 0.8), -1);
      expect(r.unconverted).toBeUndefined();
    } finally {
      t.cleanup();
    }
  });

  it('HubSpot: the portal\'s exchange rates, paged and dated, convert USD/EUR/JPY deals into any reporting currency', async () => {
    // Company currency USD. HubSpot keeps "1 EUR = 1.25 USD" from 2020, "1 EUR = 1.10 USD" from
    // 2026-06-01, and "1 JPY = 0.008 USD".
    const model = createCrmModel({ now: NOW, deals: 6 });
    model.currencies = {
      base: 'USD',
      rates: [
        { currency: 'EUR', perBase: 1 / 1.25, startDate: '2020-01-01', endDate: '2026-06-01' },
        { currency: 'EUR', perBase: 1 / 1.1, startDate: '2026-06-01', endDate: null },
        { currency: 'JPY', perBase: 125, startDate: '2020-01-01', endDate: null },
      ],
    };
    const deals: [string, number, 'open' | 'won' | 'lost', string | null][] = [
      ['USD', 1_000, 'open', null],
      ['EUR', 2_000, 'open', null],
      ['JPY', 1_000_000, 'open', null],
      ['EUR', 4_000, 'won', '2026-03-10T12:00:00Z'],
      ['JPY', 500_000, 'won', '2026-09-01T12:00:00Z'],
      ['USD', 3_000, 'lost', '2026-08-01T12:00:00Z'],
    ];
    model.deals.forEach((d, i) => {
      const [currency, amount, status, closedAt] = deals[i]!;
      Object.assign(d, { currency, amount, status, closedAt, archivedAt: null, createdAt: '2026-01-05T00:00:00Z', closeDate: closedAt ? closedAt.slice(0, 10) : '2026-12-15' });
      d.history = [{ stageId: d.stageId, enteredAt: d.createdAt }];
      d.modifiedAt = closedAt ?? '2026-11-01T00:00:00Z';
    });
    // Two rates a page: the connector must follow paging.next.after.
    const hs = await startHubspotFake(model, { pageSize: 2 });
    fake = hs;
    const t = tempDb();
    try {
      const http = fetchHttp(hs.url, { authorization: `Bearer ${HUBSPOT_TOKEN}` });
      await runSync(t.db, createHubspotConnector(), { http, now: NOW });
      const saved = loadCurrencySettings(t.db, 'hubspot');
      expect(saved.source).toBe('HubSpot exchange rates');
      expect(saved.rates.map((r) => [r.currency, r.startDate, r.endDate, Number(r.perBase.toFixed(6))])).toEqual([
        ['EUR', null, null, 0.909091],
        ['EUR', '2020-01-01', '2026-06-01', 0.8],
        ['EUR', '2026-06-01', null, 0.909091],
        ['JPY', null, null, 125],
        ['JPY', '2020-01-01', null, 125],
      ]);

      // In USD (the company currency): open 1,000 + 2,000 × 1.10 + 1,000,000 × 0.008 = 11,200.
      const usd = computeReport(t.db, 'hubspot', 'pipeline', { timeZone: 'UTC', now: NOW, currency: null });
      expect(usd.currency).toBe('USD');
      expect(usd.total.value).toBeCloseTo(11_200, 2);
      // In EUR, through the rates: (1,000 + 8,000) / 1.10 + 2,000 = 10,181.82 (reports keep cents).
      const eur = computeReport(t.db, 'hubspot', 'pipeline', { timeZone: 'UTC', now: NOW, currency: 'EUR' });
      expect(eur.currency).toBe('EUR');
      expect(eur.total.value).toBeCloseTo(9_000 / 1.1 + 2_000, 2);
      expect(eur.unconverted).toBeUndefined();
      // Won deals convert at the rate of their close day: 4,000 EUR closed in March (1.25) is
      // 5,000 USD; 500,000 JPY is 4,000 USD, which in September (1.10) is 3,636.36 EUR.
      const won = () =>
        Object.fromEntries(
          (t.db.prepare("SELECT currency_original AS c, amount FROM deal_facts WHERE crm = 'hubspot' AND status = 1").all() as { c: string; amount: number }[]).map((r) => [r.c, r.amount]),
        );
      // Reports never rebuild the stored facts (a refresher does, in the sync's currency): a report
      // in another currency reads facts built on the side, which is where the rates are applied.
      const wonIn = (currency: string | null) => withFactsAsOf(t.db, 'hubspot', null, { currency }, () => won());
      expect(wonIn('EUR').EUR).toBeCloseTo(4_000, 2);
      expect(wonIn('EUR').JPY).toBeCloseTo(4_000 / 1.1, 2);
      expect(wonIn(null).EUR).toBeCloseTo(5_000, 2);
      expect(wonIn(null).JPY).toBeCloseTo(4_000, 2);
    } finally {
      t.cleanup();
    }
  });

  it('HubSpot rates read either way round, the last of a day holding; other pairs ignored', () => {
    const row = (fromCurrencyCode: string, toCurrencyCode: string, conversionRate: number, effectiveAt: string) => ({ id: effectiveAt, fromCurrencyCode, toCurrencyCode, conversionRate, effectiveAt });
    expect(
      hubspotRates('EUR', [
        row('GBP', 'EUR', 1.2, '2025-01-01T08:00:00Z'),
        row('GBP', 'EUR', 1.25, '2025-01-01T17:00:00Z'),
        row('EUR', 'CHF', 0.95, '2025-03-01T00:00:00Z'),
        row('USD', 'JPY', 150, '2025-03-01T00:00:00Z'),
      ]),
    ).toEqual([
      { currency: 'CHF', startDate: '2025-03-01', endDate: null, perBase: 0.95 },
      { currency: 'CHF', startDate: null, endDate: null, perBase: 0.95 },
      { currency: 'GBP', startDate: '2025-01-01', endDate: null, perBase: 0.8 },
      { currency: 'GBP', startDate: null, endDate: null, perBase: 0.8 },
    ]);
  });

  it("Pipedrive: the default currency and the rates implied by the deal summary's converted totals", async () => {
    const model = multiCurrencyModel();
    const pd = await startPipedriveFake(model);
    fake = pd;
    const t = tempDb();
    try {
      const http = fetchHttp(pd.url, { 'x-api-token': PIPEDRIVE_TOKEN });
      await runSync(t.db, createPipedriveConnector(), { http, now: NOW });
      const saved = loadCurrencySettings(t.db, 'pipedrive');
      expect(saved.base).toBe('USD');
      expect(saved.rates.find((r) => r.currency === 'EUR')?.perBase).toBeCloseTo(0.8, 4);
      expect(saved.rates.find((r) => r.currency === 'JPY')?.perBase).toBeCloseTo(150, 1);
      const r = computeReport(t.db, 'pipedrive', 'pipeline', { timeZone: 'UTC', now: NOW, currency: null });
      expect(r.total.value).toBeCloseTo(expectedOpenUsd(model, 0.8), -1);
    } finally {
      t.cleanup();
    }
  });
});
