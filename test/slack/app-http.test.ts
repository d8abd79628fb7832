/**
 * The Slack app over real HTTP on loopback: signing is enforced, commands are acked before any
 * work, /dealcast help|status|sync answer as they should, and secrets never reach the logs.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../fakes/slack.js';
import { startTestApp, type TestApp } from '../helpers/slack-app.js';
import { postSigned, sendCommand, sign, TEST_SIGNING_SECRET, commandBody } from '../helpers/slack-requests.js';
import { createDealcastApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { SlackApiError } from '../../src/delivery/slack.js';
import { tempDb } from '../helpers/db.js';

const NOW = new Date('2026-11-24T09:00:00Z');
let fake: FakeSlack;
let t: TestApp;
let releaseSlow: () => void = () => undefined;
let slowStarted: () => void = () => undefined;
const slowStartedP = new Promise<void>((r) => (slowStarted = r));

beforeAll(async () => {
  fake = await startFakeSlack();
  fake.addUser({ id: 'U0MARIA', name: 'maria', email: 'maria@acme.test' });
  fake.addUser({ id: 'U0BOSS', name: 'boss', email: 'boss@acme.test', isAdmin: true });
  t = await startTestApp(fake, {
    now: () => NOW,
    handlers: {
      // /funnel stands in as a handler that blocks until the test releases it: proves the ack
      // reaches Slack before the work ends.
      funnel: async (req, deps) => {
        slowStarted();
        await new Promise<void>((r) => (releaseSlow = r));
        await deps.slack.replyEphemeral({ channelId: req.channelId, userId: req.userId, responseUrl: req.responseUrl }, { text: 'slow done' });
      },
    },
  });
  await t.app.deps.sync.run({ now: new Date('2026-11-24T08:45:00Z') });
});
afterAll(async () => {
  await t?.stop();
  await fake?.stop();
});
beforeEach(() => fake.reset());

describe('request signing (Bolt HTTP receiver, signatureVerification on)', () => {
  it('refuses a forged signature with 401 and runs nothing', async () => {
    const r = await sendCommand(t.url, { command: '/dealcast', text: 'help', response_url: fake.responseUrl('forged') }, { signature: `v0=${'0'.repeat(64)}` });
    expect(r.status).toBe(401);
    const r2 = await sendCommand(t.url, { command: '/dealcast', text: 'help', response_url: fake.responseUrl('forged') }, { secret: 'not-the-secret' });
    expect(r2.status).toBe(401);
    expect(fake.responses('forged')).toHaveLength(0);
  });

  it('refuses a request without signature headers', async () => {
    const r = await sendCommand(t.url, { command: '/dealcast', text: 'help', response_url: fake.responseUrl('nosig') }, { signature: null });
    expect(r.status).toBe(401);
    expect(fake.responses('nosig')).toHaveLength(0);
  });

  it('refuses a correctly signed request older than 5 minutes (replay)', async () => {
    const stale = Math.floor(Date.now() / 1000) - 5 * 60 - 30;
    const r = await sendCommand(t.url, { command: '/dealcast', text: 'help', response_url: fake.responseUrl('stale') }, { timestamp: stale });
    expect(r.status).toBe(401);
    expect(fake.responses('stale')).toHaveLength(0);
  });

  it('refuses a correctly signed request dated more than 5 minutes in the future, and accepts one within the window', async () => {
    const future = Math.floor(Date.now() / 1000) + 5 * 60 + 30;
    const r = await sendCommand(t.url, { command: '/dealcast', text: 'help', response_url: fake.responseUrl('future') }, { timestamp: future });
    expect(r.status).toBe(401);
    expect(fake.responses('future')).toHaveLength(0);
    expect(t.logs.some((l) => /refused a request timestamped \d+ s in the future/.test(l))).toBe(true);
    const skewed = Math.floor(Date.now() / 1000) + 2 * 60;
    const ok = await sendCommand(t.url, { command: '/dealcast', text: 'help', response_url: fake.responseUrl('skewed') }, { timestamp: skewed });
    expect(ok.status).toBe(200);
    await fake.waitForCalls('response_url', 1, (c) => c.path === 'skewed');
  });

  it('refuses a body altered after signing', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const signed = commandBody({ command: '/dealcast', text: 'help', response_url: fake.responseUrl('tamper') });
    const res = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(TEST_SIGNING_SECRET, ts, signed) },
      body: signed.replace('help', 'sync'),
    });
    expect(res.status).toBe(401);
  });
});

describe('exactly once', () => {
  it("acks Slack's retries (X-Slack-Retry-Num) and an exact replay of a signed request without running the command again", async () => {
    const body = commandBody({ command: '/dealcast', text: 'help', response_url: fake.responseUrl('once') });
    const ts = Math.floor(Date.now() / 1000);
    const first = await postSigned(t.url, body, { timestamp: ts });
    expect(first.status).toBe(200);
    await fake.waitForCalls('response_url', 1, (c) => c.path === 'once');
    const retry1 = await postSigned(t.url, body, { timestamp: ts + 3, headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    const retry2 = await postSigned(t.url, body, { timestamp: ts + 9, headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' } });
    const replay = await postSigned(t.url, body, { timestamp: ts });
    expect([retry1.status, retry2.status, replay.status]).toEqual([200, 200, 200]);
    // A later, different command proves the earlier ones had their chance to run.
    await sendCommand(t.url, { command: '/dealcast', text: 'help', response_url: fake.responseUrl('once-after') });
    await fake.waitForCalls('response_url', 1, (c) => c.path === 'once-after');
    expect(fake.responses('once')).toHaveLength(1);
    expect(t.logs.filter((l) => l.includes('skipped a repeated delivery of /dealcast by U0MARIA'))).toHaveLength(3);
    expect(t.logs.some((l) => l.includes("(Slack's retry 2)"))).toBe(true);
  });
});

describe('ack first', () => {
  it('answers Slack with an empty 200 while the handler is still working', async () => {
    const responseUrl = fake.responseUrl('slow');
    const r = await sendCommand(t.url, { command: '/funnel', response_url: responseUrl });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    await slowStartedP;
    expect(fake.responses('slow')).toHaveLength(0); // the work has not finished, yet Slack has its ack
    releaseSlow();
    await fake.waitForCalls('response_url', 1, (c) => c.path === 'slow');
    expect(fake.responses('slow')[0]!.text).toBe('slow done');
  });
});

describe('/dealcast', () => {
  it('help lists every command, ephemerally', async () => {
    const r = await sendCommand(t.url, { command: '/dealcast', text: 'help', response_url: fake.responseUrl('help') });
    expect(r.status).toBe(200);
    const [reply] = (await fake.waitForCalls('response_url', 1, (c) => c.path === 'help')).map((c) => c.params);
    expect(reply!.response_type).toBe('ephemeral');
    const text = JSON.stringify(reply!.blocks);
    for (const c of ['/pipeline', '/forecast', '/funnel', '/velocity', '/reps', '/deals', '/dealcast']) expect(text).toContain(c);
  });

  it('status: last sync, freshness in the team time zone, deal counts', async () => {
    await sendCommand(t.url, { command: '/dealcast', text: 'status', response_url: fake.responseUrl('status') });
    const [reply] = (await fake.waitForCalls('response_url', 1, (c) => c.path === 'status')).map((c) => c.params);
    expect(reply!.response_type).toBe('ephemeral');
    const text = JSON.stringify(reply!.blocks);
    expect(text).toContain('Last sync full');
    expect(text).toContain('Data as of 24 Nov 2026, 08:45 UTC (15 min ago)');
    expect(text).toMatch(/\d+ open · \d+ won · \d+ lost/);
    expect(text).toContain('none need review');
  });

  it('status lists stages needing review', async () => {
    t.db.prepare(`UPDATE stage_map SET needs_review = 1 WHERE stage_id = (SELECT stage_id FROM stage_map LIMIT 1)`).run();
    try {
      await sendCommand(t.url, { command: '/dealcast', text: 'status', response_url: fake.responseUrl('review') });
      const [reply] = (await fake.waitForCalls('response_url', 1, (c) => c.path === 'review')).map((c) => c.params);
      expect(JSON.stringify(reply!.blocks)).toContain('1 stage needs review');
    } finally {
      t.db.prepare('UPDATE stage_map SET needs_review = 0').run();
    }
  });

  it('an unknown subcommand answers with usage and what was wrong', async () => {
    await sendCommand(t.url, { command: '/dealcast', text: 'frobnicate', response_url: fake.responseUrl('bad') });
    const [reply] = (await fake.waitForCalls('response_url', 1, (c) => c.path === 'bad')).map((c) => c.params);
    expect(reply!.response_type).toBe('ephemeral');
    expect(String(reply!.text)).toContain('Unknown argument `frobnicate`');
    expect(String(reply!.text)).toContain('/dealcast help | status | sync');
  });

  it('sync: refused for a non-admin (checked with users.info)', async () => {
    await sendCommand(t.url, { command: '/dealcast', text: 'sync', user_id: 'U0MARIA', response_url: fake.responseUrl('sync-no') });
    const [reply] = (await fake.waitForCalls('response_url', 1, (c) => c.path === 'sync-no')).map((c) => c.params);
    expect(String(reply!.text)).toContain('Only dealcast admins');
    expect(fake.calls('users.info')[0]!.params.user).toBe('U0MARIA');
  });

  it('sync: runs for a workspace admin and for DEALCAST_ADMINS, and says how it went', async () => {
    const runsBefore = t.db.prepare('SELECT COUNT(*) FROM sync_runs').pluck().get() as number;
    await sendCommand(t.url, { command: '/dealcast', text: 'sync', user_id: 'U0BOSS', response_url: fake.responseUrl('sync-boss') });
    const replies = (await fake.waitForCalls('response_url', 2, (c) => c.path === 'sync-boss')).map((c) => String(c.params.text));
    expect(replies[0]).toContain('Syncing demo now');
    expect(replies[1]).toMatch(/sync done: \d+ pipelines/);
    await sendCommand(t.url, { command: '/dealcast', text: 'sync', user_id: 'U0ADMIN', response_url: fake.responseUrl('sync-env') });
    await fake.waitForCalls('response_url', 2, (c) => c.path === 'sync-env');
    expect(fake.calls('users.info').map((c) => c.params.user)).toEqual(['U0BOSS']); // DEALCAST_ADMINS needs no lookup
    expect(t.db.prepare('SELECT COUNT(*) FROM sync_runs').pluck().get()).toBe(runsBefore + 2);
  });
});

describe('secrets', () => {
  it('never logs the bot token or the signing secret', () => {
    const all = t.logs.join('\n');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(fake.token);
    expect(all).not.toContain(TEST_SIGNING_SECRET);
  });

  it('a revoked token fails start-up with what to do', async () => {
    const { db, path, cleanup } = tempDb();
    try {
      const config = loadConfig({
        envFile: null,
        env: { SLACK_BOT_TOKEN: 'xoxb-revoked-0000', SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET, SLACK_API_URL: fake.apiUrl, DEALCAST_DB: path },
      });
      const logs: string[] = [];
      const app = createDealcastApp({ config, db, log: (l) => logs.push(l), host: '127.0.0.1', port: 0, retry: { retries: 0 } });
      const err = await app.start().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SlackApiError);
      expect((err as SlackApiError).slackError).toBe('invalid_auth');
      expect((err as SlackApiError).hint).toContain('SLACK_BOT_TOKEN');
      expect(logs.join('\n')).not.toContain('xoxb-revoked-0000');
    } finally {
      cleanup();
    }
  });
});
