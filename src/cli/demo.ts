/**
 * `dealcast demo [--seed N] [--deals N] [--now ISO] [--out DIR]`: syncs the built-in demo CRM
 * into the database and shows what dealcast reports, with no accounts and no configuration.
 */
import { createDemoConnector, DemoCrm, DEMO_WINDOW_WEEKS } from '../connectors/demo.js';
import { saveDealSnapshotRows } from '../../store/deal-snapshots.js';
import { localDay } from '../time/calendar.js';
import type { Db } from '../../store/db.js';
import { runSync } from '../sync/engine.js';
import { countDeals } from '../../store/deals.js';
import { clearCrmData } from '../../store/crm-data.js';
import { getState, setState } from '../../store/internal-state.js';
import { openDb } from '../../store/db.js';
import { cliConfig, parseFlags, parseIntFlag, parseNowArg, teamTimeZone, type CliIo } from './io.js';
import { writeDemoReports } from './demo-reports.js';
import { showDigestAndAlerts } from './demo-jobs.js';
import { seedDemoTargets } from './demo-targets.js';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(
    argv,
    { seed: { type: 'string' }, deals: { type: 'string' }, now: { type: 'string' }, out: { type: 'string' }, db: { type: 'string' } },
    'demo',
  );
  const nowIn = parseNowArg(values.now);
  // The demo always uses the demo CRM; it shares the configured database only when that is
  // the demo's too, so it never mixes into a real CRM's copy.
  const base = cliConfig(io);
  const dbPath = values.db ?? (base.CRM === 'demo' ? base.DEALCAST_DB : './data/demo.db');
  const seed = parseIntFlag(values.seed, 'seed', 0, 2 ** 31 - 1) ?? base.DEMO_SEED;
  const deals = parseIntFlag(values.deals, 'deals', 10, 1_000_000) ?? base.DEMO_DEALS;
  const outDir = values.out ?? './out';

  const db = openDb(dbPath);
  const timeZone = teamTimeZone(db, base);
  const now = nowIn(timeZone);
  try {
    const params = { seed, deals };
    const previous = getState<{ seed: number; deals: number } | null>(db, 'demo.dataset', null);
    if (previous && (previous.seed !== seed || previous.deals !== deals)) {
      io.stdout(`Demo data set changed (seed ${previous.seed} → ${seed}, ${previous.deals} → ${deals} deals): starting afresh.`);
      clearCrmData(db, 'demo');
    }
    setState(db, 'demo.dataset', params, now.toISOString());
    io.stdout(`dealcast demo: ${deals.toLocaleString('en-US')} synthetic deals (seed ${seed}) as of ${now.toISOString()} → ${dbPath}`);
    const t0 = Date.now();
    const result = await runSync(db, createDemoConnector({ seed, deals, now }), {
      now: values.now ? now : undefined,
      log: io.stdout,
      progress: true,
    });
    const c = countDeals(db, 'demo');
    io.stdout(`Synced in ${((Date.now() - t0) / 1000).toFixed(1)}s (${result.mode}): ${c.open} open, ${c.won} won, ${c.lost} lost deals.`);
    const snapshotted = seedDemoDealSnapshots(db, new DemoCrm({ seed, deals, now }), now, timeZone);
    if (snapshotted) io.stdout(`Weekly deal snapshots of the past ${snapshotted} weeks replayed from the demo CRM (close dates and forecast categories as they stood each week, for the forecast and the commit bias).`);
    const seeded = seedDemoTargets(db, now, timeZone);
    io.stdout(`Targets for ${seeded.label} from the demo CRM: ${seeded.added} new, ${seeded.changed} changed, ${seeded.unchanged} unchanged.`);
    await showReports({ io, db, now, timeZone, outDir });
    await showDigestAndAlerts({ io, db, config: base, now, outDir });
    return 0;
  } finally {
    db.close();
  }
}

/** The reports part of the demo (headline KPIs, chart PNGs, summary.json into outDir): src/cli/demo-reports.ts. */
async function showReports(ctx: { io: CliIo; db: import('../../store/db.js').Db; now: Date; timeZone: string; outDir: string }): Promise<void> {
  await writeDemoReports({ ...ctx, crm: 'demo' });
}

/**
 * Weeks of past deal snapshots the demo replays: the demo CRM's whole window, so that the commit
 * report has quarters of history to learn each rep's bias from and every week of the year-long
 * backtest has the expected close dates as they stood then (close-date.ts).
 */
export const DEMO_SNAPSHOT_WEEKS = DEMO_WINDOW_WEEKS;

/**
 * The weekly deal snapshots a running dealcast would have taken over the past weeks, replayed
 * from the demo CRM (which can show any past week), so the commit report has history to learn
 * each rep's bias from. Days already snapshotted are left alone. Returns the weeks written.
 */
export function seedDemoDealSnapshots(db: Db, crm: DemoCrm, now: Date, timeZone: string): number {
  let written = 0;
  for (let w = 1; w <= DEMO_SNAPSHOT_WEEKS; w++) {
    const at = now.getTime() - w * 7 * 86_400_000;
    if (saveDealSnapshotRows(db, 'demo', localDay(new Date(at), timeZone), new Date(at).toISOString(), crm.openDealsAt(at)) > 0) written++;
  }
  return written;
}
