/**
 * Regenerates docs/examples/*.json and docs/images/surfaces/*.png: the real app (HTTP mode, demo
 * CRM) is driven through signed requests against the fake Slack Web API of test/fakes, every
 * payload it sends is captured from the fake as sent, and each surface is drawn by dealcast's own
 * Block Kit preview (scripts/block-kit-html.ts) and photographed with headless Chromium.
 *
 *   npm run docs:pictures            (node --import ./test/helpers/ts-loader.mjs scripts/docs-pictures.ts)
 *
 * Deterministic: a fixed `now`, the demo CRM's fixed seed, one request at a time (the fake's ts
 * and file ids follow the order of calls). Needs `chromium` on the PATH (Debian's package); no
 * network: the page loads only local files.
 *
 * The demo CRM's names are all Latin; to show that every surface draws other scripts, a few reps
 * and deals are renamed in the database after each sync (RENAMES below) — the payloads are still
 * the app's own, built from that data.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { CHART_FONTS, fontFiles } from '../charts/fonts.js';
import { seedDemoDealSnapshots } from '../src/cli/demo.js';
import { seedDemoTargets } from '../src/cli/demo-targets.js';
import { DemoCrm } from '../src/connectors/demo.js';
import { runAlertsJob } from '../src/jobs/alerts.js';
import { jobContext } from '../src/jobs/context.js';
import { DEAL_EVENT_SETTING_KEYS } from '../src/jobs/deal-event-settings.js';
import { type DealEventPoster, runDealEventsJob } from '../src/jobs/deal-events.js';
import { runDigestJob } from '../src/jobs/digest.js';
import { InlineReports } from '../src/reports/work.js';
import { listOwners } from '../store/owners.js';
import { setSetting } from '../store/settings.js';
import { type FakeSlack, type RecordedCall, startFakeSlack } from '../test/fakes/slack.js';
import { startTestApp, type TestApp } from '../test/helpers/slack-app.js';
import { sendCommand, sendEvent, sendInteraction } from '../test/helpers/slack-requests.js';
import { type Json, type PreviewContext, type PreviewFile, type PreviewMessage, type PreviewSurface, renderPreview } from './block-kit-html.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLES = join(ROOT, 'docs', 'examples');
const IMAGES = join(ROOT, 'docs', 'images', 'surfaces');
const NOW = new Date('2026-11-24T09:00:00Z');
/** The first sync: a week before, so the second one finds deals won, pushed and new. */
const WEEK_BEFORE = new Date('2026-11-17T09:00:00Z');
const CHANNEL = 'C0SALES';
const CHANNEL_NAME = 'sales';

/** Reps (by the demo's id) and the biggest open deals renamed into other scripts. */
const OWNER_RENAMES: Record<string, string> = { 'rep-1': '山田 花子', 'rep-2': 'ليلى حداد', 'rep-3': 'נועה כהן', 'rep-5': '김민준' };
const DEAL_RENAMES = ['株式会社さくら – Platform', 'شركة الأفق – Annual plan', 'אופק מערכות – Pilot', '한빛소프트 – Seats expansion'];
const ME = { id: 'U0HANAKO', name: 'hanako', ownerId: 'rep-1' };

interface Capture {
  name: string;
  /** What the picture shows, for the console. */
  title: string;
  /** The calls the app made for this surface, as the fake Slack received them. */
  calls: RecordedCall[];
  surface: PreviewSurface;
}

function renameForScripts(t: TestApp): void {
  for (const [id, name] of Object.entries(OWNER_RENAMES)) t.db.prepare(`UPDATE owners SET name = ? WHERE crm = 'demo' AND id = ?`).run(name, id);
  const biggest = t.db
    .prepare(`SELECT id FROM deals WHERE crm = 'demo' AND status = 'open' AND deleted_at IS NULL ORDER BY amount DESC, id LIMIT ?`)
    .pluck()
    .all(DEAL_RENAMES.length) as string[];
  for (const [i, id] of biggest.entries()) t.db.prepare(`UPDATE deals SET name = ? WHERE crm = 'demo' AND id = ?`).run(DEAL_RENAMES[i], id);
}

