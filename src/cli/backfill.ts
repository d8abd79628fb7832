/**
 * `dealcast backfill [--limit N]`: fills missing stage-entry dates from the CRM's own history
 * (HubSpot dealstage property history, Pipedrive deal changelog), only where empty, so it is
 * always safe to rerun; reports how many deals gained dates.
 */
import { createConnector } from '../connectors/index.js';
import { UsageError } from '../errors.js';
import { backfillStageDates } from '../sync/backfill.js';
import { cliConfig, openStore, parseFlags, parseIntFlag, type CliIo } from './io.js';
import { plural } from '../views/numbers.js';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, { limit: { type: 'string' } }, 'backfill');
  const limit = parseIntFlag(values.limit, 'limit', 1, 10_000_000);
  const config = cliConfig(io);
  const bundle = createConnector(config, { now: new Date(), log: io.stdout });
  if (!bundle.connector.stageHistoryFor || !bundle.http) {
    await bundle.close?.();
    throw new UsageError(`${bundle.connector.label} keeps no stage history that dealcast can read, so there is nothing to backfill from.`, 'Stage dates for this CRM come from the changes dealcast observes between syncs.');
  }
  const db = openStore(config);
  try {
    const r = await backfillStageDates(db, bundle.connector, bundle.http, { limit, log: io.stdout });
    if (r.candidates === 0) {
      io.stdout('Every deal already has a stage-entry date: nothing to backfill.');
      return 0;
    }
    io.stdout(
      `${r.dealsGained} of ${r.asked} deals gained stage-entry dates from ${bundle.connector.label}'s history (${plural(r.rowsAdded, 'history entry', 'history entries')} added).` +
        (r.asked - r.dealsGained > 0 ? ` ${r.asked - r.dealsGained} had none in the CRM.` : '') +
        (r.asked < r.candidates ? ` ${r.candidates - r.asked} more are waiting: run again to continue.` : ''),
    );
    return 0;
  } finally {
    db.close();
    await bundle.close?.();
  }
}
