/**
 * Opens the SQLite database: WAL, foreign keys on, numbered migrations applied at open.
 * The schema version lives in PRAGMA user_version. An older database is upgraded in place,
 * one migration per transaction; a newer one is refused with a clear message.
 */
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
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
}

/**
 * How long a writer waits for another connection's write transaction before "database is
 * locked". Write transactions are BEGIN IMMEDIATE (better-sqlite3's `.immediate()`): they take the
 * write lock first, so this wait applies (a deferred transaction that reads, then writes, fails at
 * once instead). Long derived-table rebuilds commit in chunks well under this.
 */
export const BUSY_TIMEOUT_MS = 30_000;

export function openDb(path: string, opts: OpenOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: Db;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false });
  } catch (cause) {
    throw new StoreError(`Cannot open the database at ${path}: ${(cause as Error).message}`, 'Check DEALCAST_DB and that the folder is writable.', {
      cause,
    });
  }
  // First, so that everything after it (even switching to WAL) waits for another process's write.
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  if (!opts.readonly) migrate(db, loadMigrations(), opts.targetVersion);
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
