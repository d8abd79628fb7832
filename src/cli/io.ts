/**
 * What every CLI subcommand shares: its output channels, parsing of common flags, and the
 * configuration + database it runs against.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { UsageError } from '../errors.js';
import { openDb, type Db } from '../../store/db.js';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Environment for config (tests); defaults to process.env inside loadConfig. */
  env?: Record<string, string | undefined>;
}

/** node:util parseArgs, with unknown flags turned into a UsageError naming them. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, command: string, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}`, `Run "dealcast help" or see README.md for "dealcast ${command}".`);
  }
}

/** --now ISO (for reproducible runs and tests); defaults to the current time. */
export function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--now "${value}" is not a date.`, 'Use ISO-8601, e.g. --now 2026-11-24T08:00:00Z.');
  return d;
}

export function parseIntFlag(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}.`);
  return n;
}

export function cliConfig(io: CliIo, overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig({ env: io.env, overrides });
}

/**
 * The configured database. `forReading`: a command that only reads (report, status, dashboard):
 * the file must exist, and a read-only file is opened read-only.
 */
export function openStore(config: Config, opts: { forReading?: boolean } = {}): Db {
  return openDb(config.DEALCAST_DB, { forReading: opts.forReading });
}

/**
 * The CRM whose data a read command shows: the configured one, or, when the database holds no
 * deals of it but holds one other CRM's (a CSV import read with CRM left at its default), that one.
 * The database remembers what it holds; CSV_PATH is needed only to import.
 */
export function crmInDb(db: Db, configured: string): string {
  const held = db.prepare('SELECT crm, COUNT(*) AS n FROM deals WHERE deleted_at IS NULL GROUP BY crm').all() as { crm: string; n: number }[];
  if (held.some((h) => h.crm === configured)) return configured;
  return held.length === 1 && held[0] ? held[0].crm : configured;
}
