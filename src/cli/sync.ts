/** `dealcast sync [--full] [--now ISO] [--seed N] [--deals N]`: one sync of the configured CRM. */
import { createConnector, forecastCategoryField } from '../connectors/index.js';
import { runSync } from '../sync/engine.js';
import { cliConfig, escapeControl, openStore, parseFlags, parseIntFlag, parseNowArg, teamTimeZone, type CliIo } from './io.js';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(
    argv,
    { full: { type: 'boolean' }, now: { type: 'string' }, seed: { type: 'string' }, deals: { type: 'string' } },
    'sync',
  );
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
      now: values.now ? now : undefined,
      http,
      log,
      progress: true,
      afterSync,
      waitMs: config.SYNC_WAIT_MINUTES * 60_000,
    }).finally(() => close?.());
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    io.stdout(
      `Done in ${secs}s (${result.mode}): ${Object.entries(result.counts)
        .map(([k, v]) => `${v} ${k.replace('_', ' ')}`)
        .join(', ')}${result.deleted ? `; ${result.deleted} deals gone from the CRM marked deleted` : ''}.`,
    );
    if (result.newStages && result.mode === 'incremental') io.stdout(`${result.newStages} new CRM stage(s) were mapped automatically: review them with "dealcast status".`);
    return 0;
  } finally {
    db.close();
  }
}
