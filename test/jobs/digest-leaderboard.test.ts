/**
 * The weekly leaderboard in the digest, in Asia/Tokyo: the digest at 08:00 JST on a Monday is
 * 23:00 UTC on the Sunday before, so a week counted in UTC would get the day wrong. Demo CRM ->
 * sync -> targets -> scheduler ticks -> a fake Slack Web API on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { runSync } from '../../src/sync/engine.js';
import { SlackDelivery } from '../../src/delivery/slack.js';
import { jobContext } from '../../src/jobs/context.js';
import { createScheduler } from '../../src/jobs/scheduler.js';
import { digestDetail, runDigestJob } from '../../src/jobs/digest.js';
import { runSnapshotJob } from '../../src/jobs/snapshot.js';
import { openDb } from '../../store/db.js';
import { listOwners } from '../../store/owners.js';
import { saveTargets } from '../../store/targets.js';
import { setSetting } from '../../store/settings.js';
import { startFakeSlack } from '../fakes/slack.js';
import { tempDb } from '../helpers/db.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

const DEALS = 300;

async function setup(leaderboardWeekday?: number) {
  const fake = await startFakeSlack();
  cleanups.push(() => fake.stop());
  const t = tempDb();
  cleanups.push(t.cleanup);
  const config = loadConfig({
    envFile: null,
    env: {
      DEALCAST_DB: t.path,
      DIGEST_CHANNEL: 'CDIGEST',
      SLACK_BOT_TOKEN: fake.token,
      SLACK_API_URL: fake.apiUrl,
      DEALCAST_TIMEZONE: 'Asia/Tokyo',
      SYNC_CRON: '0 8 * * *',
      DEMO_DEALS: String(DEALS),
    },
  });
  const db = openDb(t.path);
  cleanups.push(() => db.close());
  const first = new Date('2026-11-22T22:00:00Z');
  await runSync(db, createDemoConnector({ seed: 42, deals: DEALS, now: first }), { now: first });
  // Every rep gets a fiscal-Q4 (Oct–Dec) target of 100,000 USD; one is 山田 in the leaderboard's names.
  const owners = listOwners(db, 'demo');
  saveTargets(
    db,
    'demo',
    owners.map((o) => ({ periodKind: 'quarter' as const, periodStart: '2026-10-01', periodEnd: '2027-01-01', scopeKind: 'rep' as const, scopeId: o.id, currency: 'USD', amount: 100_000 })),
    { source: 'slack', userId: 'U1', now: first },
  );
  if (leaderboardWeekday !== undefined) setSetting(db, 'digest.leaderboard_weekday', leaderboardWeekday, first.toISOString(), 'U1');
  const slack = new SlackDelivery({ token: fake.token, apiUrl: fake.apiUrl, retry: { retries: 0 } });
  let current = first;
  const jc = jobContext({ config, db, messenger: slack.messenger(), charts: false, now: () => current });
  const scheduler = createScheduler({
    db,
    timeZone: config.DEALCAST_TIMEZONE,
    syncCron: config.SYNC_CRON,
    digestCron: config.DIGEST_CRON,
    digestMaxLateHours: config.DIGEST_MAX_LATE_HOURS,
    jobs: {
      sync: (now) => runSync(db, createDemoConnector({ seed: 42, deals: DEALS, now }), { now }),
      snapshot: (now) => runSnapshotJob(jc.snapshot, now),
      digest: (now, opts) => runDigestJob(jc.digest, now, opts).then(digestDetail),
    },
  });
  cleanups.push(() => scheduler.stop());
  const tick = (iso: string) => {
    current = new Date(iso);
    return scheduler.tick(current);
  };
  /** One digest per Tokyo weekday at 08:00 JST (23:00 UTC the day before): header and whether it has the leaderboard. */
  const digests = () =>
    fake
      .calls('chat.postMessage')
      .filter((c) => c.params.channel === 'CDIGEST' && c.status === 200 && !c.params.thread_ts)
      .map((c) => {
        const blocks = c.params.blocks as { text?: { text: string } }[];
        const header = blocks.find((b) => b.text?.text.startsWith('Pipeline digest'))!.text!.text;
        return [header, JSON.stringify(blocks).includes('Leaderboard this week')] as const;
      });
  return { tick, digests, owners };
}

// 08:00 in Tokyo, Mon Nov 23 … Tue Dec 1, as UTC instants (the evening before).
const TOKYO_MORNINGS = ['2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29', '2026-11-30'].map((d) => `${d}T23:00:30Z`);

describe('weekly leaderboard in the digest', () => {
  it("goes in the first digest of each week in the team's zone (Monday in Tokyo, still Sunday in UTC) and no other", async () => {
    const w = await setup();
    for (const at of TOKYO_MORNINGS) await w.tick(at);
    expect(w.digests()).toEqual([
      ['Pipeline digest · Mon 23 Nov', true],
      ['Pipeline digest · Tue 24 Nov', false],
      ['Pipeline digest · Wed 25 Nov', false],
      ['Pipeline digest · Thu 26 Nov', false],
      ['Pipeline digest · Fri 27 Nov', false],
      ['Pipeline digest · Mon 30 Nov', true],
      ['Pipeline digest · Tue 1 Dec', false],
    ]);
  }, 120_000);

  it('the weekday is a setting: Wednesday gets it (then not Thursday); 0 turns it off', async () => {
    const wed = await setup(3);
    for (const at of TOKYO_MORNINGS.slice(0, 5)) await wed.tick(at);
    expect(wed.digests().map(([, lb]) => lb)).toEqual([false, false, true, false, false]);
    const off = await setup(0);
    for (const at of TOKYO_MORNINGS.slice(0, 2)) await off.tick(at);
    expect(off.digests().map(([, lb]) => lb)).toEqual([false, false]);
  }, 120_000);
});
