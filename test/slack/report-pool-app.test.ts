/**
 * Slash commands through the HTTP receiver with reports computed by the worker pool (as in
 * `dealcast start`): concurrent commands are all acked with an empty 200, each gets its chart
 * uploaded into its own channel, and /deals lists the biggest open deals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.js';
import { startTestApp, type TestApp } from '../helpers/slack-app.js';
import { sendCommand } from '../helpers/slack-requests.js';
import { tsReportPool } from '../helpers/report-pool.js';

const NOW = new Date('2026-11-24T09:00:00Z');
let fake: FakeSlack;
let t: TestApp;

beforeAll(async () => {
  fake = await startFakeSlack();
  t = await startTestApp(fake, { now: () => NOW, reports: (db, path) => tsReportPool({ dbPath: path, db, size: 2 }) });
  await t.app.deps.sync.run({ now: new Date('2026-11-24T08:45:00Z') });
}, 120_000);
afterAll(async () => {
  await t?.stop();
  await fake?.stop();
});

describe('reports in worker threads', () => {
  it('acks every concurrent command and uploads each chart into its channel', async () => {
    const commands = ['/pipeline', '/funnel', '/reps', '/velocity'];
    const acks = await Promise.all(commands.map((command, i) => sendCommand(t.url, { command, channel_id: `CPOOL${i}`, response_url: fake.responseUrl(`pool${i}`) })));
    expect(acks.map((a) => [a.status, a.body])).toEqual(commands.map(() => [200, '']));
    const done = await fake.waitForCalls('files.completeUploadExternal', commands.length, (c) => String(c.params.channel_id).startsWith('CPOOL'), 90_000);
    expect(new Set(done.map((c) => c.params.channel_id))).toEqual(new Set(commands.map((_, i) => `CPOOL${i}`)));
    for (const up of fake.calls('upload')) expect(up.bytes!.subarray(0, 4).toString('hex')).toBe('89504e47');
  }, 120_000);

  it('/deals: biggest open deals first, counted and cut in SQL', async () => {
    await sendCommand(t.url, { command: '/deals', text: 'stage:Proposal', channel_id: 'CDEALS', response_url: fake.responseUrl('deals') });
    const [post] = await fake.waitForCalls('chat.postMessage', 1, (c) => c.params.channel === 'CDEALS', 60_000);
    const text = JSON.stringify(post!.params.blocks);
    expect(text).toContain('Open deals');
    expect(text).toContain('stage Proposal');
  }, 120_000);
});
