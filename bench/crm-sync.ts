/**
 * A 20,000-deal sync from each fake CRM with its rate limit set to the published one
 * (HubSpot private app, Free/Starter: 100 requests per 10 s and 5 searches per second;
 * Pipedrive API token, lowest plan: 20 requests per 2 s; Attio: 100 reads per second). Prints requests per second achieved
 * ÷ allowed (target ≥ 0.9) and the 429s the fake sent (target 0).
 *
 * Time scale: the fake enforces the published limit with its real rolling window, but both
 * sides scale the window by the same factor (HubSpot ×0.25: 100 per 2.5 s; Pipedrive ×0.1: 20
 * per 200 ms) so the run takes minutes instead of half an hour; the request counts per window are
 * the published ones, and achieved ÷ allowed does not depend on the scale. The real-time
 * durations are printed beside the scaled ones. The fake runs in a worker thread, so its
 * arrival clock is not stalled by the client's SQLite writes, as a real CRM's would not be.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { openDb } from '../store/db.js';
import { loadConfig } from '../src/config.js';
import { createHubspotConnector, hubspotHttpOptions } from '../src/connectors/hubspot.js';
import { createPipedriveConnector, pipedriveHttpOptions } from '../src/connectors/pipedrive.js';
import { createCrmHttp, type CrmHttpOptions } from '../src/sync/http.js';
import { runSync } from '../src/sync/engine.js';
import { HUBSPOT_TOKEN } from '../test/fakes/hubspot.js';
import { PIPEDRIVE_TOKEN } from '../test/fakes/pipedrive.js';
import { attioHttpOptions, attioOptionsFromConfig, createAttioConnector } from '../src/connectors/attio.js';
import { ATTIO_TOKEN } from '../test/fakes/attio.js';

const fmt = new Intl.NumberFormat('en-US');
const NOW = new Date('2026-11-24T09:00:00Z');
const DEALS = 20_000;

interface Plan {
  crm: 'hubspot' | 'pipedrive' | 'attio';
  scale: number;
  env: (url: string) => Record<string, string>;
  options: (env: Record<string, string>) => CrmHttpOptions;
  connector: () => ReturnType<typeof createHubspotConnector>;
}

const PLANS: Plan[] = [
  {
    crm: 'hubspot',
    scale: 0.25,
    env: (url) => ({ CRM: 'hubspot', HUBSPOT_TOKEN, HUBSPOT_BASE_URL: url }),
    options: (env) => hubspotHttpOptions(loadConfig({ env, envFile: null })),
    connector: createHubspotConnector,
  },
  {
    crm: 'pipedrive',
    scale: 0.1,
    env: (url) => ({ CRM: 'pipedrive', PIPEDRIVE_API_TOKEN: PIPEDRIVE_TOKEN, PIPEDRIVE_BASE_URL: url }),
    options: (env) => pipedriveHttpOptions(loadConfig({ env, envFile: null })),
    connector: createPipedriveConnector,
  },
  {
    // Attio: 100 reads per second; a first sync reads every deal's stage history (one request
    // per deal), so the request rate sets its duration (≈ 3.5 min for 20,000 deals). Run at the
    // real window: its 40 + 40 pages of 500 records take the same seconds at any scale, so a
    // shrunk window would understate achieved ÷ allowed (×0.25 gave 0.84–0.87, ×1 gives 0.96).
    crm: 'attio',
    scale: 1,
    env: (url) => ({ CRM: 'attio', ATTIO_API_KEY: ATTIO_TOKEN, ATTIO_BASE_URL: url }),
    options: (env) => attioHttpOptions(loadConfig({ env, envFile: null })),
    connector: () => createAttioConnector(attioOptionsFromConfig(loadConfig({ env: { CRM: 'attio', ATTIO_API_KEY: ATTIO_TOKEN }, envFile: null }))),
  },
];

function ask<T>(worker: Worker, msg: unknown, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type === reply) {
        worker.off('message', on);
        resolve(m as T);
      }
    };
    worker.on('message', on);
    worker.postMessage(msg);
  });
}

async function benchOne(plan: Plan, dir: string): Promise<void> {
  const worker = new Worker(new URL('./crm-fake-worker.js', import.meta.url), { workerData: { crm: plan.crm, deals: DEALS, now: NOW.toISOString(), scale: plan.scale } });
  const ready = await new Promise<{ url: string; deals: number; activities: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const base = plan.options(plan.env(ready.url));
  // Scale our windows exactly as the fake's.
  const rateLimits = Object.fromEntries(Object.entries(base.rateLimits).map(([k, v]) => [k, { requests: v.requests, perMs: v.perMs * plan.scale }])) as CrmHttpOptions['rateLimits'];
  const throttle = Object.fromEntries(Object.entries(base.throttle).map(([k, v]) => [k, { ...v, fallbackMs: v.fallbackMs * plan.scale }])) as CrmHttpOptions['throttle'];
  const http = createCrmHttp({ ...base, rateLimits, throttle });
  const db = openDb(join(dir, `${plan.crm}.db`));
  try {
    const defaultLimit = rateLimits.default;
    const allowedPerSec = defaultLimit.requests / (defaultLimit.perMs / 1000);
    const t0 = performance.now();
    const result = await runSync(db, plan.connector(), { now: NOW, full: true, http });
    const secs = (performance.now() - t0) / 1000;
    const stats = await ask<{ requests: number; throttled: number }>(worker, { type: 'stats' }, 'stats');
    const achieved = http.stats.requests / secs;
    const ratio = achieved / allowedPerSec;
    console.log(
      `${plan.crm}: full sync of ${fmt.format(result.counts.deals ?? 0)} deals, ${fmt.format(result.counts.stage_history ?? 0)} history rows, ${result.counts.activities === undefined ? 'no activities (the CRM offers none)' : `${fmt.format(result.counts.activities)} activities`}`,
    );
    console.log(
      `  ${fmt.format(http.stats.requests)} requests in ${secs.toFixed(1)} s at window ×${plan.scale} (≈ ${fmt.format(Math.round(secs / plan.scale))} s at the real window): ` +
        `${achieved.toFixed(1)} req/s of ${allowedPerSec.toFixed(1)} allowed = ${ratio.toFixed(3)}   target ≥ 0.9  ${ratio >= 0.9 ? 'OK' : 'MISSED'}`,
    );
    console.log(`  429s received: ${stats.throttled}   target 0  ${stats.throttled === 0 ? 'OK' : 'MISSED'}   (fake saw ${fmt.format(stats.requests)} requests)`);

    // An incremental sync after 2,000 deals changed (half moved stage, half edited).
    await ask(worker, { type: 'edit', n: 2000, at: new Date(NOW.getTime() + 3_600_000).toISOString() }, 'edited');
    const before = http.stats.requests;
    const t1 = performance.now();
    const inc = await runSync(db, plan.connector(), { now: new Date(NOW.getTime() + 2 * 3_600_000), http });
    const secs2 = (performance.now() - t1) / 1000;
    const stats2 = await ask<{ requests: number; throttled: number }>(worker, { type: 'stats' }, 'stats');
    console.log(
      `  incremental after 2,000 changed deals: ${fmt.format(inc.counts.deals ?? 0)} deals, ${fmt.format(inc.counts.stage_history ?? 0)} history rows, ` +
        `${fmt.format(http.stats.requests - before)} requests in ${secs2.toFixed(1)} s (≈ ${fmt.format(Math.round(secs2 / plan.scale))} s real); 429s ${stats2.throttled - stats.throttled}`,
    );
  } finally {
    db.close();
    await http.close();
    await ask(worker, { type: 'close' }, 'closed');
    await worker.terminate();
  }
}

/** Runs every CRM's plan, or only those named. */
export async function benchCrmSync(only?: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dealcast-crm-bench-'));
  try {
    for (const plan of PLANS) if (!only || only.includes(plan.crm)) await benchOne(plan, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
