/**
 * The same surfaces over Socket Mode: the app connects to a WebSocket fake that speaks Slack's
 * protocol (hello, envelopes, acks), and a slash command, a button and an App Home event arrive
 * as envelopes. Each is acked by envelope_id and its work lands on the fake Web API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../fakes/slack.js';
import { startFakeSocketMode, type FakeSocketMode } from '../fakes/socket-mode.js';
import { startTestApp, type TestApp } from '../helpers/slack-app.js';
import { listOwners } from '../../store/owners.js';
import { listSubscriptions } from '../../store/subscriptions.js';

let fake: FakeSlack;
let ws: FakeSocketMode;
let t: TestApp;

/** Sends an envelope and resolves with the app's ack of it. */
async function deliver(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>) {
  return ws.waitForAck(ws.send(type, payload));
}

beforeAll(async () => {
  fake = await startFakeSlack();
  ws = await startFakeSocketMode();
  fake.socketModeUrl = ws.nextUrl;
  t = await startTestApp(fake, { now: () => new Date('2026-11-24T07:00:00Z'), env: { SLACK_APP_TOKEN: fake.appToken } });
  expect(t.app.mode).toBe('socket');
  await ws.waitForConnections(1);
  await t.app.deps.sync.run({ now: new Date('2026-11-24T06:30:00Z') });
  fake.addUser({ id: 'U0MARIA', name: 'maria', email: listOwners(t.db, 'demo')[0]!.email!, tz: 'Europe/Berlin' });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await ws?.stop();
  await fake?.stop();
});

describe('over Socket Mode', () => {
  it('subscribe (a slash command), Send now (a button) and the App Home (an event) each arrive as an envelope and are acked', async () => {
    const ack = await deliver('slash_commands', {
      token: 'x',
      team_id: 'T0FAKE',
      channel_id: 'C0REPORTS',
      user_id: 'U0MARIA',
      command: '/dealcast',
      text: 'subscribe funnel weekdays at:09:30',
      response_url: fake.responseUrl('sock-1'),
      trigger_id: '1.2.3',
      api_app_id: 'A0DEALCAST',
    });
    expect(ack.envelopeId).toBeTruthy();
    const [reply] = await fake.waitForCalls('response_url', 1, (c) => c.path === 'sock-1');
    expect(String(reply!.params.text)).toContain('Subscribed: *funnel*');
    const sub = listSubscriptions(t.db, { target: 'C0REPORTS' })[0]!;

    const ack2 = await deliver('interactive', {
      type: 'block_actions',
      user: { id: 'U0MARIA' },
      team: { id: 'T0FAKE' },
      api_app_id: 'A0DEALCAST',
      token: 'x',
      container: { type: 'message', message_ts: '1790000000.000001', channel_id: 'C0REPORTS', is_ephemeral: true },
      channel: { id: 'C0REPORTS' },
      response_url: fake.responseUrl('sock-2'),
      trigger_id: '1.2.4',
      actions: [{ type: 'button', action_id: 'subscription_send_now', block_id: `subscription_actions_${sub.id}`, value: String(sub.id), action_ts: '1' }],
    });
    expect(ack2.envelopeId).toBeTruthy();
    await fake.waitForCalls('files.completeUploadExternal', 1, (c) => c.params.channel_id === 'C0REPORTS');
    const [sent] = await fake.waitForCalls('response_url', 1, (c) => c.path === 'sock-2');
    expect(JSON.stringify(sent!.params.blocks)).toContain('Sent *funnel* now');

    await deliver('events_api', {
      token: 'x',
      team_id: 'T0FAKE',
      api_app_id: 'A0DEALCAST',
      type: 'event_callback',
      event_id: 'Ev0SOCKET1',
      event_time: 1790000000,
      event: { type: 'app_home_opened', user: 'U0MARIA', channel: 'D0MARIA', tab: 'home', event_ts: '1790000000.000100' },
    });
    const [pub] = await fake.waitForCalls('views.publish', 1, (c) => c.params.user_id === 'U0MARIA');
    expect(JSON.stringify(pub!.params.view)).toContain('My subscriptions* (1)');
  }, 60_000);
});
