/**
 * The CRM's own targets, read during sync from each fake CRM in its real wire format (HubSpot
 * goal targets paged by `after`, Pipedrive goals/find, Salesforce ForecastingQuota + Period
 * paged by nextRecordsUrl): what arrives, what is left out and why, that a target set in Slack
 * or imported from a CSV keeps winning, that a refused goals read leaves the deals synced, and
 * that amounts in yen and euros arrive untouched for reps named 山田 and محمد.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createConnector } from '../../src/connectors/index.js';
import { loadConfig } from '../../src/config.js';
import { runSync } from '../../src/sync/engine.js';
import { lastTargetsSync } from '../../src/sync/targets-sync.js';
import { effectiveTargets, saveTargets, type Target } from '../../store/targets.js';
import { loadTargetTeams } from '../../src/targets/team-scopes.js';
import { listOwners } from '../../store/owners.js';
import { countDeals } from '../../store/deals.js';
import { lastRun } from '../../store/sync-runs.js';
import { addModelGoals, createCrmModel } from '../fakes/crm-model.js';
import { userId } from '../fakes/salesforce.js';
import { startSalesforceFake } from '../fakes/salesforce.js';
import { virtualClock } from '../helpers/clock.js';
import { tempDb } from '../helpers/db.js';
import { CONTRACT_CASES, type ContractCase } from '../connectors/contract-cases.js';

const NOW = new Date('2026-12-05T12:00:00Z');
const Q4 = '2026-10-01';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const CASES = CONTRACT_CASES.filter((c) => c.crm === 'hubspot' || c.crm === 'pipedrive' || c.crm === 'salesforce');

async function setup(c: ContractCase) {
  const model = createCrmModel({ now: NOW, deals: 20, seed: 5, activitiesPerDeal: 0 });
  addModelGoals(model);
  // Small pages: the goals arrive over several pages where the CRM pages them.
  const fake = await c.start(model, { pageSize: 4 });
  const config = loadConfig({ env: c.env(fake.url), envFile: null });
  const lines: string[] = [];
  const bundle = createConnector(config, { now: NOW, clock: virtualClock(), timeouts: { connectMs: 2000, headersMs: 700, bodyMs: 700 } });
  const t = tempDb();
  cleanups.push(() => bundle.close?.(), () => fake.close(), t.cleanup);
  const sync = (now = NOW) => runSync(t.db, bundle.connector, { now, http: bundle.http, afterSync: bundle.afterSync, log: (l) => lines.push(l) });
  return { model, fake, db: t.db, sync, lines };
}

/** The CRM's id of a model owner (Salesforce user ids are 18 characters). */
const ownerOf = (crm: string, id: string) => (crm === 'salesforce' ? userId(id) : id);
const brief = (t: Target) => [t.scopeKind, t.scopeId, t.currency, t.amount, t.source];

