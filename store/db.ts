/**
 * Opens the SQLite database: WAL, foreign keys on, numbered migrations applied at open.
 * The schema version lives in PRAGMA user_version. An older database is upgraded in place,
 * one migration per transaction; a newer one is refused with a clear message.
 */
import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreError } from '../src/errors.js';

export type Db = Database.Database;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Every migration file `NNN_name.sql`, in order. Versions must be 1, 2, 3… without gaps. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  return files.map((f, i) => {
    const version = Number(f.slice(0, 3));
    if (version !== i + 1) throw new StoreError(`Migration ${f} is out of sequence (expected ${String(i + 1).padStart(3, '0')}).`);
    return { version, name: f.replace(/\.sql$/, ''), sql: readFileSync(join(dir, f), 'utf8') };
  });
}

export interface OpenOptions {
  /** Apply migrations up to this version only (tests of upgrades). */
  targetVersion?: number;
  readonly?: boolean;
  /**
   * For commands that only read: the database must already exist (a mistyped DEALCAST_DB creates
   * nothing), and a file the process may not write is opened read-only instead of failing.
   */
  forReading?: boolean;
  /** How long a write waits for another process's write lock (default BUSY_TIMEOUT_MS). */
  busyTimeoutMs?: number;
}

/** SQLite's error codes, as one sentence with what to do. */
export function describeSqliteError(err: unknown, path: string): StoreError | null {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  const base = code.split('_').slice(0, 2).join('_');
  const opts = { cause: err };
  switch (base) {
    case 'SQLITE_NOTADB':
      return new StoreError(`${path} is not a dealcast database (it is not an SQLite file).`, 'Point DEALCAST_DB at your dealcast database, or move this file away and run "dealcast sync" to create a new one.', opts);
    case 'SQLITE_CORRUPT':
      return new StoreError(`The database at ${path} is damaged (SQLite reports it malformed).`, 'Restore it from a backup, or move it away and run "dealcast sync" (or "dealcast import-csv") to rebuild it from the source.', opts);
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new StoreError(`The database at ${path} is locked by another process (a sync or "dealcast start" writing to it).`, 'Try again in a minute; if it stays locked, stop the other dealcast process first.', opts);
    case 'SQLITE_READONLY':
      return new StoreError(`The database at ${path} is read-only, and this command needs to write to it.`, 'Make the file and its folder writable, or use a command that only reads (dealcast report, status, dashboard).', opts);
    case 'SQLITE_CANTOPEN':
      return new StoreError(`Cannot open the database at ${path}.`, 'Check DEALCAST_DB: its folder must exist and be readable (and writable for commands that change data).', opts);
    case 'SQLITE_FULL':
      return new StoreError(`The disk holding ${path} is full.`, 'Free some space and run the command again.', opts);
    case 'SQLITE_IOERR':
      return new StoreError(`Reading or writing the database at ${path} failed (an I/O error).`, 'Check the disk and the file, then run the command again.', opts);
    default:
      return new StoreError(`The database at ${path} answered with an error: ${(err as Error).message}.`, 'Check DEALCAST_DB and the file.', opts);
  }
}

/** The database path last opened in this process (to word SQLite errors that surface mid-command). */
let lastPath: string | undefined;
export function lastOpenedDbPath(): string | undefined {
  return lastPath;
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    accessSync(dirname(path), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The database file loaded into memory, WAL flag cleared (SQLite cannot deserialize a WAL image). */
function inMemoryCopy(path: string): Db {
  const bytes = readFileSync(path);
  if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) {
    bytes[18] = 1;
    bytes[19] = 1;
  }
  return new Database(bytes);
}

/**
 * How long a writer waits for another connection's write transaction before "database is
 * locked". Write transactions are BEGIN IMMEDIATE (better-sqlite3's `.immediate()`): they take the
 * write lock first, so this wait applies (a deferred transaction that reads, then writes, fails at
 * once instead). Long derived-table rebuilds commit in chunks well under this.
 */
export const BUSY_TIMEOUT_MS = 30_000;

export function openDb(path: string, opts: OpenOptions = {}): Db {
  const memory = path === ':memory:' || path === '';
  if (!memory && opts.forReading && !existsSync(path)) {
    throw new StoreError(
      `There is no database at ${path}.`,
      'Check DEALCAST_DB for a typo; to create one, run "dealcast sync", "dealcast import-csv FILE" or "dealcast demo".',
    );
  }
  if (!memory && !opts.forReading) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (cause) {
      throw new StoreError(`Cannot create the folder for the database at ${path}.`, 'Check DEALCAST_DB and that its parent folder exists and is writable.', { cause });
    }
  }
  lastPath = path;
  const readonly = opts.readonly ?? (opts.forReading === true && !memory && !writable(path));
  let db: Db;
  try {
    db = new Database(path, { readonly, fileMustExist: opts.forReading === true });
  } catch (cause) {
    throw (
      describeSqliteError(cause, path) ??
      new StoreError(`Cannot open the database at ${path}: ${(cause as Error).message}`, 'Check DEALCAST_DB and that the folder exists and is writable.', { cause })
    );
  }
  try {
    // First, so that everything after it (even switching to WAL) waits for another process's write.
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS}`);
    // The first read: a file that is not SQLite, or is damaged, fails here rather than mid-command.
    try {
      db.pragma('schema_version');
    } catch (err) {
      // A WAL database in a folder we may not write: SQLite cannot create the shared-memory file
      // it reads through. Read a copy in memory instead (the file is never touched).
      const code = String((err as { code?: unknown }).code ?? '');
      if (!readonly || !/^SQLITE_(READONLY|CANTOPEN)/.test(code)) throw err;
      db.close();
      db = inMemoryCopy(path);
      db.pragma('schema_version');
    }
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    if (!readonly) migrate(db, loadMigrations(), opts.targetVersion);
    else if (opts.forReading) {
      const migrations = loadMigrations();
      const latest = migrations[migrations.length - 1]?.version ?? 0;
      if (schemaVersion(db) < latest) {
        throw new StoreError(`The database at ${path} is read-only and needs an upgrade to this version of dealcast.`, 'Open it once with write access (any dealcast command) to upgrade it.');
      }
    }
  } catch (err) {
    try {
      db.close();
    } catch {
      /* already closed */
    }
    throw describeSqliteError(err, path) ?? err;
  }
  lastPath = path;
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db, migrations: Migration[], targetVersion?: number): void {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const current = schemaVersion(db);
  if (current > latest) {
    db.close();
    throw new StoreError(
      `This database has schema version ${current}, newer than this dealcast understands (up to ${latest}).`,
      'Upgrade dealcast (npm install dealcast@latest), or point DEALCAST_DB at another file.',
    );
  }
  const target = targetVersion ?? latest;
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      // Another process opening the same file may have applied it while we waited for the lock.
      if (schemaVersion(db) >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
