/**
 * A CRM that drops a field mid-life (the fake Salesforce org stops answering with Amount): the
 * amounts keep their last good values through full and incremental syncs, the runs are recorded
 * degraded, and every place that shows the state says which field and since when — CLI and Slack
 * `status`, the digest's first line, and one alert to the admins (resolved when the field is back).
 */
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
import { createCrmModel, editDeal } from '../fakes/crm-model.js';
import { SALESFORCE_TOKEN, startSalesforceFake } from '../fakes/salesforce.js';
import { virtualClock } from '../helpers/clock.js';
import { tempDb } from '../helpers/db.js';
import type { CommandDeps } from '../../commands/command-context.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const HOUR = 3_600_000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('a CRM field that disappears mid-life', () => {
  it('keeps the last good values, marks the sync degraded, and says which field and since when everywhere', async () => {
    const model = createCrmModel({ now: NOW, deals: 150, seed: 5 });
    const fake = await startSalesforceFake(model, { pageSize: 40 });
    const t = tempDb();
    const env = { CRM: 'salesforce', SALESFORCE_INSTANCE_URL: fake.url, SALESFORCE_ACCESS_TOKEN: SALESFORCE_TOKEN, DEALCAST_DB: t.path, DEALCAST_ADMINS: 'UADMIN1', DIGEST_CHANNEL: 'CDIGEST', ALERT_CHANNEL: 'CALERT' };
    const config = loadConfig({ env, envFile: null });
    const bundle = createConnector(config, { now: NOW, clock: virtualClock() });
    cleanups.push(() => bundle.close?.(), () => fake.close(), t.cleanup);
    const sync = (now: Date, full = false) => runSync(t.db, bundle.connector, { now, full, http: bundle.http, afterSync: bundle.afterSync });

    await sync(NOW, true);
    const amounts = () => new Map(listDeals(t.db, 'salesforce').map((d) => [d.id, d.amount]));
    const before = amounts();
    const pipelineBefore = computeReport(t.db, 'salesforce', 'pipeline', { now: NOW, timeZone: 'UTC' }).total.value;
    expect([...before.values()].filter((a) => a !== null).length).toBeGreaterThan(100);
    expect(pipelineBefore).toBeGreaterThan(0);

    // The org stops answering with Amount.
    fake.options.dropFields = ['Amount'];
    const t1 = new Date(NOW.getTime() + HOUR);
    const r1 = await sync(t1, true);
    expect(r1.degraded).toEqual(['deals.amount']);
    expect(amounts()).toEqual(before);
    expect(lastRun(t.db, 'salesforce')).toMatchObject({ status: 'ok', degraded: ['deals.amount'] });
    expect(computeReport(t.db, 'salesforce', 'pipeline', { now: t1, timeZone: 'UTC' }).total.value).toBeCloseTo(pipelineBefore, 6);

    // An incremental sync of a few edited deals keeps them too, while the drift is open; other fields still update.
    const open = model.deals.filter((d) => d.status === 'open' && d.archivedAt === null);
    editDeal(model, open[0]!.id, new Date(t1.getTime() + 60_000), { name: 'Renamed 山田 deal' });
    const t2 = new Date(NOW.getTime() + 2 * HOUR);
    const r2 = await sync(t2);
    expect(r2.mode).toBe('incremental');
    expect(r2.degraded).toEqual(['deals.amount']);
    expect(amounts()).toEqual(before);
    expect(listDeals(t.db, 'salesforce').find((d) => d.name === 'Renamed 山田 deal')).toBeTruthy();

    // Slack /dealcast status.
    const deps = { db: t.db, crm: 'salesforce', config, now: () => t2, syncSchedule: 'every 15 minutes' } as unknown as CommandDeps;
    const status = JSON.stringify(statusMessage(statusFacts(deps)).blocks);
    expect(status).toContain('*degraded*');
    expect(status).toContain('deals.amount');
    expect(status).toMatch(/since 24 Nov(?: 2026)?,? 10:00/);

    // CLI status.
    const out: string[] = [];
    expect(await main(['status', '--now', t2.toISOString()], { stdout: (s) => out.push(s), stderr: (s) => out.push(s), env })).toBe(0);
    expect(out.join('\n')).toMatch(/Degraded: 1 field the CRM[\s\S]*deals\.amount came back blank[\s\S]*last good values are kept/);

    // The digest's first line.
    const messenger = new RecordingMessenger();
    const jc = jobContext({ config, db: t.db, messenger, charts: false, now: () => t2 });
    await runDigestJob(jc.digest, t2);
    const digest = messenger.calls.find((c) => c.kind === 'post');
    const first = (digest?.content.blocks?.[0] as { text?: { text?: string } } | undefined)?.text?.text ?? '';
    expect(first).toMatch(/The CRM stopped sending a field\*: `deals\.amount` since/);

    // One alert to the admins, not repeated; resolved in its thread when the field is back.
    await runAlertsJob(jc.alerts, t2);
    const driftPosts = () => messenger.calls.flatMap((c) => (c.kind === 'post' && c.channel === 'CALERT' && c.content.text.includes('deals.amount') ? [c] : []));
    expect(driftPosts()).toHaveLength(1);
    expect(JSON.stringify(driftPosts()[0]!.content.blocks)).toContain('<@UADMIN1>');
    await runAlertsJob(jc.alerts, new Date(t2.getTime() + 60_000));
    expect(driftPosts()).toHaveLength(1);

    fake.options.dropFields = [];
    const t3 = new Date(NOW.getTime() + 3 * HOUR);
    const r3 = await sync(t3, true);
    expect(r3.degraded).toEqual([]);
    await runAlertsJob(jc.alerts, t3);
    const root = driftPosts()[0]!;
    expect(messenger.calls.some((c) => c.kind === 'reply' && c.threadTs === root.ts && c.content.text.includes('again'))).toBe(true);
  });
});