/** Every uploaded file's bytes by file id, kept across resets of the fake. */
const UPLOADS = new Map<string, Buffer>();

/** The calls recorded since the last drain (uploads kept in UPLOADS); the fake starts afresh. */
function drain(fake: FakeSlack): RecordedCall[] {
  for (const [id, bytes] of fake.uploads) UPLOADS.set(id, bytes);
  const calls = [...fake.recorded];
  fake.reset();
  return calls;
}

const blocksOf = (c: RecordedCall) => (c.params.blocks as Json[] | undefined) ?? [];

function element(blocks: Json[], actionId: string): Json {
  for (const b of blocks) for (const e of (b.elements as Json[] | undefined) ?? []) if (e.action_id === actionId) return e;
  throw new Error(`no ${actionId} in the message`);
}

/** The files a completeUploadExternal call shared, with their bytes from the fake. */
function filesOf(share: RecordedCall, gets: RecordedCall[]): PreviewFile[] {
  return ((share.params.files as { id: string; title?: string }[] | undefined) ?? []).map((f) => {
    const bytes = UPLOADS.get(f.id);
    if (!bytes) throw new Error(`no upload for ${f.id}`);
    const get = gets.find((g) => (g.answer as { file_id?: string }).file_id === f.id);
    const name = String(get?.params.filename ?? f.id);
    const png = name.endsWith('.png');
    return {
      name,
      ...(f.title ? { title: f.title } : {}),
      mimetype: png ? 'image/png' : 'text/csv',
      ...(png ? { src: `data:image/png;base64,${bytes.toString('base64')}` } : {}),
      ...(get?.params.alt_txt ? { altText: String(get.params.alt_txt) } : {}),
      size: bytes.length,
    };
  });
}

/** A chat.postMessage / chat.update / completeUploadExternal / response_url call as a message. */
function messageOf(c: RecordedCall, all: RecordedCall[]): PreviewMessage {
  const gets = all.filter((x) => x.method === 'files.getUploadURLExternal');
  const files = c.method === 'files.completeUploadExternal' ? filesOf(c, gets) : [];
  const ephemeral = c.method === 'response_url' ? c.params.response_type !== 'in_channel' : c.method === 'chat.postEphemeral';
  return {
    blocks: blocksOf(c),
    ...(typeof c.params.text === 'string' ? { text: c.params.text } : typeof c.params.initial_comment === 'string' ? { text: c.params.initial_comment } : {}),
    ...(files.length ? { files } : {}),
    ...(ephemeral ? { ephemeral } : {}),
    ...(c.method === 'chat.update' ? { edited: true } : {}),
  };
}

const POSTS = new Set(['chat.postMessage', 'chat.update', 'files.completeUploadExternal', 'response_url', 'chat.postEphemeral']);

