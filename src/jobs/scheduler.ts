/**
 * The only node-cron user. Runs the sync job on SYNC_CRON in DEALCAST_TIMEZONE inside the app's
 * process; a failing run is logged and retried on its next slot, and never stops the schedule.
 * (The digest, snapshot and alert jobs join here with their ledger in issue #9.)
 */
import cron from 'node-cron';
import type { Config } from '../config.js';
import { describeError } from '../errors.js';
import type { SyncJob } from './sync.js';

export interface Scheduler {
  stop(): Promise<void>;
  /** Next planned sync, for status messages. */
  nextSync(): Date | null;
  /** Runs the scheduled sync now, exactly as a cron tick would (tests, admin tools). */
  tickSync(): Promise<void>;
}

export interface SchedulerDeps {
  config: Pick<Config, 'SYNC_CRON' | 'DEALCAST_TIMEZONE'>;
  sync: SyncJob;
  log: (line: string) => void;
}

export function startScheduler(deps: SchedulerDeps): Scheduler {
  const task = cron.schedule(
    deps.config.SYNC_CRON,
    async () => {
      try {
        await deps.sync.run();
      } catch (err) {
        deps.log(`sync: scheduled run failed: ${describeError(err)}`);
      }
    },
    { name: 'sync', timezone: deps.config.DEALCAST_TIMEZONE, noOverlap: true },
  );
  return {
    async stop() {
      await task.stop();
      await task.destroy();
    },
    nextSync: () => task.getNextRun(),
    tickSync: async () => {
      await task.execute();
    },
  };
}

/** "every 15 minutes (*\/15 * * * *, UTC)"-style description of the sync schedule. */
export function describeSyncSchedule(config: Pick<Config, 'SYNC_CRON' | 'DEALCAST_TIMEZONE'>): string {
  const m = /^\*\/(\d+) \* \* \* \*$/.exec(config.SYNC_CRON);
  const words = m ? `every ${m[1]} minutes` : config.SYNC_CRON === '0 * * * *' ? 'hourly' : 'on a schedule';
  return `${words} (\`${config.SYNC_CRON}\`, ${config.DEALCAST_TIMEZONE})`;
}
