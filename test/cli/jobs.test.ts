import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/db.js';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { runSync } from '../../src/sync/engine.js';
import { main } from '../../src/cli.js';
import { runAlerts } from '../../src/cli/alerts.js';
import { loadConfig } from '../../src/config.js';
import { openDb } from '../../store/db.js';
import { listAlerts } from '../../store/alert-log.js';
import { recentJobRuns } from '../../store/job-runs.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.js';

const NOW = '2026-11-24T08:00:00Z';
let t: ReturnType<typeof tempDb>;
let fake: FakeSlack;

beforeAll(async () => {
  t = tempDb();
  await runSync(t.db, createDemoConnector({ deals: 400, now: new Date(NOW) }), { now: new Date(NOW) });
  t.db.close();
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.stop();
  t.cleanup();
});

async function cli(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s), env: { CRM: 'demo', DEALCAST_DB: t.path, ...env } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The JSON objects printed one after another. */
function payloads(out: string): Record<string, unknown>[] {
  const objs: Record<string, unknown>[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  for (let i = 0; i < out.length; i++) {
    const ch = out[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' && depth++ === 0) start = i;
    else if (ch === '}' && --depth === 0) objs.push(JSON.parse(out.slice(start, i + 1)) as Record<string, unknown>);
  }
  return objs;
}

describe('dealcast digest', () => {
  it('--dry-run prints the Block Kit message and posts nothing', async () => {
    const r = await cli(['digest', '--dry-run', '--now', NOW, '--out', `${t.dir}/out`]);
    expect(r.code).toBe(0);
    const [msg] = payloads(r.out);
    expect(msg).toMatchObject({ method: 'chat.postMessage', channel: '#digest (DIGEST_CHANNEL is not set)' });
    expect(JSON.stringify(msg!.blocks)).toContain('Pipeline digest · Tue 24 Nov');
    expect(r.err).toContain('Dry run: nothing was posted.');
    expect(r.err).not.toContain('digest: posted');
  });

  it('posts through Slack and records the run in the ledger', async () => {
    const r = await cli(['digest', '--now', NOW], { SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.apiUrl, DIGEST_CHANNEL: 'CDIGEST' });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Digest posted to CDIGEST \(ts \d+\.\d+/);
    expect(fake.calls('chat.postMessage').filter((c) => c.params.channel === 'CDIGEST' && !c.params.thread_ts)).toHaveLength(1);
    const db = openDb(t.path);
    // The run belongs to the DIGEST_CRON slot due (08:00 on weekdays), as the scheduler's would.
    expect(recentJobRuns(db, 'digest')[0]).toMatchObject({ slot: new Date(NOW).toISOString(), status: 'ok' });
    db.close();
    const env = { SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.apiUrl, DIGEST_CHANNEL: 'CDIGEST' };
    const again = await cli(['digest', '--now', '2026-11-24T09:30:00Z'], env);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^The digest for 2026-11-24T08:00:00.000Z was already posted to CDIGEST \(ts \d+\.\d+\); nothing more was posted/);
    expect(fake.calls('chat.postMessage').filter((c) => c.params.channel === 'CDIGEST' && !c.params.thread_ts)).toHaveLength(1);
    const forced = await cli(['digest', '--now', '2026-11-24T09:30:00Z', '--again'], env);
    expect(forced.out).toMatch(/^Digest posted to CDIGEST/);
    expect(fake.calls('chat.postMessage').filter((c) => c.params.channel === 'CDIGEST' && !c.params.thread_ts)).toHaveLength(2);
  });

  it('says what to set when there is no Slack token', async () => {
    const r = await cli(['digest', '--now', NOW], { DIGEST_CHANNEL: 'CDIGEST' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('SLACK_BOT_TOKEN is required to post to Slack');
  });
});

describe('dealcast alerts', () => {
  it('--dry-run prints the alerts and leaves the alert log untouched', async () => {
    const r = await cli(['alerts', '--dry-run', '--now', NOW]);
    expect(r.code).toBe(0);
    const p = payloads(r.out);
    expect(p.length).toBeGreaterThan(1);
    expect(p[0]).toMatchObject({ method: 'chat.postMessage', channel: '#alerts (ALERT_CHANNEL is not set)' });
    expect(r.err).toMatch(/stuck deal: \d+ active, \d+ announced/);
    const db = openDb(t.path);
    expect(listAlerts(db)).toEqual([]);
    db.close();
  });

  it('posts once, paced one second apart per channel; a second run finds nothing new', async () => {
    const config = loadConfig({ envFile: null, env: { CRM: 'demo', DEALCAST_DB: t.path, SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.apiUrl, ALERT_CHANNEL: 'CALERTS' } });
    const out: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: () => undefined };
    let clock = 0;
    const queue = { clock: { now: () => clock, sleep: async (ms: number) => void (clock += ms) } };
    const db = openDb(t.path);
    expect(await runAlerts({ io, db, config, now: new Date(NOW), dryRun: false, queue })).toBe(0);
    const posted = fake.calls('chat.postMessage').filter((c) => c.params.channel === 'CALERTS').length;
    expect(posted).toBeGreaterThan(1);
    expect(clock).toBeGreaterThanOrEqual((posted - 1) * 1000);
    expect(await runAlerts({ io, db, config, now: new Date('2026-11-24T08:15:00Z'), dryRun: false, queue })).toBe(0);
    db.close();
    expect(out.at(-1)).toMatch(/stuck deal: \d+ active, 0 announced, 0 resolved, \d+ already alerted/);
    expect(fake.calls('chat.postMessage').filter((c) => c.params.channel === 'CALERTS')).toHaveLength(posted);
  });
});
