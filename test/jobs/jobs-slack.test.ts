/**
 * The digest and alert jobs end to end: demo CRM -> sync -> store -> reports -> views ->
 * src/delivery/slack.ts -> a fake Slack Web API on 127.0.0.1. Time is injected everywhere: the
 * scheduler is driven with tick(now), and the send queue's clock is virtual (a 429's
 * Retry-After advances it instead of sleeping).
 */
import { afterEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadConfig } from '../../src/config.js';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { runSync } from '../../src/sync/engine.js';
import { SlackDelivery } from '../../src/delivery/slack.js';
import { jobContext } from '../../src/jobs/context.js';
import { createScheduler } from '../../src/jobs/scheduler.js';
import { digestDetail, runDigestJob } from '../../src/jobs/digest.js';
import { runAlertsJob } from '../../src/jobs/alerts.js';
import { runSnapshotJob } from '../../src/jobs/snapshot.js';
import { getJobRun } from '../../store/job-runs.js';
import { listAlerts } from '../../store/alert-log.js';
import { openDb } from '../../store/db.js';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../fakes/slack.js';
import { tempDb } from '../helpers/db.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

const DEALS = 400;

/** A virtual clock for the send queue: sleeping advances it. */
function virtualClock() {
  let t = 0;
  const sleeps: number[] = [];
  return { now: () => t, sleep: async (ms: number) => void (sleeps.push(ms), (t += ms)), sleeps };
}

async function setup() {
  const fake = await startFakeSlack();
  cleanups.push(() => fake.stop());
  const { path } = (() => {
    const t = tempDb();
    cleanups.push(t.cleanup);
    return t;
  })();
  const config = loadConfig({
    envFile: null,
    env: {
      DEALCAST_DB: path,
      DIGEST_CHANNEL: 'CDIGEST',
      ALERT_CHANNEL: 'CALERTS',
      SLACK_BOT_TOKEN: fake.token,
      SLACK_API_URL: fake.apiUrl,
      SYNC_CRON: '0 8 * * *',
      DEMO_DEALS: String(DEALS),
    },
  });
  const clock = virtualClock();
  const log: string[] = [];
  /** One process's life: its own database connection, Slack client and send queue. */
  const life = () => {
    const db = openDb(path);
    const slack = new SlackDelivery({ token: fake.token, apiUrl: fake.apiUrl, retry: { retries: 0 }, clock, log: (l) => log.push(l) });
    const messenger = slack.messenger();
    let current = new Date(0);
    const jc = jobContext({ config, db, messenger, log: (l) => log.push(l), charts: false, now: () => current });
    const scheduler = createScheduler({
      db,
      timeZone: config.DEALCAST_TIMEZONE,
      syncCron: config.SYNC_CRON,
      digestCron: config.DIGEST_CRON,
      digestMaxLateHours: config.DIGEST_MAX_LATE_HOURS,
      log: (l) => log.push(l),
      jobs: {
        sync: (now) => runSync(db, createDemoConnector({ seed: 42, deals: DEALS, now }), { now }),
        snapshot: (now) => runSnapshotJob(jc.snapshot, now),
        digest: (now, opts) => runDigestJob(jc.digest, now, opts).then(digestDetail),
        alerts: (now) => runAlertsJob(jc.alerts, now),
      },
    });
    const tick = (iso: string) => {
      current = new Date(iso);
      return scheduler.tick(current);
    };
    const stop = async () => {
      await scheduler.stop();
      db.close();
    };
    return { db, jc, slack, messenger, scheduler, tick, stop };
  };
  return { fake, config, clock, log, life, path };
}

const posts = (fake: FakeSlack, channel: string) => fake.calls('chat.postMessage').filter((c) => c.params.channel === channel && c.status === 200);
const roots = (calls: RecordedCall[]) => calls.filter((c) => !c.params.thread_ts);
const threaded = (calls: RecordedCall[]) => calls.filter((c) => c.params.thread_ts);
const tsOf = (c: RecordedCall) => (c.answer as { ts: string }).ts;
const blocksText = (c: RecordedCall) => JSON.stringify(c.params.blocks ?? c.params.text);

