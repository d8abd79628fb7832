#!/usr/bin/env node
/**
 * dealcast's command line. A table of subcommands; each lives in src/cli/<name>.ts and exports
 * `run(argv, io)`. Errors are one clear sentence plus what to do, with a non-zero exit.
 */
import { describeError, DealcastError, UsageError } from './errors.js';
import { describeSqliteError, lastOpenedDbPath } from '../store/db.js';
import type { CliIo } from './cli/io.js';

type Subcommand = { summary: string; load: () => Promise<{ run(argv: string[], io: CliIo): Promise<number> }> };

const SUBCOMMANDS: Record<string, Subcommand> = {
  demo: { summary: 'sync the built-in demo CRM and show every report', load: () => import('./cli/demo.js') },
  sync: { summary: 'sync the configured CRM into the database [--full]', load: () => import('./cli/sync.js') },
  'import-csv': { summary: 'import a CRM deals export (CSV) [--history FILE] [--mapping FILE] [--map field=Header]', load: () => import('./cli/import-csv.js') },
  'import-targets': { summary: 'import sales targets from a CSV (period,start,scope,name,currency,amount) [--crm NAME]', load: () => import('./cli/import-targets.js') },
  dashboard: { summary: 'write the self-contained dashboard page [--out FILE.html] [--password-env VAR]', load: () => import('./cli/dashboard.js') },
  backfill: { summary: 'fill missing stage-entry dates from the CRM\'s own history (safe to rerun) [--limit N]', load: () => import('./cli/backfill.js') },
  report: {
    summary: 'one report as a table, --json or a chart --out FILE.png (pipeline, forecast, funnel, velocity, reps, deals, sources, quality, backtest, quota)',
    load: () => import('./cli/report.js'),
  },
  status: { summary: 'last sync per stream, row counts, freshness, stages needing review', load: () => import('./cli/status.js') },
  start: { summary: 'run the Slack app (Socket Mode or HTTP) with the sync schedule', load: () => import('./cli/start.js') },
  digest: { summary: 'post the digest once now [--dry-run] [--now ISO] [--out DIR]', load: () => import('./cli/digest.js') },
  alerts: { summary: 'run the alert checks once now [--dry-run] [--now ISO]', load: () => import('./cli/alerts.js') },
};

export function usage(): string {
  const width = Math.max(...Object.keys(SUBCOMMANDS).map((k) => k.length));
  return [
    'Usage: dealcast <command> [options]',
    '',
    'Commands:',
    ...Object.entries(SUBCOMMANDS).map(([k, v]) => `  ${k.padEnd(width)}  ${v.summary}`),
    '',
    'Configuration comes from the environment and ./.env (see README.md).',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(usage());
    return name ? 0 : 2;
  }
  const sub = SUBCOMMANDS[name];
  if (!sub) {
    io.stderr(`Unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  try {
    const mod = await sub.load();
    return await mod.run(rest, io);
  } catch (caught) {
    // SQLite errors that surface mid-command (a lock, damage found while reading): one sentence.
    const err = describeSqliteError(caught, lastOpenedDbPath() ?? 'DEALCAST_DB') ?? caught;
    io.stderr(`dealcast ${name}: ${describeError(err)}`);
    if (!(err instanceof DealcastError) && err instanceof Error && err.stack) io.stderr(err.stack);
    return err instanceof UsageError ? 2 : 1;
  }
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry || process.argv[1]?.endsWith('/dealcast') || process.argv[1]?.endsWith('cli.js')) {
  const io: CliIo = { stdout: (s) => process.stdout.write(`${s}\n`), stderr: (s) => process.stderr.write(`${s}\n`) };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`${describeError(err)}\n`);
      process.exitCode = 1;
    },
  );
}
