/**
 * A CRM field the mapping needs that changes type mid-life (an admin retypes Salesforce's Amount
 * to a text field, HubSpot's amount becomes an enumeration): the sync does not fail, the amounts
 * keep their last good values, the run is degraded, and every place that shows it says which
 * field changed type and since when — CLI and Slack `status`, the digest's first line, and one
 * alert to the admins (resolved when the field is back). Every CRM whose connector reads typed
 * field metadata or typed values has a case. Pipedrive has none: its mapping reads only system
 * fields (a deal's value is always monetary), which an admin cannot retype.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnector } from '../../src/connectors/index.js';
import { loadConfig } from '../../src/config.js';
import { runSync } from '../../src/sync/engine.js';
import { computeReport } from '../../src/reports/compute.js';
import { jobContext } from '../../src/jobs/context.js';
import { runAlertsJob } from '../../src/jobs/alerts.js';
import { runDigestJob } from '../../src/jobs/digest.js';
import { RecordingMessenger } from '../../src/delivery/messenger.js';
import { statusFacts } from '../../commands/dealcast.js';
import { statusMessage } from '../../src/views/status.js';
import { main } from '../../src/cli.js';
import { listDeals } from '../../store/deals.js';
import { lastRun } from '../../store/sync-runs.js';
import { listOpenSchemaDrift } from '../../store/schema-drift.js';
import { createCrmModel, editDeal, type CrmModel } from '../fakes/crm-model.js';
import { SALESFORCE_TOKEN, startSalesforceFake } from '../fakes/salesforce.js';
import { HUBSPOT_TOKEN, startHubspotFake } from '../fakes/hubspot.js';
import { ATTIO_TOKEN, startAttioFake } from '../fakes/attio.js';
import { virtualClock } from '../helpers/clock.js';
import { tempDb } from '../helpers/db.js';
import type { CommandDeps } from '../../commands/command-context.js';
import type { CrmName } from '../../src/sync/connector.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const HOUR = 3_600_000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

interface Retypable {
  env: Record<string, string>;
  close(): Promise<void> | void;
  retype(on: boolean): void;
  /** Renames a deal the next sync will see (its id as stored). */
  rename(id: string, name: string, at: Date): void;
}

interface RetypeCase {
  crm: CrmName;
  start(model: CrmModel): Promise<Retypable>;
  /** What status must say the field is now. */
  found: RegExp;
}

const renameIn = (model: CrmModel) => (id: string, name: string, at: Date) => editDeal(model, id, at, { name });

