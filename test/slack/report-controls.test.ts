/**
 * Report message controls end to end through signed HTTP requests and the fake Web API: a
 * select change re-renders the message in place with chat.update (a chart report gets its new
 * PNG as the message's file); "Deals behind this" posts a paged table block into the thread;
 * "Download CSV" uploads the rows into the thread; and every control obeys the clicking user's
 * scope (a rep scoped to own deals cannot reach another rep's deals through a button or a CSV).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack, type RecordedCall } from '../fakes/slack.js';
import { startTestApp, type TestApp } from '../helpers/slack-app.js';
import { sendCommand, sendInteraction } from '../helpers/slack-requests.js';
import { listOwners } from '../../store/owners.js';
import { setSetting } from '../../store/settings.js';
import { VISIBILITY_KEYS } from '../../src/access/visibility.js';
import { InlineReports, type ReportTask, type ReportWork } from '../../src/reports/work.js';
import { DEALS_PAGE_ROWS } from '../../src/views/report-controls.js';
import { computeReport } from '../../src/reports/compute.js';

/** Every report the app asks for, in order: the controls must compute through deps.reports, never inline. */
const tasks: ReportTask[] = [];
const counting = (work: ReportWork): ReportWork => ({
  run: (task) => {
    tasks.push(structuredClone(task));
    return work.run(task);
  },
  render: (name, report, scale) => work.render(name, report, scale),
  close: () => work.close(),
});

const NOW = new Date('2026-11-24T09:00:00Z');
const MSG_TS = '1790000000.000500';
let fake: FakeSlack;
let t: TestApp;
let a: { id: string; name: string };
let b: { id: string; name: string };
let bDeals: string[];

beforeAll(async () => {
  fake = await startFakeSlack();
  t = await startTestApp(fake, { now: () => NOW, reports: (db) => counting(new InlineReports(db)) });
  await t.app.deps.sync.run({ now: new Date('2026-11-24T08:30:00Z') });
  const owners = listOwners(t.db, 'demo');
  a = owners[0]!;
  b = owners[1]!;
  fake.addUser({ id: 'U0MARIA', name: 'maria', email: owners[0]!.email! });
  fake.addUser({ id: 'U0BOB', name: 'bob', email: owners[1]!.email! });
  bDeals = t.db.prepare(`SELECT name FROM deals WHERE crm = 'demo' AND owner_id = ? AND status = 'open' AND deleted_at IS NULL`).pluck().all(b.id) as string[];
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await fake?.stop();
});
beforeEach(() => fake.reset());

type Json = Record<string, any>;

async function pipelineMessage(user = 'U0MARIA'): Promise<Json[]> {
  await sendCommand(t.url, { command: '/pipeline', text: '', channel_id: 'C0REPORTS', user_id: user, response_url: fake.responseUrl() });
  const [share] = await fake.waitForCalls('files.completeUploadExternal', 1, (c) => c.params.channel_id === 'C0REPORTS');
  return share!.params.blocks as Json[];
}

function element(blocks: Json[], actionId: string): Json {
  for (const b of blocks) for (const e of (b.elements as Json[] | undefined) ?? []) if (e.action_id === actionId) return e;
  throw new Error(`no ${actionId} in ${JSON.stringify(blocks).slice(0, 300)}`);
}

async function act(user: string, blocks: Json[], action: Json, opts: { ts?: string; threadTs?: string } = {}) {
  const rid = `A-${Math.random().toString(36).slice(2)}`;
  const r = await sendInteraction(t.url, {
    type: 'block_actions',
    user: { id: user },
    team: { id: 'T0FAKE' },
    api_app_id: 'A0DEALCAST',
    token: 'x',
    container: { type: 'message', message_ts: opts.ts ?? MSG_TS, channel_id: 'C0REPORTS', is_ephemeral: false },
    channel: { id: 'C0REPORTS', name: 'sales' },
    message: { type: 'message', ts: opts.ts ?? MSG_TS, ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}), blocks },
    response_url: fake.responseUrl(rid),
    trigger_id: '1.2.3',
    actions: [{ block_id: 'report_controls', action_ts: '1', ...action }],
  });
  expect(r.status).toBe(200);
  return rid;
}

