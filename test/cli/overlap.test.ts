/**
 * The real CLI as separate processes on one database: overlapping runs post once, two syncs
 * both end well, and a run killed with SIGKILL at any step of claim → post → confirm is
 * completed by the next run into the same message, with its thread and charts.
 * The crash point is injected with DEALCAST_CRASH_AT (read via config), never a sleep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { runSync } from '../../src/sync/engine.js';
import { openDb } from '../../store/db.js';
import { getJobRun } from '../../store/job-runs.js';
import { listAlerts } from '../../store/alert-log.js';
import { recentRuns } from '../../store/sync-runs.js';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../fakes/slack.js';
import { buildCli, runCli, startCli } from '../helpers/built-cli.js';

const NOW = '2026-11-24T08:00:00Z';
let build: string;
let dir: string;
let synced: string;
let fake: FakeSlack;
let n = 0;

beforeAll(async () => {
  build = buildCli('dealcast-overlap-test');
  dir = mkdtempSync(join(tmpdir(), 'dealcast-overlap-'));
  synced = join(dir, 'synced.db');
  const db = openDb(synced);
  await runSync(db, createDemoConnector({ deals: 400, now: new Date(NOW) }), { now: new Date(NOW) });
  db.close();
  fake = await startFakeSlack();
}, 180_000);
afterAll(async () => {
  await fake?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the synced database and a channel of its own. */
function fresh(): { db: string; channel: string; env: Record<string, string> } {
  n++;
  const db = join(dir, `case-${n}.db`);
  copyFileSync(synced, db);
  const channel = `CCASE${n}`;
  return {
    db,
    channel,
    env: { CRM: 'demo', DEMO_DEALS: '400', DEALCAST_DB: db, SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.apiUrl, DIGEST_CHANNEL: channel, ALERT_CHANNEL: channel },
  };
}

const roots = (channel: string) => fake.calls('chat.postMessage').filter((c) => c.params.channel === channel && !c.params.thread_ts && (c.answer as { ok: boolean }).ok);
const replies = (channel: string, ts?: string) => fake.calls('chat.postMessage').filter((c) => c.params.channel === channel && c.params.thread_ts && (!ts || c.params.thread_ts === ts));
const uploads = (channel: string, ts: string) => fake.calls('files.completeUploadExternal').filter((c) => c.params.channel_id === channel && c.params.thread_ts === ts);
const tsOf = (c: RecordedCall) => (c.answer as { ts: string }).ts;
const textOf = (c: RecordedCall) => JSON.stringify([c.params.text, c.params.blocks]);

