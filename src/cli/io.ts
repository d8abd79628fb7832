/**
 * What every CLI subcommand shares: its output channels, parsing of common flags, and the
 * configuration + database it runs against.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { UsageError } from '../errors.js';
import { openDb, type Db } from '../../store/db.js';
import { resolveTeamSettings } from '../settings/resolve.js';
import { parseInstant } from '../time/parse.js';

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

/**
 * --now (for reproducible runs and tests); defaults to the current time. An instant with Z or an
 * offset is that instant; a date (2026-11-24) or a time without a zone (2026-11-24T08:00) is read
 * in the team's time zone. A date that does not exist (2026-02-30) is refused, never rolled over.
 */
export function parseNow(value: string | undefined, timeZone: string): Date {
  return parseNowArg(value)(timeZone);
}

/**
 * parseNow in two steps, for commands that learn the team's zone from the database: the text is
 * checked at once (a bad --now is refused before anything is opened), the instant is read in the
 * zone given later.
 */
export function parseNowArg(value: string | undefined): (timeZone: string) => Date {
  if (value === undefined) {
    const now = new Date();
    return () => now;
  }
  const check = parseInstant(value, 'UTC');
  if (!check.ok) throw new UsageError(`--now ${check.message}`, 'Use ISO 8601, e.g. --now 2026-11-24T08:00:00Z, or --now 2026-11-24 for the start of that day in the team\'s time zone.');
  return (timeZone) => {
    const parsed = parseInstant(value, timeZone);
    if (!parsed.ok) throw new UsageError(`--now ${parsed.message}`);
    return parsed.value;
  };
}

/** The team's time zone in effect: the admin's setting saved in Slack, else DEALCAST_TIMEZONE. */
export function teamTimeZone(db: Db, config: Config): string {
  return resolveTeamSettings(db, config).timeZone;
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
  return openDb(config.DEALCAST_DB, { forReading: opts.forReading, busyTimeoutMs: config.DB_BUSY_TIMEOUT_SECONDS * 1000 });
}

/**
 * The CRM whose data a read command shows: the configured one, or, when the database holds no
 * deals of it but holds one other CRM's (a CSV import read with CRM left at its default), that one.
 * Deleted deals count as held: a CRM whose every deal was deleted is still the one the database
 * is about (its reports say there are no deals), not a reason to show another CRM's data.
 * The database remembers what it holds; CSV_PATH is needed only to import.
 */
export function crmInDb(db: Db, configured: string): string {
  const held = db.prepare('SELECT crm, SUM(deleted_at IS NULL) AS live FROM deals GROUP BY crm').all() as { crm: string; live: number }[];
  if (held.some((h) => h.crm === configured)) return configured;
  const live = held.filter((h) => h.live > 0);
  if (live.length === 1) return live[0]!.crm;
  return live.length === 0 && held.length === 1 ? held[0]!.crm : configured;
}

/** A log line as one line: newlines, tabs and other control characters written as escapes (\n, \u001b). */
export function escapeControl(line: string): string {
  let out = '';
  for (const c of line) {
    const code = c.codePointAt(0) ?? 0;
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
    if (!control) out += c;
    else out += c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return out;
}
