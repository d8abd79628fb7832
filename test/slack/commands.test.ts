/**
 * Every slash command end to end through real HTTP on loopback: a signed request to the Bolt
 * HTTP receiver, computeReport on synced demo data, the chart rendered to PNG and uploaded to
 * the fake Slack with filesUploadV2, and the summary blocks; plus ephemeral usage for bad
 * arguments, owner:me, the not-in-channel fallback, rate limits and failures.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack, type RecordedCall } from '../fakes/slack.js';
import { startTestApp, type TestApp } from '../helpers/slack-app.js';
import { sendCommand } from '../helpers/slack-requests.js';
import { listOwners } from '../../store/owners.js';
import { saveTargets } from '../../store/targets.js';
import { computeReport } from '../../src/reports/compute.js';
import { formatMoney } from '../../src/views/numbers.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
let fake: FakeSlack;
let t: TestApp;
let maria: { id: string; name: string };

beforeAll(async () => {
  fake = await startFakeSlack();
  t = await startTestApp(fake, { now: () => NOW });
  await t.app.deps.sync.run({ now: new Date('2026-11-24T08:30:00Z') });
  const owner = listOwners(t.db, 'demo')[0];
  maria = { id: owner!.id, name: owner!.name };
  fake.addUser({ id: 'U0MARIA', name: 'maria', email: owner!.email! });
  fake.addUser({ id: 'U0NOCRM', name: 'guest', email: 'guest@elsewhere.test' });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await fake?.stop();
});
beforeEach(() => fake.reset());

function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Sends a command and waits for its chart to be shared; returns the share call and the PNG. */
async function chart(command: string, text = '', channel = 'C0REPORTS', user = 'U0MARIA') {
  const r = await sendCommand(t.url, { command, text, channel_id: channel, user_id: user, response_url: fake.responseUrl(`${command}-${text}`) });
  expect(r.status).toBe(200);
  expect(r.body).toBe('');
  const [done] = await fake.waitForCalls('files.completeUploadExternal', 1, (c) => c.status === 200 && c.params.channel_id === channel);
  const fileId = (done!.params.files as { id: string }[])[0]!.id;
  const png = fake.uploads.get(fileId)!;
  return { done, png, blocks: JSON.stringify(done!.params.blocks) };
}

function expectPng(png: Buffer) {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  const { width, height } = pngSize(png);
  expect(width).toBeGreaterThan(300);
  expect(height).toBeGreaterThan(150);
}

async function ephemeral(id: string): Promise<Record<string, unknown>> {
  const [c] = await fake.waitForCalls('response_url', 1, (x: RecordedCall) => x.path === id);
  return c!.params;
}

