/**
 * Leases and claims: one holder at a time; a lease or a claimed run of a process that is gone is
 * taken over at once, an expired one too; a live holder's is never taken or marked interrupted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { getLease, holdLease, isHeld, THIS_HOLDER, tryAcquireLease } from '../../store/leases.js';
import { claimRun, finishJobRun, getJobRun, markInterruptedJobRuns, saveProgress } from '../../store/job-runs.js';
import { lastRun, markAbandonedRuns, startRun } from '../../store/sync-runs.js';
import { insertAlert, listAlerts } from '../../store/alert-log.js';
import { tempDb } from '../helpers/db.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function db() {
  const t = tempDb();
  cleanups.push(t.cleanup);
  return t.db;
}
/** The holder id of a process that has exited (a kill -9 leaves exactly this behind). */
function deadHolder(): string {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return `${hostname()}:${r.stdout.toString()}:dead0000`;
}
const liveOther = `${hostname()}:${process.ppid}:live0000`;

describe('leases', () => {
  it('one holder at a time; a dead holder is taken over at once, a live one only after expiry', async () => {
    const d = db();
    expect(tryAcquireLease(d, 'sync:demo', 60_000, new Date(), liveOther)).toMatchObject({ acquired: true });
    const busy = tryAcquireLease(d, 'sync:demo', 60_000);
    expect(busy).toMatchObject({ acquired: false, heldBy: { holder: liveOther } });
    // Expired: taken over even though the holder may be alive (it stopped renewing).
    expect(tryAcquireLease(d, 'sync:demo', 60_000, new Date(Date.now() + 61_000))).toMatchObject({ acquired: true, takenOver: { holder: liveOther } });
    expect(getLease(d, 'sync:demo')?.holder).toBe(THIS_HOLDER);

    const dead = deadHolder();
    expect(tryAcquireLease(d, 'job:alerts', 60_000, new Date(), dead)).toMatchObject({ acquired: true });
    const held = await holdLease(d, 'job:alerts');
    expect(isHeld(held)).toBe(true);
    // In this process the second caller waits for the first (or gives up at once without waitMs).
    expect(isHeld(await holdLease(d, 'job:alerts'))).toBe(false);
    const waiting = holdLease(d, 'job:alerts', { waitMs: 5_000 });
    if (isHeld(held)) held.release();
    const second = await waiting;
    expect(isHeld(second)).toBe(true);
    if (isHeld(second)) second.release();
    expect(getLease(d, 'job:alerts')).toBeNull();
  });
});

describe('claims', () => {
  it('a run left by a dead process is resumed with its steps; a live one is not touched; done is done', () => {
    const d = db();
    const now = '2026-11-24T08:00:00.000Z';
    expect(claimRun(d, 'digest', 'S1', now, { holder: deadHolder() })).toMatchObject({ claimed: true, resumed: false });
    d.prepare("UPDATE job_runs SET progress = ? WHERE slot = 'S1'").run(JSON.stringify({ root: { channel: 'C1', ts: '1.1' } }));
    const again = claimRun(d, 'digest', 'S1', now);
    expect(again).toMatchObject({ claimed: true, resumed: true, attempts: 2, progress: { root: { channel: 'C1', ts: '1.1' } } });
    expect(saveProgress(d, 'digest', 'S1', { root: { channel: 'C1', ts: '1.1' }, 'chart:x': true })).toBe(true);
    expect(finishJobRun(d, 'digest', 'S1', 'ok', now, '{}')).toBe(true);
    expect(claimRun(d, 'digest', 'S1', now)).toMatchObject({ claimed: false, run: { status: 'ok' } });

    expect(claimRun(d, 'digest', 'S2', now, { holder: liveOther })).toMatchObject({ claimed: true });
    expect(claimRun(d, 'digest', 'S2', now)).toMatchObject({ claimed: false, run: { status: 'running' } });
    expect(markInterruptedJobRuns(d, now, '2099-01-01T00:00:00.000Z')).toBe(0);
    expect(getJobRun(d, 'digest', 'S2')?.status).toBe('running');
  });

  it('a sync run of a live process is never marked interrupted; a dead one is', () => {
    const d = db();
    const live = startRun(d, 'demo', 'full', '2026-11-24T08:00:00.000Z', liveOther);
    expect(markAbandonedRuns(d, 'demo', '2026-11-24T09:00:00.000Z')).toEqual([]);
    d.prepare('UPDATE sync_runs SET holder = ? WHERE id = ?').run(deadHolder(), live);
    expect(markAbandonedRuns(d, 'demo', '2026-11-24T09:00:00.000Z').map((r) => r.id)).toEqual([live]);
    expect(lastRun(d, 'demo')).toMatchObject({ status: 'failed', error: 'interrupted (the process stopped mid-sync)' });
  });

  it('one open alert per subject: a second insert updates the open episode', () => {
    const d = db();
    const a = { kind: 'stuck_deal' as const, subject: 'D1', fingerprint: 'stage:1', channel: 'C', rootTs: '1.1', replyTs: '1.2', at: '2026-11-24T08:00:00.000Z', details: {} };
    const first = insertAlert(d, a);
    expect(insertAlert(d, { ...a, rootTs: '2.1', replyTs: '2.2' })).toBe(first);
    expect(listAlerts(d).map((e) => [e.subject, e.state, e.rootTs])).toEqual([['D1', 'open', '2.1']]);
    expect(() => d.prepare("INSERT INTO alert_log (kind, subject, fingerprint, state, first_alerted_at, last_alerted_at) VALUES ('stuck_deal', 'D1', 'x', 'open', 'a', 'a')").run()).toThrow(/UNIQUE/);
  });
});
