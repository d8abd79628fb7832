/**
 * The alert job's reconciliation with the alert log, over hand-built report objects (the
 * numbers are the metrics' business; here: who is announced, when, in which thread, and when not).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runAlertsJob, type AlertDeps } from '../../src/jobs/alerts.js';
import type { ReportProvider } from '../../src/jobs/digest.js';
import type { PipelineSource } from '../../src/jobs/snapshot.js';
import { RecordingMessenger, type MessengerCall } from '../../src/delivery/messenger.js';
import type { DealListRow, ReportByName } from '../../src/metrics/report-types.js';
import { upsertOwners, setOwnerSlackUser } from '../../store/owners.js';
import { upsertStages } from '../../store/stages.js';
import { mapNewStages } from '../../store/stage-map.js';
import { saveSnapshotDay } from '../../store/snapshots.js';
import { setSetting } from '../../store/settings.js';
import { listAlerts } from '../../store/alert-log.js';
import type { Db } from '../../store/db.js';
import { tempDb } from '../helpers/db.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanups.splice(0)) f();
});

const NOW = new Date('2026-11-24T09:00:00Z'); // a Tuesday
const base = { currency: 'USD', filters: {}, as_of: NOW.toISOString() };

/** The world the reports describe; tests edit it between runs. */
interface World {
  pipelineValue: number;
  reps: ReportByName['reps']['reps'];
  stuck: DealListRow[];
}

function setup() {
  const t = tempDb();
  cleanups.push(t.cleanup);
  const db = t.db;
  upsertStages(
    db,
    'demo',
    [
      { id: 's-prop', pipelineId: 'p', name: 'Proposal made', position: 2, probability: 0.4, isClosed: false, isWon: false },
      { id: 's-neg', pipelineId: 'p', name: 'Negotiation', position: 3, probability: 0.6, isClosed: false, isWon: false },
    ],
    NOW.toISOString(),
  );
  mapNewStages(db, 'demo', NOW.toISOString(), false);
  upsertOwners(db, 'demo', [
    { id: 'o1', name: 'Maria Lopez', email: 'maria@example.com', active: true },
    { id: 'o2', name: 'Sam Chen', email: null, active: true },
  ]);
  setOwnerSlackUser(db, 'demo', 'o1', 'U0MARIA');
  // Seven daily snapshots of ~$1M before today.
  for (let i = 1; i <= 7; i++) {
    const day = new Date(NOW.getTime() - i * 86_400_000).toISOString().slice(0, 10);
    saveSnapshotDay(db, 'demo', day, [{ pipelineId: 'p', canonical: 'Proposal', count: 10, value: 1_000_000, weighted: 400_000, reconstructed: i > 3, takenAt: NOW.toISOString() }]);
  }
  const world: World = { pipelineValue: 1_000_000, reps: [], stuck: [] };
  const reports = (async (name: string) => {
    switch (name) {
      case 'pipeline':
        return { ...base, stages: [], total: { count: 10, value: world.pipelineValue, weighted: world.pipelineValue * 0.4 } };
      case 'reps':
        return { ...base, since: '2026-10-25', until: '2026-11-24', activities_available: true, reps: world.reps };
      case 'deals':
        return { ...base, deals: world.stuck, total: world.stuck.length };
      default:
        throw new Error(`unexpected report ${name}`);
    }
  }) as unknown as ReportProvider;
  const pipeline: PipelineSource = { current: async () => [], at: async (i) => i.map(() => []), earliest: () => null };
  const messenger = new RecordingMessenger();
  const deps: AlertDeps = { db, crm: 'demo', timeZone: 'UTC', channel: 'CALERTS', messenger, reports, pipeline };
  return { db, world, deps, messenger };
}

function insertDeal(db: Db, id: string, stageId: string, amount: number, extra: { status?: string; ownerId?: string } = {}) {
  db.prepare(
    `INSERT INTO deals (crm, id, name, amount, currency, pipeline_id, stage_id, owner_id, created_at, status, stage_entered_at)
     VALUES ('demo', ?, ?, ?, 'USD', 'p', ?, ?, '2026-06-01T00:00:00.000Z', ?, '2026-09-01T00:00:00.000Z')
     ON CONFLICT (crm, id) DO UPDATE SET stage_id = excluded.stage_id, status = excluded.status`,
  ).run(id, `Deal ${id}`, amount, stageId, extra.ownerId ?? 'o1', extra.status ?? 'open');
}

const stuckRow = (id: string, amount: number, owner = 'Maria Lopez'): DealListRow => ({
  id,
  name: `Deal ${id}`,
  amount,
  stage: 'Proposal',
  crm_stage: 'Proposal made',
  owner,
  pipeline: 'Sales',
  days_in_stage: 84,
  stage_avg_days: 21,
  stuck_ratio: 4,
  close_date: '2026-12-15',
});

const rep = (id: string, name: string, lastActivity: string | null, openDeals = 3) => ({
  owner: name,
  owner_id: id,
  calls: 0,
  emails: 0,
  meetings: 0,
  tasks: 0,
  open_deals: openDeals,
  open_value: 90_000,
  won_value: 0,
  last_activity_at: lastActivity,
  hours_since_activity: null,
});

