/**
 * Slash command -> PNG uploaded to the (fake) Slack, end to end over loopback HTTP: the real
 * Bolt HTTP receiver with signed requests, computeReport on the demo CRM's data, the chart
 * rendered to PNG, uploaded with filesUploadV2 into the fake Slack Web API.
 * Targets: p95 < 500 ms at 100k deals, < 1.5 s at 1M; acknowledgement p99 < 100 ms.
 * Requests go one after another (each to its own channel, so Slack's per-channel pacing does
 * not add waits); the first request per size is reported separately (caches warming).
 * The requests are signed and sent from a worker thread, as Slack would from elsewhere: the
 * acknowledgement time is what the sender sees, not delayed by this process's own work.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildChart } from '../charts/index.js';
import { renderPng } from '../charts/render.js';
import { createDealcastApp } from '../src/app.js';
import { computeReport } from '../src/reports/compute.js';
import { loadConfig } from '../src/config.js';
import { createDemoConnector } from '../src/connectors/demo.js';
import { runSync } from '../src/sync/engine.js';
import { openDb } from '../store/db.js';
import { FakeSlack } from '../test/fakes/slack.js';
import { Worker } from 'node:worker_threads';
import { commandBody, TEST_SIGNING_SECRET } from '../test/helpers/slack-requests.js';
import { fmtMs, percentile } from './stats.js';

const REQUESTS = 50;
const COMMANDS = ['/pipeline', '/forecast', '/funnel', '/velocity', '/reps'] as const;
const TARGET_P95_MS: Record<number, number> = { 100000: 500, 1000000: 1500 };
const TARGET_ACK_P99_MS = 100;
const fmt = new Intl.NumberFormat('en-US');

/** The sender: signs and POSTs one form body per message, answers with the status and ack time. */
const SENDER = `
const { parentPort } = require('node:worker_threads');
const { createHmac } = require('node:crypto');
parentPort.on('message', async ({ url, body, secret }) => {
  const ts = Math.floor(Date.now() / 1000);
  const sig = 'v0=' + createHmac('sha256', secret).update('v0:' + ts + ':' + body).digest('hex');
  const t = performance.now();
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig }, body });
    await res.text();
    parentPort.postMessage({ status: res.status, ackMs: performance.now() - t });
  } catch (err) {
    parentPort.postMessage({ status: 0, ackMs: NaN, error: String(err) });
  }
});`;

async function benchSize(deals: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dealcast-bench-slack-'));
  const fake = await new FakeSlack().start();
  const now = new Date('2026-11-24T09:00:00Z');
  const dbPath = join(dir, 'bench.db');
  const db = openDb(dbPath);
  try {
    const t0 = performance.now();
    await runSync(db, createDemoConnector({ now, deals }), { now });
    // runSync refreshes the report tables too, as the app's sync job does after every sync.
    console.log(`${fmt.format(deals)} demo deals synced (report tables included) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const config = loadConfig({
      envFile: null,
      env: { CRM: 'demo', DEALCAST_DB: dbPath, SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET, SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'warn' },
    });
    const app = createDealcastApp({ config, db, log: () => undefined, now: () => now, host: '127.0.0.1', port: 0, retry: { retries: 0 } });
    const { port } = await app.start();
    const url = `http://127.0.0.1:${port}`;

    const sender = new Worker(SENDER, { eval: true });
    const send = (body: string) =>
      new Promise<{ status: number; ackMs: number; error?: string }>((resolve) => {
        sender.once('message', resolve);
        sender.postMessage({ url: `${url}/slack/events`, body, secret: TEST_SIGNING_SECRET });
      });
    let seq = 0;
    const one = async (command: string): Promise<{ ack: number; total: number }> => {
      const channel = `CBENCH${++seq}`;
      const body = commandBody({ command, channel_id: channel, response_url: fake.responseUrl(`b${seq}`) });
      const start = performance.now();
      const done = fake.waitForCalls('files.completeUploadExternal', 1, (c) => c.params.channel_id === channel, 60_000);
      const r = await send(body);
      const ack = r.ackMs;
      if (r.status !== 200) throw new Error(`${command} answered HTTP ${r.status} ${r.error ?? ''}`);
      const calls = await done;
      const total = performance.now() - start;
      const upload = fake.calls('upload').at(-1);
      if (!calls.length || !upload?.bytes?.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) throw new Error('no PNG was uploaded');
      return { ack, total };
    };

    const first = await one('/pipeline');
    console.log(`  first request: ${fmtMs(first.total)}`);
    const acks: number[] = [];
    const totals: number[] = [];
    const byCommand = new Map<string, number[]>();
    for (let i = 0; i < REQUESTS; i++) {
      const cmd = COMMANDS[i % COMMANDS.length];
      const r = await one(cmd!);
      acks.push(r.ack);
      totals.push(r.total);
      byCommand.set(cmd!, [...(byCommand.get(cmd!) ?? []), r.total]);
    }
    acks.sort((a, b) => a - b);
    totals.sort((a, b) => a - b);
    const p95 = percentile(totals, 95);
    const ackP99 = percentile(acks, 99);
    const target = TARGET_P95_MS[deals];
    console.log(
      `  command -> PNG uploaded, ${REQUESTS} requests: p50 ${fmtMs(percentile(totals, 50))}  p95 ${fmtMs(p95)}  target < ${fmtMs(target!)}  ${p95 < target! ? 'OK' : 'MISSED'}`,
    );
    console.log(`  acknowledgement: p50 ${fmtMs(percentile(acks, 50))}  p99 ${fmtMs(ackP99)}  target < ${TARGET_ACK_P99_MS} ms  ${ackP99 < TARGET_ACK_P99_MS ? 'OK' : 'MISSED'}`);
    // Where the time goes: the report (SQLite + metrics) and the chart (spec + PNG), in-process.
    for (const [cmd, xs] of byCommand) {
      xs.sort((a, b) => a - b);
      const name = cmd.slice(1) as 'pipeline' | 'forecast' | 'funnel' | 'velocity' | 'reps';
      const compute: number[] = [];
      const render: number[] = [];
      for (let i = 0; i < 3; i++) {
        let t = performance.now();
        const report = computeReport(db, 'demo', name, { now });
        compute.push(performance.now() - t);
        t = performance.now();
        await renderPng(buildChart(name, report as never), { scale: 2 });
        render.push(performance.now() - t);
      }
      compute.sort((a, b) => a - b);
      render.sort((a, b) => a - b);
      console.log(
        `    ${cmd.padEnd(10)} p50 ${fmtMs(percentile(xs, 50))}  max ${fmtMs(xs[xs.length - 1]!)}   (report ${fmtMs(compute[1]!)}, chart ${fmtMs(render[1]!)})`,
      );
    }
    await sender.terminate();
    await app.stop();
  } finally {
    db.close();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchSlack(sizes: number[] = [100_000, 1_000_000]): Promise<void> {
  for (const n of sizes) await benchSize(n);
}