async function capture(fake: FakeSlack, t: TestApp): Promise<Capture[]> {
  const out: Capture[] = [];
  const take = () => drain(fake);
  const command = async (text: string, cmd = '/dealcast', user = ME.id) => {
    const rid = `R${out.length}`;
    await sendCommand(t.url, {
      command: cmd,
      text,
      channel_id: CHANNEL,
      channel_name: CHANNEL_NAME,
      user_id: user,
      user_name: user === ME.id ? ME.name : 'admin',
      response_url: fake.responseUrl(rid),
    });
    return rid;
  };
  const click = (user: string, message: { ts: string; threadTs?: string; blocks: Json[] }, action: Json, blockId = 'report_controls') =>
    sendInteraction(t.url, {
      type: 'block_actions',
      user: { id: user },
      team: { id: 'T0FAKE' },
      api_app_id: 'A0DEALCAST',
      token: 'x',
      container: { type: 'message', message_ts: message.ts, channel_id: CHANNEL, is_ephemeral: false },
      channel: { id: CHANNEL, name: CHANNEL_NAME },
      message: { type: 'message', ts: message.ts, ...(message.threadTs ? { thread_ts: message.threadTs } : {}), blocks: message.blocks },
      response_url: fake.responseUrl(`A${out.length}`),
      trigger_id: `1.2.${out.length}`,
      actions: [{ block_id: blockId, action_ts: '1', ...action }],
    });
  const chartMessage = async (text: string, cmd: string) => {
    await command(text, cmd);
    await fake.waitForCalls('files.completeUploadExternal', 1, (c) => c.params.channel_id === CHANNEL);
    const calls = take();
    const share = calls.find((c) => c.method === 'files.completeUploadExternal')!;
    return { calls, share, message: messageOf(share, calls) };
  };

  // A report message with its controls, then "Deals behind this" and "Download CSV" in its thread.
  const pipeline = await chartMessage('', '/pipeline');
  out.push({ name: 'report-pipeline', title: '/pipeline with its controls', calls: pipeline.calls, surface: { kind: 'channel', channel: CHANNEL_NAME, messages: [pipeline.message] } });
  const rootTs = '1790000000.000500'; // The shared message's ts (completeUploadExternal answers none; Slack's event would carry it).
  const rootBlocks = blocksOf(pipeline.share);
  await click(ME.id, { ts: rootTs, blocks: rootBlocks }, { type: 'button', action_id: 'report_deals_behind', value: element(rootBlocks, 'report_deals_behind').value });
  await fake.waitForCalls('chat.postMessage', 1, (c) => c.params.thread_ts === rootTs);
  await click(ME.id, { ts: rootTs, blocks: rootBlocks }, { type: 'button', action_id: 'report_csv', value: element(rootBlocks, 'report_csv').value });
  await fake.waitForCalls('files.completeUploadExternal', 1, (c) => c.params.thread_ts === rootTs);
  const thread = take();
  out.push({
    name: 'report-thread',
    title: '"Deals behind this" and "Download CSV" in the report thread',
    calls: thread,
    surface: { kind: 'thread', channel: CHANNEL_NAME, root: pipeline.message, replies: thread.filter((c) => POSTS.has(c.method)).map((c) => messageOf(c, thread)) },
  });

  // A select change: the same message re-rendered in place (chat.update) for another owner.
  const other = listOwners(t.db, 'demo').find((o) => o.id === 'rep-2')!;
  await click(
    ME.id,
    { ts: rootTs, blocks: rootBlocks },
    { type: 'static_select', action_id: 'report_owner', selected_option: { text: { type: 'plain_text', text: other.name }, value: other.id } },
  );
  await fake.waitForCalls('chat.update', 1);
  const updated = take();
  const update = updated.find((c) => c.method === 'chat.update')!;
  const sharedPng = filesOf(
    updated.find((c) => c.method === 'files.completeUploadExternal')!,
    updated.filter((c) => c.method === 'files.getUploadURLExternal'),
  );
  out.push({
    name: 'report-owner-changed',
    title: 'the /pipeline message after picking another owner',
    calls: updated,
    surface: { kind: 'channel', channel: CHANNEL_NAME, messages: [{ ...messageOf(update, updated), files: sharedPng }] },
  });

  for (const [name, text, cmd] of [
    ['report-forecast', '', '/forecast'],
    ['report-quota', 'quota', '/forecast'],
    ['report-commit', 'commit', '/forecast'],
  ] as const) {
    const r = await chartMessage(text, cmd);
    out.push({ name, title: `${cmd} ${text}`.trim(), calls: r.calls, surface: { kind: 'channel', channel: CHANNEL_NAME, messages: [r.message] } });
  }

  // Subscriptions: the form, a subscription from a command, the list with its buttons, a scheduled post.
  await command('subscribe');
  await fake.waitForCalls('views.open', 1);
  const form = take();
  out.push({
    name: 'subscribe-modal',
    title: '/dealcast subscribe (the form)',
    calls: form,
    surface: { kind: 'modal', view: form.find((c) => c.method === 'views.open')!.params.view as Json },
  });
  const rid = await command('subscribe pipeline owner:me weekdays at:08:30');
  await fake.waitForCalls('response_url', 1, (c) => c.path === rid);
  take();
  const listRid = await command('subscriptions');
  await fake.waitForCalls('response_url', 1, (c) => c.path === listRid);
  const list = take();
  const listCall = list.find((c) => c.method === 'response_url')!;
  out.push({ name: 'subscriptions', title: '/dealcast subscriptions', calls: list, surface: { kind: 'channel', channel: CHANNEL_NAME, messages: [messageOf(listCall, list)] } });
  const subId = String(element(blocksOf(listCall), 'subscription_send_now').value);
  await sendInteraction(t.url, {
    type: 'block_actions',
    user: { id: ME.id },
    team: { id: 'T0FAKE' },
    api_app_id: 'A0DEALCAST',
    token: 'x',
    container: { type: 'message', message_ts: '1790000000.000001', channel_id: CHANNEL, is_ephemeral: true },
    channel: { id: CHANNEL, name: CHANNEL_NAME },
    response_url: fake.responseUrl('send-now'),
    trigger_id: '1.2.99',
    actions: [{ type: 'button', action_id: 'subscription_send_now', block_id: `subscription_actions_${subId}`, value: subId, action_ts: '1' }],
  });
  await fake.waitForCalls('files.completeUploadExternal', 1, (c) => c.params.channel_id === CHANNEL);
  await fake.waitForCalls('response_url', 1, (c) => c.path === 'send-now');
  const sent = take();
  const scheduled = sent.find((c) => c.method === 'files.completeUploadExternal')!;
  out.push({
    name: 'subscription-post',
    title: 'a subscription\'s post ("Send now")',
    calls: sent,
    surface: { kind: 'channel', channel: CHANNEL_NAME, messages: [messageOf(scheduled, sent)] },
  });

  // App Home.
  await sendEvent(t.url, { type: 'app_home_opened', user: ME.id, channel: `D${ME.id}`, tab: 'home', event_ts: '1790000000.000100' });
  await fake.waitForCalls('views.publish', 1);
  const home = take();
  out.push({ name: 'app-home', title: 'App Home', calls: home, surface: { kind: 'home', view: home.find((c) => c.method === 'views.publish')!.params.view as Json } });

  // Admin modals: targets, deal events and visibility, settings.
  for (const [name, text] of [
    ['targets-modal', 'targets'],
    ['events-modal', 'events'],
    ['settings-modal', 'settings'],
  ] as const) {
    await command(text, '/dealcast', 'U0ADMIN');
    await fake.waitForCalls('views.open', 1);
    // The settings form opens with a loading view and is filled in by views.update: show what the admin ends up seeing.
    if (name === 'settings-modal') await fake.waitForCalls('views.update', 1);
    const calls = take();
    const last = calls.filter((c) => c.method === 'views.open' || c.method === 'views.update').at(-1)!;
    out.push({ name, title: `/dealcast ${text}`, calls, surface: { kind: 'modal', view: last.params.view as Json } });
  }

  // The digest and the alerts, as the scheduler runs them.
  const messenger = t.app.slack.messenger();
  const jc = jobContext({ config: t.config, db: t.db, messenger, now: () => NOW, reports: new InlineReports(t.db) });
  await runDigestJob({ ...jc.digest, channel: CHANNEL, timeZone: 'UTC' }, NOW);
  const digest = take();
  const digestPosts = digest.filter((c) => POSTS.has(c.method));
  const [digestRoot, ...digestReplies] = digestPosts.map((c) => messageOf(c, digest));
  out.push({
    name: 'digest',
    title: 'the morning digest',
    calls: digest,
    surface:
      digestReplies.length && digestPosts.slice(1).every((c) => c.params.thread_ts)
        ? { kind: 'thread', channel: CHANNEL_NAME, root: digestRoot!, replies: digestReplies }
        : { kind: 'channel', channel: CHANNEL_NAME, messages: digestPosts.map((c) => messageOf(c, digest)) },
  });
  await runAlertsJob({ ...jc.alerts, channel: CHANNEL, timeZone: 'UTC', slackUserForOwner: (id) => t.app.deps.owners.slackUserForOwner(id) }, NOW);
  const alerts = take();
  // One root per alert kind in the channel, its subjects as replies in the root's thread.
  const alertPosts = alerts.filter((c) => c.method === 'chat.postMessage' && c.params.channel === CHANNEL);
  const roots = alertPosts.filter((c) => !c.params.thread_ts);
  if (!roots.length) throw new Error('the alerts job posted nothing on the demo data');
  const repliesOf = (root: RecordedCall) => alertPosts.filter((c) => c.params.thread_ts === (root.answer as { ts: string }).ts);
  out.push({
    name: 'alerts',
    title: 'an alert run: one root per kind, subjects in its thread',
    calls: alerts,
    surface: { kind: 'channel', channel: CHANNEL_NAME, messages: roots.map((r) => ({ ...messageOf(r, alerts), replyCount: repliesOf(r).length })) },
  });
  const busiest = [...roots].sort((a, b) => repliesOf(b).length - repliesOf(a).length)[0]!;
  out.push({
    name: 'alerts-thread',
    title: 'the thread of the alert with the most subjects',
    calls: [busiest, ...repliesOf(busiest)],
    surface: { kind: 'thread', channel: CHANNEL_NAME, root: messageOf(busiest, alerts), replies: repliesOf(busiest).map((c) => messageOf(c, alerts)) },
  });
  return out;
}

