/**
 * Each CRM's forecast category, read from its fake in the CRM's own wire format through the real
 * sync engine: Salesforce ForecastCategoryName, HubSpot hs_manual_forecast_category, a Pipedrive
 * custom field and an Attio select chosen in settings (forecast.category_field, with
 * forecast.category_map for Pipedrive's option ids). The raw value is stored on the deal and in the
 * weekly deal snapshot, and maps to the model deal's category (unknown values → Pipeline).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createConnector, forecastCategoryField } from '../../src/connectors/index.js';
import { loadConfig } from '../../src/config.js';
import { runSync } from '../../src/sync/engine.js';
import { listDeals } from '../../store/deals.js';
import { setSetting } from '../../store/settings.js';
import { commitSnapshotRows, saveDealSnapshot } from '../../store/deal-snapshots.js';
import { ensureDerivedFresh } from '../../store/deal-facts.js';
import { resolveConstantSetting } from '../../src/settings/resolve.js';
import { categoryOf, normaliseCategoryMap } from '../../src/metrics/forecast-category.js';
import { createCrmModel, type ModelDeal } from '../fakes/crm-model.js';
import { salesforceForecastCategory } from '../fakes/salesforce.js';
import { hubspotForecastCategory } from '../fakes/hubspot.js';
import { PIPEDRIVE_FORECAST_FIELD, PIPEDRIVE_FORECAST_OPTIONS } from '../fakes/pipedrive.js';
import { ATTIO_FORECAST_OPTIONS } from '../fakes/attio.js';
import { virtualClock } from '../helpers/clock.js';
import { tempDb } from '../helpers/db.js';
import { CONTRACT_CASES } from './contract-cases.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** What each CRM sends for a model deal (null: nothing). */
const WIRE: Record<string, (d: ModelDeal) => string | null> = {
  salesforce: salesforceForecastCategory,
  hubspot: (d) => hubspotForecastCategory(d) || null,
  pipedrive: (d) => (d.forecastCategory ? String(PIPEDRIVE_FORECAST_OPTIONS[d.forecastCategory]) : null),
  attio: (d) => (d.forecastCategory ? ATTIO_FORECAST_OPTIONS[d.forecastCategory] : null),
};

/** The admin's settings per CRM: the field for Pipedrive and Attio, and Pipedrive's option ids. */
const SETTINGS: Record<string, { field?: string; map?: Record<string, string> }> = {
  salesforce: {},
  hubspot: {},
  pipedrive: { field: PIPEDRIVE_FORECAST_FIELD, map: { '41': 'commit', '42': 'best_case', '43': 'pipeline', '44': 'omitted' } },
  attio: { field: 'forecast_category' },
};

describe.each(CONTRACT_CASES)('$crm forecast category', (c) => {
  it('is read in the wire format, stored raw on the deal and its snapshot, and maps to the rep’s category', async () => {
    const model = createCrmModel({ now: NOW, deals: 60, seed: 5 });
    const fake = await c.start(model, { pageSize: 25 });
    const t = tempDb();
    const settings = SETTINGS[c.crm]!;
    if (settings.field) setSetting(t.db, 'forecast.category_field', settings.field, NOW.toISOString());
    if (settings.map) setSetting(t.db, 'forecast.category_map', settings.map, NOW.toISOString());
    const config = loadConfig({ env: c.env(fake.url), envFile: null });
    const bundle = createConnector(config, { now: NOW, clock: virtualClock(), forecastCategoryField: forecastCategoryField(t.db) });
    cleanups.push(() => bundle.close?.(), () => fake.close(), t.cleanup);
    await runSync(t.db, bundle.connector, { now: NOW, full: true, http: bundle.http, afterSync: bundle.afterSync });

    const map = normaliseCategoryMap(resolveConstantSetting(t.db, 'forecast.category_map'));
    const stored = new Map(listDeals(t.db, c.crm).map((d) => [d.id, d]));
    const live = model.deals.filter((d) => d.archivedAt === null);
    expect(stored.size).toBe(live.length);
    const sources = { mapped: 0, unset: 0, unknown: 0 };
    for (const m of live) {
      const d = stored.get(c.dealId?.(m.id) ?? m.id)!;
      expect(d.forecastCategory, `deal ${m.id}`).toBe(WIRE[c.crm]!(m));
      const got = categoryOf(d.forecastCategory, d.status, map);
      sources[got.source]++;
      if (m.status !== 'open') {
        expect(got.category).toBe('closed');
        continue;
      }
      // The rep's call comes through; a value no name matches, or none, is Pipeline.
      const want = m.forecastCategory === 'unknown' || m.forecastCategory === null || m.forecastCategory === undefined ? 'pipeline' : m.forecastCategory;
      expect(got.category, `deal ${m.id} (${m.forecastCategory})`).toBe(want);
    }
    // Every model category is there: the "Upside" value is unknown where the CRM can send it.
    const unknownSent = live.filter((m) => m.forecastCategory === 'unknown' && WIRE[c.crm]!(m) !== null && !(c.crm === 'salesforce' && m.status !== 'open')).length;
    expect(sources.unknown).toBe(unknownSent);
    expect(sources.mapped).toBeGreaterThan(0);

    // The weekly snapshot keeps the open deals' raw values.
    ensureDerivedFresh(t.db, c.crm);
    saveDealSnapshot(t.db, c.crm, '2026-11-23', NOW.toISOString());
    const snap = commitSnapshotRows(t.db, c.crm, '2026-11-23');
    const open = [...stored.values()].filter((d) => d.status === 'open');
    expect(snap).toHaveLength(open.length);
    for (const s of snap) expect(s.forecastCategory).toBe(stored.get(s.dealId)!.forecastCategory);
  });
});