describe('digest through Slack', () => {
  it('posts one digest per weekday across two restarts around 08:00 and none at the weekend', async () => {
    const w = await setup();
    for (let d = 23; d <= 29; d++) {
      const day = `2026-11-${d}`;
      const a = w.life();
      await a.tick(`${day}T07:58:00Z`);
      await a.tick(`${day}T07:59:00Z`);
      await a.stop();
      const b = w.life();
      await b.tick(`${day}T08:00:20Z`);
      await b.tick(`${day}T08:01:00Z`);
      await b.stop();
      const c = w.life();
      await c.tick(`${day}T08:02:10Z`);
      await c.tick(`${day}T08:03:00Z`);
      await c.stop();
    }
    const digests = roots(posts(w.fake, 'CDIGEST'));
    expect(digests.map((c) => (c.params.blocks as { text?: { text: string } }[])[0]!.text!.text)).toEqual([
      'Pipeline digest · Mon 23 Nov',
      'Pipeline digest · Tue 24 Nov',
      'Pipeline digest · Wed 25 Nov',
      'Pipeline digest · Thu 26 Nov',
      'Pipeline digest · Fri 27 Nov',
    ]);
    // Synced at 08:00 each day, so never stale and never late.
    for (const c of digests) {
      expect(blocksText(c)).not.toContain('stale');
      expect(blocksText(c)).not.toContain('Posted late');
    }
    // Tuesday's digest compares with Monday's; Monday's "since" is Friday.
    expect(blocksText(digests[1]!)).toContain('vs Mon');
    expect(blocksText(digests[1]!)).toContain('Since Mon 08:00');
    expect(blocksText(digests[0]!)).toContain('Since Fri 08:00');
  });

  it('posts a digest missed while down once, marked late, and skips one more than 4 hours late', async () => {
    const w = await setup();
    const a = w.life();
    await a.tick('2026-11-24T07:00:00Z');
    await a.stop();
    const b = w.life();
    await b.tick('2026-11-24T10:30:00Z');
    await b.stop();
    const c = w.life();
    await c.tick('2026-11-24T10:45:00Z');
    const digests = roots(posts(w.fake, 'CDIGEST'));
    expect(digests).toHaveLength(1);
    expect(blocksText(digests[0]!)).toContain('Posted late: due at 08:00');
    // No sync has run in this world yet: the digest says so first.
    expect((digests[0]!.params.blocks as { text: { text: string } }[])[0]!.text.text).toMatch(/^:warning: \*No successful CRM sync yet\*/);
    expect(getJobRun(c.db, 'digest', '2026-11-24T08:00:00.000Z')).toMatchObject({ status: 'ok', late: true });

    await c.tick('2026-11-25T12:30:00Z');
    await c.stop();
    expect(roots(posts(w.fake, 'CDIGEST'))).toHaveLength(1);
    const db = openDb(w.path);
    cleanups.push(() => db.close());
    expect(getJobRun(db, 'digest', '2026-11-25T08:00:00.000Z')).toMatchObject({ status: 'skipped', late: true });
    expect(w.log).toContain('digest 2026-11-25T08:00:00.000Z skipped: 4.5 h late, more than DIGEST_MAX_LATE_HOURS=4');
  });
});

describe('digest charts', () => {
  it('go into the digest thread as uploaded files', async () => {
    const w = await setup();
    const l = w.life();
    cleanups.push(() => l.stop().catch(() => undefined));
    const now = new Date('2026-11-24T08:00:00Z');
    await runSync(l.db, createDemoConnector({ seed: 42, deals: DEALS, now }), { now });
    // A tiny real PNG stands in for the chart renderer (charts/ has its own tests).
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#3366cc' } }).png().toBuffer();
    const charts = async () => [
      { png, filename: 'funnel.png', title: 'Conversion funnel', altText: 'funnel' },
      { png, filename: 'forecast.png', title: 'Forecast by month', altText: 'forecast' },
    ];
    const r = await runDigestJob({ ...l.jc.digest, charts }, now);
    expect(r.charts).toEqual(['Conversion funnel', 'Forecast by month']);
    const done = w.fake.calls('files.completeUploadExternal');
    expect(done).toHaveLength(2);
    for (const c of done) expect(c.params).toMatchObject({ channel_id: 'CDIGEST', thread_ts: r.ts });
    expect([...w.fake.uploads.values()].every((b) => b.equals(png))).toBe(true);
  });
});