/** Deal events need two syncs: the first records every deal, the second announces what changed. */
async function captureDealEvents(fake: FakeSlack, t: TestApp): Promise<Capture> {
  const messenger = t.app.slack.messenger();
  const poster: DealEventPoster = {
    post: (c, m) => messenger.post(c, m),
    reply: (c, ts, m) => messenger.reply(c, ts, m),
    openDm: (u) => t.app.slack.openDm(u),
  };
  const deps = { db: t.db, crm: 'demo', poster, slackUserForOwner: (id: string) => t.app.deps.owners.slackUserForOwner(id), log: () => {} };
  await runDealEventsJob(deps, WEEK_BEFORE);
  await t.app.deps.sync.run({ now: NOW });
  renameForScripts(t);
  drain(fake);
  await runDealEventsJob(deps, NOW);
  const calls = drain(fake);
  const posts = calls.filter((c) => c.method === 'chat.postMessage' && !c.params.thread_ts);
  if (!posts.length) throw new Error('no deal event between the two demo syncs');
  return {
    name: 'deal-events',
    title: 'deal events after a sync',
    calls,
    surface: { kind: 'channel', channel: 'deals', messages: posts.slice(0, 5).map((c) => messageOf(c, calls)) },
  };
}

function fontFaces(): { css: string; stack: string } {
  const faces = CHART_FONTS.flatMap((f) => {
    const files = fontFiles(f);
    return [
      `@font-face { font-family: '${f.family}'; font-weight: 400; src: url('${pathToFileURL(files.regular).href}'); }`,
      `@font-face { font-family: '${f.family}'; font-weight: 600 900; src: url('${pathToFileURL(files.bold).href}'); }`,
    ];
  });
  return { css: faces.join('\n'), stack: CHART_FONTS.map((f) => `'${f.family}'`).join(', ') };
}