it('without a field chosen in settings, Pipedrive asks for no custom field and reads no category', async () => {
  const c = CONTRACT_CASES.find((x) => x.crm === 'pipedrive')!;
  const model = createCrmModel({ now: NOW, deals: 20, seed: 5 });
  const fake = await c.start(model, {});
  const t = tempDb();
  const bundle = createConnector(loadConfig({ env: c.env(fake.url), envFile: null }), { now: NOW, clock: virtualClock(), forecastCategoryField: forecastCategoryField(t.db) });
  cleanups.push(() => bundle.close?.(), () => fake.close(), t.cleanup);
  await runSync(t.db, bundle.connector, { now: NOW, full: true, http: bundle.http });
  expect(listDeals(t.db, 'pipedrive').every((d) => d.forecastCategory === null)).toBe(true);
  // The request did not ask for custom fields.
  expect(fake.log.some((r) => r.path.startsWith('/api/v2/deals') && 'custom_fields' in r.query)).toBe(false);
  expect(fake.log.some((r) => r.path === '/api/v2/deals')).toBe(true);
});

describe('the fields an admin may choose for the forecast category (/dealcast categories)', () => {
  const fieldsOf = async (crm: string) => {
    const c = CONTRACT_CASES.find((x) => x.crm === crm)!;
    const model = createCrmModel({ now: NOW, deals: 12, seed: 5 });
    const fake = await c.start(model, { pageSize: 3 });
    const bundle = createConnector(loadConfig({ env: c.env(fake.url), envFile: null }), { now: NOW, clock: virtualClock() });
    cleanups.push(() => bundle.close?.(), () => fake.close());
    return { fields: bundle.connector.categoryFields && bundle.http ? await bundle.connector.categoryFields(bundle.http) : null, fake, model };
  };

  it("Pipedrive: its active custom single-option, multiple-option and text deal fields, options by id, read across pages", async () => {
    const { fields, fake } = await fieldsOf('pipedrive');
    expect(fields!.map((f) => [f.name, f.type, f.key.length])).toEqual([
      ['Forecast category', 'enum', 40],
      ['地域', 'set', 40],
      ['Rep call', 'varchar', 40],
    ]);
    expect(fields![0]!.key).toBe(PIPEDRIVE_FORECAST_FIELD);
    // The values the deal sync stores for this field are the option ids.
    expect(fields![0]!.options).toEqual([
      { value: '41', label: 'Commit' },
      { value: '42', label: 'Best case' },
      { value: '43', label: 'Pipeline' },
      { value: '44', label: 'Omitted' },
      { value: '45', label: 'Upside' },
    ]);
    expect(fields![2]!.options).toBeNull();
    expect(fake.log.filter((r) => r.path === '/v1/dealFields').map((r) => r.query.start)).toEqual(['0', '3', '6']);
  });

  it("Attio: the deals' own select, status and text attributes (not system ones, not the stage, not archived), options by title", async () => {
    const { fields, model } = await fieldsOf('attio');
    expect(fields!.map((f) => [f.key, f.name, f.type])).toEqual([
      ['source', 'Source', 'select'],
      ['forecast_category', '見込み区分', 'select'],
      ['rep_call', 'Rep call', 'text'],
    ]);
    // A select's value as the deal sync stores it is the option's title; an archived option is left out.
    expect(fields![1]!.options).toEqual(['Commit', 'Best case', 'Pipeline', 'Omitted', 'Upside'].map((t) => ({ value: t, label: t })));
    expect(fields![0]!.options!.map((o) => o.value).sort()).toEqual([...new Set(model.deals.map((d) => d.source).filter(Boolean))].sort());
  });

  it('Salesforce and HubSpot have their own category field: nothing to choose', async () => {
    expect((await fieldsOf('salesforce')).fields).toBeNull();
    expect((await fieldsOf('hubspot')).fields).toBeNull();
  });
});
