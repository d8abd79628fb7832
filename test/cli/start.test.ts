/**
 * `dealcast start`: HTTP mode on loopback answers signed commands and runs the first sync of a
 * new database; Socket Mode asks SLACK_API_URL for its connection with the app-level token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/start.js';
import { run as runStatus } from '../../src/cli/status.js';
import { startFakeSocketMode } from '../fakes/socket-mode.js';
import { createDealcastApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type FakeSlack, startFakeSlack } from '../fakes/slack.js';
import { tempDb } from '../helpers/db.js';
import { sendCommand, TEST_SIGNING_SECRET } from '../helpers/slack-requests.js';

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.stop();
});

/** Collects output lines; `line(re)` resolves when one matches. */
function capture() {
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const push = (s: string) => {
    lines.push(s);
    for (const w of [...waiters]) if (w.re.test(s)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(s));
  };
  return {
    lines,
    push,
    line: (re: RegExp) => new Promise<string>((resolve) => (lines.some((l) => re.test(l)) ? resolve(lines.find((l) => re.test(l))!) : waiters.push({ re, resolve }))),
  };
}

describe('dealcast start', () => {
  it('HTTP mode: runs the first sync, answers commands, stops cleanly', async () => {
    const store = tempDb();
    store.db.close(); // start opens its own handle on the file
    const out = capture();
    let stop: () => void = () => undefined;
    let port = 0;
    const started = new Promise<void>((resolve) => {
      void run(
        [],
        {
          stdout: out.push,
          stderr: out.push,
          // A schedule that fires only at 00:00 on 1 January: with the default */15 the scheduled sync
          // raced the start-up sync whenever the test ran on a quarter hour.
          env: { CRM: 'demo', DEMO_DEALS: '200', DEALCAST_DB: store.path, SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET, SLACK_API_URL: fake.apiUrl, SYNC_CRON: '0 0 1 1 *' },
        },
        { host: '127.0.0.1', port: 0, stopWhen: new Promise<void>((r) => (stop = r)), onStarted: (i) => ((port = i.port!), resolve()) },
      ).then((code) => out.push(`exit ${code}`));
    });
    await started;
    expect(await out.line(/dealcast is running in HTTP mode on port \d+ \(endpoint \/slack\/events\) for Fake Team/)).toBeTruthy();
    await out.line(/sync: full sync of .* done/);
    const r = await sendCommand(`http://127.0.0.1:${port}`, { command: '/dealcast', text: 'status', response_url: fake.responseUrl('start-status') });
    expect(r.status).toBe(200);
    const [reply] = await fake.waitForCalls('response_url', 1, (c) => c.path === 'start-status');
    expect(JSON.stringify(reply!.params.blocks)).toContain('Last sync full');
    stop();
    await out.line(/^exit 0$/);
    expect(out.lines.join('\n')).not.toContain(fake.token);
    store.cleanup();
  });

  it('Socket Mode when SLACK_APP_TOKEN is set: no signing secret needed, connection requested from SLACK_API_URL', async () => {
    const store = tempDb();
    try {
      const config = loadConfig({
        envFile: null,
        env: { SLACK_BOT_TOKEN: fake.token, SLACK_APP_TOKEN: 'xapp-1-A0-fake-app-token', SLACK_API_URL: fake.apiUrl, DEALCAST_DB: store.path },
      });
      const logs: string[] = [];
      const app = createDealcastApp({ config, db: store.db, log: (l) => logs.push(l), retry: { retries: 0 } });
      expect(app.mode).toBe('socket');
      fake.reset();
      const started = app.start().catch((e: unknown) => e);
      const [open] = await fake.waitForCalls('apps.connections.open');
      expect(open!.authorization).toBe('Bearer xapp-1-A0-fake-app-token');
      // No Socket Mode server here: it keeps trying until stopped.
      await app.stop().catch(() => undefined);
      await started;
      expect(logs.join('\n')).not.toContain('xapp-1-A0-fake-app-token');
    } finally {
      store.cleanup();
    }
  });

  it('Socket Mode: shows its connection in dealcast status, stops cleanly on SIGTERM (exit 0), and exits 1 when Slack stays unreachable', async () => {
    const sock = await startFakeSocketMode();
    fake.socketModeUrl = sock.nextUrl;
    const store = tempDb();
    store.db.close();
    const env = { CRM: 'demo', DEMO_DEALS: '100', DEALCAST_DB: store.path, SLACK_BOT_TOKEN: fake.token, SLACK_APP_TOKEN: fake.appToken, SLACK_API_URL: fake.apiUrl, SYNC_CRON: '0 0 1 1 *', SOCKET_MODE_MAX_DOWN_SECONDS: '1' };
    const socket = { reconnect: { minMs: 5, maxMs: 40 }, pingIntervalMs: 0 };
    try {
      const out = capture();
      let started: () => void = () => undefined;
      const up = new Promise<void>((r) => (started = r));
      const exit = run([], { stdout: out.push, stderr: out.push, env }, { socket, onStarted: () => started() });
      await up;
      await out.line(/dealcast is running in Socket Mode for Fake Team/);
      const status: string[] = [];
      expect(await runStatus([], { stdout: (s) => status.push(s), stderr: (s) => status.push(s), env })).toBe(0);
      expect(status.join('\n')).toMatch(/Slack: Socket Mode connected since .* 0 reconnects, 0 refreshes/);
      // What a supervisor sends: the signal handler stops the app and the exit code is 0.
      process.emit('SIGTERM');
      expect(await exit).toBe(0);
      await sock.waitFor(() => sock.open().length === 0, 'the app closing its connection');

      // Slack unreachable: apps.connections.open keeps failing; after SOCKET_MODE_MAX_DOWN_SECONDS the exit code is 1.
      fake.failNext('apps.connections.open', { status: 503 }, 100_000);
      const out2 = capture();
      const code = await run([], { stdout: out2.push, stderr: out2.push, env }, { socket, stopWhen: new Promise(() => undefined) });
      expect(code).toBe(1);
      expect(out2.lines.join('\n')).toMatch(/could not connect to Slack: .*503.*exiting with code 1/);
    } finally {
      fake.reset();
      fake.socketModeUrl = null;
      await sock.stop();
      store.cleanup();
    }
  });
});
