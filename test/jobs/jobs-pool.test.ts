/**
 * The write side and the read side of the report tables, and the jobs through the worker pool:
 * - the app's sync job leaves the derived tables current after a sync, and its refresher
 *   brings them up to date after a stage-map change (reports meanwhile read the last refresh);
 * - the digest and the alerts compute every report and draw every chart through deps.reports
 *   (a pool of worker threads with read-only connections), posting to a fake Slack on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { SlackDelivery } from '../../src/delivery/slack.js';
import { jobContext } from '../../src/jobs/context.js';
import { runDigestJob } from '../../src/jobs/digest.js';
import { runAlertsJob } from '../../src/jobs/alerts.js';
import { createSyncJob, type SyncJob } from '../../src/jobs/sync.js';
import type { ReportPool } from '../../src/reports/pool.js';
import type { ReportTask, ReportWork } from '../../src/reports/work.js';
import { derivedState } from '../../store/deal-facts.js';
import { saveStageMap } from '../../store/stage-map.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.js';
import { tempDb } from '../helpers/db.js';
import { tsReportPool } from '../helpers/report-pool.js';

const NOW = new Date('2026-11-24T09:00:00Z');
let store: ReturnType<typeof tempDb>;
let fake: FakeSlack;
let config: Config;
let sync: SyncJob;
let pool: ReportPool;

beforeAll(async () => {
  fake = await startFakeSlack();
  store = tempDb();
  config = loadConfig({
    envFile: null,
    env: { DEALCAST_DB: store.path, DIGEST_CHANNEL: 'CDIGEST', ALERT_CHANNEL: 'CALERTS', SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.apiUrl, DEMO_DEALS: '500' },
  });
  sync = createSyncJob({ db: store.db, config, log: () => undefined, connector: (now) => ({ connector: createDemoConnector({ seed: 11, deals: 500, now }) }) });
  pool = tsReportPool({ dbPath: store.path, db: store.db, size: 1 });
}, 120_000);
afterAll(async () => {
  await pool?.close();
  await fake?.stop();
  store?.cleanup();
});

describe('report tables: the write side keeps them current', () => {
  it('after a sync they are current; after a stage-map change they are stale until the refresher runs', async () => {
    expect(derivedState(store.db, 'demo').status).toBe('missing');
    const r = await sync.run({ now: NOW });
    expect(r.derived?.mode).toBe('full');
    expect(derivedState(store.db, 'demo').status).toBe('fresh');

    const stage = store.db.prepare("SELECT stage_id FROM stage_map WHERE crm = 'demo' AND canonical = 'Lead' LIMIT 1").pluck().get() as string;
    saveStageMap(store.db, 'demo', [{ stageId: stage, canonical: 'Qualified', winProbability: null, included: true }], 'U1', NOW.toISOString());
    const stale = derivedState(store.db, 'demo');
    expect(stale.status).toBe('stale');
    expect(stale.refreshedAt).not.toBeNull();
    // Two requests while one runs share it or its single follow-up: both end current.
    await Promise.all([sync.refreshDerived(), sync.refreshDerived()]);
    expect(derivedState(store.db, 'demo').status).toBe('fresh');
  }, 120_000);
});

describe('digest and alerts through the worker pool', () => {
  it('compute every report and draw every chart in the pool, and post to Slack', async () => {
    if (derivedState(store.db, 'demo').status === 'missing') await sync.run({ now: NOW });
    const tasks: ReportTask[] = [];
    const renders: string[] = [];
    const counting: ReportWork = {
      run: (task) => (tasks.push(structuredClone(task)), pool.run(task)),
      render: (name, report, scale) => (renders.push(name), pool.render(name, report, scale)),
      close: async () => undefined,
    };
    const slack = new SlackDelivery({ token: fake.token, apiUrl: fake.apiUrl, retry: { retries: 0 }, log: () => undefined });
    const jc = jobContext({ config, db: store.db, messenger: slack.messenger(), reports: counting, now: () => NOW });
    const doneBefore = pool.done;

    const digest = await runDigestJob(jc.digest, NOW);
    expect(digest.channel).toBe('CDIGEST');
    // Tuesday's digest is this week's first (none went out on Monday), so it carries the rep
    // leaderboard: the quota report is computed in the pool too.
    expect(new Set(tasks.map((t) => t.name))).toEqual(new Set(['pipeline', 'forecast', 'velocity', 'quality', 'funnel', 'quota']));
    expect(renders.sort()).toEqual(['forecast', 'funnel']);
    expect(digest.charts).toEqual(['Conversion funnel', 'Forecast by month']);
    const uploads = fake.calls('files.completeUploadExternal').filter((c) => c.status === 200);
    expect(uploads.length).toBe(2);
    expect([...fake.uploads.values()].every((b) => b.subarray(0, 8).toString('hex') === '89504e470d0a1a0a')).toBe(true);

    tasks.length = 0;
    const alerts = await runAlertsJob(jc.alerts, NOW);
    expect(new Set(tasks.map((t) => t.name))).toEqual(new Set(['pipeline', 'reps', 'deals']));
    expect(alerts.kinds.length + alerts.skipped.length).toBeGreaterThan(0);
    // Every report and chart above was answered by a worker.
    expect(pool.done - doneBefore).toBeGreaterThanOrEqual(renders.length + 5 + 3);
  }, 180_000);
});
