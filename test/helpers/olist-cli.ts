/**
 * The Olist-shaped funnel fixture (leads, some won, no stage column) imported through the real
 * CLI, for tests of how reports treat a pipeline whose only stages are won and lost.
 */
import { main } from '../../src/cli.js';

export const OLIST_FIXTURE = new URL('../fixtures/csv/olist-like-funnel.csv', import.meta.url).pathname;

/** The column mapping docs/crm-csv.md gives for Olist's joined funnel file. */
export const OLIST_MAPPING = ['--map', 'id=mql_id', '--map', 'createdAt=first_contact_date', '--map', 'wonAt=won_date', '--map', 'source=origin', '--map', 'owner=sr_id', '--map', 'amount=declared_monthly_revenue'];

/** Runs `dealcast …argv` in-process on the database `db`; stdout and stderr together. */
export async function cliOn(db: string, ...argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => out.push(s), env: { DEALCAST_DB: db } });
  return { code, out: out.join('\n') };
}