describe('chart commands post a PNG and a summary into the channel', () => {
  it('/pipeline', async () => {
    const { png, blocks, done } = await chart('/pipeline');
    expectPng(png);
    expect(blocks).toContain('Open pipeline');
    expect(blocks).toMatch(/\*Open pipeline\*\\n\$[\d.]+[KM]/);
    expect(blocks).toContain('Filter: none (all deals)');
    expect(blocks).toContain('Data as of 24 Nov 2026, 08:30 UTC (30 min ago)');
    const [get] = fake.calls('files.getUploadURLExternal');
    expect(get!.params.filename).toBe('pipeline-2026-11-24.png');
    expect(Number(get!.params.length)).toBe(png.length);
    expect(String(get!.params.alt_text ?? get!.params.alt_txt)).toContain('Open pipeline chart');
    expect((done!.params.files as { title: string }[])[0]!.title).toBe('Open pipeline');
    expect(fake.calls('files.upload')).toHaveLength(0);
  });

  it('/forecast quota: attainment against the targets, the team first, reps on and behind pace', async () => {
    const q = { periodKind: 'quarter' as const, periodStart: '2026-10-01', periodEnd: '2027-01-01', currency: 'USD' };
    saveTargets(
      t.db,
      'demo',
      [
        { ...q, scopeKind: 'team', scopeId: '', amount: 3_000_000 },
        { ...q, scopeKind: 'rep', scopeId: maria.id, amount: 10_000 },
      ],
      { source: 'slack', userId: 'U0ADMIN', now: NOW },
    );
    const { png, blocks, done } = await chart('/forecast', 'quota');
    expectPng(png);
    expect(blocks).toContain('Quota FY2026 Q4');
    expect(blocks).toContain('*Team target*\\n$3M');
    expect(blocks).toContain('*Chance of target*');
    // Names sit in bidi isolates (U+2068 … U+2069), so a right-to-left name keeps its figures on the right side.
    expect(blocks).toContain(`On pace: ${maria.name}`);
    expect((done!.params.files as { title: string }[])[0]!.title).toBe('Quota FY2026 Q4');
    const bad = await sendCommand(t.url, { command: '/forecast', text: 'quota week', channel_id: 'C0REPORTS', user_id: 'U0MARIA', response_url: fake.responseUrl('quota-week') });
    expect(bad.status).toBe(200);
    expect(JSON.stringify(await ephemeral('quota-week'))).toContain('week');
  });

  it("/forecast commit: the team's Commit and Best case beside the model's range, and the bias without history", async () => {
    const report = computeReport(t.db, 'demo', 'commit', { now: NOW, timeZone: 'UTC' });
    const team = report.rows.find((r) => r.scope === 'team')!;
    expect(team.commit).toBeGreaterThan(team.won); // the demo's reps put deals in Commit
    const { png, blocks, done } = await chart('/forecast', 'commit');
    expectPng(png);
    expect(blocks).toContain('Commit FY2026 Q4');
    expect(blocks).toContain(`*Commit*\\n${formatMoney(team.commit, 'USD')}`);
    expect(blocks).toContain(`*Best case*\\n${formatMoney(team.best_case, 'USD')}`);
    // The test app's CRM has been synced once: no weekly snapshot history yet.
    expect(blocks).toContain('not enough history (0 of 4 points)');
    expect((done!.params.files as { title: string }[])[0]!.title).toBe('Commit FY2026 Q4');
    const bad = await sendCommand(t.url, { command: '/forecast', text: 'commit month year', channel_id: 'C0REPORTS', user_id: 'U0MARIA', response_url: fake.responseUrl('commit-two') });
    expect(bad.status).toBe(200);
    expect(JSON.stringify(await ephemeral('commit-two'))).toContain('Name one period');
  });

  it('/forecast', async () => {
    const { png, blocks } = await chart('/forecast');
    expectPng(png);
    expect(blocks).toContain('Nov 2026 forecast');
    expect(blocks).toContain('CRM probabilities say');
  });

  it('/funnel', async () => {
    const { png, blocks } = await chart('/funnel', 'since:6m');
    expectPng(png);
    expect(blocks).toContain('Win rate');
    expect(blocks).toContain('Filter: last 6 months');
  });

  it('/velocity', async () => {
    const { png, blocks } = await chart('/velocity');
    expectPng(png);
    expect(blocks).toMatch(/\$[\d.]+K? \/ day/);
  });

  it('/reps 7d', async () => {
    const { png, blocks } = await chart('/reps', '7d');
    expectPng(png);
    expect(blocks).toContain('Top closer');
    expect(blocks).toContain('Filter: last 7 days');
  });

  it('owner:me filters to the caller, matched by Slack email; the link is remembered', async () => {
    const { blocks } = await chart('/pipeline', 'owner:me');
    expect(blocks).toContain(`Filter: owner ${maria.name}`);
    expect(fake.calls('users.info').map((c) => c.params.user)).toEqual(['U0MARIA']);
    expect(listOwners(t.db, 'demo').find((o) => o.id === maria.id)?.slackUserId).toBe('U0MARIA');
  });

  it('owner:@maria as an escaped mention, with other filters', async () => {
    const pipeline = (t.db.prepare("SELECT name FROM pipelines WHERE crm = 'demo' ORDER BY position LIMIT 1").pluck().get() as string);
    const { blocks } = await chart('/pipeline', `owner:<@U0MARIA|maria> pipeline:"${pipeline}" since:90d`);
    expect(blocks).toContain(`Filter: owner ${maria.name} · pipeline ${pipeline} · last 90 days`);
  });
});