const posts = (calls: MessengerCall[]) => calls.filter((c) => c.kind === 'post') as Extract<MessengerCall, { kind: 'post' }>[];
const replies = (calls: MessengerCall[]) => calls.filter((c) => c.kind === 'reply') as Extract<MessengerCall, { kind: 'reply' }>[];
const updates = (calls: MessengerCall[]) => calls.filter((c) => c.kind === 'update') as Extract<MessengerCall, { kind: 'update' }>[];
const textOf = (c: { content: { blocks?: unknown[]; text: string } }) => JSON.stringify(c.content.blocks ?? c.content.text);

describe('alerts job', () => {
  it('announces each kind once, with one root per kind and one threaded reply per subject', async () => {
    const { db, world, deps, messenger } = setup();
    world.pipelineValue = 700_000; // 30% below the 7-day average
    world.reps = [rep('o1', 'Maria Lopez', '2026-11-19T10:00:00.000Z'), rep('o2', 'Sam Chen', '2026-11-23T15:00:00.000Z')];
    insertDeal(db, 'd1', 's-prop', 120_000);
    world.stuck = [stuckRow('d1', 120_000)];

    const r = await runAlertsJob(deps, NOW);
    expect(r.kinds.map((k) => [k.kind, k.announced])).toEqual([
      ['pipeline_drop', 1],
      ['rep_inactive', 1],
      ['stuck_deal', 1],
    ]);
    const roots = posts(messenger.calls);
    expect(roots).toHaveLength(3);
    expect(textOf(roots[0]!)).toContain('open pipeline is $700K, 30% below its 7-day average of $1M (alert threshold 20%)');
    // Maria: Thu 10:00 -> Tue 09:00 is 95 hours, 47 of them at the weekend: 71 working hours.
    expect(textOf(roots[1]!)).toContain('1 rep has logged no calls');
    const rs = replies(messenger.calls);
    expect(rs).toHaveLength(3);
    for (const [i, reply] of rs.entries()) expect(reply.threadTs).toBe(roots[i]!.ts);
    // The days averaged, oldest first; the ones rebuilt from stage history are starred.
    expect(textOf(rs[0]!)).toContain('Tue 17 $1M* · Wed 18 $1M* · Thu 19 $1M* · Fri 20 $1M* · Sat 21 $1M · Sun 22 $1M · Mon 23 $1M');
    expect(textOf(rs[1]!)).toContain('<@U0MARIA> (Maria Lopez)');
    expect(textOf(rs[1]!)).toContain('last logged activity Thu 19 Nov, 10:00 (71 hours ago, weekends not counted)');
    expect(textOf(rs[2]!)).toContain('Deal d1');
    expect(textOf(rs[2]!)).toContain('owner <@U0MARIA>');
    expect(textOf(rs[2]!)).toContain('for 84 days, usually 21 days (4.0×)');
    expect(listAlerts(db).map((a) => [a.kind, a.subject, a.state])).toEqual([
      ['pipeline_drop', 'pipeline', 'open'],
      ['rep_inactive', 'o1', 'open'],
      ['stuck_deal', 'd1', 'open'],
    ]);
  });

  it('does not alert a subject again while it is unchanged, until the quiet period has passed', async () => {
    const { db, world, deps, messenger } = setup();
    insertDeal(db, 'd1', 's-prop', 120_000);
    world.stuck = [stuckRow('d1', 120_000)];
    await runAlertsJob(deps, NOW);
    const after1 = messenger.calls.length;
    await runAlertsJob(deps, new Date(NOW.getTime() + 15 * 60_000));
    await runAlertsJob(deps, new Date(NOW.getTime() + 6 * 86_400_000));
    expect(messenger.calls.length).toBe(after1);
    // Seven days on and still stuck: said again, in a new thread.
    const r = await runAlertsJob(deps, new Date(NOW.getTime() + 7 * 86_400_000));
    expect(r.kinds.find((k) => k.kind === 'stuck_deal')?.announced).toBe(1);
    expect(posts(messenger.calls)).toHaveLength(2);
    expect(listAlerts(db, { kind: 'stuck_deal' })).toHaveLength(1);
    expect(listAlerts(db, { kind: 'stuck_deal' })[0]!.rootTs).toBe(posts(messenger.calls)[1]!.ts);
    expect(textOf(posts(messenger.calls)[1]!)).toContain('Alerted before and still the case.');
  });

  it('replies in the original thread when a subject resolves and updates that root with the new count', async () => {
    const { db, world, deps, messenger } = setup();
    insertDeal(db, 'd1', 's-prop', 120_000);
    insertDeal(db, 'd2', 's-prop', 80_000, { ownerId: 'o2' });
    world.stuck = [stuckRow('d1', 120_000), stuckRow('d2', 80_000, 'Sam Chen')];
    world.reps = [rep('o2', 'Sam Chen', '2026-11-19T10:00:00.000Z')];
    await runAlertsJob(deps, NOW);
    const stuckRoot = posts(messenger.calls).find((p) => textOf(p).includes('Stuck deals'))!;
    const repRoot = posts(messenger.calls).find((p) => textOf(p).includes('Rep inactivity'))!;
    messenger.calls.length = 0;

    // d1 moves to Negotiation, Sam logs a call; d2 is still stuck.
    insertDeal(db, 'd1', 's-neg', 120_000);
    world.stuck = [stuckRow('d2', 80_000, 'Sam Chen')];
    world.reps = [rep('o2', 'Sam Chen', '2026-11-24T09:30:00.000Z')];
    const r = await runAlertsJob(deps, new Date(NOW.getTime() + 3600_000));
    expect(r.kinds.map((k) => [k.kind, k.resolved, k.announced])).toEqual([
      ['pipeline_drop', 0, 0],
      ['rep_inactive', 1, 0],
      ['stuck_deal', 1, 0],
    ]);
    const rs = replies(messenger.calls);
    expect(rs.map((x) => [x.threadTs, x.content.text])).toEqual([
      [repRoot.ts, 'Resolved: Sam Chen has logged activity again.'],
      [stuckRoot.ts, 'Resolved: Deal d1 moved to Negotiation.'],
    ]);
    const ups = updates(messenger.calls);
    expect(ups.map((u) => u.ts)).toEqual([repRoot.ts, stuckRoot.ts]);
    expect(textOf(ups[1]!)).toContain('1 of 2 resolved · 1 still open');
    expect(textOf(ups[0]!)).toContain('All resolved');
    expect(posts(messenger.calls)).toHaveLength(0);
  });

  it('resolves the pipeline drop when the pipeline recovers', async () => {
    const { world, deps, messenger } = setup();
    world.pipelineValue = 700_000;
    await runAlertsJob(deps, NOW);
    const root = posts(messenger.calls)[0];
    world.pipelineValue = 950_000;
    await runAlertsJob(deps, new Date(NOW.getTime() + 3600_000));
    const last = replies(messenger.calls).at(-1)!;
    expect(last.threadTs).toBe(root!.ts);
    expect(last.content.text).toBe('Resolved: open pipeline recovered to $950K, 5% below the 7-day average.');
  });

  it('describes the largest stuck deals in the thread and counts the rest, without repeating them next run', async () => {
    const { db, world, deps, messenger } = setup();
    setSetting(db, 'alerts.stuck.max_replies', 3, NOW.toISOString());
    world.stuck = Array.from({ length: 5 }, (_, i) => stuckRow(`d${i}`, 10_000 * (i + 1)));
    for (const d of world.stuck) insertDeal(db, d.id, 's-prop', d.amount!);
    await runAlertsJob(deps, NOW);
    expect(posts(messenger.calls)).toHaveLength(1);
    expect(textOf(posts(messenger.calls)[0]!)).toContain('5 open deals have been in their stage more than 2× as long as usual, worth $150K. The 3 largest are in the thread');
    expect(replies(messenger.calls).map((r) => r.content.text.split(' ·')[0])).toEqual(['Deal d4', 'Deal d3', 'Deal d2']);
    await runAlertsJob(deps, new Date(NOW.getTime() + 15 * 60_000));
    expect(posts(messenger.calls)).toHaveLength(1);
    // d0 was only counted: when it moves, the root's count changes but no reply names it.
    insertDeal(db, 'd0', 's-neg', 10_000);
    world.stuck = world.stuck.filter((d) => d.id !== 'd0');
    const before = replies(messenger.calls).length;
    await runAlertsJob(deps, new Date(NOW.getTime() + 30 * 60_000));
    expect(replies(messenger.calls)).toHaveLength(before);
    expect(textOf(updates(messenger.calls)[0]!)).toContain('1 of 5 resolved · 4 still open');
  });

  it('looks up the Slack user of an owner not matched yet, to @-mention them', async () => {
    const { db, world, deps, messenger } = setup();
    insertDeal(db, 'd2', 's-prop', 80_000, { ownerId: 'o2' });
    world.stuck = [stuckRow('d2', 80_000, 'Sam Chen')];
    const asked: string[] = [];
    await runAlertsJob({ ...deps, slackUserForOwner: async (id) => (asked.push(id), id === 'o2' ? 'U0SAM' : null) }, NOW);
    expect(asked).toEqual(['o2']);
    expect(textOf(replies(messenger.calls)[0]!)).toContain('owner <@U0SAM>');
  });

  it('ignores an out-of-range threshold in settings and says so', async () => {
    const { db, deps } = setup();
    setSetting(db, 'alerts.pipeline_drop.threshold', 5, NOW.toISOString());
    const log: string[] = [];
    await runAlertsJob({ ...deps, log: (l) => log.push(l) }, NOW);
    expect(log[0]).toMatch(/^alerts: ignoring setting alerts.pipeline_drop.threshold=5 .*; using 0.2$/);
  });

  it('fails with a clear message when ALERT_CHANNEL is not set', async () => {
    const { deps } = setup();
    await expect(runAlertsJob({ ...deps, channel: undefined }, NOW)).rejects.toThrow('ALERT_CHANNEL is not set');
  });
});