/** The page photographed by headless Chromium, trimmed to the frame and palette-compressed. */
async function photograph(html: string, dir: string, name: string): Promise<string> {
  const page = join(dir, `${name}.html`);
  const shot = join(dir, `${name}.raw.png`);
  writeFileSync(page, html);
  execFileSync(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--hide-scrollbars',
      '--force-device-scale-factor=1',
      '--virtual-time-budget=5000',
      '--allow-file-access-from-files',
      `--screenshot=${shot}`,
      '--window-size=1000,4000',
      pathToFileURL(page).href,
    ],
    { stdio: 'pipe' },
  );
  const out = join(IMAGES, `${name}.png`);
  const trimmed = await sharp(shot).trim({ background: '#ffffff', threshold: 0 }).toBuffer();
  await sharp(trimmed)
    .extend({ top: 12, bottom: 12, left: 12, right: 12, background: '#ffffff' })
    .png({ palette: true, colours: 128, compressionLevel: 9, effort: 10, dither: 0.5 })
    .toFile(out);
  return out;
}

async function main(): Promise<void> {
  const fake = await startFakeSlack();
  const t = await startTestApp(fake, {
    now: () => NOW,
    env: { DEMO_DEALS: '1500', DEMO_SEED: '42', LOG_LEVEL: 'error' },
    reports: (db) => new InlineReports(db),
  });
  const tmp = mkdtempSync(join(tmpdir(), 'dealcast-pictures-'));
  try {
    setSetting(t.db, DEAL_EVENT_SETTING_KEYS.channel, 'C0DEALS', WEEK_BEFORE.toISOString(), 'U0ADMIN');
    setSetting(t.db, DEAL_EVENT_SETTING_KEYS.bigDealAmount, 40_000, WEEK_BEFORE.toISOString(), 'U0ADMIN');
    setSetting(t.db, DEAL_EVENT_SETTING_KEYS.bigDealCurrency, 'USD', WEEK_BEFORE.toISOString(), 'U0ADMIN');
    await t.app.deps.sync.run({ now: WEEK_BEFORE });
    const me = listOwners(t.db, 'demo').find((o) => o.id === ME.ownerId)!;
    fake.addUser({ id: ME.id, name: ME.name, realName: OWNER_RENAMES[ME.ownerId], email: me.email!, tz: 'UTC' });
    fake.addUser({ id: 'U0ADMIN', name: 'admin', realName: 'Admin', isAdmin: true, tz: 'UTC' });
    const events = await captureDealEvents(fake, t);
    // As `npm run demo` does: weekly snapshots replayed from the demo CRM (for the commit bias) and its quarter targets.
    seedDemoDealSnapshots(t.db, new DemoCrm({ seed: 42, deals: 1500, now: NOW }), NOW, 'UTC');
    seedDemoTargets(t.db, NOW, 'UTC');
    const captures = [...(await capture(fake, t)), events];

    mkdirSync(EXAMPLES, { recursive: true });
    mkdirSync(IMAGES, { recursive: true });
    for (const f of readdirSync(EXAMPLES)) if (f.endsWith('.json')) rmSync(join(EXAMPLES, f));
    for (const f of readdirSync(IMAGES)) if (f.endsWith('.png')) rmSync(join(IMAGES, f));
    const fonts = fontFaces();
    const users: Record<string, string> = { [ME.id]: OWNER_RENAMES[ME.ownerId]!, U0ADMIN: 'Admin' };
    const channels: Record<string, string> = { [CHANNEL]: CHANNEL_NAME, C0DEALS: 'deals' };
    const ctx: PreviewContext = { appName: 'dealcast', time: '9:00 AM', users, channels, fontFaces: fonts.css, fontStack: fonts.stack };
    for (const c of captures) {
      // What the app sent to show the surface (lookups such as users.info left out; uploaded bytes are in the picture).
      const sent = c.calls.filter((x) => /^(chat|files|views)\.|^response_url$/.test(x.method)).map((x) => ({ method: x.method, params: x.params }));
      writeFileSync(join(EXAMPLES, `${c.name}.json`), `${JSON.stringify({ surface: c.title, now: NOW.toISOString(), calls: sent }, null, 2)}\n`);
      const png = await photograph(renderPreview(c.surface, ctx), tmp, c.name);
      console.log(`${c.name}: ${c.title} → ${png.slice(ROOT.length + 1)}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await t.stop();
    await fake.stop();
  }
}

await main();
