/**
 * The in-app sync runs in a worker thread (src/jobs/sync.ts): the worker's log lines reach the
 * app's log, its answer comes back as data, and a busy lease comes back as a SyncBusyError (what
 * /dealcast sync answers). syncInWorker itself (the worker's entry point, here on this thread)
 * syncs through its own connection and leaves the report tables current.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { SyncBusyError } from '../../src/errors.js';
import { runOffThread } from '../../src/sync/off-thread.js';
import { derivedState } from '../../store/deal-facts.js';
import { reviveSyncError, syncInWorker } from '../../src/jobs/sync.js';
import { tempDb } from '../helpers/db.js';

const TASK = new URL('../fixtures/off-thread/task.mjs', import.meta.url).href;

describe('runOffThread', () => {
  it('passes log lines back while it works, then the answer', async () => {
    const lines: string[] = [];
    const out = await runOffThread<{ value: string; thread: string }>(TASK, 'echo', ['山田'], { log: (l) => lines.push(l) });
    expect(out).toEqual({ value: '山田', thread: 'worker' });
    expect(lines).toEqual(['working on 山田']);
  });

  it('a busy sync in the worker is a SyncBusyError here, with its message and since', async () => {
    const lines: string[] = [];
    const err = await runOffThread(TASK, 'busy', [], { log: (l) => lines.push(l), revive: reviveSyncError }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncBusyError);
    expect((err as SyncBusyError).since).toBe('2026-11-24T09:00:00Z');
    expect((err as SyncBusyError).hint).toBe('It finishes on its own.');
    expect((err as Error).message).toContain('already running since 2026-11-24T09:00:00Z');
    expect(lines).toEqual(['checking the lease']);
  });
});

describe('syncInWorker', () => {
  it('syncs the configured CRM through its own connection and refreshes the report tables', async () => {
    const t = tempDb();
    try {
      const config = loadConfig({ envFile: null, env: { DEALCAST_DB: t.path, CRM: 'demo', DEMO_DEALS: '300' } });
      const lines: string[] = [];
      const { result, label } = await syncInWorker(t.path, config, { now: '2026-11-24T09:00:00Z' }, (l) => lines.push(l));
      expect(label).toBe('Demo CRM');
      expect(result.counts.deals).toBe(300);
      expect(result.derived?.mode).toBe('full');
      expect(derivedState(t.db, 'demo').status).toBe('fresh');
    } finally {
      t.cleanup();
    }
  }, 60_000);
});
