/**
 * `dealcast sync [--full [--confirm-deletions]] [--now ISO] [--seed N] [--deals N]`: one sync of
 * the configured CRM. Exits 1 when a full sync held its deletions back (src/sync/engine.ts, MASS_DELETION_*).
 */
import { UsageError } from '../errors.js';
import { createConnector, forecastCategoryField } from '../connectors/index.js';
import { runSync } from '../sync/engine.js';
import { plural } from '../views/numbers.js';
import { describeSyncCounts } from '../views/sync-counts.js';
import { cliConfig, escapeControl, openStore, parseFlags, parseIntFlag, parseNowArg, teamTimeZone, type CliIo } from './io.js';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(
    argv,
    { full: { type: 'boolean' }, 'confirm-deletions': { type: 'boolean' }, now: { type: 'string' }, seed: { type: 'string' }, deals: { type: 'string' } },
    'sync',
  );
  if (values['confirm-deletions'] && !values.full) throw new UsageError('--confirm-deletions goes with --full.', 'Only a full sync marks deals gone from the CRM deleted.');
  const nowIn = parseNowArg(values.now);
  const config = cliConfig(io);
  const db = openStore(config);
  const now = nowIn(teamTimeZone(db, config));
  // Log lines carry CRM text (error bodies, field names): one line each, whatever it holds.
  const log = (line: string) => io.stdout(escapeControl(line));
  try {
    const { connector, http, afterSync, close } = createConnector(config, {
      now,
      seed: parseIntFlag(values.seed, 'seed', 0, 2 ** 31 - 1),
      deals: parseIntFlag(values.deals, 'deals', 10, 1_000_000),
      log,
      forecastCategoryField: forecastCategoryField(db),
    });
    io.stdout(`Syncing ${connector.label}${values.full ? ' (full)' : ''} into ${config.DEALCAST_DB}…`);
    const t0 = Date.now();
    // A sync of this CRM already running (another process) is waited for, then this one runs.
    const result = await runSync(db, connector, {
      full: values.full,
      confirmDeletions: values['confirm-deletions'],
      now: values.now ? now : undefined,
      http,
      log,
      progress: true,
      afterSync,
      waitMs: config.SYNC_WAIT_MINUTES * 60_000,
    }).finally(() => close?.());
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    io.stdout(
      `Done in ${secs}s (${result.mode}): ${describeSyncCounts(result.counts)}${result.deleted ? `; ${plural(result.deleted, 'deal', 'deals')} gone from the CRM marked deleted` : ''}${
          result.keptUnread ? `; ${plural(result.keptUnread, 'deal whose rows could not be read keeps its', 'deals whose rows could not be read keep their')} last data` : ''
        }.`,
    );
    if (result.newStages && result.mode === 'incremental') io.stdout(`${plural(result.newStages, 'new CRM stage was', 'new CRM stages were')} mapped automatically: review them with "dealcast status".`);
    const held = result.deletionsHeld;
    if (held) {
      // The engine has logged which deletions it held back and why.
      io.stdout(
        held.kind === 'mass-deletion'
          ? 'If those deals really are gone, run "dealcast sync --full --confirm-deletions" to mark them deleted.'
          : 'To mark deals gone from the CRM deleted, fix the rows reported above and sync again with --full.',
      );
      return 1;
    }
    return 0;
  } finally {
    db.close();
  }
}