describe('alerts through Slack', () => {
  it('alerts each subject once, resolves in the original thread and updates that root', async () => {
    const w = await setup();
    const l = w.life();
    cleanups.push(() => l.stop().catch(() => undefined));
    // A week of daily syncs at 08:00, each followed by the alert run.
    for (let d = 23; d <= 29; d++) await l.tick(`2026-11-${d}T08:00:00Z`);
    const alertPosts = posts(w.fake, 'CALERTS');
    const rootTs = new Set(roots(alertPosts).map(tsOf));
    expect(rootTs.size).toBeGreaterThan(0);
    // Every reply is in a thread of a root this run posted.
    for (const r of threaded(alertPosts)) expect(rootTs.has(r.params.thread_ts as string)).toBe(true);
    // Within the quiet period nobody is announced twice.
    const announced = threaded(alertPosts).filter((r) => !String(r.params.text).startsWith('Resolved'));
    const firstLines = announced.map((r) => String(r.params.text).split('\n')[0]);
    expect(new Set(firstLines).size).toBe(firstLines.length);
    // Resolutions land in the thread where the subject was announced, and update that root.
    const resolved = listAlerts(l.db).filter((a) => a.state === 'resolved');
    expect(resolved.length).toBeGreaterThan(0);
    const resolutionReplies = threaded(alertPosts).filter((r) => String(r.params.text).startsWith('Resolved'));
    expect(resolutionReplies).toHaveLength(resolved.length);
    for (const a of resolved) {
      expect(rootTs.has(a.rootTs!)).toBe(true);
      expect(resolutionReplies.some((r) => r.params.thread_ts === a.rootTs)).toBe(true);
    }
    const updates = w.fake.calls('chat.update');
    expect(updates.length).toBeGreaterThan(0);
    for (const u of updates) {
      expect(rootTs.has(u.params.ts as string)).toBe(true);
      expect(blocksText(u)).toMatch(/resolved/);
    }
  });

  it('a second run at the same moment posts nothing new', async () => {
    const w = await setup();
    const l = w.life();
    cleanups.push(() => l.stop().catch(() => undefined));
    await l.tick('2026-11-24T08:00:00Z');
    const after = posts(w.fake, 'CALERTS').length;
    expect(after).toBeGreaterThan(0);
    await runAlertsJob(l.jc.alerts, new Date('2026-11-24T08:00:00Z'));
    await runAlertsJob(l.jc.alerts, new Date('2026-11-24T09:00:00Z'));
    expect(posts(w.fake, 'CALERTS')).toHaveLength(after);
  });

  it('a 429 from chat.postMessage delays and then delivers every message, in order', async () => {
    const w = await setup();
    const l = w.life();
    cleanups.push(() => l.stop().catch(() => undefined));
    await runSync(l.db, createDemoConnector({ seed: 42, deals: DEALS, now: new Date('2026-11-24T07:55:00Z') }), { now: new Date('2026-11-24T07:55:00Z') });
    w.fake.failNext('chat.postMessage', { ratelimited: true, retryAfter: 7 }, 2);
    const result = await runAlertsJob(l.jc.alerts, new Date('2026-11-24T08:00:00Z'));
    const expected = result.kinds.reduce((a, k) => a + (k.rootTs ? 1 : 0), 0) + listAlerts(l.db).filter((a) => a.replyTs).length;
    const all = w.fake.calls('chat.postMessage').filter((c) => c.params.channel === 'CALERTS');
    expect(all.filter((c) => c.status === 429)).toHaveLength(2);
    expect(all.filter((c) => c.status === 200)).toHaveLength(expected);
    // The first message was the one refused twice, and it went out before anything else.
    expect(all[0]!.params.text).toBe(all[2]!.params.text);
    expect(w.clock.sleeps.filter((s) => s === 7000)).toHaveLength(2);
    expect(l.slack.queue.rateLimitedWaitMs).toBe(14_000);
    // Replies keep their thread.
    const rootsTs = new Set(roots(all.filter((c) => c.status === 200)).map(tsOf));
    for (const r of threaded(all.filter((c) => c.status === 200))) expect(rootsTs.has(r.params.thread_ts as string)).toBe(true);
  });
});