describe.each(CASES)('targets from $crm', (c) => {
  const o = (id: string) => ownerOf(c.crm, id);

  it('arrive with the sync: revenue goals per rep, company and pipeline, in their own currencies', async () => {
    const { db, sync, lines, fake } = await setup(c);
    const r = await sync();
    expect(r.targets?.status).toBe('ok');
    const quarter = effectiveTargets(db, c.crm, 'quarter', Q4).map(brief);
    const month = effectiveTargets(db, c.crm, 'month', '2026-12-01').map(brief);
    // Worked out from addModelGoals: Salesforce keeps quotas per user only (no company or pipeline quota).
    const reps = [
      ['rep', o('501'), 'USD', 120_000, c.crm],
      ['rep', o('502'), 'EUR', 90_000, c.crm],
      ['rep', o('506'), 'EUR', 75_000.5, c.crm],
    ].sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    // HubSpot and Pipedrive keep goals for a team (EMEA, the CRM's team 42): stored by the team's
    // CRM id. Salesforce quotas are per user: it has no team quota to read.
    const company =
      c.crm === 'salesforce'
        ? []
        : [
            ['team', '', 'USD', 400_000, c.crm],
            ['sales_team', 'crm:42', 'EUR', 250_000, c.crm],
            ['pipeline', '1', 'USD', 300_000, c.crm],
          ];
    expect(quarter).toEqual([...company, ...reps]);
    expect(month).toEqual([['rep', o('505'), 'JPY', 15_000_000, c.crm]]);
    // Left out, counted and logged with a reason: the calls goal and the week.
    const left = r.targets!.examples.map((s) => s.reason).join('\n');
    expect(r.targets!.skipped).toBe(2);
    expect(left).toMatch(/not revenue/);
    expect(left).toMatch(/2026-11-30 to 2026-12-06|interval is weekly/);
    expect(lines.filter((l) => l.startsWith('Target left out:'))).toHaveLength(r.targets!.skipped);
    expect(lastTargetsSync(db, c.crm)?.message).toMatch(new RegExp(`${r.targets!.saved} targets .*${r.targets!.skipped} goals left out`));
    // Pages of 4: HubSpot's 9 goal targets and Salesforce's 7 quotas arrived whole only by
    // following `after` and nextRecordsUrl (Pipedrive's goals/find is not paged).
    if (c.crm === 'hubspot') expect(fake.log.filter((x) => x.path === '/crm/v3/objects/goal_targets' && x.query.after).length).toBe(2);
  });

  it('keep the names of reps written in Japanese and Arabic script beside their targets', async () => {
    const { db, sync } = await setup(c);
    await sync();
    const names = new Map(listOwners(db, c.crm).map((x) => [x.id, x.name]));
    const quarter = effectiveTargets(db, c.crm, 'quarter', Q4).filter((t) => t.scopeKind === 'rep');
    const month = effectiveTargets(db, c.crm, 'month', '2026-12-01');
    expect(quarter.map((t) => [names.get(t.scopeId), t.amount, t.currency])).toContainEqual(['محمد العلي', 75_000.5, 'EUR']);
    expect(month.map((t) => [names.get(t.scopeId), t.amount, t.currency])).toEqual([['太郎 山田', 15_000_000, 'JPY']]);
  });

  it('lose to a target set in Slack or imported from a CSV for the same period and scope, sync after sync', async () => {
    const { db, sync, model } = await setup(c);
    await sync();
    const at = new Date('2026-12-05T13:00:00Z');
    const base = { periodKind: 'quarter' as const, periodStart: Q4, periodEnd: '2027-01-01' };
    saveTargets(db, c.crm, [{ ...base, scopeKind: 'rep', scopeId: o('501'), currency: 'USD', amount: 150_000 }], { source: 'csv', userId: 'csv-import', now: at });
    saveTargets(db, c.crm, [{ ...base, scopeKind: 'rep', scopeId: o('502'), currency: 'EUR', amount: 80_000 }], { source: 'slack', userId: 'U123', now: at });
    // The CRM's goal changes meanwhile: it is stored, and still loses.
    model.goals!.find((g) => g.id === '7001')!.amount = 130_000;
    const r = await sync(new Date('2026-12-05T14:00:00Z'));
    expect(r.targets?.changed).toBe(1);
    const byRep = new Map(effectiveTargets(db, c.crm, 'quarter', Q4).filter((t) => t.scopeKind === 'rep').map((t) => [t.scopeId, [t.amount, t.source]]));
    expect(byRep.get(o('501'))).toEqual([150_000, 'csv']);
    expect(byRep.get(o('502'))).toEqual([80_000, 'slack']);
    expect(byRep.get(o('506'))).toEqual([75_000.5, c.crm]);
    const crmRow = db.prepare('SELECT amount FROM targets WHERE crm = ? AND source = ? AND scope_id = ? AND period_start = ?').pluck().get(c.crm, c.crm, o('501'), Q4);
    expect(crmRow).toBe(130_000);
  });

  it.skipIf(c.crm === 'salesforce')('for a team stay with the team when the CRM renames it, and count its members', async () => {
    const { db, sync, model } = await setup(c);
    await sync();
    expect(loadTargetTeams(db, c.crm).resolve('crm:42')).toMatchObject({ name: 'EMEA', memberIds: ['505', '506'] });
    model.teams!.find((t) => t.id === '42')!.name = 'EMEA & 湾岸';
    await sync(new Date('2026-12-05T14:00:00Z'));
    const team = effectiveTargets(db, c.crm, 'quarter', Q4).filter((t) => t.scopeKind === 'sales_team');
    expect(team.map(brief)).toEqual([['sales_team', 'crm:42', 'EUR', 250_000, c.crm]]);
    expect(loadTargetTeams(db, c.crm).resolve('crm:42')).toMatchObject({ name: 'EMEA & 湾岸', memberIds: ['505', '506'], source: 'crm' });
  });

  it('that the CRM no longer keeps are removed from its own targets', async () => {
    const { db, sync, model } = await setup(c);
    await sync();
    model.goals = model.goals!.filter((g) => g.id !== '7002');
    const r = await sync(new Date('2026-12-05T14:00:00Z'));
    expect(r.targets?.removed).toBe(1);
    expect(effectiveTargets(db, c.crm, 'quarter', Q4).map((t) => t.scopeId)).not.toContain(o('502'));
  });

  it('refused (403) leave the deals synced and mark targets unavailable with what to do', async () => {
    const { db, sync, fake, model } = await setup(c);
    // Salesforce's 403 for an object the user may not read (its 403 REQUEST_LIMIT_EXCEEDED is a limit, not this).
    const body = c.crm === 'salesforce' ? [{ message: 'insufficient access rights on object id', errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY' }] : undefined;
    fake.fail({ status: 403, times: 10, match: /goal_targets|goals\/find|ForecastingQuota/, ...(body ? { body } : {}) });
    const r = await sync();
    expect(lastRun(db, c.crm)?.status).toBe('ok');
    const live = model.deals.filter((d) => d.archivedAt === null).length;
    expect(countDeals(db, c.crm).total - countDeals(db, c.crm).deleted).toBe(live);
    expect(r.targets?.status).toBe('unavailable');
    expect(effectiveTargets(db, c.crm, 'quarter', Q4)).toEqual([]);
    const msg = lastTargetsSync(db, c.crm)!.message;
    expect(msg).toMatch(/unavailable/);
    expect(msg).toMatch(/Deals synced as usual/);
    expect(msg).toMatch({ hubspot: /crm\.objects\.goals\.read/, pipedrive: /everyone's goals/, salesforce: /View All Forecasts/ }[c.crm as 'hubspot']);
  });
});

describe('Salesforce without quotas', () => {
  it('(forecasting off, or no "View All Forecasts") syncs the deals and says targets are unavailable', async () => {
    const model = createCrmModel({ now: NOW, deals: 10, seed: 3, activitiesPerDeal: 0 });
    addModelGoals(model);
    const fake = await startSalesforceFake(model, {}, { quotas: false });
    const c = CASES.find((x) => x.crm === 'salesforce')!;
    const bundle = createConnector(loadConfig({ env: c.env(fake.url), envFile: null }), { now: NOW, clock: virtualClock() });
    const t = tempDb();
    cleanups.push(() => bundle.close?.(), () => fake.close(), t.cleanup);
    const r = await runSync(t.db, bundle.connector, { now: NOW, http: bundle.http });
    expect(r.counts.deals).toBe(10);
    expect(r.targets?.status).toBe('unavailable');
    expect(r.targets?.message).toMatch(/ForecastingQuota \(HTTP 404\)/);
  });
});

describe('dealcast sync, then dealcast status', () => {
  const cli = async (env: Record<string, string>) => {
    const { run: sync } = await import('../../src/cli/sync.js');
    const { run: status } = await import('../../src/cli/status.js');
    const t = tempDb();
    t.db.close();
    cleanups.push(t.cleanup);
    const out: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => out.push(`ERR ${s}`), env: { ...env, DEALCAST_DB: t.path } };
    expect(await sync(['--now', NOW.toISOString()], io)).toBe(0);
    const synced = out.splice(0).join('\n');
    expect(await status(['--now', NOW.toISOString()], io)).toBe(0);
    return { synced, status: out.join('\n') };
  };

  it('HubSpot without the goals scope: the sync succeeds and both say which scope to add', async () => {
    const model = createCrmModel({ now: NOW, deals: 8, seed: 2, activitiesPerDeal: 0 });
    addModelGoals(model);
    const hubspot = CASES.find((x) => x.crm === 'hubspot')!;
    const fake = await hubspot.start(model, {});
    cleanups.push(() => fake.close());
    fake.fail({ status: 403, times: 5, match: /goal_targets/ });
    const { synced, status } = await cli(hubspot.env(fake.url));
    for (const text of [synced, status]) expect(text).toMatch(/Targets from HubSpot: unavailable — .*crm\.objects\.goals\.read/);
    expect(status).toMatch(/Deals: 8/);
  });

  it('Attio keeps no targets: status says where they come from instead', async () => {
    const attio = CONTRACT_CASES.find((x) => x.crm === 'attio')!;
    const model = createCrmModel({ now: NOW, deals: 6, seed: 2, activitiesPerDeal: 0 });
    const fake = await attio.start(model, {});
    cleanups.push(() => fake.close());
    const { status } = await cli(attio.env(fake.url));
    expect(status).toMatch(/Attio keeps no sales targets; set them with "dealcast import-targets" or in Slack/);
  });
});