describe('/deals', () => {
  it('lists open deals biggest first within block limits, with "and N more"', async () => {
    await sendCommand(t.url, { command: '/deals', channel_id: 'C0DEALS', response_url: fake.responseUrl('deals') });
    const [post] = await fake.waitForCalls('chat.postMessage', 1, (c) => c.params.channel === 'C0DEALS');
    const blocks = post!.params.blocks as { block_id?: string; text?: { text: string } }[];
    expect(blocks.length).toBeLessThanOrEqual(50);
    const rows = blocks.filter((b) => b.block_id?.startsWith('deals_row_'));
    expect(rows.length).toBe(15);
    const amounts = rows.map((r) => r.text!.text.split('\n')[1]!.split(' · ')[0]);
    expect(amounts[0]).toMatch(/^\$/);
    expect(JSON.stringify(blocks)).toMatch(/…and \d+ more/);
    expect(String(post!.params.text)).toMatch(/^Open deals: \d+ deals/);
  });

  it('stage:Proposal stuck lists stuck deals in that stage', async () => {
    await sendCommand(t.url, { command: '/deals', text: 'stage:Proposal stuck', channel_id: 'C0DEALS', response_url: fake.responseUrl('stuck') });
    const [post] = await fake.waitForCalls('chat.postMessage', 1, (c) => c.params.channel === 'C0DEALS');
    const json = JSON.stringify(post!.params.blocks);
    expect(json).toContain('Stuck deals');
    expect(json).toContain('Filter: stage Proposal · stuck');
    const rows = (post!.params.blocks as { block_id?: string; text?: { text: string } }[]).filter((b) => b.block_id?.startsWith('deals_row_'));
    for (const r of rows) {
      expect(r.text!.text).toContain('Proposal');
      expect(r.text!.text).toContain(':hourglass_flowing_sand:');
    }
  });

  it('an unknown stage answers with the stages there are', async () => {
    await sendCommand(t.url, { command: '/deals', text: 'stage:Nope', response_url: fake.responseUrl('nostage') });
    const reply = await ephemeral('nostage');
    expect(String(reply.text)).toContain('No open stage is called "Nope"');
    expect(String(reply.text)).toContain('Proposal');
  });
});

describe('bad arguments answer ephemerally with usage and what was wrong', () => {
  it.each([
    ['/pipeline', 'colour:red', 'Unknown filter `colour:`'],
    ['/forecast', 'since:90d', 'does not take `since:`'],
    ['/funnel', 'since:soon', 'needs a period like 7d'],
    ['/velocity', 'bogus', 'Unknown argument `bogus`'],
    ['/reps', 'owner:me', 'does not take `owner:`'],
    ['/deals', 'stuck stuck:yes', 'Unknown filter `stuck:`'],
  ])('%s %s', async (command, text, problem) => {
    const id = `bad-${command}`;
    await sendCommand(t.url, { command, text, response_url: fake.responseUrl(id) });
    const reply = await ephemeral(id);
    expect(reply.response_type).toBe('ephemeral');
    expect(String(reply.text)).toContain(problem);
    expect(String(reply.text)).toContain(`Usage: ${command}`);
    expect(fake.calls('files.getUploadURLExternal')).toHaveLength(0);
    expect(fake.calls('chat.postMessage')).toHaveLength(0);
  });

  it('help on any command', async () => {
    for (const command of ['/pipeline', '/forecast', '/funnel', '/velocity', '/reps', '/deals']) {
      await sendCommand(t.url, { command, text: 'help', response_url: fake.responseUrl(`help${command}`) });
      const reply = await ephemeral(`help${command}`);
      expect(String(reply.text)).toBe(`Usage: ${command} ${(reply.text as string).split(`${command} `)[1]}`);
      expect(JSON.stringify(reply.blocks)).toContain('Examples');
    }
  });

  it('a filter that matches nothing names what there is', async () => {
    await sendCommand(t.url, { command: '/pipeline', text: 'pipeline:"Nope"', response_url: fake.responseUrl('nopipe') });
    const reply = await ephemeral('nopipe');
    expect(String(reply.text)).toContain('No pipeline is called "Nope"');
    expect(String(reply.text)).toContain('Pipelines:');
  });

  it('owner:me for someone whose email is not in the CRM says what to do', async () => {
    await sendCommand(t.url, { command: '/pipeline', text: 'owner:me', user_id: 'U0NOCRM', response_url: fake.responseUrl('notowner') });
    const reply = await ephemeral('notowner');
    expect(String(reply.text)).toContain('`owner:me` found no CRM owner with your Slack email address');
  });
});

