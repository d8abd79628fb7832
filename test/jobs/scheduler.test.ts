import { describe, expect, it } from 'vitest';
import { describeSyncSchedule, startScheduler } from '../../src/jobs/scheduler.js';
import type { SyncJob } from '../../src/jobs/sync.js';

describe('scheduler', () => {
  it('runs the sync on its cron in the configured zone; a failing run is logged and the schedule goes on', async () => {
    let calls = 0;
    const sync: SyncJob = {
      running: false,
      run: async () => {
        calls++;
        if (calls === 1) throw new Error('CRM unreachable');
        return { runId: 2, mode: 'incremental', counts: {}, deleted: 0, startedAt: '', finishedAt: '', newStages: 0, derived: null };
      },
    };
    const logs: string[] = [];
    const s = startScheduler({ config: { SYNC_CRON: '*/15 * * * *', DEALCAST_TIMEZONE: 'Europe/Berlin' }, sync, log: (l) => logs.push(l) });
    try {
      const next = s.nextSync();
      expect(next).toBeInstanceOf(Date);
      expect(next!.getUTCMinutes() % 15).toBe(0);
      await s.tickSync();
      expect(logs).toEqual(['sync: scheduled run failed: CRM unreachable']);
      await s.tickSync();
      expect(calls).toBe(2);
      expect(logs).toHaveLength(1);
    } finally {
      await s.stop();
    }
  });

  it('describes the schedule for /dealcast status', () => {
    expect(describeSyncSchedule({ SYNC_CRON: '*/15 * * * *', DEALCAST_TIMEZONE: 'UTC' })).toBe('every 15 minutes (`*/15 * * * *`, UTC)');
    expect(describeSyncSchedule({ SYNC_CRON: '0 6 * * 1-5', DEALCAST_TIMEZONE: 'Europe/Berlin' })).toBe('on a schedule (`0 6 * * 1-5`, Europe/Berlin)');
  });
});