describe('report controls', () => {
  it('a select change re-renders the chart message in place with chat.update and a new file', async () => {
    const blocks = await pipelineMessage();
    const owner = element(blocks, 'report_owner');
    expect(owner.options.map((o: Json) => o.value)).toContain(b.id);
    expect(owner.options.length).toBeLessThanOrEqual(100);
    fake.reset();
    tasks.length = 0;
    await act('U0MARIA', blocks, { type: 'static_select', action_id: 'report_owner', selected_option: { text: { type: 'plain_text', text: b.name }, value: b.id } });
    const [update] = await fake.waitForCalls('chat.update');
    // The report and its PNG were made by the report workers, not on the event loop.
    expect(tasks.map((x) => [x.name, x.chart?.scale, x.opts.filters?.owner])).toEqual([['pipeline', 2, b.id]]);
    expect(update!.params.ts).toBe(MSG_TS);
    expect(update!.params.channel).toBe('C0REPORTS');
    const shares = fake.calls('files.completeUploadExternal');
    expect(shares).toHaveLength(1);
    expect(shares[0]!.params.channel_id).toBeUndefined(); // uploaded, not shared
    const fileId = (shares[0]!.params.files as { id: string }[])[0]!.id;
    expect(update!.params.file_ids).toEqual([fileId]);
    const text = JSON.stringify(update!.params.blocks);
    expect(text).toContain(`owner ${b.name}`);
    expect(element(update!.params.blocks as Json[], 'report_owner').initial_option.value).toBe(b.id);
    // The state rides along: the next change keeps the owner and adds the period.
    fake.reset();
    await act('U0MARIA', update!.params.blocks as Json[], { type: 'static_select', action_id: 'report_period', selected_option: { text: { type: 'plain_text', text: 'Last 90 days' }, value: '90d' } });
    const [again] = await fake.waitForCalls('chat.update');
    expect(JSON.stringify(again!.params.blocks)).toContain(`owner ${b.name} · since 2026-08-26`); // 90 days before 24 Nov
  }, 30_000);

  it('"Deals behind this" posts a paged table block into the thread; Next updates it in place', async () => {
    const blocks = await pipelineMessage();
    fake.reset();
    tasks.length = 0;
    const button = element(blocks, 'report_deals_behind');
    await act('U0MARIA', blocks, { type: 'button', action_id: 'report_deals_behind', value: button.value });
    const [post] = await fake.waitForCalls('chat.postMessage', 1, (c) => c.params.thread_ts === MSG_TS);
    const reply = post!.params.blocks as Json[];
    const table = reply.find((x) => x.type === 'table')!;
    expect(table.rows[0].map((c: Json) => c.text)).toEqual(['Deal', 'Amount', 'Stage', 'Owner', 'Days in stage', 'Close date']);
    expect(table.rows.length).toBe(21); // header + 20
    // Every open deal, biggest first; only the first page's rows left SQL, and the count is all of them.
    const all = computeReport(t.db, 'demo', 'deals', { now: NOW, limit: 10_000_000, threshold: 0, order: 'amount', timeZone: 'UTC' });
    const pages = Math.ceil(all.total / DEALS_PAGE_ROWS);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(reply)).toContain(`${all.total} deals · page 1 of ${pages}`);
    expect(table.rows.slice(1).map((r: Json[]) => r[0]!.text)).toEqual(all.deals.slice(0, DEALS_PAGE_ROWS).map((d) => d.name));
    expect(tasks.map((x) => [x.name, x.opts.limit, x.opts.order, x.opts.threshold])).toEqual([['deals', DEALS_PAGE_ROWS, 'amount', 0]]);
    const next = element(reply, 'report_deals_page');
    fake.reset();
    tasks.length = 0;
    const replyTs = (post!.answer as { ts: string }).ts;
    await act('U0MARIA', reply, { type: 'button', action_id: 'report_deals_page', value: next.value }, { ts: replyTs, threadTs: MSG_TS });
    const [upd] = await fake.waitForCalls('chat.update');
    expect(upd!.params.ts).toBe(replyTs);
    expect(JSON.stringify(upd!.params.blocks)).toContain(`page 2 of ${pages}`);
    const table2 = (upd!.params.blocks as Json[]).find((x) => x.type === 'table')!;
    expect(table2.rows.slice(1).map((r: Json[]) => r[0]!.text)).toEqual(all.deals.slice(DEALS_PAGE_ROWS, 2 * DEALS_PAGE_ROWS).map((d) => d.name));
    expect(tasks.map((x) => [x.name, x.opts.limit])).toEqual([['deals', 2 * DEALS_PAGE_ROWS]]);
  }, 30_000);

  it('"Download CSV" uploads the report rows into the thread', async () => {
    const blocks = await pipelineMessage();
    fake.reset();
    tasks.length = 0;
    await act('U0MARIA', blocks, { type: 'button', action_id: 'report_csv', value: element(blocks, 'report_csv').value });
    const [share] = await fake.waitForCalls('files.completeUploadExternal', 1, (c) => c.params.channel_id === 'C0REPORTS');
    expect(share!.params.thread_ts).toBe(MSG_TS);
    expect(tasks.map((x) => [x.name, x.chart])).toEqual([['pipeline', undefined]]);
    const [get] = fake.calls('files.getUploadURLExternal');
    expect(get!.params.filename).toBe('pipeline-2026-11-24.csv');
    const csv = fake.uploads.get((share!.params.files as { id: string }[])[0]!.id)!.toString('utf8');
    expect(csv.split('\r\n')[0]).toBe('stage,count,value,weighted');
    expect(csv.split('\r\n').length).toBeGreaterThan(3);
  }, 30_000);

  it('a rep scoped to own deals cannot reach another rep through the controls, the table or the CSV', async () => {
    setSetting(t.db, VISIBILITY_KEYS.scope, 'own', NOW.toISOString(), 'U0ADMIN');
    try {
      await sendCommand(t.url, { command: '/deals', text: '', channel_id: 'C0REPORTS', user_id: 'U0MARIA', response_url: fake.responseUrl() });
      const [post] = await fake.waitForCalls('chat.postMessage', 1, (c) => c.params.channel === 'C0REPORTS');
      const blocks = post!.params.blocks as Json[];
      // Only her own name among the owners she can pick.
      expect(element(blocks, 'report_owner').options.map((o: Json) => o.value)).toEqual(['*', a.id]);
      fake.reset();

      // A crafted click for Bob's deals is refused.
      const rid = await act('U0MARIA', blocks, { type: 'static_select', action_id: 'report_owner', selected_option: { text: { type: 'plain_text', text: 'x' }, value: b.id } });
      const [refusal] = await fake.waitForCalls('response_url', 1, (c: RecordedCall) => c.path === rid);
      expect(String(refusal!.params.text)).toContain('You can see your own deals');
      expect(fake.calls('chat.update')).toHaveLength(0);

      // A button whose state was crafted to name Bob is refused too.
      const crafted = JSON.stringify({ r: 'deals', o: b.id });
      const rid2 = await act('U0MARIA', blocks, { type: 'button', action_id: 'report_csv', value: crafted });
      await fake.waitForCalls('response_url', 1, (c: RecordedCall) => c.path === rid2);
      expect(fake.calls('files.completeUploadExternal')).toHaveLength(0);

      // Her CSV and table hold only her deals.
      await act('U0MARIA', blocks, { type: 'button', action_id: 'report_csv', value: element(blocks, 'report_csv').value });
      const [share] = await fake.waitForCalls('files.completeUploadExternal', 1, (c) => c.params.channel_id === 'C0REPORTS');
      const csv = fake.uploads.get((share!.params.files as { id: string }[])[0]!.id)!.toString('utf8');
      expect(csv).toContain(a.name);
      expect(bDeals.filter((n) => csv.includes(n))).toEqual([]);
      await act('U0MARIA', blocks, { type: 'button', action_id: 'report_deals_behind', value: element(blocks, 'report_deals_behind').value });
      const [table] = await fake.waitForCalls('chat.postMessage', 1, (c) => c.params.thread_ts === MSG_TS);
      const tableText = JSON.stringify(table!.params.blocks);
      expect(tableText).toContain('visible to your own deals');
      expect(bDeals.filter((n) => tableText.includes(n))).toEqual([]);
    } finally {
      setSetting(t.db, VISIBILITY_KEYS.scope, 'all', NOW.toISOString(), 'U0ADMIN');
    }
  }, 30_000);
});
