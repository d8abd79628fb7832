import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LogLevel } from '@slack/bolt';
import { SlackApiError, SlackDelivery, SLACK_LIMITS } from '../../src/delivery/slack.js';
import { type FakeSlack, startFakeSlack } from '../fakes/slack.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
let fake: FakeSlack;
let slack: SlackDelivery;

beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.reset();
  slack = new SlackDelivery({ token: fake.token, apiUrl: fake.apiUrl, retry: { retries: 2, minTimeout: 0, maxTimeout: 0 }, postIntervalMs: 0, logLevel: LogLevel.ERROR });
});

const chart = { png: PNG, filename: 'pipeline.png', title: 'Pipeline', altText: 'Pipeline chart' };
const content = { text: 'Open pipeline $1.2M', blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: '*Open pipeline* $1.2M' } }] };

describe('SlackDelivery', () => {
  it('uploads a PNG with filesUploadV2: URL on the fake, bytes, then complete into the channel with the blocks', async () => {
    const out = await slack.deliverReport({ channelId: 'C1', userId: 'U1' }, content, chart);
    expect(out.where).toBe('channel');
    const [get] = fake.calls('files.getUploadURLExternal');
    expect(get!.params).toMatchObject({ filename: 'pipeline.png', length: String(PNG.length), alt_txt: 'Pipeline chart' });
    // The name files.getUploadURLExternal documents; the SDK's own spelling is not sent.
    expect(get!.params.alt_text).toBeUndefined();
    expect(get!.authorization).toBe(`Bearer ${fake.token}`);
    const [up] = fake.calls('upload');
    expect(up!.bytes?.equals(PNG)).toBe(true);
    const [done] = fake.calls('files.completeUploadExternal');
    expect(done!.params.channel_id).toBe('C1');
    expect(done!.params.blocks).toEqual(content.blocks);
    expect(out.fileId).toBe((done!.params.files as { id: string }[])[0]!.id);
    expect(fake.calls('files.upload')).toHaveLength(0);
  });

  it('not_in_channel: tells the caller ephemerally how to invite the bot and DMs the report', async () => {
    fake.botNotIn('C_OUT');
    const responseUrl = fake.responseUrl('cmd1');
    const out = await slack.deliverReport({ channelId: 'C_OUT', userId: 'U7', responseUrl }, content, chart);
    expect(out).toMatchObject({ where: 'dm', channel: 'DU7' });
    const [eph] = fake.responses('cmd1');
    expect(eph!.response_type).toBe('ephemeral');
    expect(String(eph!.text)).toContain('/invite @dealcast');
    expect(fake.calls('conversations.open')[0]!.params.users).toBe('U7');
    const completes = fake.calls('files.completeUploadExternal');
    expect(completes.map((c) => c.params.channel_id)).toEqual(['C_OUT', 'DU7']);
    expect(completes[1]!.status).toBe(200);
  });

  it('says "sent you a DM" only after the DM went out, and says so when it could not', async () => {
    fake.botNotIn('C_NO');
    const responseUrl = fake.responseUrl('cmd-order');
    await slack.deliverReport({ channelId: 'C_NO', userId: 'U9', responseUrl }, content, chart);
    const order = fake.recorded.map((c) => c.method);
    expect(order.lastIndexOf('files.completeUploadExternal')).toBeLessThan(order.indexOf('response_url'));
    fake.reset();
    fake.botNotIn('C_NO');
    fake.failNext('conversations.open', { error: 'user_disabled' });
    const failing = fake.responseUrl('cmd-fail');
    await expect(slack.deliverReport({ channelId: 'C_NO', userId: 'U9', responseUrl: failing }, content, chart)).rejects.toThrow(/user_disabled/);
    const [note] = fake.responses('cmd-fail');
    expect(String(note!.text)).toContain('could not send you the report as a direct message');
    expect(String(note!.text)).not.toContain('so I sent you');
  });

  it('a 429 in one channel delays only that channel: other channels, users.info and views.open go on', async () => {
    const lines: string[] = [];
    let t = 0;
    const sleeps: number[] = [];
    let release: () => void = () => undefined;
    // Virtual time held by the test: the channel's Retry-After ends only when the test says so.
    const clock = {
      now: () => t,
      sleep: (ms: number) =>
        new Promise<void>((resolve) => {
          sleeps.push(ms);
          release = () => {
            t += ms;
            resolve();
          };
        }),
    };
    const s = new SlackDelivery({ token: fake.token, apiUrl: fake.apiUrl, retry: { retries: 0 }, postIntervalMs: 0, clock, log: (l) => lines.push(l) });
    fake.failNext('chat.postMessage', { ratelimited: true, retryAfter: 30 }, 1, (p) => p.channel === 'CBUSY');
    fake.addUser({ id: 'U1', name: 'maria' });
    const busy = Promise.all([s.postMessage('CBUSY', { text: 'first' }), s.postMessage('CBUSY', { text: 'second' })]);
    await fake.waitForCalls('chat.postMessage', 1, (c) => c.status === 429);
    // CBUSY is waiting out its 30 s; everything else goes through meanwhile.
    const other = await s.postMessage('COTHER', { text: 'elsewhere' });
    const user = await s.userInfo('U1');
    const view = await s.openView('trigger-1', { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] });
    expect(other.ts).not.toBe('');
    expect(user.id).toBe('U1');
    expect(view.id).not.toBe('');
    expect(t).toBe(0);
    expect(fake.calls('chat.postMessage').filter((c) => c.params.channel === 'CBUSY')).toHaveLength(1);
    release();
    await busy;
    const inBusy = fake.calls('chat.postMessage').filter((c) => c.params.channel === 'CBUSY');
    expect(inBusy.map((c) => [c.params.text, c.status])).toEqual([
      ['first', 429],
      ['first', 200],
      ['second', 200],
    ]);
    expect(sleeps).toEqual([30_000]);
    expect(lines.some((l) => l.includes('rate limited in CBUSY'))).toBe(true);
  });

  it('a 429 on users.info blocks users.info only; views.open fails at once on its own 429 instead of waiting', async () => {
    let t = 0;
    const clock = { now: () => t, sleep: async (ms: number) => void (t += ms) };
    const s = new SlackDelivery({ token: fake.token, apiUrl: fake.apiUrl, retry: { retries: 0 }, postIntervalMs: 0, clock });
    fake.addUser({ id: 'U2', name: 'kim' });
    fake.failNext('users.info', { ratelimited: true, retryAfter: 20 });
    const u = await s.userInfo('U2');
    expect(u.id).toBe('U2');
    expect(t).toBe(20_000);
    expect(s.limits.remainingMs('views.open')).toBe(0);
    fake.failNext('views.open', { ratelimited: true, retryAfter: 5 });
    const started = t;
    await expect(s.openView('trig', { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] })).rejects.toMatchObject({ slackError: 'ratelimited' });
    expect(t).toBe(started);
  });

  it("a job's post into a channel the bot is not in goes to the admins' DMs with an invite hint, once, and still fails", async () => {
    let t = 0;
    const lines: string[] = [];
    const s = new SlackDelivery({ token: fake.token, apiUrl: fake.apiUrl, retry: { retries: 0 }, postIntervalMs: 0, clock: { now: () => t, sleep: async (ms) => void (t += ms) }, log: (l) => lines.push(l) });
    const m = s.messenger({ fallbackUsers: ['U0A', 'U0B'] });
    fake.botNotIn('CDIGESTX');
    const digest = { text: 'Pipeline digest · 山田 محمد', blocks: [{ type: 'header' as const, text: { type: 'plain_text' as const, text: 'Pipeline digest' } }] };
    await expect(m.post('CDIGESTX', digest)).rejects.toMatchObject({ slackError: 'not_in_channel' });
    const dms = fake.calls('chat.postMessage').filter((c) => String(c.params.channel).startsWith('D'));
    expect(dms.map((c) => c.params.channel)).toEqual(['DU0A', 'DU0B']);
    const blocks = dms[0]!.params.blocks as { type: string; elements?: { text: string }[] }[];
    expect(blocks[0]!.elements![0]!.text).toContain('/invite @dealcast');
    expect(blocks[1]).toMatchObject({ type: 'header' });
    expect(String(dms[0]!.params.text)).toContain('山田 محمد');
    // The next tick tries the channel again, but the admins are not told twice the same day.
    t += 60 * 60 * 1000;
    await expect(m.post('CDIGESTX', digest)).rejects.toMatchObject({ slackError: 'not_in_channel' });
    expect(fake.calls('chat.postMessage').filter((c) => String(c.params.channel).startsWith('D'))).toHaveLength(2);
    expect(lines.some((l) => l.includes('admins were told already'))).toBe(true);
  });

  it('not_in_channel with an expired response_url still DMs the report', async () => {
    fake.botNotIn('C_GONE');
    fake.failNext('response_url', { status: 404, body: 'expired_url' });
    const lines: string[] = [];
    const s = new SlackDelivery({ token: fake.token, apiUrl: fake.apiUrl, retry: { retries: 0 }, postIntervalMs: 0, log: (l) => lines.push(l) });
    const out = await s.deliverReport({ channelId: 'C_GONE', userId: 'U8', responseUrl: fake.responseUrl('old') }, content, chart);
    expect(out).toMatchObject({ where: 'dm', channel: 'DU8' });
    expect(lines.join('\n')).toContain('could not tell U8 where the report went: expired_url');
  });

  it('ratelimited: honours Retry-After and delivers', async () => {
    fake.failNext('chat.postMessage', { ratelimited: true, retryAfter: 0 }, 2);
    const posted = await slack.postMessage('C2', content);
    expect(posted.ts).not.toBe('');
    const calls = fake.calls('chat.postMessage');
    expect(calls.map((c) => c.status)).toEqual([429, 429, 200]);
  });

  it('gives up after the explicit retry budget with a coded error', async () => {
    fake.failNext('chat.postMessage', { status: 500 }, 10);
    await expect(slack.postMessage('C2', content)).rejects.toMatchObject({ code: 'slack_api', method: 'chat.postMessage', slackError: 'http_500' });
    expect(fake.calls('chat.postMessage')).toHaveLength(3);
  });

  it('invalid_auth becomes a SlackApiError with what to do, without the token', async () => {
    const bad = new SlackDelivery({ token: 'xoxb-wrong-secret', apiUrl: fake.apiUrl, retry: { retries: 0 }, postIntervalMs: 0 });
    const err = await bad.postMessage('C1', content).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlackApiError);
    expect((err as SlackApiError).slackError).toBe('invalid_auth');
    expect((err as SlackApiError).hint).toContain('SLACK_BOT_TOKEN');
    expect(String((err as Error).message)).not.toContain('xoxb-wrong-secret');
  });

  it('threads replies, updates messages and keeps per-channel order when paced', async () => {
    const paced = new SlackDelivery({ token: fake.token, apiUrl: fake.apiUrl, retry: { retries: 0 }, postIntervalMs: 5 });
    const root = await paced.postMessage('C3', { text: 'root' });
    const replies = await Promise.all([1, 2, 3].map((i) => paced.postMessage('C3', { text: `reply ${i}` }, { threadTs: root.ts })));
    expect(replies.map((r) => r.ts)).toHaveLength(3);
    const texts = fake.calls('chat.postMessage').map((c) => [c.params.text, c.params.thread_ts]);
    expect(texts).toEqual([
      ['root', undefined],
      ['reply 1', root.ts],
      ['reply 2', root.ts],
      ['reply 3', root.ts],
    ]);
    await paced.updateMessage('C3', root.ts, { text: 'root (3 open)' });
    expect(fake.calls('chat.update')[0]!.params).toMatchObject({ channel: 'C3', ts: root.ts, text: 'root (3 open)' });
  });

  it('users: info with admin flags and email, lookupByEmail hit and miss', async () => {
    fake.addUser({ id: 'UA', name: 'ana', email: 'Ana@Acme.test', isAdmin: true });
    const u = await slack.userInfo('UA');
    expect(u).toMatchObject({ id: 'UA', isAdmin: true, isOwner: false, email: 'ana@acme.test' });
    expect(await slack.lookupUserByEmail('ana@acme.test')).toBe('UA');
    expect(await slack.lookupUserByEmail('nobody@acme.test')).toBeNull();
  });

  it('views: open with a trigger and update by id', async () => {
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Settings' }, blocks: [] };
    const opened = await slack.openView('trigger-1', view);
    expect(opened.id).toMatch(/^V/);
    await slack.updateView(opened.id, view, opened.hash);
    expect(fake.calls('views.update')[0]!.params).toMatchObject({ view_id: opened.id, hash: opened.hash });
  });

  it('names Slack limits as constants', () => {
    expect(SLACK_LIMITS.blocksPerMessage).toBe(50);
    expect(SLACK_LIMITS.blocksPerView).toBe(100);
    expect(SLACK_LIMITS.sectionTextChars).toBe(3000);
  });
});