/** A plain deals export of the model's live deals; `amounts: false` writes the amount column as size bands. */
function writeCsv(path: string, model: CrmModel, amounts: boolean, names: Map<string, string>): void {
  const band = (a: number) => (a >= 50_000 ? 'Large' : a >= 10_000 ? 'Medium' : 'Small');
  const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const lines = ['Deal ID,Deal Name,Stage,Amount,Currency,Create Date,Close Date'];
  for (const d of model.deals.filter((x) => x.archivedAt === null && x.status === 'open')) {
    const amount = d.amount === null ? '' : amounts ? String(d.amount) : band(d.amount);
    lines.push([d.id, q(names.get(d.id) ?? d.name), q(`Stage ${d.stageId}`), amount, d.currency, d.createdAt.slice(0, 10), d.closeDate ?? ''].join(','));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

const CASES: RetypeCase[] = [
  {
    crm: 'salesforce',
    async start(model) {
      const fake = await startSalesforceFake(model, { pageSize: 40 });
      return {
        env: { CRM: 'salesforce', SALESFORCE_INSTANCE_URL: fake.url, SALESFORCE_ACCESS_TOKEN: SALESFORCE_TOKEN },
        close: () => fake.close(),
        retype: (on) => void (fake.options.changeTypes = on ? { Amount: 'string' } : undefined),
        rename: renameIn(model),
      };
    },
    found: /Amount is now a string field, not a number/,
  },
  {
    crm: 'hubspot',
    async start(model) {
      const fake = await startHubspotFake(model);
      return {
        env: { CRM: 'hubspot', HUBSPOT_TOKEN, HUBSPOT_BASE_URL: fake.url },
        close: () => fake.close(),
        retype: (on) => void (fake.options.changeTypes = on ? { amount: 'enumeration' } : undefined),
        rename: renameIn(model),
      };
    },
    found: /amount is now an enumeration property, not a number/,
  },
  {
    crm: 'attio',
    async start(model) {
      const fake = await startAttioFake(model);
      return {
        env: { CRM: 'attio', ATTIO_API_KEY: ATTIO_TOKEN, ATTIO_BASE_URL: fake.url },
        close: () => fake.close(),
        retype: (on) => void (fake.options.valueType = on ? 'text' : undefined),
        rename: renameIn(model),
      };
    },
    found: /value is now a text attribute, not a currency/,
  },
  {
    // A new export whose Amount column holds size bands instead of amounts.
    crm: 'csv',
    async start(model) {
      const dir = mkdtempSync(join(tmpdir(), 'dealcast-retype-'));
      const path = join(dir, 'deals.csv');
      const names = new Map<string, string>();
      let amounts = true;
      writeCsv(path, model, amounts, names);
      return {
        env: { CRM: 'csv', CSV_PATH: path },
        close: () => rmSync(dir, { recursive: true, force: true }),
        retype: (on) => writeCsv(path, model, (amounts = !on), names),
        rename: (id, name) => {
          names.set(id, name);
          writeCsv(path, model, amounts, names);
        },
      };
    },
    found: /Amount is now a column of text, not amounts/,
  },
];

describe.each(CASES)('$crm: a deal field that changes type mid-life', (c) => {
  it('keeps the last good values, marks the sync degraded (not failed), and says which field and since when everywhere', async () => {
    const model = createCrmModel({ now: NOW, deals: 120, seed: 7 });
    const fake = await c.start(model);
    const t = tempDb();
    const env = { ...fake.env, DEALCAST_DB: t.path, DEALCAST_ADMINS: 'UADMIN1', DIGEST_CHANNEL: 'CDIGEST', ALERT_CHANNEL: 'CALERT' };
    const config = loadConfig({ env, envFile: null });
    const bundle = createConnector(config, { now: NOW, clock: virtualClock() });
    cleanups.push(() => bundle.close?.(), () => fake.close(), t.cleanup);
    const sync = (now: Date, full = false) => runSync(t.db, bundle.connector, { now, full, http: bundle.http, afterSync: bundle.afterSync });

    await sync(NOW, true);
    const amounts = () => new Map(listDeals(t.db, c.crm).map((d) => [d.id, d.amount]));
    const before = amounts();
    const pipelineBefore = computeReport(t.db, c.crm, 'pipeline', { now: NOW, timeZone: 'UTC' }).total.value;
    expect([...before.values()].filter((a) => a !== null).length).toBeGreaterThan(40);
    expect(pipelineBefore).toBeGreaterThan(0);

    fake.retype(true);
    const t1 = new Date(NOW.getTime() + HOUR);
    const r1 = await sync(t1, true);
    expect(r1.degraded).toEqual(['deals.amount']);
    expect(amounts()).toEqual(before);
    expect(lastRun(t.db, c.crm)).toMatchObject({ status: 'ok', degraded: ['deals.amount'] });
    expect(listOpenSchemaDrift(t.db, c.crm)).toMatchObject([{ stream: 'deals', field: 'amount', kind: 'type_changed', detectedAt: t1.toISOString() }]);
    expect(listOpenSchemaDrift(t.db, c.crm)[0]!.detail).toMatch(c.found);
    expect(computeReport(t.db, c.crm, 'pipeline', { now: t1, timeZone: 'UTC' }).total.value).toBeCloseTo(pipelineBefore, 6);

    // An incremental sync with an edited deal keeps the amounts too; other fields still update.
    const open = model.deals.filter((d) => d.status === 'open' && d.archivedAt === null);
    fake.rename(open[0]!.id, 'Renamed محمد deal', new Date(t1.getTime() + 60_000));
    const t2 = new Date(NOW.getTime() + 2 * HOUR);
    const r2 = await sync(t2);
    expect(r2.mode).toBe('incremental');
    expect(r2.degraded).toEqual(['deals.amount']);
    expect(amounts()).toEqual(before);
    expect(listDeals(t.db, c.crm).find((d) => d.name === 'Renamed محمد deal')).toBeTruthy();
    // Since when: the first run that saw the change, not the latest.
    expect(listOpenSchemaDrift(t.db, c.crm)[0]!.detectedAt).toBe(t1.toISOString());

    // Slack /dealcast status.
    const deps = { db: t.db, crm: c.crm, config, now: () => t2, syncSchedule: 'every 15 minutes' } as unknown as CommandDeps;
    const status = JSON.stringify(statusMessage(statusFacts(deps)).blocks);
    expect(status).toContain('*degraded*');
    expect(status).toMatch(/deals\.amount.*changed type in the CRM/);
    expect(status).toMatch(c.found);
    expect(status).toMatch(/since 24 Nov(?: 2026)?,? 10:00/);

    // CLI status.
    const out: string[] = [];
    expect(await main(['status', '--now', t2.toISOString()], { stdout: (s) => out.push(s), stderr: (s) => out.push(s), env })).toBe(0);
    expect(out.join('\n')).toMatch(/Degraded: 1 field the CRM[\s\S]*deals\.amount changed type in the CRM[\s\S]*last good values are kept/);

    // The digest's first line.
    const messenger = new RecordingMessenger();
    const jc = jobContext({ config, db: t.db, messenger, charts: false, now: () => t2 });
    await runDigestJob(jc.digest, t2);
    const digest = messenger.calls.find((x) => x.kind === 'post');
    const first = (digest?.content.blocks?.[0] as { text?: { text?: string } } | undefined)?.text?.text ?? '';
    expect(first).toMatch(/The CRM changed the type of a field\*: `deals\.amount` changed type \(.+\) since/);

    // One alert to the admins; resolved in its thread when the field is a number again.
    await runAlertsJob(jc.alerts, t2);
    const driftPosts = () => messenger.calls.flatMap((x) => (x.kind === 'post' && x.channel === 'CALERT' && x.content.text.includes('deals.amount') ? [x] : []));
    expect(driftPosts()).toHaveLength(1);
    const alert = JSON.stringify(driftPosts()[0]!.content.blocks);
    expect(alert).toContain('<@UADMIN1>');
    expect(alert).toContain('changed the type of');
    await runAlertsJob(jc.alerts, new Date(t2.getTime() + 60_000));
    expect(driftPosts()).toHaveLength(1);

    fake.retype(false);
    const t3 = new Date(NOW.getTime() + 3 * HOUR);
    const r3 = await sync(t3, true);
    expect(r3.degraded).toEqual([]);
    expect(listOpenSchemaDrift(t.db, c.crm)).toEqual([]);
    await runAlertsJob(jc.alerts, t3);
    const root = driftPosts()[0]!;
    expect(messenger.calls.some((x) => x.kind === 'reply' && x.threadTs === root.ts && x.content.text.includes('again'))).toBe(true);
  });
});
