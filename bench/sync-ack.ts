/**
 * Slash commands stay answered while the app syncs: an in-app sync of 100k demo deals into an
 * empty database (pages upserted, then the report tables rebuilt — in a worker thread), while a
 * sender thread posts a signed `/dealcast help` every 100 ms and times Slack's acknowledgement.
 * Target: the slowest acknowledgement during the sync < 1 s (Slack gives 3 s).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createDealcastApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createSyncJob } from '../src/jobs/sync.js';
import { openDb } from '../store/db.js';
import { FakeSlack } from '../test/fakes/slack.js';
import { commandBody, TEST_SIGNING_SECRET } from '../test/helpers/slack-requests.js';
import { fmtLoop, fmtMs, percentile, watchEventLoop } from './stats.js';

const DEALS = Number(process.env.BENCH_SYNC_ACK_DEALS ?? 100_000);
const EVERY_MS = 100;
const TARGET_MAX_MS = 1000;

const SENDER = `
const { parentPort } = require('node:worker_threads');
const { createHmac } = require('node:crypto');
parentPort.on('message', async ({ id, url, body, secret }) => {
  const ts = Math.floor(Date.now() / 1000);
  const sig = 'v0=' + createHmac('sha256', secret).update('v0:' + ts + ':' + body).digest('hex');
  const t = performance.now();
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig }, body });
    await res.text();
    parentPort.postMessage({ id, status: res.status, ackMs: performance.now() - t });
  } catch (err) {
    parentPort.postMessage({ id, status: 0, ackMs: NaN, error: String(err) });
  }
});`;

export async function benchSyncAck(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dealcast-bench-sync-ack-'));
  const fake = await new FakeSlack().start();
  const now = new Date('2026-11-24T09:00:00Z');
  const dbPath = join(dir, 'bench.db');
  const db = openDb(dbPath);
  const config = loadConfig({
    envFile: null,
    env: { CRM: 'demo', DEMO_DEALS: String(DEALS), DEALCAST_DB: dbPath, SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET, SLACK_API_URL: fake.apiUrl },
  });
  const t0 = performance.now();
  // Sync log lines with their time, to place the event loop's stalls in the sync's phases.
  const phases: string[] = [];
  const syncJob = createSyncJob({ db, config, log: (line) => phases.push(`+${((performance.now() - t0) / 1000).toFixed(1)} s ${line}`) });
  const app = createDealcastApp({ config, db, log: () => undefined, now: () => now, syncJob, host: '127.0.0.1', port: 0, retry: { retries: 0 } });
  const senders: Worker[] = [];
  try {
    const { port } = await app.start();
    const url = `http://127.0.0.1:${port}/slack/events`;
    const acks: number[] = [];
    // When each slow ack's request was sent (s after the sync began), to place it in a phase.
    const slow: string[] = [];
    const sentAt = new Map<number, number>();
    let failed = 0;
    let seq = 0;
    let syncing = true;
    // One sender thread, requests overlapping: a slow answer does not delay the next request.
    const sender = new Worker(SENDER, { eval: true });
    senders.push(sender);
    // One request first, not counted: the sender's fetch and the app's code paths are warm, so
    // the first figures are the app's acks, not the sender starting up.
    await new Promise<void>((resolve) => {
      sender.once('message', () => resolve());
      sender.postMessage({ id: 0, url, body: commandBody({ command: '/dealcast', text: 'help', channel_id: 'CWARM', response_url: fake.responseUrl('warm') }), secret: TEST_SIGNING_SECRET });
    });
    const loop = watchEventLoop();
    const sync = syncJob.run({ full: true, now }).finally(() => (syncing = false));
    const pending = new Map<number, () => void>();
    sender.on('message', (r: { id: number; status: number; ackMs: number }) => {
      if (r.status === 200) acks.push(r.ackMs);
      else failed++;
      if (!(r.ackMs < TARGET_MAX_MS / 2)) slow.push(`${fmtMs(r.ackMs)} sent at +${(((sentAt.get(r.id) ?? 0) - t0) / 1000).toFixed(1)} s`);
      pending.get(r.id)?.();
      pending.delete(r.id);
    });
    const inFlight: Promise<void>[] = [];
    while (syncing) {
      const id = ++seq;
      const body = commandBody({ command: '/dealcast', text: 'help', channel_id: `CACK${id}`, response_url: fake.responseUrl(`ack${id}`) });
      inFlight.push(new Promise<void>((resolve) => pending.set(id, resolve)));
      sentAt.set(id, performance.now());
      sender.postMessage({ id, url, body, secret: TEST_SIGNING_SECRET });
      await new Promise((r) => setTimeout(r, EVERY_MS));
    }
    const result = await sync;
    await Promise.all(inFlight);
    const lw = loop.stop();
    const secs = (performance.now() - t0) / 1000;
    acks.sort((a, b) => a - b);
    const max = acks[acks.length - 1] ?? NaN;
    console.log(`  in-app full sync of ${DEALS.toLocaleString('en-US')} demo deals (report tables rebuilt in a worker: ${result.derived?.mode ?? 'failed'}) took ${secs.toFixed(1)} s`);
    console.log(
      `  ${acks.length} slash commands acknowledged during it${failed ? ` (${failed} failed)` : ''}: p50 ${fmtMs(percentile(acks, 50))}  p99 ${fmtMs(percentile(acks, 99))}  max ${fmtMs(max)}  target max < ${fmtMs(TARGET_MAX_MS)}  ${max < TARGET_MAX_MS && !failed ? 'OK' : 'MISSED'}`,
    );
    console.log(`  ${fmtLoop(lw)}`);
    if (slow.length) console.log(`  acks over ${fmtMs(TARGET_MAX_MS / 2)}: ${slow.join(', ')}`);
    if (process.env.BENCH_VERBOSE) for (const p of phases) console.log(`    ${p}`);
  } finally {
    await Promise.all(senders.map((s) => s.terminate()));
    await app.stop();
    db.close();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
