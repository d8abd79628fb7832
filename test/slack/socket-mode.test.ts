/**
 * Socket Mode against a fake that speaks Slack's protocol (test/fakes/socket-mode.ts): the app
 * connects with the app-level token, acks every envelope, never runs a re-delivered command
 * twice, opens the new connection before closing the old on `disconnect`, reconnects by itself
 * after an apps.connections.open outage longer than any fixed retry budget, and gives up (so
 * the process can exit non-zero) when no connection can be made for its configured time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDealcastApp, type DealcastApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { SocketHealth } from '../../src/delivery/socket-mode.js';
import type { CommandRequest } from '../../commands/command-context.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.js';
import { startFakeSocketMode, type FakeSocketMode } from '../fakes/socket-mode.js';
import { tempDb } from '../helpers/db.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

interface World {
  fake: FakeSlack;
  sock: FakeSocketMode;
  app: DealcastApp;
  runs: CommandRequest[];
  logs: string[];
  downs: SocketHealth[];
}

async function world(env: Record<string, string> = {}): Promise<World> {
  const fake = await startFakeSlack();
  cleanups.push(() => fake.stop());
  const sock = await startFakeSocketMode();
  cleanups.push(() => sock.stop());
  fake.socketModeUrl = sock.nextUrl;
  const store = tempDb();
  cleanups.push(store.cleanup);
  const config = loadConfig({
    envFile: null,
    env: { CRM: 'demo', DEALCAST_DB: store.path, SLACK_BOT_TOKEN: fake.token, SLACK_APP_TOKEN: fake.appToken, SLACK_API_URL: fake.apiUrl, ...env },
  });
  const runs: CommandRequest[] = [];
  const logs: string[] = [];
  const downs: SocketHealth[] = [];
  const app = createDealcastApp({
    config,
    db: store.db,
    log: (l) => logs.push(l),
    retry: { retries: 0 },
    postIntervalMs: 0,
    handlers: { pipeline: async (req) => void runs.push(req) },
    socket: { reconnect: { minMs: 5, maxMs: 40 }, pingIntervalMs: 0, helloTimeoutMs: 5000 },
    onSocketDown: (h) => downs.push(h),
  });
  cleanups.push(() => app.stop());
  return { fake, sock, app, runs, logs, downs };
}

/** Resolves once `test` holds, checking every few ms; fails after `timeoutMs`. */
async function until(test: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let seq = 0;
const command = (over: Record<string, unknown> = {}) => ({
  token: 'deprecated',
  team_id: 'T0FAKE',
  channel_id: 'C0SALES',
  user_id: 'U0MARIA',
  command: '/pipeline',
  text: '',
  response_url: 'http://127.0.0.1:1/response/x',
  trigger_id: `trig-${++seq}`,
  ...over,
});

describe('Socket Mode', () => {
  it('connects with the app-level token and acks a command at once, then runs it', async () => {
    const w = await world();
    await w.app.start();
    const [open] = w.fake.calls('apps.connections.open');
    expect(open!.authorization).toBe(`Bearer ${w.fake.appToken}`);
    expect(w.app.socket!.health.state).toBe('connected');
    const id = w.sock.send('slash_commands', command());
    const ack = await w.sock.waitForAck(id);
    expect(ack.afterMs).toBeLessThan(3000);
    await until(() => w.runs.length === 1, 'the command run');
    expect(w.runs[0]!.command).toBe('/pipeline');
    expect(w.sock.strays).toEqual([]);
  });

  it('never runs a re-delivered envelope twice (retry_attempt > 0), and acks it so Slack stops', async () => {
    const w = await world();
    await w.app.start();
    const payload = command();
    const first = w.sock.send('slash_commands', payload);
    await w.sock.waitForAck(first);
    // Slack did not see the ack in time and delivers the same payload again, twice.
    const again = w.sock.send('slash_commands', payload, { retryAttempt: 1, retryReason: 'timeout' });
    const third = w.sock.send('slash_commands', payload, { retryAttempt: 2, retryReason: 'timeout' });
    await w.sock.waitForAck(again);
    await w.sock.waitForAck(third);
    // A different command still runs.
    const other = w.sock.send('slash_commands', command({ text: 'owner:me' }));
    await w.sock.waitForAck(other);
    await until(() => w.runs.length === 2, 'two runs');
    expect(w.runs.map((r) => r.text)).toEqual(['', 'owner:me']);
    expect(w.app.dedupe.duplicates).toBe(2);
    expect(w.logs.some((l) => l.includes("skipped a repeated delivery of /pipeline by U0MARIA (Slack's retry 2)"))).toBe(true);
  });

  for (const reason of ['refresh_requested', 'warning'] as const) {
    it(`on disconnect (${reason}) opens the new connection before closing the old one; nothing is lost meanwhile`, async () => {
      const w = await world();
      await w.app.start();
      const old = w.sock.disconnect(reason);
      // An envelope sent on the old connection right after the disconnect message is still acked.
      const during = w.sock.send('slash_commands', command({ text: 'during' }), { on: old });
      await w.sock.waitForConnections(2);
      // When the new connection was made, the old one was still open: no gap.
      expect(w.sock.openAtConnect).toEqual([0, 1]);
      await w.sock.waitFor(() => old.readyState === old.CLOSED, 'the old connection closed by the app');
      expect((await w.sock.waitForAck(during)).connection).toBe(1);
      const after = w.sock.send('slash_commands', command({ text: 'after' }));
      expect((await w.sock.waitForAck(after)).connection).toBe(2);
      await until(() => w.runs.length === 2, 'both runs');
      expect(w.app.socket!.health).toMatchObject({ state: 'connected', refreshes: 1, reconnects: 1 });
      expect(w.fake.calls('apps.connections.open')).toHaveLength(2);
    });
  }

  it('reconnects by itself after the connection drops and apps.connections.open fails 12 times (503s, dropped requests)', async () => {
    const w = await world();
    await w.app.start();
    w.fake.failNext('apps.connections.open', { status: 503, body: 'service unavailable' }, 8);
    w.fake.failNext('apps.connections.open', { error: 'internal_error' }, 4);
    w.sock.dropAll();
    await w.sock.waitForConnections(2);
    await until(() => w.app.socket!.health.state === 'connected' && w.app.socket!.health.reconnects === 1, 'connected again');
    const opens = w.fake.calls('apps.connections.open');
    expect(opens.filter((c) => c.status !== 200 || (c.answer as { ok: boolean }).ok === false)).toHaveLength(12);
    const h = w.app.socket!.health;
    expect(h.reconnects).toBe(1);
    expect(h.lastOutageMs).not.toBeNull();
    expect(w.downs).toEqual([]);
    const id = w.sock.send('slash_commands', command({ text: 'back' }));
    await w.sock.waitForAck(id);
    await until(() => w.runs.some((r) => r.text === 'back'), 'the command after the outage');
  });

  it('reports itself down (for a non-zero exit) when no connection can be made for SOCKET_MODE_MAX_DOWN_SECONDS', async () => {
    const w = await world({ SOCKET_MODE_MAX_DOWN_SECONDS: '1' });
    await w.app.start();
    w.fake.failNext('apps.connections.open', { status: 503 }, 100_000);
    w.sock.dropAll();
    await until(() => w.downs.length === 1, 'the down report');
    expect(w.downs[0]!.state).toBe('reconnecting');
    expect(w.downs[0]!.lastError).toMatch(/503/);
    expect(w.logs.some((l) => l.includes('giving up so a supervisor can restart dealcast'))).toBe(true);
  });
});
