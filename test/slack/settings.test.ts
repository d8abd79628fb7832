/**
 * /dealcast settings end to end, through Bolt's HTTP receiver and the fake Slack Web API:
 * signed slash commands, block_actions and view_submission payloads (form-encoded `payload=`
 * JSON, as Slack sends them). A non-admin is refused at the command, at an action and at
 * submission; an admin opens the modal, switches pipeline, applies calibrated values, gets
 * field errors for invalid input, saves; the saved mapping changes `dealcast report pipeline
 * --json`; audit rows exist; the admin gets a DM listing what changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack, type RecordedCall } from '../fakes/slack.js';
import { startTestApp, type TestApp } from '../helpers/slack-app.js';
import { sendCommand, sendInteraction } from '../helpers/slack-requests.js';
import { ModalSession } from '../helpers/slack-modal.js';
import { blockKitProblems } from '../helpers/block-kit-check.js';
import { ACTION_IDS, BLOCK_IDS } from '../../src/ids.js';
import { stageMapBlockId, stageProbabilityBlockId } from '../../src/views/settings-modal.js';
import { decodeMeta } from '../../src/settings/modal-state.js';
import { calibrationHintsFor } from '../../src/settings/metrics.js';
import { resolveTeamSettings } from '../../src/settings/resolve.js';
import { run as runReportCli } from '../../src/cli/report.js';
import { AT, seedManyStages } from '../settings/fixtures.js';
import { upsertPipelines } from '../../store/pipelines.js';
import { upsertStages } from '../../store/stages.js';
import { getStageMap, mapNewStages } from '../../store/stage-map.js';
import { STAGES_PER_PAGE } from '../../src/views/settings-modal.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const BOSS = { id: 'U0BOSS', name: 'boss' };
const MARIA = { id: 'U0MARIA', name: 'maria' };
let fake: FakeSlack;
let t: TestApp;

beforeAll(async () => {
  fake = await startFakeSlack();
  fake.addUser({ id: 'U0MARIA', name: 'maria', email: 'maria@acme.test' });
  fake.addUser({ id: 'U0BOSS', name: 'boss', email: 'boss@acme.test', isAdmin: true });
  fake.addUser({ id: 'U0OWNER', name: 'owner', isOwner: true });
  fake.addUser({ id: 'U0ADMIN', name: 'envadmin', email: 'ops@acme.test' });
  t = await startTestApp(fake, { now: () => NOW, env: { DEMO_DEALS: '1500', DIGEST_CHANNEL: 'C0DIGEST' } });
  await t.app.deps.sync.run({ now: new Date('2026-11-24T08:45:00Z') });
});
afterAll(async () => {
  await t?.stop();
  await fake?.stop();
});

async function reportJson(...extra: string[]): Promise<{ total: { weighted: number }; stages: { stage: string; weighted: number }[]; calibration: { stages: { stage: string; probability: number; source: string }[] } }> {
  let out = '';
  const code = await runReportCli(['pipeline', '--json', '--db', t.config.DEALCAST_DB, '--now', NOW.toISOString(), ...extra], {
    stdout: (s) => (out += s),
    stderr: (s) => (out += s),
    env: { CRM: 'demo' },
  });
  expect(code).toBe(0);
  return JSON.parse(out);
}

const auditCount = () => t.db.prepare('SELECT COUNT(*) FROM settings_audit').pluck().get() as number;
const lastCall = (calls: RecordedCall[]) => calls[calls.length - 1]!;

describe('/dealcast settings', () => {
  it('refuses a non-admin at the command, ephemerally, without opening anything', async () => {
    fake.reset();
    const r = await sendCommand(t.url, { command: '/dealcast', text: 'settings', user_id: 'U0MARIA', response_url: fake.responseUrl('refused') });
    expect(r.status).toBe(200);
    const [reply] = (await fake.waitForCalls('response_url', 1, (c) => c.path === 'refused')).map((c) => c.params);
    expect(reply!.response_type).toBe('ephemeral');
    expect(String(reply!.text)).toMatch(/Only dealcast admins can change settings/);
    expect(fake.calls('views.open')).toHaveLength(0);
  });

  it('an admin opens, switches pipeline, applies calibrated values, gets field errors, and saves', async () => {
    fake.reset();
    t.db.prepare("UPDATE stage_map SET needs_review = 1 WHERE crm = 'demo' AND stage_id = 'ent-solution'").run();
    const before = await reportJson();
    const beforeNb = await reportJson('--pipeline', 'New Business');

    // Open: views.open with the command's trigger_id, at once; the full view follows by views.update.
    const r = await sendCommand(t.url, { command: '/dealcast', text: 'settings', user_id: 'U0BOSS', response_url: fake.responseUrl('open'), trigger_id: '555.42.settings' });
    expect(r.status).toBe(200);
    const [open] = await fake.waitForCalls('views.open');
    expect(open!.params.trigger_id).toBe('555.42.settings');
    const session = new ModalSession(open!);
    const firstUpdate = lastCall(await fake.waitForCalls('views.update', 1));
    expect(firstUpdate.params.view_id).toBe(session.view.id);
    session.update(firstUpdate);
    expect(blockKitProblems(session.view)).toEqual([]);
    // It opens where attention is needed: the Enterprise stage flagged for review.
    let meta = decodeMeta(session.view.private_metadata)!;
    expect(meta.p).toBe('enterprise');
    const flagged = session.block(stageProbabilityBlockId(meta.r, 'ent-solution'));
    expect(flagged.label.text).toMatch(/^:warning: Review: 3\. Solution Review/);
    expect(flagged.hint.text).toMatch(/^CRM 50% · history /);

    // Edit Enterprise, and a channel, then switch to New Business: nothing is lost.
    session.typeText(stageProbabilityBlockId(meta.r, 'ent-solution'), ACTION_IDS.settingsStageProbability, '55');
    session.set(BLOCK_IDS.settingsDigestChannel, ACTION_IDS.settingsField, { selected_conversation: 'C0NEWDIGEST' });
    session.selectOption(BLOCK_IDS.settingsPipeline, ACTION_IDS.settingsPipelineSelect, 'new-business');
    const sw = await sendInteraction(t.url, session.blockActions(BOSS, BLOCK_IDS.settingsPipeline, ACTION_IDS.settingsPipelineSelect));
    expect(sw.status).toBe(200);
    session.update(lastCall(await fake.waitForCalls('views.update', 2)));
    meta = decodeMeta(session.view.private_metadata)!;
    expect(meta.p).toBe('new-business');
    expect(meta.d['ent-solution']).toEqual([expect.any(Number), '55', 1]);
    const rows = session.blockStartingWith(BLOCK_IDS.settingsStageProbabilityPrefix).map((b) => b.block_id);
    expect(rows).toEqual(['nb-lead', 'nb-discovery', 'nb-demo', 'nb-proposal', 'nb-negotiation', 'nb-won', 'nb-lost'].map((id) => stageProbabilityBlockId(meta.r, id)));
    expect(session.block(BLOCK_IDS.settingsDigestChannel).element.initial_conversation).toBe('C0NEWDIGEST');
    expect(blockKitProblems(session.view)).toEqual([]);

    // Use calibrated probabilities: filled where the sample is large enough.
    const hints = calibrationHintsFor(t.db, 'demo', 'new-business', NOW, 'UTC');
    // The hints are the report's own calibration for this pipeline (no overrides yet).
    for (const row of beforeNb.calibration.stages.filter((x) => x.source === 'history')) {
      expect(hints[row.stage as 'Lead']!.probability).toBeCloseTo(row.probability, 12);
      expect(hints[row.stage as 'Lead']!.enough).toBe(true);
    }
    const calibrated = await sendInteraction(t.url, session.blockActions(BOSS, BLOCK_IDS.settingsTools, ACTION_IDS.settingsUseCalibrated));
    expect(calibrated.status).toBe(200);
    session.update(lastCall(await fake.waitForCalls('views.update', 3)));
    meta = decodeMeta(session.view.private_metadata)!;
    expect(session.block(BLOCK_IDS.settingsNotice).elements[0].text).toMatch(/Filled in calibrated probabilities for \d+ open stage/);
    let filled = 0;
    const filledIds: string[] = [];
    for (const id of ['nb-lead', 'nb-discovery', 'nb-demo', 'nb-proposal', 'nb-negotiation']) {
      const canonical = session.block(stageMapBlockId(meta.r, id)).elements[0].initial_option.value as 'Lead';
      const h = hints[canonical];
      const input = session.block(stageProbabilityBlockId(meta.r, id)).element;
      if (h?.enough) {
        expect(input.initial_value).toBe(String(Math.round(h.probability * 100)));
        filled++;
        filledIds.push(id);
      } else expect(input.initial_value).toBeUndefined();
    }
    expect(filled).toBeGreaterThan(0);

    // Invalid input: errors next to the fields, nothing saved.
    session.typeText(stageProbabilityBlockId(meta.r, 'nb-demo'), ACTION_IDS.settingsStageProbability, '150');
    session.typeText(stageProbabilityBlockId(meta.r, 'nb-won'), ACTION_IDS.settingsStageProbability, '80');
    session.set(`${BLOCK_IDS.settingsThresholdPrefix}stuckMultiple`, ACTION_IDS.settingsField, { value: '0.5' });
    const audits = auditCount();
    const bad = await sendInteraction(t.url, session.viewSubmission(BOSS));
    expect(bad.status).toBe(200);
    const errors = JSON.parse(bad.body) as { response_action: string; errors: Record<string, string> };
    expect(errors.response_action).toBe('errors');
    expect(Object.keys(errors.errors).sort()).toEqual(
      [stageProbabilityBlockId(meta.r, 'nb-demo'), stageProbabilityBlockId(meta.r, 'nb-won'), `${BLOCK_IDS.settingsThresholdPrefix}stuckMultiple`].sort(),
    );
    expect(errors.errors[stageProbabilityBlockId(meta.r, 'nb-won')]).toMatch(/Closed Won.*100/);
    expect(auditCount()).toBe(audits);
    expect(getStageMap(t.db, 'demo').get('ent-solution')!.winProbability).toBeNull();

    // A non-admin posting the same form is refused on the server, whatever the modal says.
    session.typeText(stageProbabilityBlockId(meta.r, 'nb-demo'), ACTION_IDS.settingsStageProbability, '');
    session.typeText(stageProbabilityBlockId(meta.r, 'nb-won'), ACTION_IDS.settingsStageProbability, '100');
    session.set(`${BLOCK_IDS.settingsThresholdPrefix}stuckMultiple`, ACTION_IDS.settingsField, { value: '2.5' });
    const forged = await sendInteraction(t.url, session.viewSubmission(MARIA));
    const refusal = JSON.parse(forged.body) as { response_action: string; errors: Record<string, string> };
    expect(refusal.response_action).toBe('errors');
    expect(refusal.errors[BLOCK_IDS.settingsPipeline]).toMatch(/Not saved\. Only dealcast admins/);
    expect(auditCount()).toBe(audits);

    // Valid: saved, modal closes (empty ack), DM lists the changes.
    const ok = await sendInteraction(t.url, session.viewSubmission(BOSS));
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('');
    const [dm] = await fake.waitForCalls('chat.postMessage', 1, (c) => c.params.channel === 'DU0BOSS');
    const dmText = JSON.stringify(dm!.params.blocks);
    expect(dmText).toContain('Enterprise › Solution Review');
    expect(dmText).toContain('win auto → 55%');
    expect(dmText).toContain('Digest channel');
    expect(dmText).toContain('<#C0DIGEST> → <#C0NEWDIGEST>');
    expect(dmText).toContain('Stuck deal multiple');

    const map = getStageMap(t.db, 'demo');
    expect(map.get('ent-solution')).toMatchObject({ winProbability: 0.55, needsReview: false, mappedBy: 'U0BOSS' });
    expect(map.get('nb-won')!.winProbability).toBe(1);
    expect(map.get('nb-demo')!.winProbability).toBeNull();
    const audit = t.db.prepare("SELECT user_id AS userId, what, old, new FROM settings_audit WHERE what = 'stage_map:demo:ent-solution'").get() as { userId: string; old: string; new: string };
    expect(audit.userId).toBe('U0BOSS');
    expect(JSON.parse(audit.old)).toMatchObject({ win_probability: null, needs_review: true });
    expect(JSON.parse(audit.new)).toMatchObject({ win_probability: 0.55, needs_review: false });
    expect(resolveTeamSettings(t.db, t.config).digestChannel).toBe('C0NEWDIGEST');
    expect(t.db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get('digest.channel')).toBe('"C0NEWDIGEST"');

    // The next report uses it.
    const after = await reportJson();
    expect(after.total.weighted).not.toBeCloseTo(before.total.weighted, 0);
    // The calibrated values filled in were saved as overrides (nb-demo was blanked again: automatic).
    for (const id of filledIds.filter((x) => x !== 'nb-demo')) {
      expect(map.get(id)!.winProbability).toBeCloseTo(Math.round(hints[map.get(id)!.canonical as 'Lead']!.probability * 100) / 100, 10);
    }
    // In New Business every stage of a canonical stage the admin filled in now has an override: the report says 'admin'.
    const afterNb = await reportJson('--pipeline', 'New Business');
    expect(beforeNb.calibration.stages.some((s) => s.source === 'admin')).toBe(false);
    expect(afterNb.calibration.stages.filter((s) => s.source === 'admin').length).toBeGreaterThan(0);
    expect(afterNb.total.weighted).not.toBeCloseTo(beforeNb.total.weighted, 0);
  });

  it('re-checks the admin on every modal action', async () => {
    fake.reset();
    await sendCommand(t.url, { command: '/dealcast', text: 'settings', user_id: 'U0ADMIN', response_url: fake.responseUrl('env-admin'), trigger_id: '777.1.x' });
    const [open] = await fake.waitForCalls('views.open');
    const session = new ModalSession(open!);
    session.update(lastCall(await fake.waitForCalls('views.update', 1)));
    // DEALCAST_ADMINS admits U0ADMIN even though Slack says they are no workspace admin.
    expect(session.blockStartingWith(BLOCK_IDS.settingsStageProbabilityPrefix).length).toBeGreaterThan(0);
    session.selectOption(BLOCK_IDS.settingsPipeline, ACTION_IDS.settingsPipelineSelect, 'enterprise');
    const r = await sendInteraction(t.url, session.blockActions(MARIA, BLOCK_IDS.settingsPipeline, ACTION_IDS.settingsPipelineSelect));
    expect(r.status).toBe(200);
    const refused = lastCall(await fake.waitForCalls('views.update', 2));
    const blocks = (refused.params.view as { blocks: { text?: { text: string } }[] }).blocks;
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.text!.text).toMatch(/Only dealcast admins/);
  });

  it('refuses an interaction with a forged signature', async () => {
    fake.reset();
    const r = await sendInteraction(t.url, { type: 'block_actions', user: { id: 'U0BOSS' }, actions: [] }, { secret: 'wrong-secret' });
    expect(r.status).toBe(401);
    expect(fake.recorded).toHaveLength(0);
  });

  it('a 40-stage pipeline pages through its stages, and an edit on page 1 is saved from page 2', async () => {
    fake.reset();
    seedManyStages(t.db, 40);
    await sendCommand(t.url, { command: '/dealcast', text: 'settings', user_id: 'U0BOSS', response_url: fake.responseUrl('big'), trigger_id: '888.1.x' });
    const [open] = await fake.waitForCalls('views.open');
    const session = new ModalSession(open!);
    session.update(lastCall(await fake.waitForCalls('views.update', 1)));
    session.selectOption(BLOCK_IDS.settingsPipeline, ACTION_IDS.settingsPipelineSelect, 'big');
    await sendInteraction(t.url, session.blockActions(BOSS, BLOCK_IDS.settingsPipeline, ACTION_IDS.settingsPipelineSelect));
    session.update(lastCall(await fake.waitForCalls('views.update', 2)));
    let meta = decodeMeta(session.view.private_metadata)!;
    expect(session.blockStartingWith(BLOCK_IDS.settingsStageProbabilityPrefix)).toHaveLength(STAGES_PER_PAGE);
    expect(session.blocks.length).toBeLessThanOrEqual(100);
    expect(blockKitProblems(session.view)).toEqual([]);
    session.typeText(stageProbabilityBlockId(meta.r, 'big-stage-02'), ACTION_IDS.settingsStageProbability, '12');
    session.set(stageMapBlockId(meta.r, 'big-stage-04'), ACTION_IDS.settingsStageIncluded, { selected_options: [] });
    await sendInteraction(t.url, session.blockActions(BOSS, BLOCK_IDS.settingsTools, `${ACTION_IDS.settingsStagePage}_next`));
    session.update(lastCall(await fake.waitForCalls('views.update', 3)));
    meta = decodeMeta(session.view.private_metadata)!;
    expect(meta.g).toBe(1);
    expect(session.blockStartingWith(BLOCK_IDS.settingsStageProbabilityPrefix)).toHaveLength(42 - STAGES_PER_PAGE);
    expect(blockKitProblems(session.view)).toEqual([]);
    session.typeText(stageProbabilityBlockId(meta.r, 'big-stage-35'), ACTION_IDS.settingsStageProbability, '77');
    const ok = await sendInteraction(t.url, session.viewSubmission(BOSS));
    expect(ok.body).toBe('');
    const map = getStageMap(t.db, 'demo');
    expect(map.get('big-stage-02')!.winProbability).toBe(0.12);
    expect(map.get('big-stage-04')!.included).toBe(false);
    expect(map.get('big-stage-35')!.winProbability).toBe(0.77);
    expect(map.get('big-stage-10')!.mappedBy).toBe('auto');
    await fake.waitForCalls('chat.postMessage', 1, (c) => c.params.channel === 'DU0BOSS');
  });

  it('acks Save at once even when the admin check must ask Slack (and Slack is rate limiting users.info), then saves and says so', async () => {
    fake.reset();
    await sendCommand(t.url, { command: '/dealcast', text: 'settings', user_id: 'U0BOSS', response_url: fake.responseUrl('own'), trigger_id: '950.1.a' });
    const [open] = await fake.waitForCalls('views.open');
    const session = new ModalSession(open!);
    session.update(lastCall(await fake.waitForCalls('views.update', 1)));
    session.set(BLOCK_IDS.settingsAlertChannel, ACTION_IDS.settingsField, { selected_conversation: 'C0OWNERALERTS' });
    // A workspace owner never checked before submits: users.info is rate limited for a second.
    fake.failNext('users.info', { ratelimited: true, retryAfter: 1 });
    const ack = await sendInteraction(t.url, session.viewSubmission({ id: 'U0OWNER', name: 'owner' }));
    const body = JSON.parse(ack.body) as { response_action: string; view: { blocks: { text?: { text: string } }[] } };
    expect(body.response_action).toBe('update');
    expect(body.view.blocks[0]!.text!.text).toMatch(/Saving/);
    // The ack went out before Slack had answered the admin check.
    expect(fake.calls('users.info').filter((c) => c.status === 200 && c.params.user === 'U0OWNER')).toHaveLength(0);
    const done = await fake.waitForCalls('views.update', 1, (c) => JSON.stringify(c.params.view).includes('Saved 1 change'));
    expect(JSON.stringify(done[0]!.params.view)).toContain('I sent you the list by direct message');
    // The DM went out before the modal said so.
    const dm = fake.recorded.findIndex((c) => c.method === 'chat.postMessage' && c.params.channel === 'DU0OWNER');
    expect(dm).toBeGreaterThanOrEqual(0);
    expect(dm).toBeLessThan(fake.recorded.indexOf(done[0]!));
    expect(resolveTeamSettings(t.db, t.config).alertChannel).toBe('C0OWNERALERTS');
  });

  it('does not let an older form undo a newer save', async () => {
    fake.reset();
    const openFor = async (user: string, trigger: string, n: number) => {
      await sendCommand(t.url, { command: '/dealcast', text: 'settings', user_id: user, response_url: fake.responseUrl(trigger), trigger_id: trigger });
      const opens = await fake.waitForCalls('views.open', n);
      const session = new ModalSession(opens[n - 1]!);
      const updates = await fake.waitForCalls('views.update', 1, (c) => c.params.view_id === session.view.id);
      session.update(lastCall(updates));
      return session;
    };
    const older = await openFor('U0BOSS', '901.1.a', 1);
    const newer = await openFor('U0ADMIN', '902.1.b', 2);
    newer.set(BLOCK_IDS.settingsAlertChannel, ACTION_IDS.settingsField, { selected_conversation: 'C0ALERTS2' });
    expect((await sendInteraction(t.url, newer.viewSubmission({ id: 'U0ADMIN', name: 'envadmin' }))).body).toBe('');
    older.set(BLOCK_IDS.settingsAlertChannel, ACTION_IDS.settingsField, { selected_conversation: 'C0OLD' });
    const r = JSON.parse((await sendInteraction(t.url, older.viewSubmission(BOSS))).body) as { response_action: string; errors: Record<string, string> };
    expect(r.response_action).toBe('errors');
    expect(r.errors[BLOCK_IDS.settingsPipeline]).toMatch(/^Not saved: the settings were saved again at .* UTC \(by Slack user U0ADMIN\) after you opened this form\./);
    expect(resolveTeamSettings(t.db, t.config).alertChannel).toBe('C0ALERTS2');
    await fake.waitForCalls('chat.postMessage', 1, (c) => c.params.channel === 'DU0ADMIN');
  });

  it('with too many unsaved edits to carry to another page, stays on the page and says to save first', async () => {
    fake.reset();
    const id = (i: number) => `huge-${String(i).padStart(2, '0')}-${'x'.repeat(180)}`;
    upsertPipelines(t.db, 'demo', [{ id: 'huge', name: 'Huge ids', position: 9 }], AT);
    upsertStages(
      t.db,
      'demo',
      Array.from({ length: 35 }, (_, i) => ({ id: id(i), pipelineId: 'huge', name: `Stage ${i + 1}`, position: i, probability: 0.5, isClosed: false, isWon: false })),
      AT,
    );
    mapNewStages(t.db, 'demo', AT, false);
    await sendCommand(t.url, { command: '/dealcast', text: 'settings', user_id: 'U0BOSS', response_url: fake.responseUrl('huge'), trigger_id: '999.1.x' });
    const [open] = await fake.waitForCalls('views.open');
    const session = new ModalSession(open!);
    session.update(lastCall(await fake.waitForCalls('views.update', 1)));
    session.selectOption(BLOCK_IDS.settingsPipeline, ACTION_IDS.settingsPipelineSelect, 'huge');
    await sendInteraction(t.url, session.blockActions(BOSS, BLOCK_IDS.settingsPipeline, ACTION_IDS.settingsPipelineSelect));
    session.update(lastCall(await fake.waitForCalls('views.update', 2)));
    let meta = decodeMeta(session.view.private_metadata)!;
    for (let i = 0; i < STAGES_PER_PAGE; i++) session.typeText(stageProbabilityBlockId(meta.r, id(i)), ACTION_IDS.settingsStageProbability, String(i + 1));
    await sendInteraction(t.url, session.blockActions(BOSS, BLOCK_IDS.settingsTools, `${ACTION_IDS.settingsStagePage}_next`));
    session.update(lastCall(await fake.waitForCalls('views.update', 3)));
    meta = decodeMeta(session.view.private_metadata)!;
    expect(meta.g).toBe(0);
    expect(session.view.private_metadata.length).toBeLessThanOrEqual(3000);
    expect(session.block(BLOCK_IDS.settingsNotice).elements[0].text).toMatch(/Too many unsaved edits .* Save these first/);
    // Nothing typed is lost: the page is shown again with the values as initial values.
    expect(session.block(stageProbabilityBlockId(meta.r, id(7))).element.initial_value).toBe('8');
    expect((await sendInteraction(t.url, session.viewSubmission(BOSS))).body).toBe('');
    expect(getStageMap(t.db, 'demo').get(id(7))!.winProbability).toBe(0.08);
    await fake.waitForCalls('chat.postMessage', 1, (c) => c.params.channel === 'DU0BOSS');
  });

  it('a save that fails half-way (no audit table) answers "Not saved" next to the pipeline and changes nothing', async () => {
    fake.reset();
    await sendCommand(t.url, { command: '/dealcast', text: 'settings', user_id: 'U0BOSS', response_url: fake.responseUrl('fail'), trigger_id: '1001.1.x' });
    const [open] = await fake.waitForCalls('views.open');
    const session = new ModalSession(open!);
    session.update(lastCall(await fake.waitForCalls('views.update', 1)));
    const meta = decodeMeta(session.view.private_metadata)!;
    const first = session.blockStartingWith(BLOCK_IDS.settingsStageProbabilityPrefix)[0]!;
    const stageId = first.block_id.slice(`${BLOCK_IDS.settingsStageProbabilityPrefix}${meta.r}_`.length);
    session.typeText(first.block_id, ACTION_IDS.settingsStageProbability, '42');
    session.set(BLOCK_IDS.settingsTimeZone, ACTION_IDS.settingsField, { value: 'Asia/Tokyo' });
    const before = getStageMap(t.db, 'demo').get(stageId)!;
    t.db.exec('ALTER TABLE settings_audit RENAME TO settings_audit_away');
    try {
      const r = JSON.parse((await sendInteraction(t.url, session.viewSubmission(BOSS))).body) as { response_action: string; errors: Record<string, string> };
      expect(r.response_action).toBe('errors');
      expect(r.errors[BLOCK_IDS.settingsPipeline]).toMatch(/^Not saved: /);
    } finally {
      t.db.exec('ALTER TABLE settings_audit_away RENAME TO settings_audit');
    }
    expect(getStageMap(t.db, 'demo').get(stageId)).toEqual(before);
    expect(resolveTeamSettings(t.db, t.config).timeZone).toBe('UTC');
    expect(t.logs.some((l) => l.startsWith('settings: submission by U0BOSS failed:'))).toBe(true);
  });
});