describe('delivery problems', () => {
  it('not in the channel: ephemeral invite hint, and the chart arrives as a DM', async () => {
    fake.botNotIn('C0PRIVATE');
    await sendCommand(t.url, { command: '/pipeline', channel_id: 'C0PRIVATE', user_id: 'U0MARIA', response_url: fake.responseUrl('notin') });
    const reply = await ephemeral('notin');
    expect(String(reply.text)).toContain('/invite @dealcast');
    const [dm] = await fake.waitForCalls('files.completeUploadExternal', 1, (c) => c.status === 200 && c.params.channel_id === 'DU0MARIA');
    const png = fake.uploads.get((dm!.params.files as { id: string }[])[0]!.id)!;
    expectPng(png);
  });

  it('rate limited: waits as Slack says (Retry-After) and still delivers', async () => {
    fake.failNext('files.completeUploadExternal', { ratelimited: true, retryAfter: 0 });
    const { png } = await chart('/pipeline', '', 'C0BUSY');
    expectPng(png);
    expect(fake.calls('files.completeUploadExternal').map((c) => c.status)).toEqual([429, 200]);
  });

  it('a Slack failure answers ephemerally in one sentence, is logged with context, and the app keeps serving', async () => {
    fake.failNext('files.getUploadURLExternal', { error: 'internal_error' }, 10);
    await sendCommand(t.url, { command: '/funnel', text: 'since:90d', channel_id: 'C0FAIL', response_url: fake.responseUrl('fail') });
    const reply = await ephemeral('fail');
    expect(String(reply.text)).toBe(':x: Sorry, /funnel failed: Slack answered files.getUploadURLExternal with internal_error.');
    expect(t.logs.some((l) => l.includes('/funnel "since:90d" by U0MARIA in C0FAIL failed'))).toBe(true);
    fake.reset();
    const { png } = await chart('/funnel');
    expectPng(png);
  });
});

describe('/dealcast dashboard', () => {
  it('sends the self-contained dashboard page to the caller by DM', async () => {
    const r = await sendCommand(t.url, { command: '/dealcast', text: 'dashboard', channel_id: 'C0REPORTS', user_id: 'U0MARIA', response_url: fake.responseUrl('dash') });
    expect(r.status).toBe(200);
    expect(String((await ephemeral('dash')).text)).toContain('by DM');
    const [done] = await fake.waitForCalls('files.completeUploadExternal', 1, (c) => c.status === 200 && c.params.channel_id === 'DU0MARIA');
    const html = fake.uploads.get((done!.params.files as { id: string }[])[0]!.id)!.toString('utf8');
    expect(html.startsWith('<!DOCTYPE html>') || html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('Content-Security-Policy'); // no external requests: the page forbids every load
    expect(html).toContain('Open pipeline');
  });
});
