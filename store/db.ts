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
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
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
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