describe('overlapping processes post once', () => {
  it('two `dealcast alerts` at once: every alert posted once, one open episode per subject', async () => {
    const c = fresh();
    const [a, b] = await Promise.all([
      runCli(build, ['alerts', '--now', NOW], c.env, dir),
      runCli(build, ['alerts', '--now', '2026-11-24T08:00:01Z'], c.env, dir),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const posted = roots(c.channel);
    expect(posted.length).toBeGreaterThan(0);
    // One root per alert kind, and no message (root or reply) twice.
    const all = [...posted, ...replies(c.channel)].map(textOf);
    expect(new Set(all).size).toBe(all.length);
    const db = openDb(c.db);
    const open = listAlerts(db).filter((e) => e.state === 'open');
    expect(new Set(open.map((e) => `${e.kind} ${e.subject}`)).size).toBe(open.length);
    expect(new Set(open.map((e) => e.rootTs)).size).toBe(posted.length);
    expect(posted).toHaveLength(new Set(open.map((e) => e.kind)).size);
    db.close();
  });

  it('`start` plus a manual `dealcast digest`: the digest slot is posted once', async () => {
    const c = fresh();
    // A digest slot ten minutes ago (UTC): start catches it up at once (late), the manual run claims the same slot.
    const slot = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000);
    const port = await freePort();
    const env = {
      ...c.env,
      SLACK_SIGNING_SECRET: 'overlap-test-secret',
      PORT: String(port),
      SYNC_CRON: '0 0 1 1 *',
      DIGEST_CRON: `${slot.getUTCMinutes()} ${slot.getUTCHours()} * * *`,
    };
    const start = startCli(build, ['start'], env, dir);
    const manual = runCli(build, ['digest'], env, dir);
    try {
      await start.line(/scheduler: started/);
      const m = await manual;
      expect(m.code).toBe(0);
      expect(m.out).toMatch(/Digest posted to|was already posted|being posted by another process/);
    } finally {
      start.child.kill('SIGTERM');
      await start.done;
    }
    expect(roots(c.channel)).toHaveLength(1);
    const db = openDb(c.db);
    expect(getJobRun(db, 'digest', slot.toISOString())).toMatchObject({ status: 'ok' });
    db.close();
  });

  it('two `dealcast sync --full` at once on a new database: both end well, one waits for the other', async () => {
    const db = join(dir, 'two-syncs.db');
    const env = { CRM: 'demo', DEMO_DEALS: '3000', DEALCAST_DB: db };
    const [a, b] = await Promise.all([runCli(build, ['sync', '--full'], env, dir), runCli(build, ['sync', '--full'], env, dir)]);
    expect([a.code, b.code], `${a.err}\n${b.err}`).toEqual([0, 0]);
    expect(`${a.out}${b.out}`).toMatch(/A sync of demo is already running since .*; waiting for it to finish/);
    expect(`${a.err}${b.err}`).not.toMatch(/locked|interrupted/);
    const h = openDb(db);
    const runs = recentRuns(h, 'demo');
    expect(runs.map((r) => r.status)).toEqual(['ok', 'ok']);
    h.close();
  });
});

describe('kill -9 at each step of claim → post → confirm, then a rerun', () => {
  const steps = ['claimed', 'root', 'chart:Conversion funnel', 'chart:Forecast by month', 'before-confirm'];
  it.each(steps)('digest killed at %s: exactly one digest, with both charts in its thread', async (step) => {
    const c = fresh();
    const killed = await runCli(build, ['digest', '--now', NOW], { ...c.env, DEALCAST_CRASH_AT: `digest:${step}` }, dir);
    expect(killed.signal).toBe('SIGKILL');
    const rerun = await runCli(build, ['digest', '--now', NOW], c.env, dir);
    expect(rerun.code, rerun.err).toBe(0);
    const [root, ...more] = roots(c.channel);
    expect(more).toHaveLength(0);
    expect(uploads(c.channel, tsOf(root!))).toHaveLength(2);
    const db = openDb(c.db);
    expect(getJobRun(db, 'digest', new Date(NOW).toISOString())).toMatchObject({ status: 'ok' });
    db.close();
  });

  it.each(['claimed', 'root:stuck_deal', 'before-confirm'])('alerts killed at %s: each root once, each subject replied once, in the same thread', async (step) => {
    const c = fresh();
    const killed = await runCli(build, ['alerts', '--now', NOW], { ...c.env, DEALCAST_CRASH_AT: `alerts:${step}` }, dir);
    expect(killed.signal).toBe('SIGKILL');
    // The rerun is a later manual run: it takes over the killed run's thread.
    const rerun = await runCli(build, ['alerts', '--now', '2026-11-24T08:05:00Z'], c.env, dir);
    expect(rerun.code, rerun.err).toBe(0);
    const posted = roots(c.channel);
    const all = [...posted, ...replies(c.channel)].map(textOf);
    expect(new Set(all).size).toBe(all.length);
    const db = openDb(c.db);
    const open = listAlerts(db).filter((e) => e.state === 'open');
    expect(open.length).toBeGreaterThan(0);
    // One root per kind announced: the killed run's root was continued, not posted again.
    expect(posted).toHaveLength(new Set(open.map((e) => e.kind)).size);
    // Every open episode points at a root that was posted, and every described subject's reply is in its root's thread.
    const rootTs = new Set(posted.map(tsOf));
    for (const e of open) expect(rootTs.has(e.rootTs!)).toBe(true);
    for (const e of open.filter((x) => x.replyTs)) expect(replies(c.channel, e.rootTs!).map(tsOf)).toContain(e.replyTs);
    expect(new Set(open.map((e) => `${e.kind} ${e.subject}`)).size).toBe(open.length);
    db.close();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}
